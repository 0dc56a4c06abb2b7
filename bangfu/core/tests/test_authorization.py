"""The core URLs against every persona."""

from __future__ import annotations

import pytest

from bangfu.core.testing import PERSONAS, UrlCase, assert_covers, check, matrix

CASES = [
    UrlCase("dashboard", expect={p: 200 for p in PERSONAS if p != "anonymous"}),
    UrlCase("healthz", expect={p: 200 for p in PERSONAS}),
]


def test_every_url_has_a_case():
    assert_covers("core", CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "core", case, persona)
