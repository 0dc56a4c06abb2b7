"""Cell parsers for hand-typed registries: each accepted form, each rejection and its message.

No database: these run in milliseconds, including the hypothesis properties.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.core.parsing import (
    DAY,
    MONTH,
    YEAR,
    CellError,
    PreciseDate,
    at_precision,
    clean_text,
    header_unit,
    normalise_header,
    normalise_phone,
    parse_amount,
    parse_date,
    parse_date_precise,
    parse_int,
    phone_problem,
    split_tags,
    to_halfwidth,
    usual_mobile,
    written,
)

JUNE_1 = date(2014, 6, 1)
JUNE_1_SERIAL = 41791  # what Excel stores for 2014-06-01 in the 1900 date system


def cell_error(parse: object, value: object, **kwargs: object) -> str:
    assert callable(parse)
    with pytest.raises(CellError) as excinfo:
        parse(value, **kwargs)
    return str(excinfo.value)


def excel_serial(day: date) -> int:
    """The 1900-system serial, counting Excel's nonexistent 1900-02-29 from March 1900 on."""
    if day < date(1900, 3, 1):
        return (day - date(1899, 12, 31)).days
    return (day - date(1899, 12, 30)).days


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３", "123"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("（元）", "(元)"),
        ("，；／：", ",;/:"),
        ("！～", "!~"),
        ("\u3000", " "),
        ("中文不变、。", "中文不变、。"),
        ("￥", "￥"),  # U+FFE5 is outside FF01–FF5E
    ],
)
def test_to_halfwidth(text: str, expected: str) -> None:
    assert to_halfwidth(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  张三  ", "张三"),
        ("\u3000张\u3000\u3000三\u3000", "张 三"),
        ("广西\n南宁\t\t西乡塘区", "广西 南宁 西乡塘区"),
        ("a\u00a0\u00a0b", "a b"),
        ("\ufeff张三\u200b", "张三"),
        ("ＡＢ  １２", "AB 12"),
        (3.0, "3"),
        (3.5, "3.5"),
        (42, "42"),
        (Decimal("7.00"), "7"),
    ],
)
def test_clean_text(value: object, expected: str) -> None:
    assert clean_text(value) == expected


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2014-06-01",
        "2014-6-1",
        "2014/6/1",
        "2014/06/01",
        "2014.6.1",
        "2014.06.01",
        "2014年6月1日",
        "2014年06月01日",
        "2014年6月1号",
        "2014年6月1",
        "20140601",
        "２０１４年６月１日",
        "２０１４－０６－０１",
        " 2014 - 6 - 1 ",
        "2014 年 6 月 1 日",
        "2014-06-01 00:00:00",
        "2014-06-01T08:30",
        "2014年6月1日 12:30",
        "2014/6/1 9:05:07",
        JUNE_1,
        dt.datetime(2014, 6, 1, 23, 59),
        JUNE_1_SERIAL,
        float(JUNE_1_SERIAL),
        JUNE_1_SERIAL + 0.75,  # a serial with a time of day
        Decimal(JUNE_1_SERIAL),
        str(JUNE_1_SERIAL),
        "４１７９１",
    ],
)
def test_parse_date_forms(value: object) -> None:
    assert parse_date(value) == JUNE_1


@pytest.mark.parametrize(
    "value", ["2014.6", "2014-06", "2014-6", "2014/6", "2014年6月", "2014年06月", "２０１４．６"]
)
def test_parse_date_month_only_is_the_first_of_the_month(value: str) -> None:
    assert parse_date(value) == JUNE_1


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2014.6, JUNE_1), (2014.12, date(2014, 12, 1)), (2014.05, date(2014, 5, 1))],
)
def test_parse_date_year_dot_month_typed_as_a_number(value: float, expected: date) -> None:
    # In a General cell 2014.6 arrives as a float; as a serial it would be 1905-07-06 14:24.
    assert parse_date(value) == expected


def test_parse_date_year_dot_1_is_ambiguous() -> None:
    message = cell_error(parse_date, 2014.1)
    assert "分不清是 2014 年 1 月还是 10 月" in message
    assert "文本格式" in message


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_parse_date_empty(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (2958465, date(9999, 12, 31)),
        ("1", date(1900, 1, 1)),
        ("61", date(1900, 3, 1)),
    ],
)
def test_parse_date_excel_serials(serial: object, expected: date) -> None:
    assert parse_date(serial) == expected


