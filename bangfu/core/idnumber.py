"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

An 18-character number is a 6-digit region code (GB/T 2260), the birth date as YYYYMMDD, a 3-digit
sequence whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
character (0-9 or X).

Region codes come from python-stdnum's ``cn/loc`` table (``stdnum/cn/loc.dat``), read through
:mod:`stdnum.numdb`; there is no ``stdnum.cn.loc`` module. We do not call
``stdnum.cn.ric.validate``: it rejects a region code that did not exist yet in the birth year (it
takes the birth year for the year the number was issued), which refuses real numbers such as
someone born in 1990 in Nanning's 西乡塘区 (450107, created 2004) or a Hong Kong resident's
810000 number with a birth date before 1997. Here any code the table has ever known is valid, and
the year ranges only choose which of a code's successive names to show.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from operator import mul

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb

from bangfu.core.parsing import to_halfwidth

__all__ = [
    "IdInfo",
    "IdNumberError",
    "age_on",
    "id_check_digit",
    "known_region_codes",
    "normalise_id_number",
    "parse_id_number",
    "region_name",
]

ID_LENGTH = 18
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Weight of digit i (0-based, left to right) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, ID_LENGTH - 1 - i, 11) for i in range(ID_LENGTH - 1))
# What the weighted sum over the bytes of 17 ASCII digits counts beyond the digits' values.
_ZERO_TOTAL = ord("0") * sum(_WEIGHTS)
# Dropped anywhere in the number: whitespace of every kind (NBSP, U+3000 …), zero-width
# characters, hyphens and dashes people type as separators, and Excel's leading text apostrophe.
_SEPARATORS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\-\u2010-\u2015\u2212'‘’`]+")


class IdNumberError(ValueError):
    """An ID number that is not a valid 18-digit resident identity card number.

    The message (Chinese, user-facing) says exactly what is wrong.
    """


@dataclass(frozen=True)
class IdInfo:
    """What a valid ID number says about its holder."""

    number: str
    birth_date: date
    sex: str  # "M" or "F"
    region_code: str
    region_name: str


# --- region codes -------------------------------------------------------------------------------

_PERIOD = re.compile(r"\[(\d*)-(\d*)\](.*)")


@dataclass(frozen=True)
class _Name:
    name: str
    start: int | None  # first year the code carried this name, None if always
    end: int | None  # last year, None if still in use


@cache
def _regions() -> dict[str, tuple[str, tuple[_Name, ...]]]:
    """Every 6-digit code in stdnum's table: (province, the county-level names over time)."""
    regions: dict[str, tuple[str, tuple[_Name, ...]]] = {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        for province_code in _expand(low, high, length):
            for child_length, child_low, child_high, child_props, _more in children:
                names = tuple(_parse_names(child_props.get("county", "")))
                for county_code in _expand(child_low, child_high, child_length):
                    regions[province_code + county_code] = (province, names)
    return regions


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
    """All 6-digit region codes in stdnum's GB/T 2260 table, current and historic."""
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
    chosen = names[-1] if year is None else min(reversed(names), key=lambda n: _distance(n, year))
    if code.endswith("0000"):
        # The province's own line; prefer it to the province label, which stdnum spells in
        # traditional characters for Hong Kong and Macau (香港特別行政區).
        return chosen.name
    return province + chosen.name


def _distance(name: _Name, year: int) -> int:
    if name.start is not None and year < name.start:
        return name.start - year
    if name.end is not None and year > name.end:
        return year - name.end
    return 0


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


def parse_id_number(raw: object, *, today: date | None = None) -> IdInfo:
    """Validate an ID number cell and return what it encodes.

    Raises :class:`IdNumberError` naming the problem: empty, stored as an Excel number (digits
    lost), a 15-digit first-generation number, wrong length, characters other than digits and a
    final X, an unknown region code, an impossible birth date, a birth date in the future (after
    ``today``, by default today in the site's time zone) or before 1900, or a wrong check digit
    (the message gives the right one).
    """
    if (  # the usual cell, already in canonical form: 17 ASCII digits and a digit or X
        type(raw) is str
        and len(raw) == ID_LENGTH
        and raw.isascii()
        and raw[:17].isdigit()
        and (raw[17] == "X" or raw[17].isdigit())
    ):
        number = raw
    else:
        number = _checked_form(raw)

    digits = number[6:14]
    birth_date = _birth_date(digits)
    if birth_date is None:
        raise IdNumberError(
            _("身份证号第 7-14 位的出生日期 %(digits)s 不是有效日期") % {"digits": digits}
        )

    region_code = number[:6]
    if region_code not in _regions():
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

    return IdInfo(
        number=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=region_code,
        region_name=region_name(region_code, birth_date.year),
    )


def _checked_form(raw: object) -> str:
    """The canonical form of an ID number cell that has 18 characters, digits and a final X;
    raises :class:`IdNumberError` otherwise."""
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
    if len(number) == 15:
        raise IdNumberError(
            _("这是 15 位的第一代身份证号, 请填写 18 位的第二代身份证号(可在户口簿或新证件上查到)")
        )
    if len(number) != ID_LENGTH:
        raise IdNumberError(_("身份证号应为 18 位, 实际 %(length)d 位") % {"length": len(number)})
    if "X" in number[:-1]:
        raise IdNumberError(_("身份证号中的 X 只能出现在最后一位"))
    return number


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
