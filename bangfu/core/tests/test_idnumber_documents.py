"""Documents that share the ID number's form (bangfu/core/idnumber.py, docs/data-quality.md "ID
numbers"): residence permits of Hong Kong, Macau and Taiwan residents, the foreigner's permanent
residence ID card of 2023, the 20-digit disability certificate number, and 15-digit first-generation
numbers (refused, with their 18-character form in the message). No database."""

from __future__ import annotations

from datetime import date

import pytest

from bangfu.core.idnumber import (
    DISABILITY_CATEGORIES,
    IdInfo,
    IdNumberError,
    first_generation_to_18,
    id_check_digit,
    parse_id_number,
)

TODAY = date(2026, 6, 1)
SAMPLE = "11010519491231002X"  # the GB 11643 sample: Beijing Chaoyang, 1949-12-31, female


def make_id(first6: str, birth: date, sequence: int) -> str:
    first17 = f"{first6}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def error_of(raw: object) -> str:
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=TODAY)
    return str(excinfo.value)


# --- residence permits of Hong Kong, Macau and Taiwan residents (港澳台居民居住证, 2018) ---------


@pytest.mark.parametrize(
    ("number", "region", "holder"),
    [
        # jxlwqq/id-validator.py test_validator.py and jxlwqq/id-validator (PHP)
        # tests/IdValidatorTest.php: "港澳居民居住证 18 位" and "台湾居民居住证 18 位".
        ("810000199408230021", "香港特别行政区", "香港居民"),
        ("830000199201300022", "台湾省", "台湾居民"),
        (make_id("820000", date(2001, 2, 3), 7), "澳门特别行政区", "澳门居民"),
    ],
)
def test_residence_permits_pass(number: str, region: str, holder: str) -> None:
    info = parse_id_number(number, today=TODAY)
    assert info.number == number
    assert info.document == "hmt_residence"
    assert info.region_code == number[:6]
    assert info.region_name == region
    assert info.caveat == f"港澳台居民居住证号 ({holder})"
    assert info.disability is None


def test_a_residence_permit_with_a_wrong_check_digit_is_refused() -> None:
    assert error_of("830000199201300023") == "身份证号校验位应为 2, 实际为 3, 号码可能有录入错误"


# --- foreigner's permanent residence ID card, 2023 (外国人永久居留身份证) -------------------------


def test_a_foreign_permanent_residence_number_is_recognised() -> None:
    # 9 | 11 (北京市 took the application) | 840 (GB/T 2659: United States) | 19850315 | 123 |
    # check character
    number = make_id("911840", date(1985, 3, 15), 123)
    info = parse_id_number(number, today=TODAY)
    assert info == IdInfo(
        number=number,
        birth_date=date(1985, 3, 15),
        sex="M",
        region_code="110000",
        region_name="北京市",
        document="foreign_permanent",
        caveat="外国人永久居留身份证号 (受理地 北京市, 国籍代码 840)",
    )


def test_a_foreign_number_is_not_blamed_on_its_region_code() -> None:
    # 945 | 410 (Republic of Korea): "945410" is no region code, and need not be.
    number = make_id("945410", date(1992, 7, 1), 22)
    info = parse_id_number(number, today=TODAY)
    assert (info.document, info.region_name, info.sex) == (
        "foreign_permanent",
        "广西壮族自治区",
        "F",
    )


@pytest.mark.parametrize("province", ["00", "10", "66", "71", "81", "99"])
def test_a_foreign_number_needs_a_mainland_province(province: str) -> None:
    number = make_id(f"9{province}840", date(1985, 3, 15), 123)
    assert error_of(number) == (
        f"身份证号前 6 位 9{province}840 不是已知的行政区划代码; 以 9 开头的外国人永久居留"
        f"身份证号第 2-3 位应为受理地的省级代码, {province} 也不是"
    )


def test_a_foreign_number_is_checked_like_a_resident_number() -> None:
    number = make_id("911840", date(1985, 3, 15), 123)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert "校验位应为" in error_of(wrong)
    first17 = "91184019850230123"
    assert "出生日期 19850230 不是有效日期" in error_of(first17 + id_check_digit(first17))


# --- 20-digit disability certificate numbers (第二代残疾人证) ---------------------------------