def test_parse_date_excel_1904_system() -> None:
    assert parse_date(0, datemode_1904=True) == date(1904, 1, 1)
    assert parse_date(JUNE_1_SERIAL - 1462, datemode_1904=True) == JUNE_1
    assert parse_date("40329", datemode_1904=True) == JUNE_1
    assert "超出范围" in cell_error(parse_date, -1, datemode_1904=True)
    assert "超出范围" in cell_error(parse_date, 2958465, datemode_1904=True)


def test_parse_date_the_fake_leap_day() -> None:
    assert "1900-02-29" in cell_error(parse_date, 60)


@pytest.mark.parametrize("serial", [0, -1, 2958466, 10**7, "0", "00000"])
def test_parse_date_serial_out_of_range(serial: object) -> None:
    assert "应在 1 到 2958465 之间" in cell_error(parse_date, serial)


@pytest.mark.parametrize(
    "value",
    [
        "2014/13/1",
        "2014-00-10",
        "abc",
        "明年",
        "14/6/1",
        "6/1/2014",
        "2014-06-01-02",
        "201406011",
        "2014..6",
        "123456",
        float("nan"),
        float("inf"),
        True,
        dt.time(12, 0),
        dt.timedelta(days=1),
    ],
)
def test_parse_date_unrecognised(value: object) -> None:
    assert "无法识别的日期" in cell_error(parse_date, value)


def test_parse_date_message_quotes_the_cell() -> None:
    assert cell_error(parse_date, "2014/13/1") == "无法识别的日期 “2014/13/1”"


@pytest.mark.parametrize(
    ("value", "quoted", "detail"),
    [
        ("2014-02-30", "2014-02-30", "2014 年 2 月没有 30 日"),
        ("2014年2月29日", "2014年2月29日", "2014 年 2 月没有 29 日"),
        ("20140431", "20140431", "2014 年 4 月没有 31 日"),
        ("2014.6.0", "2014.6.0", "2014 年 6 月没有 0 日"),
    ],
)
def test_parse_date_impossible_day(value: str, quoted: str, detail: str) -> None:
    message = cell_error(parse_date, value)
    assert f"不存在的日期 “{quoted}”" in message
    assert detail in message


def test_parse_date_leap_day_in_a_leap_year() -> None:
    assert parse_date("2016年2月29日") == date(2016, 2, 29)


@given(st.dates())
def test_parse_date_reads_isoformat(day: date) -> None:
    assert parse_date(day.isoformat()) == day


@given(st.dates(min_value=date(1900, 1, 1)))
def test_parse_date_reads_excel_serials(day: date) -> None:
    serial = excel_serial(day)
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day
    if serial <= 99999:
        assert parse_date(str(serial)) == day


@given(st.dates(min_value=date(1904, 1, 1)))
def test_parse_date_reads_1904_serials(day: date) -> None:
    assert parse_date((day - date(1904, 1, 1)).days, datemode_1904=True) == day


