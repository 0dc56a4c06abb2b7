"""Reading the files the field really has: where the header is, which column is which, which
rows are data, and the row numbers Excel shows."""

from __future__ import annotations

import datetime

import openpyxl
import pytest

from bangfu.transfer.kinds import get_kind
from bangfu.transfer.reader import read_sheet
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

HOUSEHOLDS = get_kind("households")
PERSONS = get_kind("persons")


def test_title_rows_two_row_header_serial_blank_rows_and_footer(tmp_path):
    path = tmp_path / "户.xlsx"
    numbers = messy_xlsx(
        path,
        ["户编号", "户主姓名", "户主身份证号", "所属组织编码", "人均纯收入（万元）", "识别日期"],
        [["H1", "张三", new_id(1), "450123100201", 0.52, "2014/6/1"]] * 5,
        groups={"户主信息": ["户主姓名", "户主身份证号"]},
    )
    sheet = read_sheet(path, HOUSEHOLDS)
    assert sheet.problems == []
    # Title in row 1, 填报单位 in row 2, group header row 3, column names row 4.
    assert sheet.header_row == 4
    assert [r.number for r in sheet.rows] == numbers == [5, 6, 8, 9, 11]
    assert set(sheet.columns) == {"code", "head_name", "head_id", "org", "income", "identified_on"}
    assert sheet.columns["income"].unit == "万元"
    assert sheet.columns["code"].index == 1  # column B: column A is 序号
    assert "序号" in sheet.ignored
    assert sheet.rows[0].values["head_name"] == "张三"
    # The footer (制表人, 日期) ends the data: the line after it is not read.
    assert all("表尾" not in str(v) for r in sheet.rows for v in r.values.values())


def test_a_group_header_over_short_names_is_combined(tmp_path):
    """户主 over 姓名 / 身份证号 reads as 户主姓名 / 户主身份证号."""
    path = tmp_path / "户.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户编号", "户主信息", None, "所属单位编码"])
    ws.append([None, "姓名", "身份证号码", None])
    ws.merge_cells("B1:C1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("D1:D2")
    ws.append(["H1", "张三", new_id(1), "450123100201"])
    wb.save(path)
    sheet = read_sheet(path, HOUSEHOLDS)
    assert sheet.header_row == 2
    assert {k: c.header for k, c in sheet.columns.items()} == {
        "code": "户编号",
        "head_name": "姓名",
        "head_id": "身份证号码",
        "org": "所属单位编码",
    }
    assert [r.number for r in sheet.rows] == [3]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("身份证号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("证件号码", "id_number"),
        (" 身 份 证 号 ", "id_number"),
        ("*身份证号", "id_number"),
        ("身份证号(18位)", "id_number"),
        ("手机号", "phone"),
        ("联系方式", "phone"),
        ("单位编码", "org"),
        ("组织编码", "org"),
        ("所属单位编码", "org"),
        ("所属组织编码：", "org"),
        ("ＩＤ", None),
    ],
)
def test_header_synonyms_spaces_and_full_width(tmp_path, header, key):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", header], [["张三", "x"]])
    sheet = read_sheet(path, PERSONS)
    found = {k for k in sheet.columns if k != "name"}
    assert found == ({key} if key else set())


def test_every_cell_type_reaches_the_parsers(tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(
        path,
        ["姓名", "身份证号", "出生日期"],
        [[" 张 三 ", 450123198005170011.0, datetime.date(1980, 5, 17)], ["李四", new_id(2), 29358]],
    )
    rows = read_sheet(path, PERSONS).rows
    assert rows[0].values == {
        "name": " 张 三 ",
        "id_number": 450123198005170011.0,
        "birth_date": datetime.date(1980, 5, 17),
    }
    assert rows[1].values["birth_date"] == 29358.0


def test_a_row_of_column_numbers_under_the_header_is_skipped(tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "身份证号", "所属组织编码"], [[1, 2, 3], ["张三", new_id(1), "X"]])
    rows = read_sheet(path, PERSONS).rows
    assert [r.number for r in rows] == [3]


def test_data_away_from_the_corner_keeps_excel_row_numbers_and_columns(tmp_path):
    path = tmp_path / "p.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"] = "人员名单"
    ws["C4"], ws["D4"], ws["E4"] = "姓名", "身份证号", "所属组织编码"
    ws["C5"], ws["D5"], ws["E5"] = "张三", new_id(1), "450123100201"
    wb.save(path)
    sheet = read_sheet(path, PERSONS)
    assert sheet.header_row == 4
    assert sheet.columns["name"].index == 2
    assert [r.number for r in sheet.rows] == [5]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(tmp_path, encoding):
    path = tmp_path / "p.csv"
    text = (
        "人员名单,,\n姓名,身份证号码,所属组织编码\n"
        "张三,450123198005170011,450123100201\n,,\n合计,1,\n"
    )
    path.write_bytes(text.encode(encoding))
    sheet = read_sheet(path, PERSONS)
    assert sheet.problems == []
    assert sheet.header_row == 2
    assert [(r.number, r.values["name"]) for r in sheet.rows] == [(3, "张三")]


def test_the_apostrophe_of_our_export_is_removed(tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "备注"], [["张三", "'=1+1"], ["李四", "'不是公式"]])
    rows = read_sheet(path, PERSONS).rows
    assert [r.values["notes"] for r in rows] == ["=1+1", "'不是公式"]


def test_sheet_level_problems(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a workbook")
    assert "无法读取文件" in read_sheet(bad, PERSONS).problems[0].message

    unknown = tmp_path / "p.pdf"
    unknown.write_bytes(b"%PDF")
    assert "不支持的文件类型" in read_sheet(unknown, PERSONS).problems[0].message

    nothing = tmp_path / "n.xlsx"
    plain_xlsx(nothing, ["甲", "乙"], [["1", "2"]])
    problem = read_sheet(nothing, PERSONS).problems[0]
    assert (problem.row, problem.column) == (1, "")
    assert "找不到表头" in problem.message and "姓名、身份证号" in problem.message

    missing = tmp_path / "m.xlsx"
    messy_xlsx(missing, ["姓名", "联系电话", "所属组织编码"], [["张三", "", "X"]])
    problems = read_sheet(missing, PERSONS).problems
    assert [(p.row, p.column, p.message) for p in problems] == [
        (3, "身份证号", "缺少必填列“身份证号”")
    ]

    twice = tmp_path / "t.xlsx"
    plain_xlsx(twice, ["姓名", "身份证号", "身份证号码", "所属组织编码"], [["张", "1", "2", "X"]])
    problems = read_sheet(twice, PERSONS).problems
    assert len(problems) == 1 and problems[0].column == "身份证号码"
    assert "两列都是“身份证号”" in problems[0].message
