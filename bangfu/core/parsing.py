"""Parsers for messy spreadsheet cells: dates, amounts, counts, phone numbers, tag lists, headers.

Registries arrive as Excel files typed by hand in many townships. python-calamine hands cells over
as ``str``, ``float`` (every number, 3 arrives as 3.0), ``datetime.date``/``datetime.datetime``
(date-formatted cells) or ``None``. The parsers here accept all of those and the usual ways people
write things: full-width digits, stray spaces, 2014年6月1日, 0.12万元, 3人, +86 138 1234 5678.

Every parser raises :class:`CellError` (a ``ValueError``) whose message is a Chinese sentence that
names what was expected and quotes the cell, ready to be shown next to the row in an import report.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeGuard

from django.utils.translation import gettext as _

__all__ = [
    "CellError",
    "clean_text",
    "header_unit",
    "normalise_header",
    "normalise_phone",
    "parse_amount",
    "parse_date",
    "parse_int",
    "phone_problem",
    "split_tags",
    "to_halfwidth",
    "usual_mobile",
]


class CellError(ValueError):
    """A cell that cannot be read as the value its column expects; the message is user-facing."""


# --- text ---------------------------------------------------------------------------------------

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20  # ideographic space
# Characters that are invisible in a cell but break matching: zero-width space/joiners, BOM.
_INVISIBLE = {code: None for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)}
_WHITESPACE_RUN = re.compile(r"\s+")
# A character clean_text would change: full-width, invisible, whitespace (str.isspace, as \s).
_TO_CLEAN = re.compile(r"[\s\uff01-\uff5e\u3000\u200b\u200c\u200d\u2060\ufeff]")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (U+FF01–U+FF5E, e.g. "１２３", "（元）") to ASCII; U+3000 to a space."""
    return text.translate(_HALFWIDTH)


def _cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ".0", nothing for ``None``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(value.to_integral_value())
    return str(value)


def clean_text(value: object) -> str:
    """Half-width, stripped text with inner whitespace runs (tabs, newlines, U+3000) as one space.

    ``None`` gives "". A numeric cell holding a whole number gives its digits ("3", not "3.0").
    """
    if type(value) is str and not _TO_CLEAN.search(value):
        return value  # clean already (the usual cell)
    text = to_halfwidth(_cell_text(value)).translate(_INVISIBLE)
    return _WHITESPACE_RUN.sub(" ", text).strip()


def _shown(value: object) -> str:
    """The cell as quoted back to the user in a message."""
    return clean_text(value) if not isinstance(value, float) else repr(value)


# --- dates --------------------------------------------------------------------------------------

MAX_EXCEL_SERIAL = 2958465  # 9999-12-31 in the 1900 date system
_EXCEL_1904_OFFSET = 1462  # days between the 1900 and 1904 systems' day zero
_FAKE_LEAP_DAY = 60  # Excel's 1900-02-29, kept for Lotus 1-2-3 compatibility; it never existed

_TIME_OF_DAY = re.compile(r"[ T]?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")
_YMD = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?")
_YMD_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_YM = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})月?")
_SERIAL = re.compile(r"[0-9]{1,5}")
_SPACE_AROUND_SEPARATOR = re.compile(r"\s*([-/.年月日号])\s*")


def _date_error(value: object) -> CellError:
    return CellError(_("无法识别的日期 “%(value)s”") % {"value": _shown(value)})


def _excel_serial_to_date(serial: int, *, datemode_1904: bool, value: object) -> date:
    if datemode_1904:
        if not 0 <= serial <= MAX_EXCEL_SERIAL - _EXCEL_1904_OFFSET:
            raise CellError(
                _("无法识别的日期 “%(value)s”: Excel 日期序号超出范围") % {"value": _shown(value)}
            )
        return date(1904, 1, 1) + timedelta(days=serial)
    if not 1 <= serial <= MAX_EXCEL_SERIAL:
        raise CellError(
            _("无法识别的日期 “%(value)s”: Excel 日期序号应在 1 到 %(max)d 之间")
            % {"value": _shown(value), "max": MAX_EXCEL_SERIAL}
        )
    if serial == _FAKE_LEAP_DAY:
        raise CellError(
            _("无法识别的日期 “%(value)s”: Excel 日期序号 60 对应不存在的 1900-02-29")
            % {"value": _shown(value)}
        )
    # Serials from 61 on count the fake leap day, so day zero is effectively 1899-12-30.
    base = date(1899, 12, 31) if serial < _FAKE_LEAP_DAY else date(1899, 12, 30)
    return base + timedelta(days=serial)