@given(st.dates(min_value=date(1000, 1, 1)))
def test_parse_date_reads_chinese_and_slashed_forms(day: date) -> None:
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day
    assert parse_date(f"{day:%Y%m%d}") == day


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1234.5元", "1234.50"),
        ("1234.5 元", "1234.50"),
        ("0.12万元", "1200.00"),
        ("0.12万", "1200.00"),
        ("¥1,200", "1200.00"),
        ("￥1,200.00", "1200.00"),
        ("RMB 1200", "1200.00"),
        ("人民币1200元", "1200.00"),
        ("1200元整", "1200.00"),
        ("１２３", "123.00"),
        ("１，２３４．５", "1234.50"),
        ("1 234", "1234.00"),
        (".5", "0.50"),
        ("12.", "12.00"),
        ("1.2e3", "1200.00"),
        ("-50", "-50.00"),
        ("−50", "-50.00"),
        ("-¥50", "-50.00"),
        ("¥-50", "-50.00"),
        ("(1,200.00)", "-1200.00"),
        ("（1,200.00）", "-1200.00"),
        ("+8", "8.00"),
        ("0", "0.00"),
        ("1.005", "1.01"),  # rounded half up to the fen
        ("1.004", "1.00"),
        (1234.5, "1234.50"),
        (0.1, "0.10"),
        (0.07, "0.07"),
        (1200, "1200.00"),
        (1200.0, "1200.00"),
        (Decimal("9.999"), "10.00"),
        (-3.5, "-3.50"),
    ],
)
def test_parse_amount(value: object, expected: str) -> None:
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.12, "1200.00"),  # a float from a 万元 column: no binary noise
        (1.5, "15000.00"),
        ("0.12", "1200.00"),
        ("3", "30000.00"),
        ("0.12万元", "1200.00"),  # the cell's own 万元 is not applied twice
        ("0.12万", "1200.00"),
        ("1234.5元", "1234.50"),  # the cell says 元: it wins over the column
        ("0.000001", "0.01"),
    ],
)
def test_parse_amount_in_a_wan_yuan_column(value: object, expected: str) -> None:
    assert parse_amount(value, unit="万元") == Decimal(expected)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_parse_amount_reads_formatted_amounts(amount: Decimal) -> None:
    assert parse_amount(f"{amount:,}") == amount
    assert parse_amount(f"{amount}元") == amount
    assert parse_amount(float(amount)) == amount
    assert parse_amount(f"{amount / 10000}万元") == amount


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_amount_empty(value: object) -> None:
    assert parse_amount(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "一千元",
        "12,34",
        "1,2345",
        "1.2.3",
        "12元34",
        "--5",
        "-¥-5",
        "-(5)",
        "5美元",
        "$5",
        float("nan"),
        float("inf"),
        True,
    ],
)
def test_parse_amount_rejects_non_numbers(value: object) -> None:
    message = cell_error(parse_amount, value)
    assert "无法识别的金额" in message
    assert "应为数字" in message


def test_parse_amount_message_quotes_the_cell() -> None:
    assert "“一千元”" in cell_error(parse_amount, "一千元")


def test_parse_amount_unknown_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown amount unit"):
        parse_amount("1", unit="美元")


# --- integers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (3.0, 3),
        (Decimal("3.00"), 3),
        ("3", 3),
        ("３", 3),
        (" 3 ", 3),
        ("3.0", 3),
        ("3人", 3),
        ("3 人", 3),
        ("５口人", 5),
        ("2户", 2),
        ("1,200", 1200),
        ("0", 0),
        ("-2", -2),
        (None, None),
        ("", None),
        ("\u3000", None),
    ],
)
def test_parse_int(value: object, expected: int | None) -> None:
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    "value", [3.5, "3.5", Decimal("3.5"), "三", "三人", "abc", "3人4", "人3", True, float("nan")]
)
def test_parse_int_rejects(value: object) -> None:
    assert "应为整数" in cell_error(parse_int, value)


def test_parse_int_message_quotes_the_cell() -> None:
    assert cell_error(parse_int, 3.5) == "应为整数, 实际为 “3.5”"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_int_round_trips(number: int) -> None:
    assert parse_int(str(number)) == number
    assert parse_int(float(number)) == number
    assert parse_int(f"{number}人") == number


# --- phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("86 13812345678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        ("19912345678", "19912345678"),
        ("0771-5551234", "0771-5551234"),
        ("(0771)5551234", "0771-5551234"),
        ("（0771）5551234", "0771-5551234"),
        ("0771 555 1234", "0771-5551234"),
        ("0771 5551234", "0771-5551234"),
        ("07715551234", "0771-5551234"),
        ("010-12345678", "010-12345678"),
        ("010-1234-5678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("020-8765432", "020-8765432"),
        ("+86 771 5551234", "0771-5551234"),
        ("+86-10-12345678", "010-12345678"),
        ("0771-5551234-801", "0771-5551234-801"),
        ("0771-5551234转801", "0771-5551234-801"),
        ("0771-5551234 转 801", "0771-5551234-801"),
        ("0771-5551234分机801", "0771-5551234-801"),
        ("0771-5551234 ext. 801", "0771-5551234-801"),
        ("0771-5551234#801", "0771-5551234-801"),
        ("(0771)5551234x801", "0771-5551234-801"),
        (7715551234.0, "0771-5551234"),  # a landline in a number cell lost its 0
        (1012345678.0, "010-12345678"),
        (None, ""),
        ("", ""),
        ("  ", ""),
    ],
)
def test_normalise_phone(value: object, expected: str) -> None:
    phone = normalise_phone(value)
    assert phone == expected
    assert phone_problem(phone) is None


