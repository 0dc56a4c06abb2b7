"""Valid and invalid numbers from the test suites of public ID-number validators, each with what
bangfu says of it (bangfu/core/idnumber.py). Where bangfu deliberately differs from the suite,
the case says why. No database."""

from __future__ import annotations

from datetime import date

import pytest

from bangfu.core.idnumber import IdNumberError, parse_id_number

TODAY = date(2026, 6, 1)

# jxlwqq/id-validator.py: test_validator.py; jxlwqq/id-validator (PHP): tests/IdValidatorTest.php
IDV = "jxlwqq/id-validator"
# arthurdejong/python-stdnum: tests/test_cn_ric.doctest
STDNUM = "python-stdnum"
# issue9/is: gb11643_test.go
IS = "issue9/is"
# borenXue/xtools_js: src/china/idcard.spec.ts
XTOOLS = "xtools_js"


@pytest.mark.parametrize(
    ("source", "number", "birth", "sex", "region"),
    [
        (IDV, "440308199901101512", date(1999, 1, 10), "M", "广东省盐田区"),
        (IDV, "810000199408230021", date(1994, 8, 23), "F", "香港特别行政区"),
        (IDV, "830000199201300022", date(1992, 1, 30), "F", "台湾省"),
        (IDV, "500154199804106120", date(1998, 4, 10), "F", "重庆市开州区"),
        # id-validator's strict mode refuses it (开州区 500154 dates from 2016, after the birth);
        # its non-strict mode and bangfu accept it: the code is the holder's code today.
        (IDV, "500154199301135886", date(1993, 1, 13), "F", "重庆市开州区"),
        (IDV, "110101199003078670", date(1990, 3, 7), "M", "北京市东城区"),
        (IDV, "411082198901010002", date(1989, 1, 1), "F", "河南省长葛市"),
        (IDV, "430302199312194239", date(1993, 12, 19), "M", "湖南省雨湖区"),
        # id-validator names 362324 by the birth year (丰城县 until 1981); bangfu by the name the
        # code had when numbers were first given (1984: 铅山县).
        (IDV, "362324198001010014", date(1980, 1, 1), "M", "江西省铅山县"),
        (IDV, "362324198201010019", date(1982, 1, 1), "M", "江西省铅山县"),
        (STDNUM, "360426199101010071", date(1991, 1, 1), "M", "江西省德安县"),
        (STDNUM, "44011320141005001x", date(2014, 10, 5), "M", "广东省番禺区"),
        (STDNUM, "412723199010050012", date(1990, 10, 5), "M", "河南省商水县"),
        (STDNUM, "110102199101010078", date(1991, 1, 1), "M", "北京市西城区"),
        (STDNUM, "120110198012010073", date(1980, 12, 1), "M", "天津市东郊区"),
        (STDNUM, "120110199212010072", date(1992, 12, 1), "M", "天津市东丽区"),
        # stdnum refuses a code created after the birth year (房山区 110111, 1986) and one retired
        # before it (昌平县 110201, until 1981); bangfu accepts every code ever in use.
        (STDNUM, "110111198012010078", date(1980, 12, 1), "M", "北京市房山区"),
        (STDNUM, "110201199312010077", date(1993, 12, 1), "M", "北京市昌平县"),
        (IS, "350303199002033073", date(1990, 2, 3), "M", "福建省涵江区"),
        (IS, "331122197905116239", date(1979, 5, 11), "M", "浙江省缙云县"),
        (IS, "513330199111066159", date(1991, 11, 6), "M", "四川省德格县"),
        (IS, "33050219880702447x", date(1988, 7, 2), "M", "浙江省城区"),
        (XTOOLS, "513436201901019465", date(2019, 1, 1), "F", "四川省美姑县"),
        (XTOOLS, "51343620190101324X", date(2019, 1, 1), "F", "四川省美姑县"),
        (XTOOLS, "513436201901016109", date(2019, 1, 1), "F", "四川省美姑县"),
    ],
)
def test_valid_numbers_of_public_suites(
    source: str, number: str, birth: date, sex: str, region: str
) -> None:
    info = parse_id_number(number, today=TODAY)
    assert info.number == number.upper()
    assert (info.birth_date, info.sex, info.region_name) == (birth, sex, region)


@pytest.mark.parametrize(
    ("source", "number", "message"),
    [
        (IDV, "440308199901101513", "身份证号校验位应为 2, 实际为 3, 号码可能有录入错误"),
        (IDV, "44030819990110", "身份证号应为 18 位, 实际 14 位"),
        (IDV, "111111199901101512", "身份证号前 6 位 111111 不是已知的行政区划代码"),
        (IDV, "440308199902301512", "身份证号第 7-14 位的出生日期 19990230 不是有效日期"),
        (IDV, "11010119900307867X", "身份证号校验位应为 0, 实际为 X, 号码可能有录入错误"),
        (
            IDV,
            "610104620932690",
            "这是 15 位的第一代身份证号, 但第 7-12 位的出生日期 620932 不是有效日期; "
            "请核对后填写 18 位号码",
        ),
        # id-validator accepts 15-digit numbers; bangfu asks for the 18-digit one and shows it.
        (
            IDV,
            "610104620927690",
            "这是 15 位的第一代身份证号, 对应的 18 位号码为 610104196209276908; "
            "请核对后填写 18 位号码",
        ),
        (STDNUM, "T60426199101010078", "身份证号只能包含数字和末位的 X, 其中有 “T”"),
        (STDNUM, "360426199113010079", "身份证号第 7-14 位的出生日期 19911301 不是有效日期"),
        (STDNUM, "36042619910102009X", "身份证号校验位应为 3, 实际为 X, 号码可能有录入错误"),
        # A 9 starts a foreigner's permanent residence number: the message says both readings.
        (
            STDNUM,
            "990426199112010074",
            "身份证号前 6 位 990426 不是已知的行政区划代码; 以 9 开头的外国人永久居留"
            "身份证号第 2-3 位应为受理地的省级代码, 90 也不是",
        ),
        (IS, "111111111111111111", "身份证号前 6 位 111111 不是已知的行政区划代码"),
        (IS, "330502198807024471", "身份证号校验位应为 X, 实际为 1, 号码可能有录入错误"),
        (IS, "33050288070244", "身份证号应为 18 位, 实际 14 位"),
        (IS, "3305028807024411", "身份证号应为 18 位, 实际 16 位"),
        (
            IS,
            "350303900203307",
            "这是 15 位的第一代身份证号, 对应的 18 位号码为 350303199002033073; "
            "请核对后填写 18 位号码",
        ),
        (XTOOLS, "513436201901016108", "身份证号校验位应为 9, 实际为 8, 号码可能有录入错误"),
    ],
)
def test_invalid_numbers_of_public_suites(source: str, number: str, message: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert str(excinfo.value) == message
