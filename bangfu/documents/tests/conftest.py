"""A known data set for the documents: the activity world of county A (programs, helpers and
pairings; ``bangfu.activities.tests.factories``) with, in the first half of 2026:

- status history: 王大山's household (H450123001, 3 members) 帮扶中 since 2025 and 脱贫 on
  2026-03-15; H450123002 (2 members) and the worker household (2) 帮扶中 since 2025;
  H450123003 (2) 新识别 on 2026-02-01;
- the helper persona's 慰问 of their two households on 2026-01-20 with 500 元 each (posted), and
  a 走访 of both on 2026-03-01; 45,600 元 of 日常帮扶 posted to H450123003; a 999 元 draft;
- incomes of 2025 and 2026 for the first two households (3000 → 4200 and 2800 → 3500 元);
- a personal plan for 王大山's pairing: 产业 发展养殖, two 走访 by 2026-06-30.

Posted money out of the county's ledgers in the period: 1,000 + 45,600 = 46,600 元 = 4.66 万元.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.services import entry_post
from bangfu.ledger.tests.factories import entry, posted
from bangfu.pairings.models import Plan, PlanMeasure
from bangfu.registry.models import HouseholdIncome, StatusChange

D = datetime.date
TODAY = D(2026, 6, 30)
START, END = D(2026, 1, 1), D(2026, 6, 30)
VISIT_CONTENT = "了解家庭收入和困难, 商量发展养殖"
NAMES = ("王大山", "王小明", "李秀英")


def _status(household, *steps):
    for day, status in steps:
        StatusChange.objects.create(household=household, status=status, date=day)
        household.status, household.status_since = status, day
    household.save()


@pytest.fixture
def world(world):
    world = build_activity_world(world)
    h1, h2, h3, worker = world.household, world.household2, world.household3, world.worker
    for member, name in zip(h1.members.select_related("person").order_by("id"), NAMES, strict=True):
        member.person.name = name
        member.person.phone = "13912345678" if name == NAMES[0] else ""
        member.person.save()
    h1.refresh_from_db()  # the head was renamed above
    _status(
        h1, (D(2025, 3, 1), "identified"), (D(2025, 4, 1), "assisting"), (D(2026, 3, 15), "exited")
    )
    _status(h2, (D(2025, 3, 1), "identified"), (D(2025, 4, 1), "assisting"))
    _status(worker, (D(2025, 5, 1), "assisting"))
    _status(h3, (D(2026, 2, 1), "identified"))

    greeting = activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="慰问",
        date=D(2026, 1, 20),
        pairings=[world.pairing, world.pairing2],
        values={"amount": "500", "content": "春节慰问"},
        today=TODAY,
    )
    entry_post(
        actor=world.admin,
        entries=list(LedgerEntry.objects.filter(activity=greeting)),
        approver="王主任",
    )
    activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="走访",
        date=D(2026, 3, 1),
        pairings=[world.pairing, world.pairing2],
        values={"content": VISIT_CONTENT},
        today=TODAY,
    )
    posted(world, household=h3, amount=Decimal("45600"), date=D(2026, 1, 10))
    entry(world, household=h2, amount=Decimal("999"), date=D(2026, 2, 1))

    for household, before, after in ((h1, "3000", "4200"), (h2, "2800", "3500")):
        HouseholdIncome.objects.create(household=household, year=2025, per_capita=Decimal(before))
        HouseholdIncome.objects.create(household=household, year=2026, per_capita=Decimal(after))

    plan = Plan.objects.create(
        program=world.programs["jingzhun"], pairing=world.pairing, goals="年内稳定脱贫"
    )
    PlanMeasure.objects.create(
        plan=plan,
        measure_type="产业",
        description="发展养殖",
        activity_type="走访",
        target_count=2,
        due_date=D(2026, 6, 30),
        responsible="李帮扶",
    )
    return world
