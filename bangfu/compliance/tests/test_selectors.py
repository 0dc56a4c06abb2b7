"""The compliance selectors on fixed days: a helper's tasks in their three groups, the board's
aggregation by rule, unit and helper within the user's scope, and coverage limited to the
subtree."""

from __future__ import annotations

import datetime

import pytest

from bangfu.activities.services import activity_create, event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.compliance.selectors import (
    BoardFilter,
    board,
    board_root,
    missed_pairings,
    my_tasks,
    unanswered_events,
)
from bangfu.registry.choices import Status
from bangfu.registry.models import Household
from bangfu.registry.tests.factories import household_with_members

D = datetime.date


@pytest.fixture
def world(world):
    return build_activity_world(world)


def _teacher_is_the_helper(world):
    world.cadre.user = None
    world.cadre.save()
    world.teacher.user = world.helper
    world.teacher.save()


def _talk(world, day):
    return activity_create(
        actor=world.admin,
        program=world.programs["siyige"],
        type="谈心",
        date=day,
        pairings=[world.student_pairing],
        values={"theme": "学习", "content": "谈心"},
        today=D(2026, 12, 31),
    )


def test_tasks_overdue_due_and_soon(world):
    _teacher_is_the_helper(world)
    _talk(world, D(2025, 9, 5))
    tasks = my_tasks(user=world.helper, today=D(2025, 11, 20))
    for group in (tasks.overdue, tasks.due, tasks.soon):  # the student's pairing only
        group[:] = [t for t in group if t.pairing == world.student_pairing]
    overdue = [(t.obligation.rule, t.obligation.start) for t in tasks.overdue]
    assert overdue == [
        ("talk-monthly", D(2025, 10, 1))
    ]  # September met; October closed 20 days ago
    due = [(t.obligation.rule, t.obligation.start) for t in tasks.due]
    assert ("talk-monthly", D(2025, 11, 1)) in due
    assert ("visit-semester", D(2025, 9, 1)) in due
    assert due.index(("talk-monthly", D(2025, 11, 1))) < due.index(
        ("visit-semester", D(2025, 9, 1))
    )
    soon = [(t.obligation.rule, t.obligation.start) for t in tasks.soon]
    assert soon == [("talk-monthly", D(2025, 12, 1))]
    talk = next(t for t in tasks.due if t.obligation.rule == "talk-monthly")
    assert (talk.log_type, talk.rule_name, talk.pairing) == (
        "谈心",
        "每月至少谈心一次",
        world.student_pairing,
    )
    # Logged now: the November talk is no longer due.
    _talk(world, D(2025, 11, 20))
    later = my_tasks(user=world.helper, today=D(2025, 11, 20))
    assert ("talk-monthly", D(2025, 11, 1)) not in [
        (t.obligation.rule, t.obligation.start) for t in later.due
    ]
    # Misses that closed more than 30 days ago leave the list: October, as of December 20.
    december = my_tasks(user=world.helper, today=D(2025, 12, 20))
    assert [t for t in december.overdue if t.obligation.rule == "talk-monthly"] == []


def test_tasks_include_unanswered_life_events(world):
    event = event_create(
        actor=world.admin,
        kind="结婚",
        date=D(2026, 5, 2),
        household=world.worker,
        today=D(2026, 12, 1),
    )
    tasks = my_tasks(user=world.helper, today=D(2026, 5, 20))
    events = [t for t in tasks.overdue if t.obligation.event_id]
    assert [(t.event, t.pairing, t.log_type) for t in events] == [
        (event, world.worker_pairing, "走访")
    ]
    during = my_tasks(user=world.helper, today=D(2026, 5, 5))
    assert [t.event for t in during.due if t.obligation.event_id] == [event]


def _filter(world, user, program, **kw):
    p = world.programs[program]
    return BoardFilter(
        program=p,
        root=kw.pop("root", None) or board_root(user=user, program=p),
        as_of=kw.pop("as_of", D(2026, 1, 10)),
        first=kw.pop("first", D(2025, 1, 1)),
        last=kw.pop("last", D(2025, 12, 31)),
        **kw,
    )


def test_board_groups_by_rule_unit_and_helper(world):
    for pairing in (world.pairing, world.pairing2):
        for month in (9, 10, 11):
            activity_create(
                actor=world.admin,
                program=world.programs["jingzhun"],
                type="走访",
                date=D(2025, month, 3),
                pairings=[pairing],
                values={"content": "走访"},
                today=D(2026, 1, 10),
            )
    f = _filter(world, world.unit_admin, "jingzhun")
    assert f.root == world.a  # the program's area
    result = board(user=world.unit_admin, f=f)
    visits = next(r for r in result.rules if r.key == "visit-monthly")
    # 李帮扶: 3 of 4 months for each of two households; 王干部: none of 4.
    assert (visits.met, visits.missed, visits.due, visits.rate) == (6, 6, 0, 50.0)
    assert [u.name for u in result.units] == ["甲镇"]  # 甲村 is under 甲镇
    by_helper = {h.name: (h.met, h.missed) for h in result.helpers}
    assert by_helper["王干部"][0] == 0 and by_helper["李帮扶"][0] >= 6
    assert result.helpers[0].name == "王干部"  # the lowest rate first
    # One level down: 甲镇 → 甲村.
    town = board(
        user=world.unit_admin, f=_filter(world, world.unit_admin, "jingzhun", root=world.a1)
    )
    assert [u.name for u in town.units] == ["甲村"]
    # Coverage within the subtree: the live households of 甲村 with a helper, and without.
    Household.objects.update(status=Status.ASSISTING)
    household_with_members(world.b1, 1, code="H450124001")  # county B: never on A's board
    result = board(user=world.unit_admin, f=f)
    covered = next(r for r in result.coverage if r.key == "covered")
    assert (covered.met, covered.missed) == (3, 1)  # the worker's household: not in 精准扶贫
    assert [row.subject for row in result.coverage_missed["covered"]] == ["H450123004"]
    # Drill-down by helper.
    f2 = _filter(
        world, world.unit_admin, "jingzhun", rule="visit-monthly", helper=f"h{world.cadre2.pk}"
    )
    rows, truncated = missed_pairings(user=world.unit_admin, f=f2)
    assert {r.pairing for r in rows} == {world.other_pairing} and len(rows) == 4
    assert not truncated


def test_unanswered_events_selector(world):
    event = event_create(
        actor=world.admin,
        kind="丧事",
        date=D(2026, 2, 1),
        household=world.worker,
        today=D(2026, 12, 1),
    )
    f = _filter(
        world,
        world.inspector,
        "kunnan",
        as_of=D(2026, 3, 1),
        first=D(2026, 1, 1),
        last=D(2026, 12, 31),
    )
    rows, _ = unanswered_events(user=world.inspector, f=f)
    assert [(r.event, r.pairing) for r in rows] == [(event, world.worker_pairing)]
    # Out of the period: not listed.
    f.first, f.last = D(2026, 3, 1), D(2026, 12, 31)
    assert unanswered_events(user=world.inspector, f=f)[0] == []