def _checked_date(year: int, month: int, day: int, value: object) -> date:
    if not 1 <= month <= 12 or year < 1:
        raise _date_error(value)
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            _("不存在的日期 “%(value)s”: %(year)d 年 %(month)d 月没有 %(day)d 日")
            % {"value": _shown(value), "year": year, "month": month, "day": day}
        ) from None


def _year_month_number(value: float) -> date | None:
    """A General-format number such as 2014.6 that someone typed as a year and month.

    Date-formatted cells reach us as dates, so a bare number with a fraction whose whole part is a
    plausible year is far more likely "2014.6" than Excel serial 2014 (1905-07-06) at 14:24.
    """
    whole = math.floor(value)
    if not 1900 <= whole <= 2100 or value == whole:
        return None
    fraction = repr(value).partition(".")[2]
    if len(fraction) > 2 or not 1 <= int(fraction.ljust(1, "0")) <= 12:
        return None
    if fraction == "1":
        # 2014.1 and 2014.10 are the same number once Excel has stored them.
        raise CellError(
            _("数字 %(value)s 分不清是 %(year)d 年 1 月还是 10 月, 请把该列设为文本格式")
            % {"value": repr(value), "year": whole}
        )
    return date(whole, int(fraction), 1)


def parse_date(value: object, *, datemode_1904: bool = False) -> date | None:
    """Read a date cell; ``None`` for an empty cell.

    Accepts ``date``/``datetime`` values, Excel serial numbers (1900 date system, or 1904 with
    ``datemode_1904``), and text: 2014-06-01, 2014-6-1, 2014/6/1, 2014.6.1, 2014年6月1日,
    2014年6月1号, 20140601, and months 2014-06, 2014.6, 2014年6月 (the first day of the month).
    Full-width digits, spaces around separators and a time of day after the date are tolerated;
    text of at most five digits is taken as a serial number. A number such as 2014.6 (a General
    cell typed as year.month) is read as June 2014, not as serial 2014.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | time | timedelta):
        raise _date_error(value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise _date_error(value)
        month_start = _year_month_number(number)
        if month_start is not None:
            return month_start
        return _excel_serial_to_date(math.floor(number), datemode_1904=datemode_1904, value=value)
    text = clean_text(value)
    if not text:
        return None
    text = _SPACE_AROUND_SEPARATOR.sub(r"\1", _TIME_OF_DAY.sub("", text).strip())
    if _SERIAL.fullmatch(text):
        return _excel_serial_to_date(int(text), datemode_1904=datemode_1904, value=value)
    for pattern in (_YMD, _YMD_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return _checked_date(year, month, day, value)
    match = _YM.fullmatch(text)
    if match:
        return _checked_date(int(match[1]), int(match[2]), 1, value)
    raise _date_error(value)


# --- numbers ------------------------------------------------------------------------------------

CENT = Decimal("0.01")
_WAN = Decimal(10000)
_AMOUNT = re.compile(
    r"(?P<sign>[-+−]?)(?:¥|￥|RMB|CNY|人民币)?(?P<sign2>[-+−]?)"
    r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<exponent>e[-+]?[0-9]+)?"
    r"(?P<unit>万元|万|元|圆)?整?",
    re.IGNORECASE,
)
AMOUNT_UNITS = {"元": Decimal(1), "万元": _WAN}


def _amount_error(value: object) -> CellError:
    return CellError(
        _("无法识别的金额 “%(value)s”, 应为数字, 如 1234.50") % {"value": _shown(value)}
    )


def parse_amount(value: object, *, unit: str = "元") -> Decimal | None:
    """Read an amount in yuan, rounded to the fen; ``None`` for an empty cell.

    ``unit`` is the unit the column header gave ("元" or "万元"); numbers in a 万元 column are
    multiplied by 10000. A cell that states its own unit wins over the column: "0.12万元" and
    "0.12万" are 1200.00 anywhere, "1234.5元" is 1234.50 even in a 万元 column. Thousands
    separators, currency signs (¥, ￥, RMB, 人民币), full-width digits, a trailing 整 and
    accounting-style negatives "(1,200.00)" are accepted. Negative amounts are allowed.
    """
    if unit not in AMOUNT_UNITS:
        raise ValueError(f"unknown amount unit {unit!r}; expected one of {sorted(AMOUNT_UNITS)}")
    factor = AMOUNT_UNITS[unit]
    if value is None:
        return None
    if isinstance(value, bool):
        raise _amount_error(value)
    if isinstance(value, int | float | Decimal):
        try:
            # str() of a float is its shortest repr: 0.1 stays 0.1, not 0.1000000000000000055…
            amount = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a number is always a Decimal literal
            raise _amount_error(value) from None
        if not amount.is_finite():
            raise _amount_error(value)
    else:
        text = re.sub(r"\s+", "", clean_text(value))
        if not text:
            return None
        negative = False
        if text.startswith("(") and text.endswith(")"):
            negative, text = True, text[1:-1]
        match = _AMOUNT.fullmatch(text)
        if not match or (match["sign"] and match["sign2"]):
            raise _amount_error(value)
        sign = match["sign"] or match["sign2"]
        if negative and sign:
            raise _amount_error(value)
        negative = negative or sign in ("-", "−")
        literal = match["number"].replace(",", "") + (match["exponent"] or "")
        amount = Decimal(literal)
        if negative:
            amount = -amount
        if match["unit"] in ("万", "万元"):
            factor = _WAN
        elif match["unit"]:
            factor = Decimal(1)
    try:
        return (amount * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise _amount_error(value) from None


_INT = re.compile(
    r"(?P<sign>[-+]?)(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?(?P<unit>[\u4e00-\u9fff]{1,3})?"
)


def _int_error(value: object) -> CellError:
    return CellError(_("应为整数, 实际为 “%(value)s”") % {"value": _shown(value)})


def parse_int(value: object) -> int | None:
    """Read a whole number such as a household size; ``None`` for an empty cell.

    Accepts 3, 3.0, "3", "３", "3.0" and a number followed by a short Chinese unit ("3人",
    "2户", "5口人"); rejects fractions (3.5) and text.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _int_error(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != math.floor(value):
            raise _int_error(value)
        return int(value)
    text = re.sub(r"\s+", "", clean_text(value))
    if not text:
        return None
    match = _INT.fullmatch(text)
    if not match:
        raise _int_error(value)
    number = int(match["number"].replace(",", ""))
    return -number if match["sign"] == "-" else number


# --- phone numbers ------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))-([0-9]{7,8})(?:-([0-9]{1,6}))?")
_EXTENSION = re.compile(r"转|分机|ext\.?|x|#", re.IGNORECASE)
_PHONE_GROUPS = re.compile(r"[\s\-()]+")
_PHONE_JUNK = re.compile(r"[\s\-().]")
_PHONE_LIST = re.compile(r"[/,;、\s]+")


def _several_numbers(text: str) -> bool:
    """Whether there are two or more complete numbers in a cell: "13812345678/0771-5551234"."""
    parts = [_PHONE_JUNK.sub("", part) for part in _PHONE_LIST.split(text) if part]
    return len(parts) >= 2 and all(
        _MOBILE.fullmatch(part) or (part.startswith("0") and part.isdigit() and len(part) >= 10)
        for part in parts
    )


def _area_code_length(digits: str) -> int:
    """Mainland area codes: 010 and 020–029 have three digits, all others (0xxx) four."""
    return 3 if digits[1:2] in ("1", "2") else 4


def _split_extension(text: str) -> tuple[str, str]:
    """("0771-5551234", "801") for "0771-5551234转801", "… ext 801" or "0771-5551234-801"."""
    parts = _EXTENSION.split(text, maxsplit=1)
    if len(parts) == 2:
        return parts[0], _PHONE_JUNK.sub("", parts[1])
    groups = [group for group in _PHONE_GROUPS.split(text) if group]
    if (
        len(groups) == 3
        and all(group.isdigit() for group in groups)
        and groups[0].startswith("0")
        and 7 <= len(groups[1]) <= 8
    ):
        return groups[0] + groups[1], groups[2]
    return text, ""


def usual_mobile(value: object) -> TypeGuard[str]:
    """Whether a cell is the usual phone cell: an 11-digit mobile number as it should be written
    (text), which :func:`normalise_phone` gives back as it is and :func:`phone_problem` accepts."""
    return type(value) is str and len(value) == 11 and _MOBILE.fullmatch(value) is not None


def normalise_phone(value: object) -> str:
    """A phone cell in canonical form, as far as it can be made out; "" for an empty cell.

    Mobiles become 11 digits ("+86 138-1234-5678" → "13812345678", the number cell
    13812345678.0 → "13812345678"). Landlines become "area-number" or "area-number-extension"
    ("(0771)5551234", "0771 555 1234", "07715551234" → "0771-5551234"; "0771-5551234转801" →
    "0771-5551234-801"); the area code's length follows the mainland rule (010 and 02x have three
    digits, the others four). A landline typed into a number cell has lost its leading 0, which is
    put back (7715551234.0 → "0771-5551234"). Anything else comes back cleaned but otherwise
    unchanged, to be reported by :func:`phone_problem`.
    """
    if usual_mobile(value):
        return value
    from_number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    text = clean_text(value)
    if not text:
        return ""
    if _several_numbers(text):
        return text
    main, extension = _split_extension(text)
    digits = _PHONE_JUNK.sub("", main)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and digits[len(prefix) :].isdigit():
            digits = digits[len(prefix) :]
            if not digits.startswith("0") and not _MOBILE.fullmatch(digits):
                digits = "0" + digits  # +86 771 5551234: the area code without its trunk 0
            break
    else:
        if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
            digits = digits[2:]
    if not digits.isdigit():
        return text
    if _MOBILE.fullmatch(digits) and not extension:
        return digits
    # A landline in a number cell lost its leading 0: 7715551234 was 0771-5551234, 1012345678
    # was 010-12345678 (other numbers starting with 1 are mobiles gone wrong, not landlines).
    lost_zero = digits[0] != "0" and (digits[0] != "1" or digits[1:2] == "0")
    if from_number and lost_zero and 9 <= len(digits) <= 11:
        digits = "0" + digits
    if digits.startswith("0") and (not extension or extension.isdigit()):
        area_length = _area_code_length(digits)
        area, local = digits[:area_length], digits[area_length:]
        if 7 <= len(local) <= 8:
            return f"{area}-{local}" + (f"-{extension}" if extension else "")
    return text if extension else digits


def phone_problem(phone: str) -> str | None:
    """What is wrong with a phone number from :func:`normalise_phone`, in Chinese; ``None`` if
    it is a valid mainland mobile or landline (or empty: whether it is required is not our job)."""
    if not phone:
        return None
    if _MOBILE.fullmatch(phone):
        return None
    landline = _LANDLINE.fullmatch(phone)
    if landline:
        return None
    if _several_numbers(phone):
        return _("一个单元格里只能填一个电话号码")
    digits = _PHONE_JUNK.sub("", phone)
    if digits.isdigit():
        if digits.startswith("1"):
            if len(digits) != 11:
                return _("手机号应为 11 位, 实际 %(count)d 位") % {"count": len(digits)}
            return _("手机号第 2 位应为 3-9, 实际为 %(digit)s") % {"digit": digits[1]}
        if not digits.startswith("0") and 7 <= len(digits) <= 8:
            return _("固定电话缺少区号, 应写成 0771-5551234 这样的格式")
        if digits.startswith("0") and len(digits) >= 3:
            local = digits[_area_code_length(digits) :]
            return _("固定电话号码(不含区号)应为 7-8 位, 实际 %(count)d 位") % {"count": len(local)}
    message = _("无法识别的电话号码 “%(phone)s”, 应为 11 位手机号或带区号的固定电话")
    return message % {"phone": phone}


# --- lists and headers --------------------------------------------------------------------------

_TAG_SEPARATORS = re.compile(r"[、,;/\s]+")


def split_tags(value: object) -> list[str]:
    """Split "因病、缺技术, 缺资金；因病" into ["因病", "缺技术", "缺资金"]: on 、 , ， ; ； /
    and whitespace, keeping the first occurrence of each tag in order."""
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(clean_text(value)):
        if tag and tag not in tags:
            tags.append(tag)
    return tags


_ALL_WHITESPACE = re.compile(r"\s+")
HEADER_UNITS = (
    "万元",
    "千元",
    "亿元",
    "元",
    "人",
    "户",
    "口",
    "个",
    "岁",
    "亩",
    "平方米",
    "㎡",
    "m²",
    "m2",
    "公斤",
    "千克",
    "kg",
    "斤",
    "吨",
    "头",
    "只",
    "次",
    "年",
    "月",
    "天",
    "小时",
    "%",
)
_UNIT_ALTERNATIVES = "|".join(re.escape(unit) for unit in HEADER_UNITS)
_HEADER_UNIT = re.compile(
    rf"(?P<name>.+?)(?:[(\[【](?:单位[:：]?)?(?P<bracketed>{_UNIT_ALTERNATIVES})[)\]】]"
    rf"|/(?P<slashed>{_UNIT_ALTERNATIVES}))",
    re.IGNORECASE,
)


def normalise_header(text: object) -> str:
    """A column header for matching: half-width, with all whitespace removed, including inside
    ("身 份 证 号" → "身份证号", "金额（万元）" → "金额(万元)"). A unit stays; see
    :func:`header_unit`."""
    return _ALL_WHITESPACE.sub("", to_halfwidth(_cell_text(text)).translate(_INVISIBLE))


def header_unit(text: object) -> tuple[str, str | None]:
    """Split a header into its name and trailing unit: "人均纯收入(元)" → ("人均纯收入", "元"),
    "金额（万元）" and "金额/万元" → ("金额", "万元"), "金额(单位: 万元)" → ("金额", "万元").
    Only known units are split off ("联系电话(手机)" stays whole, with unit ``None``)."""
    header = normalise_header(text)
    match = _HEADER_UNIT.fullmatch(header)
    if not match:
        return header, None
    unit = match["bracketed"] or match["slashed"]
    return match["name"], unit
