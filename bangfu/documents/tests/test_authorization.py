"""Who may reach each URL of the documents: readers draft summaries, administrators manage the
templates (a unit administrator their own units'), the handbook follows the household's own
visibility (a helper for their own household), and the outsider gets 404 on every object of
county A."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.core.testing import UrlCase, assert_covers, build_world, check, matrix
from bangfu.documents.models import DocumentTemplate
from bangfu.documents.selectors import default_template
from bangfu.documents.services import template_upload

pytestmark = [pytest.mark.django_db]

NAMESPACE = "documents"
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def _template(world):
    if "template" not in world.extra:
        world.extra["template"] = template_upload(
            actor=world.admin, org=world.a, name="甲县.docx", data=default_template()
        )
    return world.extra["template"]


def _upload(world):
    return {
        "org": world.a.pk,
        "file": SimpleUploadedFile("新模板.docx", default_template()),
    }


READERS = {"admin": 200, "unit_admin": 200, "inspector": 200}
ADMINS = {"admin": 200, "unit_admin": 200}

CASES = [
    UrlCase("summary", READERS),
    UrlCase(
        "summary_download",
        # The outsider's form refuses a unit it cannot read: the page again, with the error.
        {**READERS, "outsider": 200},
        data=lambda w: {"org": w.a.pk, **PERIOD},
    ),
    UrlCase("templates", ADMINS),
    UrlCase(
        "template_upload",
        # Done: back to the list; the outsider's unknown unit: the form again with the error.
        {"admin": 302, "unit_admin": 302, "outsider": 200},
        method="post",
        data=_upload,
    ),
    UrlCase("template_default", ADMINS),
    UrlCase("template_download", ADMINS, kwargs=lambda w: {"pk": _template(w).pk}),
    UrlCase(
        "template_delete",
        {"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": _template(w).pk},
        method="post",
    ),
    UrlCase(
        "handbook",
        {**READERS, "helper": 200},
        kwargs=lambda w: {"pk": w.household.pk},
    ),
]


def test_every_url_has_a_case():
    assert_covers(NAMESPACE, CASES)


@pytest.fixture
def world(db):
    from bangfu.activities.tests.factories import build_activity_world

    return build_activity_world(build_world())


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, NAMESPACE, case, persona)


def test_unit_admin_cannot_touch_the_platform_template(world, client):
    platform = template_upload(
        actor=world.admin, org=None, name="全平台.docx", data=default_template()
    )
    client.force_login(world.unit_admin)
    # May download it (to start from), not delete or replace it.
    assert client.get(reverse("documents:template_download", args=[platform.pk])).status_code == 200
    assert client.post(reverse("documents:template_delete", args=[platform.pk])).status_code == 404
    response = client.post(
        reverse("documents:template_upload"),
        {"org": "", "file": SimpleUploadedFile("x.docx", default_template())},
    )
    assert response.status_code == 200
    assert DocumentTemplate.objects.get(org=None).name == "全平台.docx"
