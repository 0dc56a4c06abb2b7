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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeGuard

from django.utils.translation import gettext as _

__all__ = [
    "DAY",
    "MONTH",
    "YEAR",
    "CellError",
    "PreciseDate",
    "at_precision",
    "clean_text",
    "header_unit",
    "normalise_header",
    "normalise_phone",
    "parse_amount",
    "parse_date",
    "parse_date_precise",
    "parse_int",
    "phone_problem",
    "split_tags",
    "to_halfwidth",
    "usual_mobile",
    "written",
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
# A bare year or a YYYYMM month is read only within these years (national exports: 2014, 201410).
YEAR_MIN, YEAR_MAX = 1900, 2100

# How much of a date is known (the values of ``bangfu.registry.choices.DatePrecision``).
DAY, MONTH, YEAR = "day", "month", "year"

_TIME_OF_DAY = re.compile(r"[ T]?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")
_YMD = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?")
_YMD_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_YM = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})月?(?:份)?")
_YM_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})")
_Y = re.compile(r"([0-9]{4})(?:年度?)?")
_SERIAL = re.compile(r"[0-9]{1,5}")
_SPACE_AROUND_SEPARATOR = re.compile(r"\s*([-/.年月日号])\s*")


_Day = date  # ``date`` inside PreciseDate is its field


@dataclass(frozen=True, slots=True)
class PreciseDate:
    """A date read from a cell with how much of it is known.

    ``date`` is the day, or the first day of the month or year when ``precision`` is
    :data:`MONTH` or :data:`YEAR` (a national export's 识别时间 ``2014`` or ``201410``).
    ``note`` is a Chinese phrase saying how the cell was read when that needs a caveat (a bare
    year, a month, a General number such as 2026.3, an Excel serial number), to be put after the
    column and the cell in a warning: 识别时间“2014”只有年份, 按 2014 年记录 (精确到年); "" when
    the cell was a plain full date. ``serial`` says the day was read as an Excel serial number
    (range errors then show the day it gave). docs/import-export.md, "Dates".
    """

    date: date
    precision: str = DAY
    note: str = ""
    serial: bool = False

    @property
    def last_day(self) -> _Day:
        """The last day the value may stand for (the month's or the year's last day)."""
        return period_end(self.date, self.precision)

    @property
    def stored_precision(self) -> str | None:
        """The value of a ``*_precision`` field: None when known to the day (docs/registry.md)."""
        return None if self.precision == DAY else self.precision

    def __str__(self) -> str:
        return at_precision(self.date, self.precision)


def period_end(day: date, precision: str | None) -> date:
    """The last day of the year or month that starts at ``day`` (``day`` itself for a day)."""
    if precision == YEAR:
        return date(day.year, 12, 31)
    if precision == MONTH:
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return day


