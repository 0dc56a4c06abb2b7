"""P004 (身份证号区划与所属单位不符) knows region-code lineage: an ID issued under an earlier or
later code of the unit's own place is no misplaced person (隆安县 was 452126 until 2001, 450123
since 2002; bangfu/core/idnumber.py region_lineage, docs/data-quality.md). The test world's 甲县
is 450123 隆安县 and 乙县 is 450124 马山县 (452127 until 2001), real codes."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.core.idnumber import id_check_digit
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.registry.models import Helper, Household, Person
from bangfu.registry.quality import run_checks

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)
_seq = itertools.count()


def number(first6: str, birth: datetime.date = datetime.date(1975, 3, 3)) -> str:
    first17 = f"{first6}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + id_check_digit(first17)


def person(org, first6: str) -> Person:
    return Person.objects.create(
        org=org, name=f"李{next(_seq)}", id_number=number(first6), sex="M",
        birth_date=datetime.date(1975, 3, 3),
    )  # fmt: skip


def p004(persons) -> dict[int, str]:
    report = run_checks(
        persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
        households=Household.objects.none(),
        helpers=Helper.objects.none(),
        codes=["P004"],
        today=TODAY,
    )
    return {f.object_id: f.message for f in report.findings}


def test_an_id_under_the_county_s_earlier_code_is_at_home(world):
    village, township, county = world.a1v, world.a1, world.a
    at_home = [
        person(village, "450123"),
        person(village, "452126"),  # 隆安县 until 2001
        person(township, "452126"),
        person(county, "452126"),
        person(world.b1, "452127"),  # 马山县 until 2001, in 乙镇
    ]
    away = {
        person(village, "452127"): "452127",  # 马山县's old code, in 隆安县
        person(village, "450124"): "450124",
        person(village, "452122"): "452122",  # 横县 (南宁地区), not 隆安县
        person(world.b1, "452126"): "452126",
        person(village, "110101"): "110101",
    }
    found = p004([*at_home, *away])
    assert set(found) == {p.pk for p in away}
    for p, region in away.items():
        assert f"身份证号前 6 位 {region} 不属于所属单位的区划" in found[p.pk]


def test_documents_that_name_no_residence_are_not_compared(world):
    village = world.a1v
    first17 = "91184019850315123"  # 外国人永久居留身份证: 9, 北京市, 840, 1985-03-15, 123
    foreigner = Person.objects.create(
        org=village, name="史密斯", id_number=first17 + id_check_digit(first17), sex="M"
    )
    permits = [person(village, code) for code in ("810000", "820000", "830000")]
    assert p004([foreigner, *permits]) == {}


def test_a_prefecture_accepts_the_old_codes_of_its_counties(world):
    # 南宁市 (4501): 隆安县 and 马山县 came from 南宁地区 (4521) in 2002; 柳州 (4502) did not.
    nanning = OrgFactory(code="450100", name="南宁市", kind="city")
    inside = [person(nanning, code) for code in ("450123", "452126", "452127", "452122")]
    outside = person(nanning, "450202")
    assert set(p004([*inside, outside])) == {outside.pk}


def test_a_province_accepts_the_codes_it_took_over(world):
    # 重庆 (50) took over 四川's 永川县 510229 in 1997; 四川's 成都 510104 stays 四川.
    chongqing = OrgFactory(code="500000", name="重庆市", kind="province")
    yongchuan = person(chongqing, "510229")
    chengdu = person(chongqing, "510104")
    assert set(p004([yongchuan, chengdu, person(chongqing, "500118")])) == {chengdu.pk}


def test_one_query_for_any_number_of_counties(world):
    counties = [
        OrgFactory(code=code, name=f"县{code}", kind="county")
        for code in ("450125", "450126", "450127", "620922", "131081")
    ]
    persons = [person(county, "110101") for county in counties]
    persons += [person(counties[3], "622126"), person(counties[4], "139002")]
    with CaptureQueriesContext(connection) as queries:
        found = p004(persons)
    assert len(found) == 5
    # The P004 select and the lookups of the units' places (_places: two queries).
    p004_queries = [q for q in queries.captured_queries if "registry_person" in q["sql"]]
    assert len(p004_queries) <= 3