@pytest.mark.parametrize(
    ("value", "normalised", "problem"),
    [
        ("1381234567", "1381234567", "手机号应为 11 位, 实际 10 位"),
        ("138123456789", "138123456789", "手机号应为 11 位, 实际 12 位"),
        (1381234567.0, "1381234567", "手机号应为 11 位, 实际 10 位"),  # no 0 added to a 13…
        ("12812345678", "12812345678", "手机号第 2 位应为 3-9, 实际为 2"),
        ("5551234", "5551234", "固定电话缺少区号"),
        ("555-1234", "5551234", "固定电话缺少区号"),
        ("0771-55512", "077155512", "固定电话号码(不含区号)应为 7-8 位, 实际 5 位"),
        ("0771-555123456", "0771555123456", "应为 7-8 位, 实际 9 位"),
        ("无", "无", "无法识别的电话号码 “无”"),
        ("138abc", "138abc", "无法识别的电话号码"),
        ("13812345678转1", "13812345678转1", "无法识别的电话号码"),
        ("13812345678/13912345678", "13812345678/13912345678", "只能填一个电话号码"),
        ("13812345678 0771-5551234", "13812345678 0771-5551234", "只能填一个电话号码"),
        ("13812345678、13912345678", "13812345678、13912345678", "只能填一个电话号码"),
    ],
)
def test_phone_problems(value: object, normalised: str, problem: str) -> None:
    phone = normalise_phone(value)
    assert phone == normalised
    reason = phone_problem(phone)
    assert reason is not None
    assert problem in reason


def test_phone_problem_of_empty_is_none() -> None:
    assert phone_problem("") is None


@given(
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["", " ", "-"]),
    st.sampled_from(["", "+86", "+86 ", "86", "0086-"]),
)
def test_any_formatted_mobile_normalises(second: str, rest: str, sep: str, prefix: str) -> None:
    mobile = f"1{second}{rest}"
    typed = prefix + sep.join([mobile[:3], mobile[3:7], mobile[7:]])
    assert normalise_phone(typed) == mobile
    assert normalise_phone(float(mobile)) == mobile
    assert phone_problem(mobile) is None


@given(
    st.sampled_from(["010", "020", "029", "0771", "0451", "0898"]),
    st.text(alphabet="0123456789", min_size=1, max_size=1).map(lambda d: str(int(d) % 8 + 2)),
    st.text(alphabet="0123456789", min_size=6, max_size=7),
)
def test_any_landline_normalises(area: str, first: str, rest: str) -> None:
    local = first + rest
    expected = f"{area}-{local}"
    for typed in (expected, f"({area}){local}", f"{area} {local}", area + local):
        assert normalise_phone(typed) == expected
    assert normalise_phone(float(area + local)) == expected
    assert phone_problem(expected) is None


# --- tags and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("因病、缺技术", ["因病", "缺技术"]),
        ("因病,缺技术，缺资金", ["因病", "缺技术", "缺资金"]),
        ("因病;缺技术；缺资金", ["因病", "缺技术", "缺资金"]),
        ("因病/缺技术／缺资金", ["因病", "缺技术", "缺资金"]),
        ("因病 缺技术\u3000缺资金\n残疾", ["因病", "缺技术", "缺资金", "残疾"]),
        ("、因病、、缺技术、", ["因病", "缺技术"]),
        (" 缺技术 、因病、缺技术、因病 ", ["缺技术", "因病"]),
        ("因病", ["因病"]),
        ("", []),
        (None, []),
        ("、 ,", []),
    ],
)
def test_split_tags(value: object, expected: list[str]) -> None:
    assert split_tags(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号", "身份证号"),
        ("身 份 证 号", "身份证号"),
        (" 身份\n证号\u3000", "身份证号"),
        ("人均纯收入(元)", "人均纯收入(元)"),
        ("人均纯收入（元）", "人均纯收入(元)"),
        ("金额 （ 万元 ）", "金额(万元)"),
        ("ＩＤ", "ID"),
        (None, ""),
        (2024.0, "2024"),
    ],
)
def test_normalise_header(text: object, expected: str) -> None:
    assert normalise_header(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人均纯收入(元)", ("人均纯收入", "元")),
        ("人均纯收入（元）", ("人均纯收入", "元")),
        ("金额（万元）", ("金额", "万元")),
        ("金额/万元", ("金额", "万元")),
        ("金额／万元", ("金额", "万元")),
        ("金额 (万元)", ("金额", "万元")),
        ("金额（单位：万元）", ("金额", "万元")),
        ("金额[元]", ("金额", "元")),
        ("金额【万元】", ("金额", "万元")),
        ("家庭人口(人)", ("家庭人口", "人")),
        ("耕地面积(亩)", ("耕地面积", "亩")),
        ("占比(%)", ("占比", "%")),
        ("人均纯收入", ("人均纯收入", None)),
        ("联系电话(手机)", ("联系电话(手机)", None)),
        ("(元)", ("(元)", None)),
        ("", ("", None)),
    ],
)
def test_header_unit(text: str, expected: tuple[str, str | None]) -> None:
    assert header_unit(text) == expected


