"""Coverage counted in the database (``engine.coverage_counts``, ``selectors.coverage_rates``):
for programs of every beneficiary and helper kind, the same met / missed per rule as the
subject-by-subject path (``engine.coverage_rows`` filtered to the subtree by
``selectors.coverage_for``), for several subtrees and days, with pairings ended, starting
later, helpers over capacity and subjects outside the subtree; and hand-checked numbers."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.activities.tests.factories import build_activity_world, person
from bangfu.compliance.engine import coverage_counts, coverage_rows
from bangfu.compliance.selectors import BoardFilter, coverage_for, coverage_rates
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings.models import Pairing
from bangfu.registry.choices import Status
from bangfu.registry.models import Helper, Household, Tag, UnitBeneficiary
from bangfu.registry.tests.factories import household_with_members
from bangfu.reports.kinds.compliance import _board

D = datetime.date
START = D(2025, 9, 1)
DAYS = (D(2025, 10, 1), D(2026, 1, 10), D(2026, 6, 30))
PROGRAMS = ("jingzhun", "kunnan", "siyige", "shitu", "chengxiang", "baocun")


def _tag(who: Any, *names: str) -> None:
    who.tags.add(*[Tag.objects.get_or_create(name=n)[0] for n in names])


def _pair(program: Any, start: datetime.date = START, end: Any = None, **kw: Any) -> Pairing:
    """A pairing written directly, so that a helper may go over capacity."""
    target = kw.get("household") or kw.get("person")
    org = target.org if target is not None else kw["beneficiary_org"]
    return Pairing.objects.create(program=program, start=start, end=end, org=org, **kw)


def _helper(org: Any, name: str, capacity: int, *tags: str, active: bool = True) -> Helper:
    helper = Helper.objects.create(
        person=person(org, name), org=org, capacity=capacity, is_active=active
    )
    _tag(helper.person, *tags)
    return helper


def _add_rule(program: Any, rule: dict[str, Any]) -> None:
    """A helper-side coverage rule, which no template of unit helpers has."""
    rule = {**rule, "kind": "coverage", "subject": "helper"}
    program.definition["rules"] = [*program.definition["rules"], rule]
    program.save(update_fields=["definition"])


@pytest.fixture
def world(world):
    """build_activity_world, plus a second township (丁镇 / 丁村) and a desk under 甲县扶贫办
    (扶贫办帮扶股), and in each program covered and uncovered subjects on both sides.

    精准扶贫 (households; helpers of 甲县扶贫办's subtree): 李帮扶 → H1, H2; 王干部 → H3 (both in
    甲镇, outside the helper pool); 帮扶一 (扶贫办, capacity 1) → H8 and, in 困难职工, → H7: over
    capacity; 帮扶二 (帮扶股) → H6 from 2026-03-01; 帮扶三 (帮扶股) → H5 until 2025-12-31; 帮扶四
    (not in post) → H7; 帮扶五 (扶贫办, capacity 2) → H9 (脱贫: not in the pool) and → H1 until
    2026-01-10. The worker's household has no 精准扶贫 pairing; H5, H6, H8 are in 丁村; a
    household of county B is outside the area.

    四个一 (persons tagged; teachers): 陈老师 (甲镇) → the student, → a person without a
    priority tag, → 学生三 (丁村, two priority tags) until 2025-12-31; 老师二 (丁镇, capacity 1)
    → 学生二 and, in 师徒结对 from 2026-03-01, → 新老师二: over capacity from then; 老师三
    (丁镇): none; 学生四 (甲村): none.

    城乡学校: 甲县实验小学 → 甲村小学, → 丁村小学 from 2026-03-01; 丁镇中心校 → 丁村幼儿园 until
    2025-12-31; a helper-side rule (min 2) added. 包村: 扶贫办 → 甲村; 帮扶股 → 丁村 until
    2026-01-10; a helper-side rule (min 1) added."""
    w = build_activity_world(world)
    p = w.programs
    a2 = OrgFactory(code="450123200", name="丁镇", kind="township", parent=w.a)
    a2v = OrgFactory(code="450123200201", name="丁村", kind="village", parent=a2)
    desk = OrgFactory(code="A-OFFICE-1", name="扶贫办帮扶股", kind="agency", parent=w.a_office)
    w.orgs.update(a2=a2, a2v=a2v, desk=desk)

    # 精准扶贫 and 困难职工: households.
    h5 = household_with_members(a2v, 1, code="H450123005")
    h6 = household_with_members(a2v, 1, code="H450123006")
    h7 = household_with_members(w.a1v, 1, code="H450123007")
    h8 = household_with_members(a2v, 1, code="H450123008")
    household_with_members(w.b1, 1, code="H450124001")  # county B: outside the area
    Household.objects.update(status=Status.ASSISTING)
    h9 = household_with_members(w.a1v, 1, code="H450123009")
    Household.objects.filter(pk=h9.pk).update(status=Status.EXITED)
    off1 = _helper(w.a_office, "帮扶一", 1)
    off2 = _helper(desk, "帮扶二", 5)
    off3 = _helper(desk, "帮扶三", 5)
    off4 = _helper(w.a_office, "帮扶四", 5, active=False)
    off5 = _helper(w.a_office, "帮扶五", 2)
    j = p["jingzhun"]
    _pair(j, helper=off1, household=h8)
    _pair(p["kunnan"], helper=off1, household=h7)
    _pair(j, D(2026, 3, 1), helper=off2, household=h6)
    _pair(j, end=D(2025, 12, 31), helper=off3, household=h5)
    _pair(j, helper=off4, household=h7)
    _pair(j, helper=off5, household=h9)
    _pair(j, end=D(2026, 1, 10), helper=off5, household=w.household)

    # 四个一 and 师徒结对: persons.
    _tag(w.teacher.person, "教师")
    _tag(w.student, "留守儿童")
    _tag(w.mentor_pairing.person, "新教师")
    teacher2 = _helper(a2, "老师二", 1, "教师")
    _helper(a2, "老师三", 5, "教师")
    student2 = person(a2v, "学生二")
    _tag(student2, "孤儿")
    student3 = person(a2v, "学生三")
    _tag(student3, "孤儿", "残疾")
    student4 = person(w.a1v, "学生四")
    _tag(student4, "建档立卡")
    newbie2 = person(a2, "新老师二")
    _tag(newbie2, "新教师")
    s = p["siyige"]
    _pair(s, helper=teacher2, person=student2)
    _pair(s, end=D(2025, 12, 31), helper=w.teacher, person=student3)
    _pair(s, helper=w.teacher, person=person(w.a1v, "无标签"))
    _pair(p["shitu"], D(2026, 3, 1), helper=teacher2, person=newbie2)

    # 城乡学校 and 包村: units on both sides.
    rural2 = OrgFactory(name="丁村小学", kind="school", parent=a2v)
    rural3 = OrgFactory(name="丁村幼儿园", kind="kindergarten", parent=a2v)
    urban2 = OrgFactory(name="丁镇中心校", kind="school", parent=a2)
    for unit in (rural2, rural3, a2v):
        UnitBeneficiary.objects.create(org=unit)
    c = p["chengxiang"]
    _pair(c, D(2026, 3, 1), helper_org=w.urban, beneficiary_org=rural2)
    _pair(c, end=D(2025, 12, 31), helper_org=urban2, beneficiary_org=rural3)
    _add_rule(c, {"code": "school-load", "name": "城区学校至少结对两所", "min": 2})
    b = p["baocun"]
    _pair(b, end=D(2026, 1, 10), helper_org=desk, beneficiary_org=a2v)
    _add_rule(b, {"code": "unit-load", "name": "包村单位都有村", "min": 1})
    return w


def _f(world: Any, code: str, root: Any, as_of: datetime.date) -> BoardFilter:
    return BoardFilter(
        program=world.programs[code], root=root, as_of=as_of, first=D(2025, 1, 1), last=as_of
    )


def _roots(world: Any) -> list[Any]:
    return [world.a, world.a1, world.a1v, world.a2, world.a2v, world.a_office, world.desk]


@pytest.mark.parametrize("code", PROGRAMS)
def test_counts_equal_the_rows_for_every_subtree_and_day(world, code):
    program = world.programs[code]
    assert any(r.get("kind") == "coverage" for r in program.rules)
    seen: Counter[str] = Counter()
    for as_of in DAYS:
        # Without a subtree: the rows of the whole pool, counted.
        rows = Counter((r.rule, r.status) for r in coverage_rows(program, as_of))
        whole = {
            str(r["code"]): (rows[(str(r["code"]), "met")], rows[(str(r["code"]), "missed")])
            for r in program.rules
            if r.get("kind") == "coverage"
        }
        assert coverage_counts(program, as_of) == whole, as_of
        for root in _roots(world):
            f = _f(world, code, root, as_of)
            expected = coverage_for(f)[0]
            assert coverage_rates(f) == expected, (as_of, root.name)
            for rate in expected:
                seen["met"] += rate.met
                seen["missed"] += rate.missed
    assert seen["met"] and seen["missed"]  # the comparison is not between empty lists


def test_hand_checked_households_and_helpers(world):
    """精准扶贫 over the whole county and its parts, on three days (see the fixture)."""

    def rates(root: Any, as_of: datetime.date) -> dict[str, tuple[int, int]]:
        return {
            r.key: (r.met, r.missed) for r in coverage_rates(_f(world, "jingzhun", root, as_of))
        }

    # Households: H1, H2, H3, H7, H8 covered; the worker's, H5 (ended 12-31) and H6 (from 03-01)
    # not; H9 (脱贫) and county B's are not in the pool. Helpers: 帮扶一 over capacity (2 > 1),
    # 帮扶二 not started, 帮扶三 ended, 帮扶五 with H9 and H1 (ending on the day: still active,
    # 2 ≤ 2) met; 帮扶四 is not in post, 李帮扶 and 王干部 are not in 扶贫办's subtree.
    assert rates(world.a, D(2026, 1, 10)) == {"covered": (5, 3), "helper-load": (1, 3)}
    assert rates(world.a, D(2025, 10, 1)) == {"covered": (6, 2), "helper-load": (2, 2)}
    assert rates(world.a, D(2026, 6, 30)) == {"covered": (6, 2), "helper-load": (2, 2)}
    assert rates(world.a1, D(2026, 1, 10)) == {"covered": (4, 1), "helper-load": (0, 0)}
    assert rates(world.a2, D(2026, 1, 10)) == {"covered": (1, 2), "helper-load": (0, 0)}
    assert rates(world.desk, D(2026, 1, 10)) == {"covered": (0, 0), "helper-load": (0, 2)}
    assert rates(world.a_office, D(2026, 1, 10)) == {"covered": (0, 0), "helper-load": (1, 3)}
    names = [r.name for r in coverage_rates(_f(world, "jingzhun", world.a, D(2026, 1, 10)))]
    assert names == ["每户都有帮扶干部 (不漏一户)", "每名帮扶干部至少结对一户, 不超过帮扶能力"]


def test_hand_checked_persons_and_units(world):
    def rates(code: str, root: Any, as_of: datetime.date) -> dict[str, tuple[int, int]]:
        return {r.key: (r.met, r.missed) for r in coverage_rates(_f(world, code, root, as_of))}

    # Students: the student and 学生二 covered, 学生三 (ended 12-31) and 学生四 not. Teachers:
    # 陈老师 (3 pairings ≤ 10) and 老师二 (1 ≤ 1) met, 老师三 (none) missed; from 03-01 老师二 has
    # 2 > 1 with 新老师二.
    assert rates("siyige", world.a, D(2026, 1, 10)) == {
        "student-covered": (2, 2),
        "teacher-min": (2, 1),
    }
    assert rates("siyige", world.a, D(2025, 10, 1)) == {
        "student-covered": (3, 1),
        "teacher-min": (2, 1),
    }
    assert rates("siyige", world.a, D(2026, 6, 30)) == {
        "student-covered": (2, 2),
        "teacher-min": (1, 2),
    }
    assert rates("siyige", world.a1, D(2026, 1, 10)) == {
        "student-covered": (1, 1),
        "teacher-min": (1, 0),
    }
    assert rates("siyige", world.a2, D(2026, 6, 30)) == {
        "student-covered": (1, 1),
        "teacher-min": (0, 2),
    }
    # Rural schools: 甲村小学 covered; 丁村小学 from 03-01, 丁村幼儿园 until 12-31. Helping
    # units (min 2): 甲县实验小学 reaches 2 from 03-01; 丁镇中心校 has 1 until 12-31, then none
    # (a helping unit without an active pairing is not listed).
    assert rates("chengxiang", world.a, D(2025, 10, 1)) == {
        "school-covered": (2, 1),
        "school-load": (0, 2),
    }
    assert rates("chengxiang", world.a, D(2026, 1, 10)) == {
        "school-covered": (1, 2),
        "school-load": (0, 1),
    }
    assert rates("chengxiang", world.a, D(2026, 6, 30)) == {
        "school-covered": (2, 1),
        "school-load": (1, 0),
    }
    assert rates("chengxiang", world.a2, D(2025, 10, 1)) == {
        "school-covered": (1, 1),
        "school-load": (0, 1),
    }
    # Villages: 甲村 by 扶贫办; 丁村 by 帮扶股 until 2026-01-10, the day itself included.
    assert rates("baocun", world.a, D(2026, 1, 10)) == {
        "village-covered": (2, 0),
        "unit-load": (2, 0),
    }
    assert rates("baocun", world.a, D(2026, 1, 11)) == {
        "village-covered": (1, 1),
        "unit-load": (1, 0),
    }
    assert rates("baocun", world.desk, D(2026, 1, 10)) == {
        "village-covered": (0, 0),
        "unit-load": (1, 0),
    }


def test_report_uses_the_counts_and_their_queries_do_not_grow_with_the_pool(world):
    f = _f(world, "jingzhun", world.a, D(2026, 1, 10))
    assert _board(user=world.admin, f=f).coverage == coverage_for(f)[0]
    with CaptureQueriesContext(connection) as before:
        first = coverage_rates(f)
    for i in range(20):
        household_with_members(world.a2v, 1, code=f"H45012330{i:02d}")
    Household.objects.filter(code__startswith="H45012330").update(status=Status.ASSISTING)
    with CaptureQueriesContext(connection) as after:
        second = coverage_rates(f)
    assert len(after) == len(before) <= 6
    covered = {r.key: r for r in first}["covered"]
    assert {r.key: r for r in second}["covered"].missed == covered.missed + 20


def _summed(world: Any, code: str) -> None:
    """The coverage rows of the summary tables give coverage_counts' figures for every subtree
    and day."""
    from bangfu.reports import summaries
    from bangfu.reports.models import COMPLIANCE

    assert summaries.fresh(COMPLIANCE)
    program = world.programs[code]
    program.refresh_from_db()
    for as_of in (*DAYS, D(2025, 12, 31), D(2026, 1, 11), D(2026, 3, 1)):
        assert summaries.coverage(program, [""], as_of) == coverage_counts(program, as_of)
        for root in _roots(world):
            expected = coverage_counts(program, as_of, root)
            assert summaries.coverage(program, [root.path], as_of) == expected, (
                as_of,
                root.name,
            )


@pytest.mark.parametrize("code", PROGRAMS)
def test_summary_rows_equal_the_counts(world, code):
    _summed(world, code)
    # Changes made behind the services' back: a pairing ended, a helper's capacity, a
    # household leaving the pool, a tag taken away, a rule's minimum raised.
    Pairing.objects.filter(program=world.programs[code]).order_by("pk").filter(
        pk=Pairing.objects.filter(program=world.programs[code]).order_by("pk").values("pk")[:1]
    ).update(end=D(2026, 1, 5))
    Helper.objects.filter(person__name="帮扶一").update(capacity=3)
    Household.objects.filter(code="H450123005").update(status=Status.EXITED)
    Tag.objects.get(name="孤儿").persons.clear()
    program = world.programs[code]
    for rule in program.definition["rules"]:
        if rule.get("kind") == "coverage":
            rule["min"] = 2
    program.save(update_fields=["definition"])
    _summed(world, code)
