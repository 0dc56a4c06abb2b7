"""Who reaches each ledger URL. Readers of county A (the administrator, A's unit administrator,
A's inspector) read A's ledger; the helper reads the entries of their own activities; only
administrators of the unit that keeps an entry write it; the outsider (乙县) gets 404 on every
entry of A, exactly as for one that does not exist."""

from __future__ import annotations

import pytest

from bangfu.core.testing import UrlCase, assert_covers, check, matrix
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.tests.factories import posted, visit_with_money

READ = {"admin": 200, "unit_admin": 200, "inspector": 200}
KEEP = {"admin": 302, "unit_admin": 302}


@pytest.fixture
def world(world):
    """The helper's visit made two drafts of 甲县扶贫办's ledger; one more entry is posted."""
    from bangfu.activities.tests.factories import build_activity_world

    world = build_activity_world(world)
    activity = visit_with_money(world)
    world.extra["draft"] = LedgerEntry.objects.filter(activity=activity).order_by("id").first()
    world.extra["posted"] = posted(world)
    return world


def _draft(w):
    return {"pk": w.draft.pk}


CASES = [
    UrlCase("entry_list", expect={**READ, "helper": 200}),
    UrlCase("entry_new", expect={"admin": 200, "unit_admin": 200}),
    UrlCase("entry_detail", expect={**READ, "helper": 200}, kwargs=_draft),
    UrlCase("entry_edit", expect={"admin": 200, "unit_admin": 200}, kwargs=_draft),
    UrlCase("entry_delete", method="post", expect=KEEP, kwargs=_draft),
    UrlCase(
        "entry_post",
        method="post",
        expect={**KEEP, "outsider": 404},
        data=lambda w: {"entry": [w.draft.pk], "approver": "王主任"},
    ),
    UrlCase(
        "entry_reverse",
        method="post",
        expect=KEEP,
        kwargs=lambda w: {"pk": w.posted.pk},
        data=lambda w: {"reason": "金额录错"},
    ),
    UrlCase("totals", expect={**READ, "helper": 200}),
    # The workbook is for readers of a unit; the helper reads their entries on the pages.
    UrlCase("export", expect=READ),
]


def test_every_ledger_url_has_a_case():
    assert_covers("ledger", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_ledger_authorization(world, case, persona):
    check(world, "ledger", case, persona)


def test_the_helper_does_not_see_entries_of_others(world, client):
    client.force_login(world.helper)
    assert client.get(f"/ledger/{world.posted.pk}/").status_code == 404
    page = client.get("/ledger/").content.decode()
    assert world.draft.number in page and world.posted.number not in page


def test_the_outsider_lists_nothing_of_county_a(world, client):
    client.force_login(world.outsider)
    page = client.get("/ledger/").content.decode()
    assert world.draft.number not in page and world.posted.number not in page


def test_a_missing_entry_is_404(world, client):
    client.force_login(world.admin)
    assert client.get("/ledger/999999/").status_code == 404
    assert client.post("/ledger/post/", {"entry": ["999999"], "approver": "王"}).status_code == 404
    assert client.post("/ledger/post/", {"entry": ["x"], "approver": "王"}).status_code == 404


def test_writes_really_happened_or_not(world, client):
    """The matrix's 302s are the real thing for administrators, and nothing changed for the
    others."""
    client.force_login(world.inspector)
    client.post("/ledger/post/", {"entry": [world.draft.pk], "approver": "王主任"})
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"
    client.force_login(world.unit_admin)
    client.post("/ledger/post/", {"entry": [world.draft.pk], "approver": "王主任"})
    world.draft.refresh_from_db()
    assert (world.draft.status, world.draft.approver) == ("posted", "王主任")