# --- what python-calamine really hands over -----------------------------------------------------


def test_cells_read_back_by_calamine(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            "11010519491231002x",
            110105194912310021,
            JUNE_1,
            dt.datetime(2014, 6, 1, 12, 0),
            2014.6,
            JUNE_1_SERIAL,
            13812345678,
            3,
            0.12,
            "３人",
        ]
    )
    path = tmp_path / "registry.xlsx"
    workbook.save(path)
    row = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
    text_id, number_id, day, moment, year_month, serial, mobile, count, wan, people = row

    assert isinstance(count, float)  # calamine: every number is a float
    assert parse_id_number(text_id).number == "11010519491231002X"
    with pytest.raises(IdNumberError, match="存成了数字"):
        parse_id_number(number_id)
    assert parse_date(day) == parse_date(moment) == parse_date(year_month) == JUNE_1
    assert parse_date(serial) == JUNE_1
    assert normalise_phone(mobile) == "13812345678"
    assert parse_int(count) == 3
    assert parse_int(people) == 3
    assert parse_amount(wan, unit="万元") == Decimal("1200.00")


@given(st.text(alphabet="0123456789１３８ -+", min_size=9, max_size=13))
def test_the_usual_mobile_is_taken_as_it_is(text):
    """usual_mobile is a shortcut: what it accepts, normalise_phone gives back unchanged and
    phone_problem accepts; an 11-digit mobile written plainly is always accepted."""
    for value in (text, "138" + text[:8]):
        if usual_mobile(value):
            assert normalise_phone(value) == value
            assert phone_problem(value) is None
    assert usual_mobile("13812345678")
    assert not usual_mobile(13812345678)
    assert not usual_mobile("１３８１２３４５６７８")


# --- dates with their precision (national exports: 识别时间 2014, 201410) -----------------------


