"""Every URL of the organisation pages against every persona."""

from __future__ import annotations

import pytest

from bangfu.core.testing import UrlCase, assert_covers, check, matrix

OK = {"admin": 200, "unit_admin": 200, "inspector": 200}
CASES = [
    UrlCase("tree", expect=OK),
    UrlCase("create", expect={"admin": 200, "unit_admin": 200}),
    UrlCase("detail", expect=OK, kwargs=lambda w: {"pk": w.a1.pk}),
    UrlCase("detail", expect={**OK, "helper": 404}, kwargs=lambda w: {"pk": w.a1v.pk}),
    UrlCase("children", expect=OK, kwargs=lambda w: {"pk": w.a.pk}),
    UrlCase("edit", expect={"admin": 200, "unit_admin": 200}, kwargs=lambda w: {"pk": w.a1.pk}),
    # Deleting a unit that still has a sub-unit is refused with a message and a redirect.
    UrlCase(
        "delete",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.a1.pk},
    ),
]


def test_every_url_has_a_case():
    assert_covers("orgs", CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "orgs", case, persona)


@pytest.mark.django_db
def test_outsider_cannot_reach_a_unit_by_guessing_its_id(world, client):
    client.force_login(world.outsider)
    for org in (world.a, world.a1, world.a1v):
        for url in (f"/orgs/{org.pk}/", f"/orgs/{org.pk}/edit/", f"/orgs/{org.pk}/children/"):
            assert client.get(url).status_code == 404
    missing = client.get("/orgs/999999/")
    assert missing.status_code == 404
