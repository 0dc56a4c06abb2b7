"""The compliance pages: who reaches each URL, a helper's tasks computed from the records (a
logged talk leaves the list at once), the board's rates on a hand-made case, the drill-down to
exactly the pairing that missed, unanswered life events, and no inline script or style."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.activities.services import activity_create, event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.core.testing import UrlCase, assert_covers, check, client_for, matrix

D = datetime.date
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)


@pytest.fixture
def world(world):
    return build_activity_world(world)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def _log(world, program, type, day, pairing, values=None):
    return activity_create(
        actor=world.admin,
        program=world.programs[program],
        type=type,
        date=day,
        pairings=[pairing],
        values=values or {"content": "记录"},
        today=max(day, timezone.localdate()),
    )


def _talk(world, day):
    return _log(
        world, "siyige", "谈心", day, world.student_pairing, {"theme": "学习", "content": "谈心"}
    )


# -- who reaches what ---------------------------------------------------------------------------

READERS = {"admin": 200, "unit_admin": 200, "inspector": 200}
EVERYONE = {"admin": 200, "unit_admin": 200, "helper": 200, "inspector": 200, "outsider": 200}


def _program(code):
    return lambda w: {"program": w.programs[code].pk}


CASES = [
    UrlCase("my_tasks", expect=EVERYONE),
    # Without a program: the first one the user reads; the outsider reads county B (none there).
    UrlCase("board", expect={**READERS, "outsider": 200}),
    UrlCase("board", expect={**READERS, "outsider": 404}, data=_program("jingzhun")),
    UrlCase(
        "board",
        expect={**READERS, "outsider": 404},
        data=lambda w: {"program": w.programs["jingzhun"].pk, "org": w.a1.pk},
    ),
    # A unit of county B is not on the board of a reader of A (the administrator reads all).
    UrlCase(
        "board",
        expect={"admin": 200, "outsider": 404},
        data=lambda w: {"program": w.programs["jingzhun"].pk, "org": w.b.pk},
    ),
    UrlCase("board_missed", expect={**READERS, "outsider": 404}, data=_program("jingzhun")),
    UrlCase(
        "board_missed",
        expect={**READERS, "outsider": 404},
        data=lambda w: {"program": w.programs["jingzhun"].pk, "rule": "visit-monthly"},
    ),
    UrlCase("events_unanswered", expect={**READERS, "outsider": 404}, data=_program("kunnan")),
    UrlCase("events_unanswered", expect={**READERS, "outsider": 200}),
]


def test_every_url_has_a_case():
    assert_covers("compliance", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "compliance", case, persona)


def test_the_outsider_reading_a_program_of_b_does_not_reach_a(world):
    # The outsider's board (no program of theirs) never shows A's programs.
    html = _html(client_for(world, "outsider").get(reverse("compliance:board")))
    assert 'data-testid="no-programs"' in html
    assert "甲县" not in html


def test_sidebar_entries(world):
    helper = _html(client_for(world, "helper").get(reverse("core:dashboard")))
    assert reverse("compliance:my_tasks") in helper
    assert f'href="{reverse("compliance:board")}"' not in helper
    inspector = _html(client_for(world, "inspector").get(reverse("core:dashboard")))
    assert f'href="{reverse("compliance:board")}"' in inspector
    assert reverse("compliance:my_tasks") not in inspector  # no pairings, no helper role


# -- 我的待办 ------------------------------------------------------------------------------------


def test_my_tasks_lists_a_due_talk_until_it_is_logged(world):
    world.cadre.user = None  # the helper persona is the student's teacher here
    world.cadre.save()
    world.teacher.user = world.helper
    world.teacher.save()
    client = client_for(world, "helper")
    url = reverse("compliance:my_tasks")
    due = _section(_html(client.get(url)), "tasks-due")
    assert "每月至少谈心一次" in due
    assert world.student.name in due
    program, pairing = world.programs["siyige"], world.student_pairing
    link = (
        f"{reverse('activities:activity_new')}?program={program.pk}&amp;pairing={pairing.pk}"
        "&amp;type=%E8%B0%88%E5%BF%83"
    )
    assert link in due
    talk = _talk(world, timezone.localdate())
    assert "每月至少谈心一次" not in _section(_html(client.get(url)), "tasks-due")
    talk.delete()  # computed, not stored: deleting the record brings the task back
    assert "每月至少谈心一次" in _section(_html(client.get(url)), "tasks-due")


def test_my_tasks_shows_only_own_pairings(world):
    html = _html(client_for(world, "helper").get(reverse("compliance:my_tasks")))
    assert world.household.code in html  # 李帮扶's households …
    assert world.household3.code not in html  # … not 王干部's
    assert world.student.name not in html
    assert INLINE_SCRIPT.search(html) is None
    assert INLINE_STYLE.search(html) is None


def test_a_user_without_pairings_has_no_tasks(world):
    html = _html(client_for(world, "inspector").get(reverse("compliance:my_tasks")))
    assert 'data-testid="no-pairings"' in html


# -- the board ------------------------------------------------------------------------------------


def _board_query(world, program, **extra):
    return {
        "program": world.programs[program].pk,
        "as_of": "2026-01-10",
        "from": "2025-01-01",
        "to": "2025-12-31",
        **extra,
    }


def test_board_rates_three_met_one_missed_is_75_percent(world):
    for day in (D(2025, 9, 10), D(2025, 10, 10), D(2025, 11, 10)):  # December: none
        _talk(world, day)
    client = client_for(world, "unit_admin")
    html = _html(client.get(reverse("compliance:board"), _board_query(world, "siyige")))
    rules = _section(html, "rules-table")
    row = rules[rules.index('data-rule="talk-monthly"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)
    assert [re.sub(r"<[^>]+>", "", c) for c in cells] == ["3", "1", "0", "75.0%"]
    # The semester and school year end in 2026: outside the period, not counted.
    assert 'data-rule="visit-semester"' in rules
    assert "75.0%" in _section(html, "units-table")  # 甲镇
    assert "陈老师" in _section(html, "helpers-table")
    assert 'data-chart="rule-chart"' in html
    assert INLINE_SCRIPT.search(html) is None
    assert INLINE_STYLE.search(html) is None


def test_drill_down_lists_exactly_the_pairing_that_missed(world):
    for month in (9, 10, 11, 12):
        for pairing in (world.pairing, world.pairing2, world.other_pairing):
            if pairing == world.pairing2 and month == 11:
                continue
            _log(world, "jingzhun", "走访", D(2025, month, 20), pairing)
    client = client_for(world, "unit_admin")
    query = _board_query(world, "jingzhun", rule="visit-monthly")
    html = _html(client.get(reverse("compliance:board_missed"), query))
    table = _section(html, "missed-table")
    assert re.findall(r'data-pairing="(\d+)"', table) == [str(world.pairing2.pk)]
    assert "2025-11-01 ~ 2025-11-30" in table and "0/1" in table
    assert reverse("pairings:pairing_detail", args=[world.pairing2.pk]) in table
    # The board says the same: 11 of 12 months met.
    board = _html(client.get(reverse("compliance:board"), _board_query(world, "jingzhun")))
    row = _section(board, "rules-table")
    row = row[row.index('data-rule="visit-monthly"') :]
    assert "91.7%" in row[: row.index("</tr>")]
    assert INLINE_SCRIPT.search(html) is None


def test_drill_down_by_helper(world):
    # Nothing logged: every month missed, by both cadres; 王干部's drill-down has only his.
    client = client_for(world, "admin")
    query = _board_query(world, "jingzhun", rule="visit-monthly", helper=f"h{world.cadre2.pk}")
    table = _section(_html(client.get(reverse("compliance:board_missed"), query)), "missed-table")
    assert set(re.findall(r'data-pairing="(\d+)"', table)) == {str(world.other_pairing.pk)}


def test_unanswered_events(world):
    member = world.worker.members.exclude(person=world.worker.head).first().person
    today = timezone.localdate()
    sick = event_create(
        actor=world.admin, kind="生病住院", date=D(2026, 3, 10), person=member, today=today
    )
    wedding = event_create(
        actor=world.admin, kind="结婚", date=D(2026, 5, 2), household=world.worker, today=today
    )
    _log(world, "kunnan", "走访", D(2026, 3, 15), world.worker_pairing)  # 5 days after
    client = client_for(world, "inspector")
    query = {
        "program": world.programs["kunnan"].pk,
        "as_of": "2026-05-20",
        "from": "2026-01-01",
        "to": "2026-12-31",
    }
    html = _html(client.get(reverse("compliance:events_unanswered"), query))
    table = _section(html, "events-table")
    assert re.findall(r'data-event="(\d+)"', table) == [str(wedding.pk)]
    assert str(sick.pk) not in re.findall(r'data-event="(\d+)"', table)
    assert "2026-05-02 ~ 2026-05-09" in table
    assert INLINE_SCRIPT.search(html) is None
    # A visit within the days answers it at once.
    _log(world, "kunnan", "慰问", D(2026, 5, 8), world.worker_pairing)
    html = _html(client.get(reverse("compliance:events_unanswered"), query))
    assert re.findall(r'data-event="(\d+)"', _section(html, "events-table")) == []
