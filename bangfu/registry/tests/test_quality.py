"""Data-quality checks: every implemented check catches a record built to fail it and leaves
alone one built to pass it; the declarations are valid and match the implementations; findings
stay inside the querysets given; pairing checks are reported as skipped; and the number of
queries does not grow with the number of households."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from bangfu.core.idnumber import id_check_digit, region_name
from bangfu.core.tree import prefix_q
from bangfu.registry import quality
from bangfu.registry.models import (
    Helper,
    Household,
    HouseholdIncome,
    IncomeLine,
    Member,
    Person,
    StatusChange,
)
from bangfu.registry.quality import (
    CHECKS,
    IMPLEMENTATIONS,
    declaration_problems,
    income_line_for,
    load_default_income_lines,
    region_codes,
    run_checks,
    run_checks_for_org,
)
from bangfu.registry.tests.factories import HouseholdFactory, make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 6, 15)

# A URLconf with the record pages, for the test of the findings' links.
_detail = path("<int:pk>/", lambda request, pk: HttpResponse(), name="household_detail")
urlpatterns = [
    path("registry/", include(([_detail], "registry"))),
]


def born(age: int) -> datetime.date:
    """A birth date that makes someone ``age`` years old on TODAY (1 January)."""
    return D(TODAY.year - age, 1, 1)


_seq = itertools.count()


class Make:
    """Small builders of registry records in the village a1v of the test world."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.org = world.a1v

    def person(
        self,
        *,
        age: int | None = 40,
        birth: datetime.date | None = None,
        sex: str = "M",
        region: str = "450123",
        with_id: bool = True,
        org: Any = None,
        **fields: Any,
    ) -> Person:
        n = next(_seq)
        seq = n % 100
        if birth is None and age is not None:
            # Spread over the first 150 days of the year (same age on TODAY, 15 June) so that
            # many persons of one age get distinct ID numbers.
            birth = born(age) + datetime.timedelta(days=n % 150)
            seq = (n // 150) % 100
        number = ""
        if with_id and birth is not None:
            number = make_id_number(birth, sex=sex, region=region, seq=seq)
        fields.setdefault("name", f"李{n}")
        fields.setdefault("id_number", number)
        return Person.objects.create(org=org or self.org, birth_date=birth, sex=sex, **fields)

    def household(self, *members: tuple[Person, str], org: Any = None, **fields: Any) -> Household:
        household = HouseholdFactory(org=org or self.org, **fields)
        for person, relation in members:
            Member.objects.create(household=household, person=person, relation=relation)
            if relation == "head" and household.head_id is None:
                household.head = person
        household.save()
        return household

    def family(self, *relatives: tuple[str, dict[str, Any]], **fields: Any) -> Household:
        """A household of a 40-year-old male head and the given (relation, person fields)."""
        members = [(self.person(age=40, sex="M"), "head")]
        members += [(self.person(**kw), relation) for relation, kw in relatives]
        return self.household(*members, **fields)

    def history(self, household: Household, *steps: tuple[datetime.date, str], reason: str = "x"):
        for day, status in steps:
            StatusChange.objects.create(household=household, status=status, date=day, reason=reason)
            household.status, household.status_since = status, day
        household.save()
        return household

    def income(self, household: Household, year: int, per_capita: str, **parts: str) -> None:
        HouseholdIncome.objects.create(
            household=household,
            year=year,
            per_capita=Decimal(per_capita),
            **{k: Decimal(v) for k, v in parts.items()},
        )

    def helper(self, person: Person | None = None, **fields: Any) -> Helper:
        person = person or self.person(phone="13800001111")
        return Helper.objects.create(person=person, org=self.org, **fields)


Ids = list[int]
Builder = Callable[[Make], tuple[Ids, Ids]]


def pk(*objects: Any) -> Ids:
    return [o.pk for o in objects]


def member_pk(household: Household, relation: str) -> int:
    return household.members.get(relation=relation).pk


# -- one builder per check: (ids that must be found, ids that must not) ---------------------


def p001(m: Make):
    shared, single = m.person(), m.person()
    m.household((shared, "head"))
    m.household((m.person(), "head"), (shared, "son"), (single, "son"))
    return pk(shared), pk(single)


def p002(m: Make):
    wrong = m.person(birth=D(1980, 5, 17))
    wrong.birth_date = D(1980, 5, 18)
    wrong.save()
    return pk(wrong), pk(m.person(birth=D(1980, 5, 17)), m.person(birth=D(1999, 12, 31)))


def p003(m: Make):
    wrong = m.person(sex="M")
    wrong.sex = "F"
    wrong.save()
    return pk(wrong), pk(m.person(sex="M"), m.person(sex="F"))


def p004(m: Make):
    elsewhere = m.person(region="110101")
    other_county = m.person(region="450124")
    at_home = m.person(region="450123")
    no_place = m.person(region="110101", org=m.world.b1)  # 乙镇 450124100: wrong too
    return pk(elsewhere, other_county, no_place), pk(at_home)


def p005(m: Make):
    adult = m.person(age=30, with_id=False)
    child = m.person(age=10, with_id=False)
    return pk(adult), pk(child, m.person(age=30))


def p006(m: Make):
    unknown = m.person(age=None, with_id=False)
    return pk(unknown), pk(m.person(age=30, with_id=False), m.person(age=30))


def p007(m: Make):
    bad = [m.person(phone=p) for p in ("1381234567", "23812345678", "5551234", "abc")]
    good = [m.person(phone=p) for p in ("13812345678", "0771-5551234", "010-12345678-801", "")]
    return pk(*bad), pk(*good)


def p008(m: Make):
    a, b = m.person(phone="13811112222"), m.person(phone="13811112222")
    m.household((a, "head"))
    m.household((b, "head"))
    c, d = m.person(phone="13833334444"), m.person(phone="13833334444")
    m.household((c, "head"), (d, "spouse"))
    one = m.person(phone="13855556666")  # one person in two households: P001's business
    m.household((m.person(), "head"), (one, "son"))
    m.household((m.person(), "head"), (one, "son"))
    return pk(a, b), pk(c, d, one)


def p009(m: Make):
    good = m.person()
    number = good.id_number
    check = "0" if number[-1] != "0" else "1"
    wrong_check = m.person(with_id=False, id_number=number[:-1] + check)
    short = m.person(with_id=False, id_number=number[:16])
    first17 = "999999" + number[6:17]
    bad_region = m.person(with_id=False, id_number=first17 + id_check_digit(first17))
    first17 = number[:6] + "19800230" + number[14:17]
    bad_date = m.person(with_id=False, id_number=first17 + id_check_digit(first17))
    with_x = m.person(with_id=False, id_number=_number_with_x())
    # A foreigner's permanent residence number: 9, the issuing province (11), a nationality (840).
    first17 = "911840" + number[6:17]
    foreign = m.person(with_id=False, id_number=first17 + id_check_digit(first17))
    return pk(wrong_check, short, bad_region, bad_date), pk(good, with_x, foreign)


def _number_with_x() -> str:
    for seq in range(100):
        number = make_id_number(D(1975, 3, 3), seq=seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no number ending in X")


def p010(m: Make):
    bad = [m.person(name=n) for n in ("张3", "李*", "")]
    good = [m.person(name=n) for n in ("张三", "阿依古丽·买买提")]
    return pk(*bad), pk(*good)


def p011(m: Make):
    future = m.person(birth=D(2030, 1, 1), with_id=False)
    ancient = m.person(birth=D(1890, 1, 1), with_id=False)
    return pk(future, ancient), pk(m.person(age=100), m.person(age=0))


def p012(m: Make):
    bad = [m.person(age=10, labour=v) for v in ("ordinary", "skilled", "weak")]
    good = [m.person(age=10, labour="none"), m.person(age=16, labour="ordinary")]
    return pk(*bad), pk(*good)


def p013(m: Make):
    bad = [m.person(age=70, labour=v) for v in ("ordinary", "skilled")]
    good = [m.person(age=70, labour="weak"), m.person(age=65, labour="ordinary")]
    return pk(*bad), pk(*good)


def p014(m: Make):
    bad = [m.person(age=10, schooling="dropout"), m.person(age=7, schooling="not_in_school")]
    bad.append(m.person(age=15, schooling="dropout"))
    good = [
        m.person(age=10, schooling="primary"),
        m.person(age=16, schooling="not_in_school"),
        m.person(age=6, schooling="not_in_school"),
    ]
    return pk(*bad), pk(*good)


def p015(m: Make):
    """The national bounds (防返贫监测信息系统 rules 5_17_001-5_17_004, github.com/Gzuwkj/fuping
    rules/5_17_00*.py): 小学 6-14, 初中 12-17, 高中/中职 15-20, 学龄前 under 7 if healthy."""
    bad = [
        m.person(age=15, schooling="primary"),
        m.person(age=5, schooling="primary"),
        m.person(age=18, schooling="junior"),
        m.person(age=11, schooling="junior"),
        m.person(age=21, schooling="senior"),
        m.person(age=21, schooling="vocational"),
        m.person(age=14, schooling="university"),
        m.person(age=7, schooling="preschool_age", health="healthy"),
        m.person(age=7, schooling="kindergarten"),  # health not given: not exempt
    ]
    good = [
        m.person(age=6, schooling="primary"),
        m.person(age=14, schooling="primary"),
        m.person(age=12, schooling="junior"),
        m.person(age=17, schooling="junior"),
        m.person(age=15, schooling="senior"),
        m.person(age=20, schooling="senior"),
        m.person(age=20, schooling="university"),
        m.person(age=6, schooling="preschool_age"),
        m.person(age=8, schooling="kindergarten", health="disabled"),
        m.person(age=9, schooling="preschool_age", health="serious"),
        m.person(age=40, schooling="not_in_school"),
    ]
    return pk(*bad), pk(*good)


def p016(m: Make):
    """Rule 5_12_008 (github.com/Gzuwkj/fuping rules/5_12_008.py): healthy, 16 (incl.) to 60
    (excl.), not in school, yet 弱/无/丧失劳动力."""
    bad = [
        m.person(age=30, health="healthy", schooling="not_in_school", labour="weak"),
        m.person(age=16, health="healthy", labour="none"),
        m.person(age=59, health="healthy", labour="lost"),
        m.person(age=17, health="healthy", schooling="dropout", labour="none"),
    ]
    good = [
        m.person(age=30, health="healthy", labour="ordinary"),
        m.person(age=30, health="chronic", labour="weak"),
        m.person(age=30, labour="none"),  # health not given
        m.person(age=60, health="healthy", labour="weak"),
        m.person(age=15, health="healthy", labour="none"),
        m.person(age=18, health="healthy", schooling="senior", labour="none"),
    ]
    return pk(*bad), pk(*good)


def p017(m: Make):
    bad = m.person(age=10, labour="lost")
    good = [m.person(age=10, labour="none"), m.person(age=16, labour="lost"), m.person(age=0)]
    return pk(bad), pk(*good)


def p018(m: Make):
    bad = [
        m.person(age=17, schooling="senior", labour="ordinary"),
        m.person(age=20, schooling="university", labour="skilled"),
        m.person(age=None, with_id=False, schooling="vocational", labour="ordinary"),
    ]
    good = [
        m.person(age=10, schooling="primary", labour="ordinary"),  # P012's
        m.person(age=17, schooling="senior", labour="none"),
        m.person(age=25, schooling="not_in_school", labour="ordinary"),
        m.person(age=17, schooling="dropout", labour="ordinary"),
    ]
    return pk(*bad), pk(*good)


def p019(m: Make):
    """Only household members (registered beneficiaries) are asked for their 劳动能力."""
    blank = m.person(age=30)
    m.household((m.person(age=40, labour="ordinary"), "head"), (blank, "spouse"))
    child, filled = m.person(age=10), m.person(age=16, labour="ordinary")
    m.household((m.person(age=45, labour="ordinary"), "head"), (child, "son"), (filled, "son"))
    removed = m.person(age=30)
    gone = m.household((removed, "head"))
    m.history(gone, (D(2020, 1, 1), "identified"), (D(2021, 1, 1), "removed"))
    outsider = m.person(age=30)  # not in any household: a helper, a cadre
    return pk(blank), pk(child, filled, removed, outsider)


def p020(m: Make):
    """6-15 on the day of the check (rule 5_15_016 counts 6-16 on 1 September)."""
    six, fifteen = m.person(age=6), m.person(age=15)
    sixteen, five = m.person(age=16), m.person(age=5)
    pupil = m.person(age=10, schooling="primary")
    m.household(
        (m.person(age=40), "head"),
        (six, "son"),
        (fifteen, "daughter"),
        (sixteen, "son"),
        (five, "son"),
        (pupil, "son"),
    )
    loose = m.person(age=10)
    return pk(six, fifteen), pk(sixteen, five, pupil, loose)


def p021(m: Make):
    """Rule 4_01_006 (github.com/Gzuwkj/fuping rules/4_01_006.py): a pupil up to 高中 (学龄前
    included) registered as working away from home."""
    bad = [
        m.person(age=10, schooling="primary", employment="out_of_province"),
        m.person(age=17, schooling="senior", employment="county"),
        m.person(age=13, schooling="junior", employment="province"),
        m.person(age=4, schooling="preschool_age", employment="province"),
    ]
    good = [
        m.person(age=10, schooling="primary", employment="township"),
        m.person(age=10, schooling="primary"),
        m.person(age=19, schooling="college", employment="out_of_province"),
        m.person(age=30, schooling="not_in_school", employment="out_of_province"),
    ]
    return pk(*bad), pk(*good)


def m001(m: Make):
    bad = m.family(("spouse", {"sex": "M", "age": 38}))
    good = m.family(("spouse", {"sex": "F", "age": 38}))
    return pk(bad), pk(good)


def m002(m: Make):
    bad = m.household((m.person(), "son"), (m.person(), "daughter"))
    good = m.family(("son", {"age": 10}))
    return pk(bad), pk(good, m.household())


def m003(m: Make):
    bad = m.household((m.person(), "head"), (m.person(), "head"))
    return pk(bad), pk(m.family(("spouse", {"sex": "F"})))


def m004(m: Make):
    head, other = m.person(), m.person()
    wrong = m.household((head, "head"), (other, "son"))
    wrong.head = other
    wrong.save()
    missing = m.household((m.person(), "head"))
    missing.head = None
    missing.save()
    outside = m.household()
    outside.head = m.person()
    outside.save()
    return pk(wrong, missing, outside), pk(m.family(("son", {"age": 10})), m.household())


def m005(m: Make):
    bad = m.household((m.person(age=14), "head"))
    good = m.household((m.person(age=16), "head"))
    return [member_pk(bad, "head")], [member_pk(good, "head")]


def m006(m: Make):
    bad = m.family(("spouse", {"sex": "F", "age": 17}))
    good = m.family(("spouse", {"sex": "F", "age": 18}))
    return [member_pk(bad, "spouse")], [member_pk(good, "spouse")]


def m007(m: Make):
    bad = [m.family(("spouse", {"sex": s, "age": a})) for s, a in (("M", 21), ("F", 19))]
    good = [m.family(("spouse", {"sex": s, "age": a})) for s, a in (("M", 22), ("F", 20))]
    good.append(m.family(("spouse", {"sex": "F", "age": 17})))  # M006's business
    return [member_pk(h, "spouse") for h in bad], [member_pk(h, "spouse") for h in good]


def m008(m: Make):
    close = m.family(("son", {"age": 30}))
    older = m.family(("daughter", {"age": 45, "sex": "F"}))
    good = m.family(("son", {"age": 25}))
    return (
        [member_pk(close, "son"), member_pk(older, "daughter")],
        [member_pk(good, "son")],
    )


def m009(m: Make):
    bad = m.family(("father", {"age": 39}))
    good = m.family(("mother", {"age": 65, "sex": "F"}))
    return [member_pk(bad, "father")], [member_pk(good, "mother")]


def m010(m: Make):
    bad = m.family(("spouse", {"sex": "F"}), ("spouse", {"sex": "F"}))
    return pk(bad), pk(m.family(("spouse", {"sex": "F"})))


def m011(m: Make):
    """Rule 2_01_004 (github.com/Gzuwkj/fuping rules/2_01_004.py): 之女 who is male …"""
    bad = m.family(
        ("daughter", {"sex": "M", "age": 10}),
        ("son", {"sex": "F", "age": 12}),
        ("mother", {"sex": "M", "age": 65}),
        ("son_in_law", {"sex": "F", "age": 30}),
        ("granddaughter", {"sex": "M", "age": 2}),
        # GB/T 4761's further relations imply a sex too (registry.choices.RELATION_SEX).
        ("granddaughter_m", {"sex": "M", "age": 3}),
        ("sister_in_law", {"sex": "M", "age": 40}),
    )
    good = m.family(
        ("daughter", {"sex": "F", "age": 10}),
        ("son", {"sex": "M", "age": 12}),
        ("grandfather", {"sex": "M", "age": 80}),
        ("daughter_in_law", {"sex": "F", "age": 30}),
        ("sibling", {"sex": "F", "age": 35}),
        ("other", {"sex": "F", "age": 50}),
        ("grandson_m", {"sex": "M", "age": 4}),
        ("brother_in_law", {"sex": "M", "age": 41}),
    )
    unknown = m.family(("son", {"sex": "", "age": 8}))
    failing = [m.pk for m in bad.members.exclude(relation="head")]
    passing = [m.pk for m in good.members.all()] + [m.pk for m in unknown.members.all()]
    return failing, passing


def h001(m: Make):
    return pk(m.household()), pk(m.family())


def h002(m: Make):
    bad = m.family()
    removed = m.history(m.family(), (D(2020, 1, 1), "identified"), (D(2021, 1, 1), "removed"))
    return pk(bad), pk(m.family(main_cause="illness"), removed)


def c001(m: Make):
    bad = m.family(("son", {"health": "healthy"}), main_cause="illness")
    other = m.family(main_cause="no_skills", other_causes=",no_capital,illness,")
    good = m.family(("mother", {"health": "serious", "age": 70}), main_cause="illness")
    chronic = m.family(("son", {"health": "chronic"}), other_causes=",illness,")
    return pk(bad, other), pk(good, chronic, m.family(main_cause="no_skills"))


def c002(m: Make):
    bad = m.family(("son", {"health": "chronic"}), main_cause="disability")
    good = m.family(("son", {"health": "disabled"}), main_cause="disability")
    return pk(bad), pk(good)


def c003(m: Make):
    bad = m.family(("son", {"age": 20, "schooling": "not_in_school"}), main_cause="schooling")
    good = m.family(("son", {"age": 10, "schooling": "primary"}), main_cause="schooling")
    return pk(bad), pk(good)


def c004(m: Make):
    bad = m.family(("spouse", {"labour": "skilled", "sex": "F"}), main_cause="no_labour")
    Person.objects.filter(pk=bad.head_id).update(labour="ordinary")
    good = m.family(("spouse", {"labour": "weak", "sex": "F"}), main_cause="no_labour")
    Person.objects.filter(pk=good.head_id).update(labour="ordinary")
    return pk(bad), pk(good)


def i001(m: Make):
    negative, huge, good = m.family(), m.family(), m.family()
    m.income(negative, 2025, "-1")
    m.income(huge, 2025, "150000")
    m.income(good, 2025, "5000")
    return pk(negative, huge), pk(good)


def i002(m: Make):
    bad, exact, rounding, partial = m.family(), m.family(), m.family(), m.family()
    m.income(bad, 2025, "5000", wage="3000", business="2000", transfer="1000")
    m.income(exact, 2025, "5000", wage="3000", business="1000", transfer="1000")
    m.income(rounding, 2025, "5000", wage="3040", business="1000", transfer="1000")
    m.income(partial, 2025, "5000", wage="4000")
    return pk(bad), pk(exact, rounding, partial)


def i003(m: Make):
    bad, close, partial = m.family(), m.family(), m.family()
    m.income(bad, 2025, "5000", wage="1000", business="1000", transfer="1000")
    m.income(close, 2025, "5000", wage="2980", business="1000", transfer="1000")
    m.income(partial, 2025, "5000", wage="1000", transfer="1000")
    return pk(bad), pk(close, partial)


def i004(m: Make):
    wage, transfer, loss = m.family(), m.family(), m.family()
    m.income(wage, 2025, "3000", wage="-100")
    m.income(transfer, 2025, "3000", transfer="-5")
    m.income(loss, 2025, "3000", wage="3500", business="-500")
    return pk(wage, transfer), pk(loss)


def i005(m: Make):
    missing, good = m.family(), m.family()
    m.income(missing, TODAY.year - 1, "5000")
    m.income(good, TODAY.year, "5000")
    removed = m.history(m.family(), (D(2020, 1, 1), "identified"), (D(2021, 1, 1), "removed"))
    return pk(missing), pk(good, removed)


def _exited(m: Make, org: Any = None) -> Household:
    household = m.household((m.person(org=org), "head"), org=org)
    return m.history(
        household,
        (D(2017, 1, 1), "identified"),
        (D(2017, 2, 1), "assisting"),
        (D(2019, 10, 1), "proposed_exit"),
        (D(2019, 12, 1), "exited"),
    )


def i006(m: Make):
    load_default_income_lines()
    under, over, later = _exited(m), _exited(m), _exited(m)
    m.income(under, 2018, "9000")
    m.income(under, 2019, "3000")  # latest, under 3747
    m.income(over, 2019, "5100")  # over the county line of 5000 added below
    m.income(later, 2024, "3900")  # 2024 has no line: 2020's 4000 applies
    assisting = m.history(m.family(), (D(2017, 1, 1), "identified"))
    m.income(assisting, 2019, "1000")
    IncomeLine.objects.create(year=2019, region_prefix="450123", amount=Decimal(5000))
    county, elsewhere = _exited(m), _exited(m, org=m.world.b1)
    m.income(county, 2019, "4500")  # the county's own line of 5000 applies
    m.income(elsewhere, 2019, "4500")  # 乙县 has the national 3747
    return pk(under, later, county), pk(over, assisting, elsewhere)


def s001(m: Make):
    bad = m.history(m.family(), (D(2020, 1, 1), "identified"), (D(2020, 3, 1), "assisting"))
    bad.status = "exited"
    bad.save()
    untracked = m.family(status="assisting")
    good = m.history(m.family(), (D(2020, 1, 1), "identified"), (D(2020, 3, 1), "assisting"))
    return pk(bad, untracked), pk(good, m.family())


def s002(m: Make):
    bad = m.history(m.family(identified_on=D(2020, 3, 1)), (D(2020, 1, 1), "identified"))
    good = m.history(m.family(identified_on=D(2020, 1, 1)), (D(2020, 1, 1), "identified"))
    return pk(bad), pk(good)


def s003(m: Make):
    steps = ((D(2020, 1, 15), "identified"), (D(2020, 3, 1), "assisting"))
    bad = m.history(m.family(identified_on=D(2020, 1, 15)), *steps)
    m.history(bad, (D(2020, 6, 1), "proposed_exit"), (D(2020, 7, 14), "exited"))
    good = m.history(m.family(identified_on=D(2020, 1, 15)), *steps)
    m.history(good, (D(2020, 6, 1), "proposed_exit"), (D(2020, 7, 15), "exited"))
    return pk(bad), pk(good)


def s004(m: Make):
    bad = m.history(m.family(), (D(2020, 1, 1), "identified"))
    m.history(bad, (D(2021, 1, 1), "removed"), reason=" ")
    good = m.history(m.family(), (D(2020, 1, 1), "identified"))
    m.history(good, (D(2021, 1, 1), "removed"), reason="回头看: 家有财政供养人员")
    return pk(bad), pk(good)


def s005(m: Make):
    bad = m.history(m.family(), (D(2024, 6, 1), "identified"))
    good = m.history(m.family(), (D(2026, 1, 1), "identified"))
    moved = m.history(m.family(), (D(2024, 6, 1), "identified"), (D(2024, 8, 1), "assisting"))
    return pk(bad), pk(good, moved)


def s006(m: Make):
    bad = m.family(status="exited", housing_safe=False)
    good = m.family(status="exited", housing_safe=True)
    return pk(bad), pk(good, m.family(status="assisting", housing_safe=False))


def s007(m: Make):
    bad = m.family(status="exited", water_safe=False)
    good = m.family(status="exited", water_safe=True)
    return pk(bad), pk(good, m.family(status="assisting", water_safe=False))


def s008(m: Make):
    bad = m.family(status="assisting")
    good = m.family(status="assisting", identified_on=D(2020, 1, 1))
    return pk(bad), pk(good, m.family())


def s009(m: Make):
    bad = m.family(status="exited", housing_safe=True)
    good = m.family(status="exited", housing_safe=True, water_safe=True)
    return pk(bad), pk(good, m.family(status="assisting"))


def s010(m: Make):
    bad = m.family(identified_on=TODAY + datetime.timedelta(days=1))
    return pk(bad), pk(m.family(identified_on=TODAY))


def b001(m: Make):
    bad = [m.helper(capacity=0), m.helper(capacity=60)]
    return pk(*bad), pk(m.helper(capacity=5), m.helper(capacity=50))


def b002(m: Make):
    bad = m.helper(m.person(phone=""))
    inactive = m.helper(m.person(phone=""), is_active=False)
    return pk(bad), pk(m.helper(), inactive)


def b003(m: Make):
    bad = m.helper()
    m.household((m.person(), "head"), (bad.person, "son"))
    former = m.helper()
    removed = m.household((former.person, "head"))
    m.history(removed, (D(2020, 1, 1), "identified"), (D(2021, 1, 1), "removed"))
    return pk(bad), pk(m.helper(), former)


BUILDERS: dict[str, Builder] = {
    name.upper(): func
    for name, func in list(globals().items())
    if len(name) == 4 and name[0] in "pmhcisb" and name[1:].isdigit() and callable(func)
}


def _run(codes: list[str] | None = None, **scope: Any) -> quality.QualityReport:
    return run_checks(
        persons=scope.get("persons", Person.objects.all()),
        households=scope.get("households", Household.objects.all()),
        helpers=scope.get("helpers", Helper.objects.all()),
        codes=codes,
        today=TODAY,
    )


@pytest.mark.parametrize("code", sorted(BUILDERS))
def test_check_finds_the_failing_record_and_not_the_passing_one(world, code):
    failing, passing = BUILDERS[code](Make(world))
    assert failing and passing
    report = _run([code])
    found = report.ids(code)
    assert set(failing) <= found, f"{code} missed {set(failing) - found}"
    assert not set(passing) & found, f"{code} wrongly found {set(passing) & found}"
    for finding in report.findings:
        assert finding.code == code and finding.title == quality.CHECKS_BY_CODE[code].title
        assert "{" not in finding.message, finding.message
        assert finding.org_id is not None and finding.object_repr
        if finding.subject == "member":
            assert finding.household_id is not None


# -- declarations ----------------------------------------------------------------------------


def test_declarations_file_is_valid():
    data = json.loads(quality.CHECKS_FILE.read_text(encoding="utf-8"))
    assert declaration_problems(data) == []
    codes = [d.code for d in CHECKS]
    assert len(codes) == len(set(codes)) >= 32
    # The national rules (逻辑校验) name where they come from.
    for code in ("M001", "M011", "P012", "P015", "P016", "P017", "P019", "P020", "P021"):
        source = quality.CHECKS_BY_CODE[code].source
        assert "防返贫监测信息系统" in source and "github.com/Gzuwkj/fuping rules/" in source, code
    assert "第一千零四十七条" in quality.CHECKS_BY_CODE["M007"].source
    assert quality.CHECKS_BY_CODE["P001"].source == ""  # optional
    for declaration in CHECKS:
        assert declaration.severity in ("error", "warning", "info")
        assert declaration.title and declaration.explain
        rendered = declaration.render(dict.fromkeys(declaration.placeholders, "X"))
        assert "{" not in rendered and "}" not in rendered


def test_the_docs_list_every_check():
    docs = Path(__file__).resolve().parents[3] / "docs" / "data-quality.md"
    text = docs.read_text(encoding="utf-8")
    for declaration in CHECKS:
        assert f"| {declaration.code} | {declaration.title} |" in text, declaration.code


def test_declaration_problems_are_named():
    bad = {
        "checks": [
            {"code": "P001", "title": "t", "message": "{a.b}", "severity": "fatal"},
            {"code": "P001", "title": "t", "message": "{x:>3}", "severity": "info",
             "subject": "person", "explain": "e", "requires": "no such app", "extra": 1},
            {"code": "X1", "title": "t", "message": "{", "severity": "info",
             "subject": "thing", "explain": "e"},
            {"code": "P002", "title": "t", "message": "m", "severity": "info",
             "subject": "person", "explain": "e", "source": " "},
        ]
    }  # fmt: skip
    text = "\n".join(declaration_problems(bad))
    for expected in (
        "subject missing",
        "severity must be",
        "placeholder {a.b}",
        "duplicate code",
        "placeholder {x}",
        "requires must be",
        "unknown keys ['extra']",
        "code must be",
        "subject must be",
        "does not parse",
        "checks[3] P002: source must be a non-empty text",
    ):
        assert expected in text
    assert declaration_problems([]) != []


def test_every_check_is_implemented_and_every_implementation_declared():
    declared = {d.code for d in CHECKS}
    needs_app = {d.code for d in CHECKS if d.requires}
    assert set(IMPLEMENTATIONS) <= declared, set(IMPLEMENTATIONS) - declared
    assert declared - needs_app <= set(IMPLEMENTATIONS), declared - needs_app - set(IMPLEMENTATIONS)
    assert len(IMPLEMENTATIONS) >= 30
    # Checks of other apps are tested with those apps (test_pairing_checks_run_…).
    assert set(BUILDERS) == set(IMPLEMENTATIONS) - needs_app, set(BUILDERS) ^ set(IMPLEMENTATIONS)
    quality._load_app_checks()
    assert needs_app <= set(IMPLEMENTATIONS)  # pairings is installed: its checks are there


def test_checks_of_an_app_not_installed_are_listed_as_skipped(world, monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "bangfu.pairings" and real(name))
    report = _run()
    skipped = {s.code: s for s in report.skipped}
    assert set(skipped) == {"B101", "B102"}
    assert all("pairings" in s.reason for s in skipped.values())
    assert skipped["B101"].title == "未落实帮扶责任人"
    assert not {"B101", "B102"} & set(report.ran)
    assert [s.code for s in _run(["B102"]).skipped] == ["B102"]


def test_pairing_checks_run_when_pairings_are_installed(world):
    import datetime

    from bangfu.pairings.models import Pairing
    from bangfu.programs.models import Program, ProgramTemplate
    from bangfu.programs.services import load_builtin_templates
    from bangfu.registry.models import Helper
    from bangfu.registry.tests.factories import PersonFactory, household_with_members

    load_builtin_templates()
    template = ProgramTemplate.objects.get(code="jingzhun")
    program = Program.objects.create(
        code="P",
        name="p",
        template=template,
        org=world.a,
        area=world.a,
        start=datetime.date(2020, 1, 1),
        definition=template.definition,
    )
    day = datetime.date(2020, 1, 1)
    paired = household_with_members(world.a1v, 1, statuses=[(day, "assisting")])
    lonely = household_with_members(world.a1v, 1, statuses=[(day, "assisting")])
    exited = household_with_members(world.a1v, 1, statuses=[(day, "identified")])
    exited.status = "exited"
    exited.save()
    busy = Helper.objects.create(person=PersonFactory(org=world.a1), org=world.a1, capacity=1)
    calm = Helper.objects.create(person=PersonFactory(org=world.a1), org=world.a1, capacity=5)
    for helper, household in ((busy, paired), (busy, lonely), (calm, paired)):
        Pairing.objects.create(
            program=program, helper=helper, household=household, org=household.org, start=day
        )
    Pairing.objects.filter(helper=busy, household=lonely).update(end=datetime.date(2020, 6, 1))
    Pairing.objects.create(
        program=program, helper=busy, household=exited, org=exited.org, start=day
    )
    report = _run(["B101", "B102"])
    assert report.ids("B101") == {lonely.pk}
    assert report.ids("B102") == {busy.pk}
    assert not report.skipped
    finding = next(f for f in report.findings if f.code == "B102")
    assert "结对 2 户, 超过最多帮扶数 1" in finding.message


def test_a_declared_check_without_implementation_is_skipped_not_missing(world, monkeypatch):
    monkeypatch.delitem(IMPLEMENTATIONS, "P001")
    report = _run(["P001", "H001"])
    assert report.ran == ["H001"]
    assert [(s.code, s.reason) for s in report.skipped] == [("P001", "尚未实现")]


def test_unknown_code_is_refused(world):
    with pytest.raises(ValueError, match="Z999"):
        _run(["Z999"])
    with pytest.raises(ValueError, match="Z999"):  # at the call, before anything is iterated
        quality.iter_findings(
            persons=Person.objects.none(),
            households=Household.objects.none(),
            helpers=Helper.objects.none(),
            codes=["H001", "Z999"],
        )


@pytest.mark.urls(__name__)
def test_iter_findings_streams_what_run_checks_collects(world):
    m = Make(world)
    empty, child = m.household(), m.person(age=10, labour="lost")
    scope = {
        "persons": Person.objects.all(),
        "households": Household.objects.all(),
        "helpers": Helper.objects.all(),
    }
    report = quality.QualityReport(today=TODAY)
    stream = quality.iter_findings(
        **scope, codes=["P017", "H001"], today=TODAY, report=report, links=False
    )
    assert report.ran == []  # nothing has run before the first finding is asked for
    first = next(stream)
    assert (first.code, first.object_id, first.url) == ("P017", child.pk, "")
    rest = list(stream)
    assert [(f.code, f.object_id) for f in rest] == [("H001", empty.pk)]
    assert report.ran == ["P017", "H001"] and report.findings == []
    collected = run_checks(**scope, codes=["P017", "H001"], today=TODAY)
    assert [(f.code, f.object_id, f.message) for f in collected.findings] == [
        (f.code, f.object_id, f.message) for f in [first, *rest]
    ]
    assert collected.findings[1].url == f"/registry/{empty.pk}/"


# -- scoping, reports, links -----------------------------------------------------------------


def test_findings_stay_inside_the_querysets(world):
    m = Make(world)
    inside = m.household(main_cause="illness")
    outside = m.household(org=world.b1, main_cause="illness")
    stranger = m.person(org=world.b1, age=10, labour="ordinary")
    report = run_checks(
        persons=Person.objects.filter(prefix_q("org__path", world.a.path)),
        households=Household.objects.filter(prefix_q("org__path", world.a.path)),
        helpers=Helper.objects.filter(prefix_q("org__path", world.a.path)),
        today=TODAY,
    )
    assert inside.pk in report.ids("H001") and inside.pk in report.ids("C001")
    assert outside.pk not in {f.object_id for f in report.findings if f.subject == "household"}
    assert stranger.pk not in {f.object_id for f in report.findings if f.subject == "person"}
    assert {f.org_id for f in report.findings} <= {world.a1v.pk}
    by_org = run_checks_for_org(world.b, today=TODAY)
    assert outside.pk in by_org.ids("H001") and inside.pk not in by_org.ids("H001")
    assert stranger.pk in by_org.ids("P012")


def test_report_counts_and_groups(world):
    m = Make(world)
    empty = m.household()
    m.household()
    child = m.person(age=10, labour="ordinary")
    report = _run(["H001", "P012", "P001"])
    assert report.counts == {"H001": 2, "P012": 1, "P001": 0}
    assert report.severity_counts == {"error": 3, "warning": 0, "info": 0}
    assert report.total == 3
    assert list(report.by_code()) == ["P012", "H001"]  # declaration order, empty codes left out
    finding = report.by_code()["P012"][0]
    assert finding.object_id == child.pk and finding.subject == "person"
    assert finding.message == f"{child.name} 10 岁, 劳动能力登记为“普通劳动力”"
    assert finding.severity_label == "错误"
    assert empty.pk in report.ids("H001")


@pytest.mark.urls(__name__)
def test_findings_link_to_the_records_whose_pages_exist(world):
    m = Make(world)
    household = m.household()
    child = m.person(age=10, labour="ordinary")
    spouse_household = m.family(("spouse", {"sex": "F", "age": 17}))
    report = _run(["H001", "P012", "M006"])
    links = {f.code: f.url for f in report.findings}
    assert links["H001"] == f"/registry/{household.pk}/"
    assert links["M006"] == f"/registry/{spouse_household.pk}/"
    assert links["P012"] == ""  # no person page in this URLconf: no link, no error
    assert child.pk in report.ids("P012")


def test_queries_do_not_grow_with_the_number_of_households(world, django_assert_max_num_queries):
    m = Make(world)
    load_default_income_lines()

    def populate(n: int) -> None:
        for i in range(n):
            household = m.family(
                ("spouse", {"sex": "M" if i % 2 else "F", "age": 19, "phone": "13800000000"}),
                ("son", {"age": 10, "labour": "ordinary", "schooling": "dropout"}),
                ("father", {"age": 30}),
                main_cause="illness" if i % 3 else "",
                identified_on=D(2019, 1, 1),
            )
            m.history(household, (D(2019, 1, 1), "assisting"), (D(2019, 3, 1), "proposed_exit"))
            m.history(household, (D(2019, 4, 1), "exited"))
            m.income(household, 2019, "3000", wage="5000")
            bad_id = f"99999919800130{next(_seq) % 1000:03d}1"
            m.person(with_id=False, id_number=bad_id, name=f"坏{i}")
            m.helper(capacity=0)

    populate(5)
    with CaptureQueriesContext(connection) as few:
        small = _run()
    populate(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = _run()
    assert len(large.findings) > len(small.findings) * 5
    assert set(small.counts) == set(large.counts)


# -- income lines and regions ----------------------------------------------------------------


def test_default_income_lines_load_once():
    lines = quality.default_income_lines()
    assert [(r["year"], r["region_prefix"], r["amount"]) for r in lines] == [
        (2014, "", Decimal(2800)),
        (2015, "", Decimal(2855)),
        (2016, "", Decimal(2952)),
        (2017, "", Decimal(3335)),
        (2018, "", Decimal(3535)),
        (2019, "", Decimal(3747)),
        (2020, "", Decimal(4000)),
        (2023, "532328", Decimal(8050)),  # 元谋县 防止返贫监测范围
        (2024, "350526", Decimal(19560)),  # 德化县: 2 × 815 元/月 × 12
    ]
    assert load_default_income_lines() == 9
    IncomeLine.objects.filter(year=2020).update(amount=Decimal(4100))  # an administrator's fix
    assert load_default_income_lines() == 0
    assert IncomeLine.objects.count() == 9
    assert IncomeLine.objects.get(year=2020).amount == Decimal(4100)
    assert str(IncomeLine.objects.get(year=2014)) == "2014 全国: 2800.00"
    line = IncomeLine.objects.get(year=2024, region_prefix="350526")
    assert "关于调整确定2024年防止返贫监测范围的公告" in line.source
    assert line.notes.startswith("福建省德化县。防止返贫监测范围")


def test_every_shipped_income_line_says_where_it_comes_from_and_what_it_is():
    from django.core.exceptions import ValidationError

    for row in quality.default_income_lines():
        year, prefix = row["year"], row["region_prefix"]
        assert row["source"], (year, prefix)
        kind = "贫困标准" if year <= 2020 else "防止返贫监测范围"
        assert kind in row["notes"], (year, prefix, row["notes"])
        if prefix:
            assert region_name(prefix), prefix  # a real GB/T 2260 code
        try:  # the texts fit the model's columns (PostgreSQL would refuse them)
            IncomeLine(**row).full_clean(validate_unique=False)
        except ValidationError as exc:
            raise AssertionError(f"{year} {prefix}: {exc}") from None


def test_the_longest_region_prefix_of_the_latest_year_wins():
    load_default_income_lines()
    IncomeLine.objects.create(year=2019, region_prefix="45", amount=Decimal(4000))
    IncomeLine.objects.create(year=2019, region_prefix="450123", amount=Decimal(4200))
    assert income_line_for(2019, "450123100201") == Decimal(4200)
    assert income_line_for(2019, "450124") == Decimal(4000)
    assert income_line_for(2019, "110101") == Decimal(3747)
    assert income_line_for(2019, "") == Decimal(3747)
    assert income_line_for(2018, "450123") == Decimal(3535)
    assert income_line_for(2024, "450123") == Decimal(4000)  # 2020's line still applies
    assert income_line_for(2013, "450123") is None


def test_monitoring_lines_of_later_years_apply_to_their_county_and_carry_forward():
    load_default_income_lines()
    village = "532328100201"  # a village of 元谋县
    assert income_line_for(2022, village) == Decimal(4000)  # before its monitoring line
    assert income_line_for(2023, village) == Decimal(8050)
    assert income_line_for(2026, village) == Decimal(8050)  # no later line: 2023's applies
    assert income_line_for(2024, "350526") == Decimal(19560)
    assert income_line_for(2026, "350526104") == Decimal(19560)
    assert income_line_for(2023, "350526") == Decimal(4000)  # 德化县's line starts in 2024
    assert income_line_for(2026, "450123") == Decimal(4000)  # no line of its own: 2020's


def test_an_exited_household_under_its_countys_monitoring_line_is_found(world):
    from bangfu.orgs.tests.factories import OrgFactory

    load_default_income_lines()
    m = Make(world)
    yuanmou = OrgFactory(code="532328", name="元谋县", kind="county")
    under, over = _exited(m, org=yuanmou), _exited(m, org=yuanmou)
    elsewhere = _exited(m)  # 甲县: the national 2020 line of 4000 carries on
    m.income(under, 2025, "7000")
    m.income(over, 2025, "8100")
    m.income(elsewhere, 2025, "7000")
    report = _run(["I006"])
    assert report.ids("I006") == {under.pk}
    finding = report.findings[0]
    assert "8050.00" in finding.message and "7000.00" in finding.message


def test_income_line_prefix_must_be_digits():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        IncomeLine(year=2021, region_prefix="GX", amount=Decimal(1)).full_clean()
    IncomeLine(year=2021, region_prefix="45", amount=Decimal(1)).full_clean()


def test_region_code_is_the_nearest_place(world):
    from bangfu.orgs.tests.factories import OrgFactory

    school = OrgFactory(code="SCH1", kind="school", parent=world.a1)
    loose = OrgFactory(code="FREE1", kind="agency")
    codes = region_codes([world.a1v.pk, world.a_office.pk, school.pk, loose.pk, world.b.pk])
    assert codes == {
        world.a1v.pk: "450123100201",
        world.a_office.pk: "450123",
        school.pk: "450123100",
        world.b.pk: "450124",
    }


# -- how the checks run ------------------------------------------------------------------------


def test_the_databases_patterns_say_what_the_regular_expressions_say(world):
    """Each pattern tested by the database itself (a GLOB on SQLite, ``~`` on PostgreSQL) picks
    the same values as Python's ``re`` with the check's regular expression."""
    import re

    cases = {
        ("id_number", quality._ID_FORMAT_GLOB, quality._ID_FORMAT, True): [
            "45012319800517001X",
            "450123198005170012",
            "45012319800517001x",  # a small x is not the check digit's X
            "4501231980051700",
            "45012319800517001",
            "45012319800517X012",
            "４50123198005170012",  # a full-width digit
            "",
        ],
        ("phone", quality._MOBILE_GLOB, quality._MOBILE, True): [
            "13812345678",
            "12812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "0771-5551234",
        ],
        ("name", quality._NAME_JUNK_GLOB, quality._NAME_JUNK, False): [
            "张伟",
            "张伟2",
            "张?伟",
            "张？伟",
            "A张",
            "张\\伟",
            "张^伟",
            "张]伟",
            "欧阳·娜娜",
        ],
    }
    for (field, glob, regex, whole), values in cases.items():
        people = Person.objects.bulk_create(
            Person(org=world.a1v, name=f"人{i}", **{field: value})
            if field != "name"
            else Person(org=world.a1v, name=value)
            for i, value in enumerate(values)
        )
        matched = set(
            Person.objects.filter(pk__in=pk(*people))
            .filter(quality._Matches(field, glob=glob, regex=regex))
            .values_list(field, flat=True)
        )
        search = re.fullmatch if whole else re.search
        expected = {v for v in values if search(regex.strip("^$") if whole else regex, v)}
        assert matched == expected, field
        Person.objects.filter(pk__in=pk(*people)).delete()


@pytest.mark.django_db(transaction=True)
def test_checks_shared_out_among_threads_give_the_same_report(world):
    """Outside a transaction the checks may run in two threads (each with its own connection):
    the report is the one of run_checks, findings in the same order."""
    m = Make(world)
    for code in ("P001", "P002", "P004", "P007", "P009", "P017", "H001", "M002", "C001"):
        BUILDERS[code](m)
    scope = {
        "persons": Person.objects.all(),
        "households": Household.objects.all(),
        "helpers": Helper.objects.all(),
    }

    def seen(report: quality.QualityReport) -> list[tuple[str, int, str]]:
        return [(f.code, f.object_id, f.message) for f in report.findings]

    alone = run_checks(**scope, today=TODAY)
    shared = quality.run_checks_in_threads(**scope, today=TODAY, threads=2)
    assert len(alone.findings) >= 9 and len(set(alone.counts) - {"P001"}) > 5
    assert seen(shared) == seen(alone)
    assert shared.ran == alone.ran
    assert [s.code for s in shared.skipped] == [s.code for s in alone.skipped]
