"""Who reaches each 公示 URL. Readers of county A (the administrator, A's unit administrator,
A's inspector) read A's notices; only administrators of the notice's unit act on it; the helper
reads none; the outsider (乙县) gets 404 on every notice of A. The public page answers everyone,
without login, by its token only."""

from __future__ import annotations

import pytest

from bangfu.core.testing import PERSONAS, UrlCase, assert_covers, check, client_for, matrix
from bangfu.publicity.tests.factories import build_publicity_world, exit_notice

READ = {"admin": 200, "unit_admin": 200, "inspector": 200}
ACT = {"admin": 302, "unit_admin": 302}


@pytest.fixture
def world(world):
    world = build_publicity_world(world)
    notice = exit_notice(world)
    world.extra["notice"] = notice
    world.extra["draft"] = exit_notice(world, publish=False)
    world.extra["item"] = notice.items.get(position=1)
    world.extra["objection"] = notice.objections.create(channel="paper", content="异议")
    return world


def _notice(w):
    return {"pk": w.notice.pk}


def _item(w):
    return {"pk": w.notice.pk, "item_pk": w.item.pk}


CASES = [
    UrlCase("notice_list", expect=READ),
    UrlCase("notice_new", expect={"admin": 200, "unit_admin": 200}),
    UrlCase("notice_detail", expect=READ, kwargs=_notice),
    UrlCase("notice_pdf", expect=READ, kwargs=_notice),
    UrlCase("notice_publish", method="post", expect=ACT, kwargs=lambda w: {"pk": w.draft.pk}),
    UrlCase("notice_finalise", method="post", expect=ACT, kwargs=_notice),
    UrlCase("item_remove", method="post", expect=ACT, kwargs=_item, data=lambda w: {"reason": "x"}),
    UrlCase(
        "item_correct",
        method="post",
        expect=ACT,
        kwargs=_item,
        data=lambda w: {"display_name": "王大明", "note": "更正姓名"},
    ),
    UrlCase(
        "objection_new",
        method="post",
        expect=ACT,
        kwargs=_notice,
        data=lambda w: {"paper-content": "书面异议"},
    ),
    UrlCase(
        "objection_handle",
        method="post",
        expect=ACT,
        kwargs=lambda w: {"pk": w.notice.pk, "objection_pk": w.objection.pk},
        data=lambda w: {"handle-result": "rejected", "handle-handling": "核实不属实"},
    ),
]


def test_every_publicity_url_has_a_case():
    assert_covers("publicity", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_publicity_authorization(world, case, persona):
    check(world, "publicity", case, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_public_page_answers_everyone_by_token(world, persona):
    client = client_for(world, persona)
    assert client.get(f"/p/{world.notice.token}/").status_code == 200
    assert client.get(f"/p/{world.draft.token}/").status_code == 404  # not yet published
    assert client.get(f"/p/{world.notice.token[:-1]}x/").status_code == 404
    assert client.get("/p/1/").status_code == 404


def test_the_public_namespace_has_one_url():
    from bangfu.core.testing import url_names

    assert url_names("public") == {"notice"}


def test_writes_really_happened_or_not(world, client):
    client.force_login(world.inspector)
    client.post(f"/publicity/{world.notice.pk}/items/{world.item.pk}/remove/", {"reason": "x"})
    world.item.refresh_from_db()
    assert world.item.on_list
    client.force_login(world.unit_admin)
    client.post(f"/publicity/{world.notice.pk}/items/{world.item.pk}/remove/", {"reason": "x"})
    world.item.refresh_from_db()
    assert not world.item.on_list


def test_the_outsider_lists_nothing_of_county_a(world, client):
    client.force_login(world.outsider)
    page = client.get("/publicity/").content.decode()
    assert world.notice.title not in page
