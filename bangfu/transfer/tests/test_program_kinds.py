"""Importing and exporting programs and pairings: templates by name, the actor's reach, the rules
of pairing_create checked over the whole file before anything is written, re-import, dry run,
the command line's JSON and the export round trip."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.audit.models import AuditEvent
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.programs.services import load_builtin_templates, program_create
from bangfu.registry.models import Helper, Tag, UnitBeneficiary
from bangfu.registry.tests.factories import HouseholdFactory, PersonFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, plain_xlsx

pytestmark = pytest.mark.django_db
D = datetime.date
PROGRAM_HEADERS = ["编码", "名称", "模板", "所属组织编码", "开始日期", "结束日期"]
PAIRING_HEADERS = ["项目编码", "帮扶人", "帮扶对象", "开始日期", "结束日期"]


@pytest.fixture(autouse=True)
def _templates(db):
    load_builtin_templates()


def written() -> tuple:
    return (
        Program.objects.count(),
        Pairing.objects.count(),
        AuditEvent.objects.count(),
        list(Pairing.objects.order_by("pk").values_list("end", flat=True)),
    )


# -- programs --------------------------------------------------------------------------------


def test_programs_from_two_templates_and_reimport(world, tmp_path):
    path = tmp_path / "项目.xlsx"
    numbers = messy_xlsx(
        path,
        ["项目编码", "项目名称", "项目模板", "单位编码", "开始日期", "结束日期"],
        [
            ["P-JZ", "2024年精准扶贫", "精准扶贫一对一", "450123", "2024年1月1日", "2030/12/31"],
            ["P-SG", "四个一 结对", "四个一", "450123", D(2024, 3, 1), None],
        ],
    )
    result = run_import("programs", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    jz = Program.objects.get(code="P-JZ")
    assert jz.template.name == "精准扶贫一对一" and jz.org == world.a and jz.area == world.a
    assert (jz.start, jz.end) == (D(2024, 1, 1), D(2030, 12, 31))
    assert jz.definition == ProgramTemplate.objects.get(name="精准扶贫一对一").definition
    assert Program.objects.get(code="P-SG").beneficiary_kind == "person"
    assert len(numbers) == 2

    again = tmp_path / "again.xlsx"
    plain_xlsx(
        again,
        PROGRAM_HEADERS,
        [
            ["P-JZ", "2024年精准扶贫 (调整)", "精准扶贫一对一", "450123", "2024-01-01", None],
            ["P-SG", "四个一 结对", "四个一", "450123", "2024.3.1", None],
        ],
    )
    result = run_import("programs", again, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 1)
    jz.refresh_from_db()
    assert jz.name == "2024年精准扶贫 (调整)" and jz.end == D(2030, 12, 31)  # empty: kept
    assert Program.objects.count() == 2


def test_program_errors_write_nothing(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    numbers = plain_xlsx(
        path,
        PROGRAM_HEADERS,
        [
            ["P-1", "好的一行", "单位包村", "450123", "2024-01-01", None],
            ["P-2", "未知模板", "一帮一", "450123", "2024-01-01", None],
            ["P-3", "别人的县", "四个一", "450124", "2024-01-01", None],
            ["P-4", "日期颠倒", "四个一", "450123", "2024-05-01", "2024-01-01"],
        ],
    )
    before = written()
    result = run_import("programs", path, actor=world.unit_admin)
    assert written() == before
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {
        (numbers[1], "模板"),
        (numbers[2], "所属组织编码"),
        (numbers[3], "结束日期"),
    }
    assert "一帮一" in errors[numbers[1], "模板"]
    for name in (
        "精准扶贫一对一",
        "四个一",
        "师徒结对",
        "城乡学校结对",
        "困难职工帮扶",
        "单位包村",
    ):
        assert name in errors[numbers[1], "模板"]
    assert errors[numbers[2], "所属组织编码"].startswith("无权导入到单位 450124")
    # The outsider may not touch county A's program either.
    program_create(
        actor=world.admin,
        code="P-A",
        name="甲县项目",
        template=ProgramTemplate.objects.get(name="四个一"),
        org=world.a,
        start=D(2024, 1, 1),
    )
    plain_xlsx(path, PROGRAM_HEADERS, [["P-A", "改名", "四个一", "450123", "2024-01-01", None]])
    result = run_import("programs", path, actor=world.outsider)
    assert [e.message for e in result.errors] == ["无权导入到单位 450123 (甲县)"]
    assert Program.objects.get(code="P-A").name == "甲县项目"


# -- pairings --------------------------------------------------------------------------------


def tagged(org, *names, **kwargs):
    person = PersonFactory(org=org, **kwargs)
    person.tags.set([Tag.objects.get_or_create(name=n)[0] for n in names])
    return person


@pytest.fixture
def setup(world):
    def program(code, template, org=None):
        return program_create(
            actor=world.admin,
            code=code,
            name=code,
            template=ProgramTemplate.objects.get(name=template),
            org=org or world.a,
            start=D(2024, 1, 1),
        )

    cadre = Helper.objects.create(person=tagged(world.a_office, "党员"), org=world.a_office)
    teacher = Helper.objects.create(person=tagged(world.a1, "教师"), org=world.a1, capacity=1)
    clerk = Helper.objects.create(person=tagged(world.a1, "党员"), org=world.a1)
    UnitBeneficiary.objects.create(org=world.a1v)
    return {
        "household": program("P-H", "精准扶贫一对一"),
        "person": program("P-P", "四个一"),
        "unit": program("P-U", "单位包村"),
        "cadre": cadre,
        "teacher": teacher,
        "clerk": clerk,
        "h1": HouseholdFactory(org=world.a1v, code="H1"),
        "h2": HouseholdFactory(org=world.a1v, code="H2"),
        "far": HouseholdFactory(org=world.b1, code="B-H"),
        "s1": tagged(world.a1v, "留守儿童"),
        "s2": tagged(world.a1v, "留守儿童"),
    }


def id_of(helper):
    return helper.person.id_number


def test_pairings_of_the_three_kinds_of_program(world, setup, tmp_path):
    s = setup
    path = tmp_path / "结对.xlsx"
    numbers = messy_xlsx(
        path,
        ["项目编号", "帮扶人身份证号", "帮扶对象", "结对日期", "结束日期"],
        [
            ["P-H", id_of(s["cadre"]), "H1", "2024年2月1日", None],
            ["P-H", id_of(s["cadre"]), "H2", "2024/2/1", "2099-12-31"],
            ["P-P", id_of(s["teacher"]).lower(), s["s1"].id_number, D(2024, 3, 1), None],
            ["P-U", "A-OFFICE", "450123100201", "2024-04-01", None],
        ],
    )
    result = run_import("pairings", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created, result.updated) == (4, 4, 0)
    assert len(numbers) == 4
    h1 = Pairing.objects.get(household=s["h1"])
    assert (h1.program, h1.helper, h1.org, h1.start, h1.end) == (
        s["household"],
        s["cadre"],
        world.a1v,
        D(2024, 2, 1),
        None,
    )
    h2 = Pairing.objects.get(household=s["h2"])
    assert (h2.end, h2.end_reason) == (D(2099, 12, 31), "导入")
    assert Pairing.objects.get(person=s["s1"]).helper == s["teacher"]
    unit = Pairing.objects.get(program=s["unit"])
    assert (unit.helper_org, unit.beneficiary_org, unit.org) == (
        world.a_office,
        world.a1v,
        world.a1v,
    )
    # pairing_create wrote its own audit row for each, plus the import's event.
    assert AuditEvent.objects.filter(action="create", object_type__contains="pairing").count() == 4
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_rule_errors_name_rows_and_write_nothing(world, setup, tmp_path):
    s = setup
    path = tmp_path / "bad.xlsx"
    numbers = plain_xlsx(
        path,
        PAIRING_HEADERS,
        [
            ["P-P", id_of(s["teacher"]), s["s1"].id_number, "2024-03-01", None],
            ["P-P", id_of(s["teacher"]), s["s2"].id_number, "2024-03-01", None],  # capacity 1
            ["P-P", id_of(s["clerk"]), s["s2"].id_number, "2024-03-01", None],  # not a teacher
            ["P-H", id_of(s["cadre"]), "B-H", "2024-03-01", None],  # outside the area
            ["P-H", s["s1"].id_number, "H1", "2024-03-01", None],  # not a helper
            ["P-H", id_of(s["cadre"]), "H1", "2023-12-01", None],  # before the program
            ["P-H", id_of(s["cadre"]), "H2", "2024-03-01", None],  # good
            ["P-H", id_of(s["clerk"]), "H2", "2024-04-01", None],  # H2 has its one helper
            ["NOPE", id_of(s["cadre"]), "H2", "2024-04-01", None],
        ],
    )
    before = written()
    result = run_import("pairings", path, actor=world.unit_admin)
    assert written() == before
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {
        (numbers[1], "帮扶人"),
        (numbers[2], "帮扶人"),
        (numbers[3], "帮扶对象"),
        (numbers[4], "帮扶人"),
        (numbers[5], "开始日期"),
        (numbers[7], "帮扶对象"),
        (numbers[8], "项目编码"),
    }
    assert f"第 {numbers[0]}、{numbers[1]} 行超过最多帮扶数 1" in errors[numbers[1], "帮扶人"]
    assert "教师" in errors[numbers[2], "帮扶人"]
    assert "不在本项目的帮扶范围“甲县”内" in errors[numbers[3], "帮扶对象"]
    assert errors[numbers[4], "帮扶人"] == (f"身份证号 {s['s1'].id_number} 不是已登记的帮扶责任人")
    assert f"第 {numbers[6]}、{numbers[7]} 行" in errors[numbers[7], "帮扶对象"]
    assert errors[numbers[8], "项目编码"].startswith("项目编码 NOPE 不存在")

    # The outsider administers neither the program's unit nor the beneficiary's.
    plain_xlsx(path, PAIRING_HEADERS, [["P-H", id_of(s["cadre"]), "H1", "2024-03-01", None]])
    result = run_import("pairings", path, actor=world.outsider)
    assert [e.message for e in result.errors] == ["无权导入到单位 450123 (甲县)"]
    assert written() == before


def test_capacity_counts_pairings_on_file(world, setup, tmp_path):
    s = setup
    path = tmp_path / "one.xlsx"
    plain_xlsx(
        path, PAIRING_HEADERS, [["P-P", id_of(s["teacher"]), s["s1"].id_number, "2024-03-01"]]
    )
    assert run_import("pairings", path, actor=world.unit_admin).created == 1
    plain_xlsx(
        path, PAIRING_HEADERS, [["P-P", id_of(s["teacher"]), s["s2"].id_number, "2024-03-02"]]
    )
    result = run_import("pairings", path, actor=world.unit_admin)
    assert [e.message for e in result.errors] == [
        f"{s['teacher'].person.name} 已有 1 个结对, 达到最多帮扶数 1"
    ]


def test_reimport_updates_and_dry_run_writes_nothing(world, setup, tmp_path):
    s = setup
    path = tmp_path / "p.xlsx"
    rows = [
        ["P-H", id_of(s["cadre"]), "H1", "2024-02-01", None],
        ["P-U", "A-OFFICE", "450123100201", "2024-02-01", None],
    ]
    plain_xlsx(path, PAIRING_HEADERS, rows)
    before = written()
    dry = run_import("pairings", path, actor=world.unit_admin, dry_run=True)
    assert (dry.errors, dry.created, dry.updated) == ([], 2, 0)
    assert written() == before

    assert run_import("pairings", path, actor=world.unit_admin).created == 2
    again = run_import("pairings", path, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)

    rows[0][4] = "2024年12月31日"
    plain_xlsx(path, PAIRING_HEADERS, rows)
    before = written()
    dry = run_import("pairings", path, actor=world.unit_admin, dry_run=True)
    assert (dry.created, dry.updated) == (0, 1)
    assert written() == before
    result = run_import("pairings", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 1)
    assert Pairing.objects.count() == 2
    ended = Pairing.objects.get(household=s["h1"])
    assert (ended.end, ended.end_reason) == (D(2024, 12, 31), "导入")


def run_cli(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_command_line_json(world, setup, tmp_path):
    s = setup
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, PAIRING_HEADERS, [["P-H", id_of(s["cadre"]), "H1", "2024-02-01", None]])
    out, error = run_cli("import", "pairings", str(path), "--format", "json")
    assert error is None
    assert json.loads(out) == {
        "kind": "pairings",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }

    numbers = plain_xlsx(
        path, PAIRING_HEADERS, [["P-H", id_of(s["cadre"]), "NO-SUCH", "2024-02-01"]]
    )
    out, error = run_cli("import", "pairings", str(path), "--format", "json")
    assert error is not None and error.returncode == 1
    assert json.loads(out) == {
        "kind": "pairings",
        "rows": 1,
        "created": 0,
        "updated": 0,
        "errors": [{"row": numbers[0], "column": "帮扶对象", "message": "户编号 NO-SUCH 不存在"}],
        "warnings": [],
        "ignored_columns": [],
    }


def test_export_round_trip(world, setup, tmp_path, system):
    s = setup
    path = tmp_path / "p.xlsx"
    plain_xlsx(
        path,
        PAIRING_HEADERS,
        [
            ["P-H", id_of(s["cadre"]), "H1", "2024-02-01", "2099-01-01"],
            ["P-P", id_of(s["teacher"]), s["s1"].id_number, "2024-02-01", None],
            ["P-U", "A-OFFICE", "450123100201", "2024-02-01", None],
        ],
    )
    assert run_import("pairings", path, actor=world.unit_admin).created == 3
    for kind in ("programs", "pairings"):
        out = tmp_path / f"{kind}-out.xlsx"
        outcome = export_kind(get_kind(kind), user=system, dest=out, unmask=True)
        assert outcome.masked is False and outcome.rows == 3
        result = run_import(kind, out, actor=system)
        assert (result.errors, result.created, result.updated, result.rows) == ([], 0, 0, 3), kind

    buffer = io.BytesIO()
    outcome = export_kind(get_kind("pairings"), user=world.inspector, dest=buffer)
    assert outcome.masked is True
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "项目编码",
        "帮扶人",
        "帮扶对象",
        "开始日期",
        "结束日期",
        "帮扶人姓名",
        "帮扶对象名称",
    ]
    cells = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    teacher_row = next(r for r in cells if r[0] == "P-P")
    assert "*" in teacher_row[1] and teacher_row[1] != id_of(s["teacher"])
    assert teacher_row[5] == s["teacher"].person.name