@pytest.mark.parametrize(
    ("suffix", "category", "level", "words"),
    [
        ("12", 1, 2, "视力残疾 二级"),
        ("23", 2, 3, "听力残疾 三级"),
        ("41", 4, 1, "肢体残疾 一级"),
        ("63", 6, 3, "精神残疾 三级"),
        ("74", 7, 4, "多重残疾 四级"),
    ],
)
def test_a_disability_certificate_number_registers_its_id(
    suffix: str, category: int, level: int, words: str
) -> None:
    # 中国残联, 第二代残疾人证: 18 位公民身份号码 + 1 位残疾类别代码 + 1 位残疾等级代码.
    info = parse_id_number(SAMPLE + suffix, today=TODAY)
    assert info.number == SAMPLE
    assert (info.birth_date, info.sex, info.region_code) == (date(1949, 12, 31), "F", "110105")
    assert info.document == "resident"
    assert info.disability == (category, level)
    assert info.caveat == (
        f"残疾人证号 {SAMPLE}{suffix}, 按其前 18 位身份证号 {SAMPLE} 登记, 残疾类别 {words}"
    )


def test_a_disability_certificate_number_as_typed() -> None:
    info = parse_id_number(" 110105 19491231 002x 1 2 ", today=TODAY)
    assert (info.number, info.disability) == (SAMPLE, (1, 2))


def test_the_disability_categories_are_the_seven_of_the_certificate() -> None:
    assert list(DISABILITY_CATEGORIES) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("tail", ["01", "81", "90", "10", "15", "25"])
def test_a_20_digit_number_needs_a_category_and_a_level(tail: str) -> None:
    assert error_of(SAMPLE + tail) == (
        "20 位的号码应为残疾人证号: 18 位身份证号加残疾类别 (1-7) 和残疾等级 (1-4), "
        f"但末两位是 {tail}"
    )


def test_the_id_inside_a_disability_number_is_checked() -> None:
    assert (
        error_of(SAMPLE[:17] + "3" + "12") == "身份证号校验位应为 X, 实际为 3, 号码可能有录入错误"
    )
    assert (
        error_of("1101051949123100X212")
        == "20 位的残疾人证号中 X 只能是第 18 位 (身份证号的校验位)"
    )


def test_a_resident_number_has_no_caveat() -> None:
    info = parse_id_number(SAMPLE, today=TODAY)
    assert (info.document, info.caveat, info.disability) == ("resident", "", None)


# --- 15-digit first-generation numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # jxlwqq/id-validator tests/IdValidatorTest.php, testUpgradeId.
        ("610104620927690", "610104196209276908"),
        # issue9/is gb11643_test.go: the 15- and 18-digit forms of the same two numbers.
        ("350303900203307", "350303199002033073"),
        ("330502880702447", "33050219880702447X"),
    ],
)
def test_first_generation_numbers_show_their_18_digit_form(old: str, new: str) -> None:
    assert first_generation_to_18(old) == new
    assert error_of(old) == (
        f"这是 15 位的第一代身份证号, 对应的 18 位号码为 {new}; 请核对后填写 18 位号码"
    )
    assert parse_id_number(new, today=TODAY).number == new


def test_a_first_generation_number_from_a_number_cell() -> None:
    assert "对应的 18 位号码为 610104196209276908" in error_of(610104620927690.0)


def test_a_first_generation_number_with_an_impossible_date() -> None:
    # jxlwqq/id-validator: "610104620932690 出生日期码不合法".
    assert error_of("610104620932690") == (
        "这是 15 位的第一代身份证号, 但第 7-12 位的出生日期 620932 不是有效日期; "
        "请核对后填写 18 位号码"
    )


def test_a_first_generation_number_with_an_unknown_region() -> None:
    assert error_of("999999620927690") == (
        "这是 15 位的第一代身份证号, 但前 6 位 999999 不是已知的行政区划代码; "
        "请核对后填写 18 位号码"
    )


def test_a_first_generation_number_has_no_x() -> None:
    assert error_of("11010549123100X") == (
        "这是 15 位的第一代身份证号, 其中不应有 X; 请填写 18 位的第二代身份证号"
    )


@pytest.mark.parametrize("bad", ["", "61010462092769", "6101046209276900", "61010462092769X"])
def test_first_generation_to_18_wants_15_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="15 digits"):
        first_generation_to_18(bad)
