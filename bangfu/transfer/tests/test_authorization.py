"""Every URL of the import/export pages against every persona."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.core.testing import UrlCase, assert_covers, check, client_for, matrix
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

READERS = {"admin": 200, "unit_admin": 200, "inspector": 200}
ADMINS = {"admin": 200, "unit_admin": 200}
TOKEN = "A" * 32  # not in anybody's session
CASES = [
    UrlCase("index", expect=READERS),
    UrlCase("template", expect=READERS, data=lambda w: {"kind": "households"}),
    UrlCase("export", expect=READERS, data=lambda w: {"kind": "persons"}),
    # Without a file the form comes back with its error.
    UrlCase("upload", method="post", expect=ADMINS, data=lambda w: {"kind": "persons"}),
    # An upload is reachable only from the session that made it.
    UrlCase("errors", expect={}, kwargs=lambda w: {"token": TOKEN}),
    UrlCase("confirm", method="post", expect={}, kwargs=lambda w: {"token": TOKEN}),
    UrlCase("mapping", method="post", expect={}, kwargs=lambda w: {"token": TOKEN}),
    UrlCase("discard", method="post", expect={}, kwargs=lambda w: {"token": TOKEN}),
]


def test_every_url_has_a_case():
    assert_covers("transfer", CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "transfer", case, persona)


@pytest.mark.django_db
def test_an_upload_belongs_to_the_session_that_made_it(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "身份证号", "所属组织编码"], [["甲", new_id(1), "450123100201"]])
    owner = client_for(world, "unit_admin")
    response = owner.post(
        reverse("transfer:upload"),
        {"kind": "persons", "file": SimpleUploadedFile("p.xlsx", path.read_bytes())},
    )
    token = response.context["upload"].token
    for persona in ("admin", "outsider", "unit_admin"):
        other = client_for(world, persona)  # a new session, even for the same account
        assert other.post(reverse("transfer:confirm", args=[token])).status_code == 404
        assert other.get(reverse("transfer:errors", args=[token])).status_code == 404
    assert owner.post(reverse("transfer:discard", args=[token])).status_code == 302
    assert owner.post(reverse("transfer:confirm", args=[token])).status_code == 404


@pytest.mark.django_db
def test_unknown_kinds_are_not_found(world):
    client = client_for(world, "admin")
    assert client.get(reverse("transfer:template"), {"kind": "pairs"}).status_code == 404
    assert client.get(reverse("transfer:export")).status_code == 404
