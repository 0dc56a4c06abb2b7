"""ID numbers (GB 11643): normalising what people type, and every way a number can be wrong.

No database: these run in milliseconds, including the hypothesis properties.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from bangfu.core.idnumber import (
    IdInfo,
    IdNumberError,
    age_on,
    id_check_digit,
    known_region_codes,
    normalise_id_number,
    parse_id_number,
    region_name,
)

TODAY = date(2025, 6, 1)
SAMPLE = "11010519491231002X"  # the GB 11643 sample: Beijing Chaoyang, 1949-12-31, female
REGION_CODES = sorted(known_region_codes())  # also loads stdnum's table before any deadline


def make_id(region: str, birth: date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def stdnum_accepts(number: str) -> bool:
    # stdnum 2.2's is_valid() raises KeyError for a code its table lacks (330114 钱塘区).
    try:
        return ric.is_valid(number)
    except KeyError:
        return False


def error_of(raw: object, *, today: date = TODAY) -> str:
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=today)
    return str(excinfo.value)


# --- normalising --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        SAMPLE,
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",
        "110105-19491231-002X",
        "\u3000110105194912310\u00a0\u00a002x\u3000",
        "110105\u200b19491231002X",
        "'11010519491231002X",
        "110105\t19491231\n002X",
    ],
)
def test_normalise_accepts_what_people_type(raw: str) -> None:
    assert normalise_id_number(raw) == SAMPLE
    assert parse_id_number(raw, today=TODAY).number == SAMPLE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("\u3000", ""),
        (110105491231002.0, "110105491231002"),
        (110105491231002, "110105491231002"),
        (Decimal("110105491231002"), "110105491231002"),
        (1.1010519491231e17, "110105194912310000"),
        (12.5, "12.5"),
    ],
)
def test_normalise_edge_cases(raw: object, expected: str) -> None:
    assert normalise_id_number(raw) == expected


# --- valid numbers ------------------------------------------------------------------------------


def test_the_sample_number() -> None:
    assert parse_id_number(SAMPLE, today=TODAY) == IdInfo(
        number=SAMPLE,
        birth_date=date(1949, 12, 31),
        sex="F",
        region_code="110105",
        region_name="北京市朝阳区",
    )


def test_stdnum_doctest_number_is_a_man_from_jiangxi() -> None:
    info = parse_id_number("360426199101010071", today=TODAY)
    assert info.sex == "M"
    assert info.birth_date == date(1991, 1, 1)
    assert info.region_name.startswith("江西省")


def test_sex_comes_from_the_17th_digit() -> None:
    assert parse_id_number(make_id("450102", date(1980, 5, 17), 123), today=TODAY).sex == "M"
    assert parse_id_number(make_id("450102", date(1980, 5, 17), 124), today=TODAY).sex == "F"
    assert parse_id_number(make_id("450102", date(1980, 5, 17), 0), today=TODAY).sex == "F"


def test_a_number_with_check_character_x() -> None:
    number = next(
        n
        for n in (make_id("450102", date(1985, 3, 9), seq) for seq in range(1000))
        if n.endswith("X")
    )
    assert parse_id_number(number.lower(), today=TODAY).number == number


def test_historic_codes_stay_valid() -> None:
    # 崇文区 was merged into 东城区 in 2010; its people keep their numbers.
    info = parse_id_number(make_id("110103", date(1980, 1, 1), 11), today=TODAY)
    assert info.region_name == "北京市崇文区"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("450181", "广西壮族自治区横州市"),
        ("330114", "浙江省钱塘区"),
        ("450107", "广西壮族自治区市郊区"),
    ],
)
def test_a_code_created_after_the_birth_year_is_valid(code: str, name: str) -> None:
    # 横州市 (450181) and 钱塘区 (330114) date from 2021; someone born in 1990 who lives there
    # now has the new code. stdnum.cn.ric.validate() refuses these numbers; we must not. 450107
    # was 南宁 市郊区 (1984-2000) before it named 西乡塘区 (2004-): a number of someone born in
    # 1990 shows the name the code had then.
    number = make_id(code, date(1990, 1, 1), 1)
    assert not stdnum_accepts(number)
    assert parse_id_number(number, today=TODAY).region_name == name


def test_hong_kong_resident_born_before_1997() -> None:
    info = parse_id_number(make_id("810000", date(1980, 1, 1), 1), today=TODAY)
    assert info.region_name == "香港特别行政区"
    assert info.document == "hmt_residence"


def test_birth_date_bounds_are_inclusive() -> None:
    assert parse_id_number(make_id("110105", date(1900, 1, 1), 1), today=TODAY)
    assert parse_id_number(make_id("110105", TODAY, 1), today=TODAY).birth_date == TODAY


def test_today_defaults_to_the_local_date() -> None:
    today = timezone.localdate()
    assert parse_id_number(make_id("110105", today, 1)).birth_date == today


# --- region names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "year", "name"),
    [
        ("110000", None, "北京市"),
        ("110105", None, "北京市朝阳区"),
        ("120110", 1980, "天津市东郊区"),  # renamed 东丽区 in 1992
        ("120110", 2000, "天津市东丽区"),
        ("120110", None, "天津市东丽区"),
        ("130204", 1970, "河北省东矿区"),  # before the first recorded name: the closest one
        ("810000", 1980, "香港特别行政区"),  # the province label is traditional: 香港特別行政區
        ("820000", None, "澳门特别行政区"),
        ("999999", None, ""),
        ("", None, ""),
    ],
)
def test_region_name(code: str, year: int | None, name: str) -> None:
    assert region_name(code, year) == name


def test_known_region_codes() -> None:
    codes = known_region_codes()
    assert {"110105", "110103", "450107", "810000", "820000", "710000", "830000"} <= codes
    assert "999999" not in codes
    assert all(len(code) == 6 and code.isdigit() for code in codes)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_empty(raw: object) -> None:
    assert "身份证号为空" in error_of(raw)


@pytest.mark.parametrize(
    ("raw", "length"),
    [(SAMPLE[:17], 17), (SAMPLE + "1", 19), ("1101051949", 10), ("1", 1)],
)
def test_wrong_length(raw: str, length: int) -> None:
    assert error_of(raw) == f"身份证号应为 18 位, 实际 {length} 位"


def test_first_generation_15_digit_number() -> None:
    # 110105 491231 002 → 110105 19 491231 002 + check digit X: the GB 11643 sample.
    assert error_of("110105491231002") == (
        "这是 15 位的第一代身份证号, 对应的 18 位号码为 11010519491231002X; 请核对后填写 18 位号码"
    )


@pytest.mark.parametrize(
    ("raw", "chars"),
    [
        ("11010519491231002A", "A"),
        ("1101051949123100２a", "A"),
        ("110105l9491231002X", "L"),
        ("110105.19491231002", "."),
        ("张三", "三张"),
    ],
)
def test_non_digit_characters(raw: str, chars: str) -> None:
    message = error_of(raw)
    assert "只能包含数字和末位的 X" in message
    assert f"“{chars}”" in message


def test_x_only_at_the_end() -> None:
    assert "X 只能出现在最后一位" in error_of("1101051949123100X2")


def test_unknown_region_code() -> None:
    message = error_of(make_id("999999", date(1980, 1, 1), 1))
    assert "前 6 位 999999 不是已知的行政区划代码" in message


@pytest.mark.parametrize("digits", ["19900230", "19901301", "19900000", "19900431", "20010229"])
def test_impossible_birth_date(digits: str) -> None:
    first17 = f"110105{digits}001"
    message = error_of(first17 + id_check_digit(first17))
    assert f"出生日期 {digits} 不是有效日期" in message


def test_birth_date_in_the_future() -> None:
    message = error_of(make_id("110105", date(2025, 6, 2), 1), today=TODAY)
    assert "出生日期 2025-06-02 晚于今天" in message


def test_birth_date_before_1900() -> None:
    message = error_of(make_id("110105", date(1899, 12, 31), 1))
    assert "出生日期 1899-12-31 早于 1900 年" in message


def test_wrong_check_digit_names_the_right_one() -> None:
    assert "校验位应为 X, 实际为 3" in error_of(SAMPLE[:17] + "3")
    assert "校验位应为 1, 实际为 X" in error_of("36042619910101007X")


@pytest.mark.parametrize(
    "raw",
    [
        1.1010519491231e17,  # what python-calamine gives for the sample typed as a number
        110105194912310021.0,
        110105194912310021,
        1101051949123100.0,  # 16 digits
        Decimal("110105194912310021"),
    ],
)
def test_number_stored_as_excel_number(raw: object) -> None:
    assert error_of(raw) == "身份证号被 Excel 存成了数字, 已丢失末位, 请把该列设为文本格式"


def test_15_digit_number_cell_is_a_first_generation_number() -> None:
    assert "15 位的第一代身份证号" in error_of(110105491231002.0)


def test_id_number_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="校验位"):
        parse_id_number(SAMPLE[:17] + "0", today=TODAY)


# --- check digit --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("36042619910101007", "1"), ("44052418800101001", "4")],
)
def test_id_check_digit(first17: str, check: str) -> None:
    assert id_check_digit(first17) == check


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310021", "1101051949123100X"])
def test_id_check_digit_wants_17_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_check_digit(bad)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_agrees_with_stdnum(first17: str) -> None:
    # stdnum's calc_check_digit expects the whole number and ignores its last character.
    assert id_check_digit(first17) == ric.calc_check_digit(first17 + "0")


# --- ages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1949, 12, 31), date(2025, 6, 1), 75),
        (date(1949, 12, 31), date(2025, 12, 30), 75),
        (date(1949, 12, 31), date(2025, 12, 31), 76),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
        (date(2000, 6, 15), date(2001, 6, 14), 0),
        (date(2000, 6, 15), date(2001, 6, 15), 1),
        # Born on 29 February: a year older on 1 March in common years, on 29 February in leap ones.
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 28), 3),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        # Turning 60 on 28 Feb vs 1 Mar matters for elderly subsidies.
        (date(1964, 2, 29), date(2024, 2, 28), 59),
        (date(1964, 2, 29), date(2024, 2, 29), 60),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@given(st.dates(), st.dates())
def test_age_is_the_count_of_birthdays_passed(a: date, b: date) -> None:
    birth, on = min(a, b), max(a, b)
    age = age_on(birth, on)
    assert age >= 0
    assert age_on(birth, birth) == 0
    # One day earlier the age is the same or one less.
    if on > birth:
        assert age_on(birth, on.fromordinal(on.toordinal() - 1)) in (age, age - 1)


# --- properties ---------------------------------------------------------------------------------

regions = st.sampled_from(REGION_CODES)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(regions, birth_dates, sequences)
def test_any_valid_generated_number_parses(region: str, birth: date, sequence: int) -> None:
    number = make_id(region, birth, sequence)
    info = parse_id_number(number, today=TODAY)
    assert info.number == number
    assert info.birth_date == birth
    assert info.sex == ("M" if sequence % 2 else "F")
    assert info.region_code == region
    # Numbers were first assigned in 1984: the name the code had then, or at birth if later.
    assert info.region_name == region_name(region, max(birth.year, 1984))
    assert info.document == (
        "hmt_residence" if region in ("810000", "820000", "830000") else "resident"
    )
    assert info.disability is None
    assert info.region_name
    # The same number typed lower-case, in full-width digits or spaced out parses the same.
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert parse_id_number(full_width, today=TODAY) == info
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    assert parse_id_number(spaced, today=TODAY) == info


@given(regions, birth_dates, sequences, st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_is_rejected(
    region: str, birth: date, sequence: int, position: int, shift: int
) -> None:
    number = make_id(region, birth, sequence)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    if old not in alphabet:  # pragma: no cover - an X only ever sits at position 17
        return
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        new = alphabet[(alphabet.index(old) + 1) % len(alphabet)]
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse_id_number(changed, today=TODAY)


@given(regions, birth_dates, sequences, st.integers(0, 16))
def test_swapping_adjacent_different_digits_is_rejected(
    region: str, birth: date, sequence: int, position: int
) -> None:
    number = make_id(region, birth, sequence)
    a, b = number[position], number[position + 1]
    if a == b or "X" in (a, b):
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(IdNumberError):
        parse_id_number(swapped, today=TODAY)