@pytest.mark.parametrize(
    ("value", "day", "precision", "note"),
    [
        # a bare year, as text or as a General number: a year, never serial 2014 (1905-07-06)
        ("2014", date(2014, 1, 1), YEAR, "只有年份, 按 2014 年记录 (精确到年)"),
        ("2014年", date(2014, 1, 1), YEAR, "只有年份, 按 2014 年记录 (精确到年)"),
        ("2019年度", date(2019, 1, 1), YEAR, "只有年份, 按 2019 年记录 (精确到年)"),
        (
            2014.0,
            date(2014, 1, 1),
            YEAR,
            "只有年份, 按 2014 年记录 (精确到年); 没有当作 Excel 日期序号 (1905-07-06)",
        ),
        (
            2014,
            date(2014, 1, 1),
            YEAR,
            "只有年份, 按 2014 年记录 (精确到年); 没有当作 Excel 日期序号 (1905-07-06)",
        ),
        # YYYYMM, as text or as a number (as a serial 201410 would be 2451-06-09)
        ("201410", date(2014, 10, 1), MONTH, "按年月连写读作 2014 年 10 月 (精确到月)"),
        (201410.0, date(2014, 10, 1), MONTH, "按年月连写读作 2014 年 10 月 (精确到月)"),
        # months written out
        ("2014.6", date(2014, 6, 1), MONTH, "只有年月, 按 2014 年 6 月记录 (精确到月)"),
        ("2014-06", date(2014, 6, 1), MONTH, "只有年月, 按 2014 年 6 月记录 (精确到月)"),
        ("2014年6月", date(2014, 6, 1), MONTH, "只有年月, 按 2014 年 6 月记录 (精确到月)"),
        ("2014.10", date(2014, 10, 1), MONTH, "只有年月, 按 2014 年 10 月记录 (精确到月)"),
        # a General number typed as year.month
        (2026.3, date(2026, 3, 1), MONTH, "是常规格式的数字, 按 2026 年 3 月记录 (精确到月)"),
        # days: full dates say nothing, serial numbers say how they were read
        ("2014-06-01", JUNE_1, DAY, ""),
        (JUNE_1, JUNE_1, DAY, ""),
        (20140601.0, JUNE_1, DAY, ""),
        (float(JUNE_1_SERIAL), JUNE_1, DAY, "是数字, 按 Excel 日期序号读作 2014-06-01"),
        (str(JUNE_1_SERIAL), JUNE_1, DAY, "是数字, 按 Excel 日期序号读作 2014-06-01"),
    ],
)
def test_parse_date_precise(value: object, day: date, precision: str, note: str) -> None:
    assert parse_date_precise(value) == PreciseDate(
        day, precision, note, serial=note.startswith("是数字, 按 Excel")
    )


def test_parse_date_precise_keeps_the_ambiguities_errors() -> None:
    assert "分不清是 2014 年 1 月还是 10 月" in cell_error(parse_date_precise, 2014.1)
    assert cell_error(parse_date_precise, "201413") == "无法识别的日期 “201413”"
    assert cell_error(parse_date_precise, "123456") == "无法识别的日期 “123456”"
    assert "没有 31 日" in cell_error(parse_date_precise, 20140431.0)
    assert parse_date_precise(None) is None and parse_date_precise("  ") is None


def test_years_off_reads_numbers_as_serials_as_parse_date_always_did() -> None:
    # parse_date (command-line arguments …) keeps Excel's reading of bare numbers.
    assert parse_date_precise(2014.0, years=False) == PreciseDate(
        date(1905, 7, 6), DAY, "是数字, 按 Excel 日期序号读作 1905-07-06", serial=True
    )
    assert parse_date(2014.0) == date(1905, 7, 6)
    assert parse_date("2014") == date(1905, 7, 6)
    assert parse_date(201410.0) == date(2451, 6, 9)
    # … but what it used to refuse it now reads, as the first day
    assert parse_date("201410") == date(2014, 10, 1)
    assert parse_date("2014年") == date(2014, 1, 1)


def test_a_precise_date_at_its_precision() -> None:
    year, month = parse_date_precise("2014"), parse_date_precise(201410.0)
    assert year is not None and month is not None
    assert (str(year), year.last_day, year.stored_precision) == ("2014", date(2014, 12, 31), YEAR)
    assert (str(month), month.last_day) == ("2014-10", date(2014, 10, 31))
    assert parse_date_precise("2016.2") is not None
    assert parse_date_precise("2016.2").last_day == date(2016, 2, 29)  # type: ignore[union-attr]
    assert parse_date_precise("2014.12").last_day == date(2014, 12, 31)  # type: ignore[union-attr]
    day = parse_date_precise(JUNE_1)
    assert day is not None and (str(day), day.last_day, day.stored_precision) == (
        "2014-06-01",
        JUNE_1,
        None,
    )
    assert at_precision(JUNE_1, None) == at_precision(JUNE_1, DAY) == "2014-06-01"
    assert at_precision(None, YEAR) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [(201410.0, "201410"), (2026.3, "2026.3"), (JUNE_1, "2014-06-01"), (" ２０１４ ", "2014")],
)
def test_written_shows_the_cell_as_the_user_typed_it(value: object, shown: str) -> None:
    assert written(value) == shown


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_precise_date_written_back_reads_the_same(day: date) -> None:
    for precision in (YEAR, MONTH, DAY):
        start = {YEAR: day.replace(month=1, day=1), MONTH: day.replace(day=1), DAY: day}[precision]
        again = parse_date_precise(at_precision(start, precision))
        assert again is not None and (again.date, again.precision) == (start, precision)
