"""The files we hand out: the marked error workbook, the blank templates and the exports
(masking, formula neutralisation, the audit event, the permission to unmask, the round trip)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bangfu.accounts.scope import forget_scope
from bangfu.accounts.tests.factories import RoleFactory
from bangfu.audit.models import AuditEvent
from bangfu.core.masking import mask_id_number, mask_phone
from bangfu.registry.models import Household, Person
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.blanks import write_template
from bangfu.transfer.errors import ERROR_HEADER, error_workbook
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import all_kinds, get_kind
from bangfu.transfer.reader import INSTRUCTIONS_SHEET
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"

# The contract (interchange.md): the key headers of each kind, in this order.
CONTRACT = {
    "orgs": ["编码", "名称", "上级编码", "类型"],
    "persons": ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"],
    "households": [
        "户编号",
        "户主姓名",
        "户主身份证号",
        "所属组织编码",
        "致贫原因",
        "人均纯收入",
        "识别日期",
        "状态",
    ],
    "members": ["户编号", "姓名", "身份证号", "与户主关系"],
    "status-changes": ["户编号", "状态", "日期", "原因"],
    "helpers": ["身份证号", "所属组织编码", "最多帮扶数"],
}


# -- the error workbook ----------------------------------------------------------------------


def test_error_workbook_marks_the_bad_cells_of_the_users_own_sheet(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    numbers = messy_xlsx(
        path,
        ["姓名", "身份证号码", "手机", "单位编码"],
        [
            ["甲", new_id(1), "13800000000", VILLAGE],
            ["乙", "45012319800517001", "12345", VILLAGE],
            ["丙", new_id(3), "", "NOPE"],
        ],
    )
    result = run_import("persons", path, actor=world.admin)
    data = error_workbook(path, result.errors, header_row=result.header_row, file_name=path.name)
    marked = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    original = openpyxl.load_workbook(path).worksheets[0]

    # Same rows and columns (title, header, data, footer), plus 错误说明 after the last column.
    assert marked.max_row == original.max_row
    assert marked.max_column == original.max_column + 1
    assert marked.cell(1, 1).value == "甲县扶贫对象花名册"
    assert [marked.cell(3, c).value for c in range(1, 6)] == [
        "序号",
        "姓名",
        "身份证号码",
        "手机",
        "单位编码",
    ]
    error_col = original.max_column + 1
    assert marked.cell(3, error_col).value == ERROR_HEADER

    bad_id = marked.cell(numbers[1], 3)
    assert bad_id.value == "45012319800517001"
    assert bad_id.fill.fgColor.rgb == "FFFFC7CE"
    assert "身份证号应为 18 位, 实际 17 位" in bad_id.comment.text
    bad_phone = marked.cell(numbers[1], 4)
    assert bad_phone.fill.fgColor.rgb == "FFFFC7CE" and "手机号" in bad_phone.comment.text
    assert marked.cell(numbers[2], 5).comment.text == "所属组织编码 NOPE 不存在"
    explained = marked.cell(numbers[1], error_col).value
    assert "身份证号码: 身份证号应为 18 位" in explained and "手机: 手机号应为 11 位" in explained

    # A good row is left as it was: no fill, no comment, no explanation.
    good = marked.cell(numbers[0], 3)
    assert good.value == new_id(1) and good.comment is None
    assert good.fill.fgColor.rgb != "FFFFC7CE"
    assert marked.cell(numbers[0], error_col).value is None
    assert marked.cell(original.max_row, 2).value == "表尾之后的内容, 不应读取"


def test_error_workbook_of_a_csv_and_of_a_missing_column(world, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("姓名,所属组织编码\n甲,450123100201\n", encoding="utf-8-sig")
    result = run_import("persons", path, actor=world.admin)
    assert [e.as_json() for e in result.errors] == [
        {"row": 1, "column": "身份证号", "message": "缺少必填列“身份证号”"}
    ]
    marked = openpyxl.load_workbook(io.BytesIO(error_workbook(path, result.errors, header_row=1)))
    sheet = marked.worksheets[0]
    assert [c.value for c in sheet[1]] == ["姓名", "所属组织编码", ERROR_HEADER]
    assert "缺少必填列“身份证号”" in sheet.cell(1, 3).comment.text


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CONTRACT))
def test_templates_have_the_contract_headers_and_instructions(kind, tmp_path):
    spec = get_kind(kind)
    path = tmp_path / f"{kind}.xlsx"
    write_template(spec, path)
    workbook = openpyxl.load_workbook(path)
    sheet, notes = workbook.worksheets
    headers = [c.value for c in sheet[1]]
    assert headers[: len(CONTRACT[kind])] == CONTRACT[kind]
    assert headers == spec.headers
    assert notes.title == INSTRUCTIONS_SHEET
    listed = [notes.cell(r, 1).value for r in range(5, 5 + len(spec.columns))]
    assert listed == spec.headers
    formats = {
        i: d.number_format
        for d in sheet.column_dimensions.values()
        for i in range(d.min, d.max + 1)
    }
    for index, column in enumerate(spec.columns, start=1):
        assert (formats.get(index) == "@") is column.text, column.header
    # A blank template imports as nothing, without errors.
    result = run_import(kind, path, actor=_system())
    assert (result.rows, result.errors) == (0, [])


def test_template_explains_allowed_values(tmp_path):
    path = tmp_path / "h.xlsx"
    write_template(get_kind("households"), path)
    sheet, notes = openpyxl.load_workbook(path).worksheets
    rows = {notes.cell(r, 1).value: r for r in range(5, notes.max_row + 1)}
    status_values = notes.cell(rows["状态"], 4).value
    assert "帮扶中" in status_values and "拟脱贫" in status_values
    assert "因病" in notes.cell(rows["致贫原因"], 4).value
    assert notes.cell(rows["户主身份证号"], 2).value == "是"
    assert "身份证号码" in notes.cell(rows["户主身份证号"], 5).value
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("帮扶中" in formula for formula in validations.values())


def _system():
    from bangfu.accounts.models import User
    from bangfu.accounts.scope import Scope

    user = User(username="bangfu-cli", name="命令行")
    user._bangfu_scope = Scope(user_id=None, is_sysadmin=True)
    return user


# -- export ----------------------------------------------------------------------------------


def _export(kind: str, user, **kwargs):
    buffer = io.BytesIO()
    outcome = export_kind(get_kind(kind), user=user, dest=buffer, **kwargs)
    buffer.seek(0)
    return outcome, openpyxl.load_workbook(buffer).worksheets[0]


def test_export_masks_and_neutralises_formulas(world):
    evil = PersonFactory(org=world.a1v, name="=cmd|' /C calc'!A0", phone="13812345678")
    PersonFactory(org=world.a1v, name="@SUM(1+1)", notes="-2+3")
    PersonFactory(org=world.b1, name="乙县的人")
    outcome, sheet = _export("persons", world.unit_admin)
    assert (outcome.rows, outcome.masked) == (2, True)
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=2)}
    assert [c.value for c in sheet[1]] == get_kind("persons").headers
    evil_row = rows[mask_id_number(evil.id_number)]
    name = evil_row[0]
    assert name.value == "'=cmd|' /C calc'!A0" and name.data_type == "s"
    assert evil_row[2].value == mask_phone("13812345678") == "138****5678"
    assert evil_row[1].data_type == "s"
    other = next(r for key, r in rows.items() if key != mask_id_number(evil.id_number))
    notes = get_kind("persons").headers.index("备注")
    assert other[0].value == "'@SUM(1+1)" and other[notes].value == "'-2+3"

    event = AuditEvent.objects.get(action="export")
    assert event.actor == world.unit_admin
    assert event.after == {"kind": "persons", "rows": 2, "masked": True, "file": ""}
    assert "已遮蔽" in event.summary
    assert event.org == world.a  # read by the administrators of 甲县


def test_unmasked_only_when_the_user_may_reveal_every_row(world):
    near = PersonFactory(org=world.a1v)
    PersonFactory(org=world.a_office)
    # The unit administrator may reveal in 甲县: full numbers.
    outcome, sheet = _export("persons", world.unit_admin, unmask=True)
    assert outcome.masked is False
    assert near.id_number in [r[1].value for r in sheet.iter_rows(min_row=2)]
    # The inspector may not: masked although asked.
    outcome, sheet = _export("persons", world.inspector, unmask=True)
    assert outcome.masked is True
    assert near.id_number not in [r[1].value for r in sheet.iter_rows(min_row=2)]
    # Allowed to reveal in 甲镇 only: not for the whole county, yes for 甲镇's rows.
    RoleFactory(user=world.inspector, org=world.a1, role="org_admin", can_reveal=True)
    forget_scope(world.inspector)
    outcome, _sheet = _export("persons", world.inspector, unmask=True)
    assert outcome.masked is True
    outcome, sheet = _export(
        "persons", world.inspector, unmask=True, params={"org": str(world.a1.pk)}
    )
    assert (outcome.masked, outcome.rows) == (False, 1)
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == [near.id_number]
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert [e.after["masked"] for e in events] == [False, True, True, False]


def test_round_trip_of_every_kind_updates_nothing(world, tmp_path, system):
    def put(kind, headers, rows):
        path = tmp_path / f"{kind}-in.xlsx"
        plain_xlsx(path, headers, rows)
        result = run_import(kind, path, actor=system)
        assert result.errors == [], result.errors

    put(
        "orgs",
        ["编码", "名称", "上级编码", "类型", "地址", "办公电话"],
        [["A-SCHOOL", "甲县一中", "450123", "学校", "县城", "0771-5551234"]],
    )
    ids = [new_id(i) for i in range(6)]
    put(
        "persons",
        ["姓名", "身份证号", "联系电话", "所属组织编码", "标签", "健康状况", "劳动能力", "备注"],
        [
            [
                "=危险的名字",
                ids[0],
                "13812345678",
                VILLAGE,
                "党员、教师",
                "健康",
                "普通劳动力",
                "+备注",
            ],
            ["李四", ids[1], "0771-5551234", VILLAGE, "", "", "", ""],
        ],
    )
    put(
        "households",
        [
            "户编号",
            "户主姓名",
            "户主身份证号",
            "所属组织编码",
            "致贫原因",
            "人均纯收入",
            "识别日期",
            "状态",
            "其他致贫原因",
            "困难程度",
            "年度",
            "住房安全",
            "饮水安全",
            "住址",
        ],
        [
            [
                "H1",
                "王五",
                ids[2],
                VILLAGE,
                "因病",
                "2345.6",
                "2014-06-01",
                "帮扶中",
                "因学、缺资金",
                "深度困难",
                2015,
                "是",
                "否",
                "甲村 3 组",
            ]
        ],
    )
    put("members", ["户编号", "姓名", "身份证号", "与户主关系"], [["H1", "王小", ids[3], "之子"]])
    put(
        "status-changes",
        ["户编号", "状态", "日期", "原因", "决定人"],
        [["H1", "拟脱贫", "2019-12-01", "达标", "村委会"]],
    )
    put(
        "helpers",
        ["身份证号", "所属组织编码", "最多帮扶数", "姓名"],
        [[ids[4], "A-OFFICE", 3, "钱七"]],
    )

    for kind in CONTRACT:
        path = tmp_path / f"{kind}-out.xlsx"
        outcome = export_kind(get_kind(kind), user=system, dest=path, unmask=True)
        assert outcome.masked is False and outcome.rows > 0
        result = run_import(kind, path, actor=system)
        assert (result.errors, result.created, result.updated) == ([], 0, 0), kind
        assert result.rows == outcome.rows
    # The same through CSV.
    path = tmp_path / "persons.csv"
    export_kind(get_kind("persons"), user=system, dest=path, unmask=True, fmt="csv")
    assert run_import("persons", path, actor=system).as_json() == {
        "kind": "persons",
        "rows": Person.objects.count(),
        "created": 0,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }
    assert Household.objects.get(code="H1").incomes.get().year == 2015
    assert Person.objects.get(id_number=ids[0]).name == "=危险的名字"


def test_every_kind_is_exported_in_template_order(world, system):
    for kind in all_kinds():
        _outcome, sheet = _export(kind.name, system)
        assert [c.value for c in sheet[1]] == kind.headers