def at_precision(day: date | None, precision: str | None) -> str:
    """A stored date as far as it is known: "2014" (year), "2014-10" (month), "2014-10-01"
    (day, also for a NULL precision); "" for no date. Used by the pages and the exports, which
    write it back in a form the importer reads with the same precision."""
    if day is None:
        return ""
    if precision == YEAR:
        return f"{day.year:04d}"
    if precision == MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def written(value: object) -> str:
    """A cell as the user wrote it, for a message: numbers without a spurious ".0" (201410, not
    201410.0), a date cell as 2014-06-01, text cleaned."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


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
    if not YEAR_MIN <= whole <= YEAR_MAX or value == whole:
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


def _year(year: int, *, number: bool, datemode_1904: bool) -> PreciseDate:
    note = _("只有年份, 按 %(year)d 年记录 (精确到年)") % {"year": year}
    if number:
        # Say what it was not taken for: Excel's serial of that number (1905-07-06 for 2014).
        try:
            serial_day = _excel_serial_to_date(year, datemode_1904=datemode_1904, value=year)
        except CellError:  # pragma: no cover - 1900…2100 are valid serials in both systems
            serial_day = None
        if serial_day is not None:
            note += _("; 没有当作 Excel 日期序号 (%(day)s)") % {"day": serial_day.isoformat()}
    return PreciseDate(date(year, 1, 1), YEAR, note)


def _month(year: int, month: int, value: object, *, how: str = "") -> PreciseDate:
    day = _checked_date(year, month, 1, value)
    if how == "compact":
        note = _("按年月连写读作 %(year)d 年 %(month)d 月 (精确到月)")
    elif how == "number":
        note = _("是常规格式的数字, 按 %(year)d 年 %(month)d 月记录 (精确到月)")
    else:
        note = _("只有年月, 按 %(year)d 年 %(month)d 月记录 (精确到月)")
    return PreciseDate(day, MONTH, note % {"year": year, "month": month})


def _serial(serial: int, *, datemode_1904: bool, value: object) -> PreciseDate:
    day = _excel_serial_to_date(serial, datemode_1904=datemode_1904, value=value)
    note = _("是数字, 按 Excel 日期序号读作 %(day)s") % {"day": day.isoformat()}
    return PreciseDate(day, DAY, note, serial=True)


def parse_date_precise(
    value: object, *, datemode_1904: bool = False, years: bool = True
) -> PreciseDate | None:
    """Read a date cell with its precision; ``None`` for an empty cell.

    Day: ``date``/``datetime`` values, 2014-06-01, 2014-6-1, 2014/6/1, 2014.6.1, 2014年6月1日,
    2014年6月1号, 20140601 (text or number), Excel serial numbers (1900 date system, or 1904 with
    ``datemode_1904``; also as text of at most five digits). Month (stored as its first day):
    2014-06, 2014.6, 2014年6月, ``YYYYMM`` as text or number (201410), a General number such as
    2026.3 (not serial 2026 at 07:12). Year (stored as 1 January): 2014, 2014年, 2014年度.
    With ``years`` (the importers': 识别时间 2014 is a year, not serial 2014 = 1905-07-06) a
    number or text of four digits from 1900 to 2100 is a year and a number YYYYMM (201410.0,
    otherwise a serial in the 2400s) a month; without it both are Excel serial numbers, as
    :func:`parse_date` always read them.

    Full-width digits, spaces around separators and a time of day after the date are tolerated.
    Every reading that needs a caveat carries a ``note`` (see :class:`PreciseDate`); a number
    that could be read two ways (2014.1: January or October) is a :class:`CellError`.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return PreciseDate(value.date())
    if isinstance(value, date):
        return PreciseDate(value)
    if isinstance(value, bool | time | timedelta):
        raise _date_error(value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise _date_error(value)
        month_start = _year_month_number(number)
        if month_start is not None:
            return _month(month_start.year, month_start.month, value, how="number")
        if number == math.floor(number):
            whole = int(number)
            if years and YEAR_MIN <= whole <= YEAR_MAX:
                return _year(whole, number=True, datemode_1904=datemode_1904)
            if (
                years
                and YEAR_MIN * 100 + 1 <= whole <= YEAR_MAX * 100 + 12
                and 1 <= whole % 100 <= 12
            ):
                return _month(whole // 100, whole % 100, value, how="compact")
            if 19000101 <= whole <= 21001231:
                return PreciseDate(
                    _checked_date(whole // 10000, whole // 100 % 100, whole % 100, value)
                )
        return _serial(math.floor(number), datemode_1904=datemode_1904, value=value)
    text = clean_text(value)
    if not text:
        return None
    text = _SPACE_AROUND_SEPARATOR.sub(r"\1", _TIME_OF_DAY.sub("", text).strip())
    match = _Y.fullmatch(text)
    if match and YEAR_MIN <= int(match[1]) <= YEAR_MAX and (years or not text.isdigit()):
        return _year(int(match[1]), number=False, datemode_1904=datemode_1904)
    if _SERIAL.fullmatch(text):
        return _serial(int(text), datemode_1904=datemode_1904, value=value)
    for pattern in (_YMD, _YMD_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return PreciseDate(_checked_date(year, month, day, value))
    match = _YM.fullmatch(text)
    if match:
        return _month(int(match[1]), int(match[2]), value)
    match = _YM_COMPACT.fullmatch(text)
    if match and YEAR_MIN <= int(match[1]) <= YEAR_MAX and 1 <= int(match[2]) <= 12:
        return _month(int(match[1]), int(match[2]), value, how="compact")
    raise _date_error(value)


def parse_date(value: object, *, datemode_1904: bool = False) -> date | None:
    """Read a date cell as a day; ``None`` for an empty cell.

    The forms of :func:`parse_date_precise`, the day being the first of the month or year when
    only those are given (2014-06 → 2014-06-01, 201410 → 2014-10-01, 2014年 → 2014-01-01); a
    number or text of up to five digits is an Excel serial number. For command-line arguments
    and other places where a day is wanted; the importers use :func:`parse_date_precise`, which
    keeps the precision and says how the cell was read.
    """
    precise = parse_date_precise(value, datemode_1904=datemode_1904, years=False)
    return None if precise is None else precise.date


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
