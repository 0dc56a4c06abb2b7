"""The hand-made data set of the report tests: county 甲县 with two townships.

- 甲镇/甲村 (a1v): H1 3 persons (新识别 2024-01-01 → 帮扶中 2024-03-01; 因病, 深度困难),
  H2 2 persons (新识别 2024-02-01 → 剔除 2024-06-01; 因残), H3 4 persons (no status step, no cause).
- 丙镇/丙村 (a2v): H4 2 persons (帮扶中 2024-01-15 → 拟脱贫 2024-06-01 → 脱贫 2024-09-01; 因病,
  一般困难).

As of 2024-12-31 the county has 4 households, 11 persons: 帮扶中 1/3, 剔除 1/2, 脱贫 1/2, and
H3 on the 无状态记录 line (1/4); 甲镇 3/9 and 丙镇 1/2 add up to it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.orgs.tests.factories import OrgFactory
from bangfu.registry.models import UnitBeneficiary, UnitIndicator
from bangfu.registry.tests.factories import household_with_members

D = datetime.date


@pytest.fixture
def data(world):
    a2 = OrgFactory(code="450123200", name="丙镇", kind="township", parent=world.a)
    a2v = OrgFactory(code="450123200201", name="丙村", kind="village", parent=a2)
    h1 = household_with_members(
        world.a1v,
        3,
        code="H1",
        statuses=[(D(2024, 1, 1), "identified"), (D(2024, 3, 1), "assisting")],
    )
    h2 = household_with_members(
        world.a1v,
        2,
        code="H2",
        statuses=[(D(2024, 2, 1), "identified"), (D(2024, 6, 1), "removed")],
    )
    h3 = household_with_members(world.a1v, 4, code="H3")
    h4 = household_with_members(
        a2v,
        2,
        code="H4",
        statuses=[
            (D(2024, 1, 15), "assisting"),
            (D(2024, 6, 1), "proposed_exit"),
            (D(2024, 9, 1), "exited"),
        ],
    )
    for h, cause, degree in (
        (h1, "illness", "deep"),
        (h2, "disability", ""),
        (h4, "illness", "general"),
    ):
        h.main_cause, h.difficulty = cause, degree
        h.save()
    # H1's children: one at junior school, one grown and unemployed; H3's: one grown, no work
    # filled in, one of unknown schooling.
    c1, c2 = [m.person for m in h1.members.exclude(relation="head").order_by("pk")]
    c1.schooling, c1.birth_date = "junior", D(2011, 5, 1)
    c1.save()
    c2.schooling, c2.employment, c2.birth_date = "not_in_school", "unemployed", D(2000, 1, 1)
    c2.save()
    h3c = [m.person for m in h3.members.exclude(relation="head").order_by("pk")]
    h3c[0].schooling, h3c[0].birth_date = "not_in_school", D(1999, 1, 1)
    h3c[0].save()
    for person in h3c[1:]:
        person.birth_date = D(2015, 1, 1)
        person.save()
    units = {}
    for org, values in (
        (world.a1v, {2023: ("8590.00", "120.5"), 2024: ("9620.30", "130.0")}),
        (a2v, {2023: ("7000.00", "80.0"), 2024: ("7700.00", "90.5")}),
    ):
        unit, _created = UnitBeneficiary.objects.get_or_create(org=org)
        units[org.code] = unit
        for year, (per_capita, agri) in values.items():
            UnitIndicator.objects.create(
                unit=unit, year=year, indicator="per_capita_income", value=Decimal(per_capita)
            )
            UnitIndicator.objects.create(
                unit=unit, year=year, indicator="agri_income", value=Decimal(agri)
            )
    world.extra.update(a2=a2, a2v=a2v, h1=h1, h2=h2, h3=h3, h4=h4, units=units)
    return world
