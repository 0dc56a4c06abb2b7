"""The activities report on the activity world: counts by type with the year before, money and
books from the posted ledger, a helper's counts for the range, and the county's totals equal to
its townships' plus the line of what no township did."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.activities.services import Item, activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.services import entry_post
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings.services import pairing_create
from bangfu.registry.tests.factories import household_with_members
from bangfu.reports.base import Params
from bangfu.reports.reports import build

D = datetime.date
TODAY = D(2026, 12, 31)


@pytest.fixture
def aw(world):
    w = build_activity_world(world)
    a2 = OrgFactory(code="450123200", name="丙镇", kind="township", parent=w.a)
    a2v = OrgFactory(code="450123200201", name="丙村", kind="village", parent=a2)
    far = household_with_members(a2v, 2, code="H-FAR")
    far_pairing = pairing_create(
        actor=w.admin,
        program=w.programs["jingzhun"],
        start=D(2025, 9, 1),
        helper=w.cadre2,
        household=far,
    )

    def log(program, type, day, pairings, values=None, items=()):
        return activity_create(
            actor=w.admin,
            program=w.programs[program],
            type=type,
            date=day,
            pairings=pairings,
            values=values or {"content": "记录"},
            items=items,
            today=TODAY,
        )

    for day in (D(2026, 10, 1), D(2026, 11, 1), D(2026, 12, 1)):
        log("jingzhun", "走访", day, [w.pairing, w.pairing2])
    log("jingzhun", "走访", D(2025, 10, 1), [w.pairing])  # the year before
    log("jingzhun", "走访", D(2026, 12, 5), [far_pairing])
    log(
        "baocun",
        "捐赠",
        D(2026, 10, 1),
        [w.village_pairing],
        {"content": "捐赠图书"},
        [Item("图书", Decimal(658), "册", Decimal("19740"))],
    )
    entry_post(actor=w.admin, entries=list(LedgerEntry.objects.all()), approver="韦主任")
    w.extra.update(a2=a2, a2v=a2v, far_pairing=far_pairing)
    return w


def run(w, org):
    params = Params(
        org=org, as_of=D(2026, 12, 31), date_from=D(2026, 9, 1), date_to=D(2026, 12, 31)
    )
    return build("activities", user=w.inspector, params=params)


def rows(report, key):
    return {x.label: x.values for x in report.table(key).lines}


def test_activity_totals_by_type_with_year_on_year(aw):
    county = run(aw, aw.a)
    by_type = rows(county, "type")
    visits = by_type["走访"]
    assert visits[:3] == [4, 7, 0]  # 3 × 2 households + 1
    assert visits[5:] == [1, Decimal("300.0")]  # 1 the year before: +300 %
    assert by_type["捐赠"][3] == Decimal("19740.00") and by_type["捐赠"][4] == Decimal(658)
    assert by_type["合计"][:5] == [5, 7, 0, Decimal("19740.00"), Decimal(658)]
    assert "图书658册" in county.sentence and "发放1.97万元" in county.sentence
    for table in county.tables:
        assert not table.reconciles or table.is_reconciled(), table.key


def test_county_equals_its_townships(aw):
    county, town1, town2 = run(aw, aw.a), run(aw, aw.a1), run(aw, aw.a2)
    units = rows(county, "unit")
    # 王干部 of 甲镇 visited a household of 丙镇: the visit counts once, for 甲镇 that did it.
    assert units["甲镇"] == town1.table("type").total.values[:3] == [4, 7, 0]
    assert "丙镇" not in units and town2.table("type").total.values[:3] == [0, 0, 0]
    assert units["甲县扶贫办"] == [1, 0, 0]  # the donation
    assert units["合计"] == county.table("type").total.values[:3] == [5, 7, 0]
    helpers = rows(county, "helpers")
    assert helpers["李帮扶"] == [3, "走访 3"] and helpers["王干部"] == [1, "走访 1"]
    assert helpers["其他"][0] == 1  # the donation was made in the name of a unit
    months = rows(county, "month")
    assert months["2026年10月"] == [2, 2, 0] and months["合计"] == [5, 7, 0]


def test_compliance_rates_by_unit_and_helper_at_two_levels(world):
    w = build_activity_world(world)
    for day in (D(2025, 9, 10), D(2025, 10, 10), D(2025, 11, 10)):  # December: none
        activity_create(
            actor=w.admin,
            program=w.programs["siyige"],
            type="谈心",
            date=day,
            pairings=[w.student_pairing],
            values={"theme": "学习", "content": "谈心"},
            today=TODAY,
        )

    def run_compliance(org):
        params = Params(
            org=org, as_of=D(2026, 1, 10), date_from=D(2025, 9, 1), date_to=D(2025, 12, 31)
        )
        return build("compliance", user=w.unit_admin, params=params)

    county, town = run_compliance(w.a), run_compliance(w.a1)
    talk = next(x for x in county.table("rules").lines if x.label.endswith("每月至少谈心一次"))
    assert talk.values == [3, 1, 0, 75.0]
    assert talk.link.startswith("/compliance/missed/?")
    units = rows(county, "units")
    assert units["甲镇"] == town.table("units").total.values
    for report in (county, town):
        for table in report.tables:
            assert not table.reconciles or table.is_reconciled(), table.key
    helpers = rows(county, "helpers")
    assert "陈老师" in helpers
    assert county.table("commend").lines and county.table("follow_up").lines
    assert "达标率" in county.sentence
