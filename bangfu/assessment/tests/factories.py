"""A known data set for the assessment tests, on top of the activity world
(``bangfu.activities.tests.factories``): in 2026, 李帮扶 (``cadre``) visits both his households
of 精准扶贫 three times together and the worker household once, one household of his exits
(脱贫), 5,000 元 is posted from him; 王干部 (``cadre2``) visits his household once; 陈老师's
student improves in 数学."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.assessment.models import ProgressRecord
from bangfu.assessment.services import scheme_save
from bangfu.core.testing import World
from bangfu.ledger.services import entry_create, entry_post
from bangfu.registry.choices import Indicator, Status
from bangfu.registry.models import StatusChange, UnitBeneficiary, UnitIndicator

D = datetime.date
TODAY = D(2027, 1, 15)

HELPER_SCHEME: dict[str, Any] = {
    "indicators": [
        {
            "code": "visits",
            "name": "走访户次",
            "weight": 40,
            "metric": "household_visits",
            "scaling": {"kind": "linear", "low": 0, "high": 10},
        },
        {
            "code": "aid",
            "name": "发放资金",
            "weight": 20,
            "metric": "aid_amount_wan",
            "scaling": {"kind": "linear", "low": 0, "high": 2},
        },
        {
            "code": "exits",
            "name": "脱贫户数",
            "weight": 25,
            "metric": "exits",
            "scaling": {"kind": "steps", "steps": [[0, 0], [1, 80], [2, 100]]},
        },
        {
            "code": "objections",
            "name": "异议成立",
            "weight": 15,
            "metric": "objections_upheld",
            "direction": "lower",
            "scaling": {"kind": "steps", "steps": [[0, 100], [1, 40], [3, 0]]},
        },
    ]
}


def visit(world: World, program: str, pairings: list[Any], day: datetime.date) -> Any:
    return activity_create(
        actor=world.admin,
        program=world.programs[program],
        type="走访",
        date=day,
        pairings=pairings,
        values={"content": "走访了解情况"},
        today=TODAY,
    )


def build_assessment_world(world: World) -> World:
    build_activity_world(world)
    for month in (3, 6, 9):
        visit(world, "jingzhun", [world.pairing, world.pairing2], D(2026, month, 10))
    visit(world, "kunnan", [world.worker_pairing], D(2026, 4, 2))
    visit(world, "jingzhun", [world.other_pairing], D(2026, 5, 5))
    visit(world, "jingzhun", [world.other_pairing], D(2025, 12, 5))  # the year before
    StatusChange.objects.create(
        household=world.household, status=Status.EXITED, date=D(2026, 11, 20)
    )
    StatusChange.objects.create(
        household=world.household3, status=Status.EXITED, date=D(2025, 11, 20)
    )
    entry = entry_create(
        actor=world.admin,
        org=world.a_office,
        category="慰问金",
        source_kind="helper",
        source_helper=world.cadre,
        household=world.household,
        program=world.programs["jingzhun"],
        amount=Decimal(5000),
        date=D(2026, 2, 1),
        today=TODAY,
    )
    entry_post(actor=world.admin, entries=[entry], approver="张主任")
    for term, day, score in (("2025秋", D(2026, 1, 20), "72"), ("2026春", D(2026, 7, 5), "85.5")):
        ProgressRecord.objects.create(
            person=world.student,
            org=world.student.org,
            course="数学",
            term=term,
            recorded_on=day,
            score=Decimal(score),
        )
    village = UnitBeneficiary.objects.get(org=world.a1v)
    for year, value in ((2025, "10000"), (2026, "11500")):
        UnitIndicator.objects.create(
            unit=village, year=year, indicator=Indicator.PER_CAPITA_INCOME, value=Decimal(value)
        )
    scheme = scheme_save(
        actor=world.admin,
        org=world.a,
        name="2026年帮扶责任人考核",
        subject="helpers",
        period="year",
        definition=HELPER_SCHEME,
        programs=[world.programs["jingzhun"], world.programs["kunnan"]],
    )
    world.extra.update(scheme=scheme)
    return world
