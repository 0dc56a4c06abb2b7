"""Ledger entries for the tests, on top of the activity world (programs of the six templates
with pairings in county A; ``bangfu.activities.tests.factories``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from bangfu.activities.services import activity_create
from bangfu.core.testing import World
from bangfu.ledger.models import LedgerEntry, SourceKind
from bangfu.ledger.services import entry_create, entry_post

D = datetime.date
TODAY = D(2026, 6, 30)


def entry(world: World, **kw: Any) -> LedgerEntry:
    """A draft of 甲县扶贫办's ledger: 100 元 of 日常帮扶 from the office to the first
    household, unless told otherwise."""
    values: dict[str, Any] = {
        "actor": world.admin,
        "org": world.a_office,
        "program": world.programs["jingzhun"],
        "category": "日常帮扶",
        "source_kind": SourceKind.UNIT,
        "source_org": world.a_office,
        "household": world.household,
        "amount": Decimal("100"),
        "date": D(2026, 1, 10),
        "today": TODAY,
    }
    values.update(kw)
    return entry_create(**values)


def posted(world: World, approver: str = "王主任", **kw: Any) -> LedgerEntry:
    made = entry(world, **kw)
    entry_post(actor=world.admin, entries=[made], approver=approver)
    made.refresh_from_db()
    return made


def visit_with_money(world: World, amount: str = "500", day: datetime.date = D(2026, 1, 20)):
    """The helper persona's 两节慰问 of both their households with ``amount`` 元 each: an
    activity and two draft entries."""
    return activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="慰问",
        date=day,
        pairings=[world.pairing, world.pairing2],
        values={"amount": amount, "content": "春节慰问"},
        today=TODAY,
    )
