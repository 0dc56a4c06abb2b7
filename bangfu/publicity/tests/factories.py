"""Notices for the tests, on the activity world (``bangfu.activities.tests.factories``): its
households of 甲村 get status histories — ``household`` and ``household2`` are 拟脱贫,
``household3`` is 新识别 — and the helpers below make an exit list of the first two and an aid
list from draft ledger entries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bangfu.core.testing import World
from bangfu.ledger.tests.factories import entry
from bangfu.publicity.models import Notice
from bangfu.publicity.services import (
    items_from_entries,
    items_from_households,
    notice_create,
    notice_publish,
)
from bangfu.registry.models import StatusChange

D = datetime.date


def _steps(household: Any, *steps: tuple[datetime.date, str]) -> None:
    for day, status in steps:
        StatusChange.objects.create(household=household, status=status, date=day)
        household.status, household.status_since = status, day
    household.save()


def build_publicity_world(world: World) -> World:
    from bangfu.activities.tests.factories import build_activity_world

    if "household" not in world.extra:
        world = build_activity_world(world)
    early = D(2025, 3, 1)
    for h in (world.household, world.household2):
        _steps(
            h, (early, "identified"), (D(2025, 4, 1), "assisting"), (D(2026, 1, 5), "proposed_exit")
        )
    _steps(world.household3, (early, "identified"))
    return world


def period(open_now: bool = True) -> tuple[datetime.date, datetime.date]:
    """A period that is running today (started two days ago, 7 days long), or one that ended
    yesterday."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=2 if open_now else 8)
    return start, start + datetime.timedelta(days=7)


def exit_notice(world: World, *, publish: bool = True, open_now: bool = True, **kw: Any) -> Notice:
    start, end = period(open_now)
    values: dict[str, Any] = {
        "actor": world.unit_admin,
        "kind": "exit",
        "org": world.a1v,
        "items": items_from_households(kind="exit", households=[world.household, world.household2]),
        "start": start,
        "end": end,
        "objection_place": "甲村村委会办公室",
        "objection_contact": "村支书 韦志刚, 0771-5551234",
    }
    values.update(kw)
    notice = notice_create(**values)
    if publish:
        notice_publish(actor=world.unit_admin, notice=notice)
    return notice


def aid_notice(world: World, *, publish: bool = True, open_now: bool = True) -> Notice:
    """Two 金秋助学 drafts for the first household (300 + 200) and one for the second (500)."""
    drafts = [
        entry(world, category="金秋助学", amount=Decimal("300")),
        entry(world, category="金秋助学", amount=Decimal("200")),
        entry(world, category="金秋助学", household=world.household2, amount=Decimal("500")),
    ]
    world.extra["aid_entries"] = drafts
    start, end = period(open_now)
    notice = notice_create(
        actor=world.unit_admin,
        kind="aid",
        org=world.a,
        title="2026年金秋助学金发放公示",
        items=items_from_entries(entries=drafts),
        start=start,
        end=end,
        objection_place="甲县扶贫办",
        objection_contact="李主任, 0771-5550000",
    )
    if publish:
        notice_publish(actor=world.unit_admin, notice=notice)
    return notice
