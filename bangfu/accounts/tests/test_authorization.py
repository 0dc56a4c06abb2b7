"""Every URL of the accounts pages against every persona."""

from __future__ import annotations

import pytest

from bangfu.core.testing import UrlCase, assert_covers, check, matrix

READERS = {"admin": 200, "unit_admin": 200, "inspector": 200}
ADMINS = {"admin": 200, "unit_admin": 200}
EVERYONE = {"admin": 200, "unit_admin": 200, "inspector": 200, "helper": 200, "outsider": 200}
CASES = [
    UrlCase("login", expect={**{p: 302 for p in EVERYONE}, "anonymous": 200}),
    UrlCase("logout", method="post", expect={**{p: 302 for p in EVERYONE}, "anonymous": 302}),
    UrlCase("profile", expect=EVERYONE),
    UrlCase("password", expect=EVERYONE),
    UrlCase("user_list", expect=READERS),
    UrlCase("user_create", expect=ADMINS),
    UrlCase("user_detail", expect=READERS, kwargs=lambda w: {"pk": w.helper.pk}),
    UrlCase("user_reveal", method="post", expect=ADMINS, kwargs=lambda w: {"pk": w.helper.pk}),
    UrlCase("user_edit", expect=ADMINS, kwargs=lambda w: {"pk": w.helper.pk}),
    UrlCase("user_password", expect=ADMINS, kwargs=lambda w: {"pk": w.helper.pk}),
    UrlCase("role_add", expect=ADMINS, kwargs=lambda w: {"pk": w.helper.pk}),
    UrlCase(
        "role_remove",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.helper.assignments.get().pk},
    ),
    # A unit administrator cannot manage a system administrator's account.
    UrlCase("user_edit", expect={"admin": 200}, kwargs=lambda w: {"pk": w.admin.pk}),
]


def test_every_url_has_a_case():
    assert_covers("accounts", CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "accounts", case, persona)
