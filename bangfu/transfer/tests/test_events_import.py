"""Importing and exporting life events (生活事件): households by 户编号 and persons by 身份证号,
the event types and their other names, messy files, errors with row and column, duplicates on
file counted as unchanged, the dry run, the command line's JSON and the export round trip."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.activities.models import LifeEvent, Source
from bangfu.activities.services import event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.audit.models import AuditEvent
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
D = datetime.date
HEADERS = ["帮扶对象", "事件类型", "日期"]


@pytest.fixture
def world(world):
    return build_activity_world(world)


def serial(day: datetime.date) -> int:
    return (day - D(1899, 12, 30)).days


def written() -> tuple:
    return (
        LifeEvent.objects.count(),
        AuditEvent.objects.count(),
        sorted(LifeEvent.objects.values_list("kind", "date", "note")),
    )


def test_contract_headers(world, tmp_path):
    path = tmp_path / "事件.xlsx"
    plain_xlsx(
        path,
        HEADERS,
        [
            ["H450123001", "生病住院", "2026-03-01"],
            [world.student.id_number, "子女升学", "2026/9/1"],
        ],
    )
    result = run_import("events", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    ill = LifeEvent.objects.get(kind="生病住院")
    assert (ill.household, ill.person, ill.date, ill.org, ill.source) == (
        world.household,
        None,
        D(2026, 3, 1),
        world.a1v,
        Source.IMPORT,
    )
    school = LifeEvent.objects.get(kind="子女升学")
    assert (school.person, school.household, school.date) == (world.student, None, D(2026, 9, 1))
    assert AuditEvent.objects.filter(action="import", object_type="transfer.events").count() == 1


def test_messy_file(world, tmp_path):
    path = tmp_path / "事件登记.xlsx"
    numbers = messy_xlsx(
        path,
        ["户编号或身份证号", "事件", "发生日期", "情况说明"],
        [
            ["H450123002", "住院", serial(D(2026, 5, 6)), "阑尾炎手术"],
            ["H450123003", " 结 婚 ", "2026年5月1日", None],  # a month alone: an error
            [world.student.id_number.lower(), "意外", "2026.5.8", None],
        ],
    )
    result = run_import("events", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created) == (3, 3)
    assert "序号" in result.ignored and len(numbers) == 3
    ill = LifeEvent.objects.get(kind="生病住院")
    assert (ill.household, ill.date, ill.note) == (world.household2, D(2026, 5, 6), "阑尾炎手术")
    assert LifeEvent.objects.get(kind="结婚").date == D(2026, 5, 1)
    assert LifeEvent.objects.get(kind="意外事故").person == world.student


def test_errors_name_row_and_column_and_write_nothing(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    far = new_id(7, region="450124")
    numbers = plain_xlsx(
        path,
        HEADERS,
        [
            ["H450123001", "生病住院", "2026-03-01"],  # good
            ["NO-SUCH", "结婚", "2026-03-01"],
            [far, "结婚", "2026-03-01"],
            ["H450123001", "升官", "2026-03-01"],
            ["H450123001", "丧事", "2099-01-01"],
            ["H450123001", None, "2026-03-01"],
            ["H450123001", "丧事", "下个月"],
            ["450123198001011234", "丧事", "2026-03-01"],
        ],
    )
    before = written()
    result = run_import("events", path, actor=world.unit_admin)
    assert written() == before
    errors = {(e.row, e.column): e.message for e in result.errors}
    n = numbers
    assert set(errors) == {
        (n[1], "帮扶对象"),
        (n[2], "帮扶对象"),
        (n[3], "事件类型"),
        (n[4], "日期"),
        (n[5], "事件类型"),
        (n[6], "日期"),
        (n[7], "帮扶对象"),
    }, errors
    assert errors[n[1], "帮扶对象"] == "户编号 NO-SUCH 不存在"
    assert errors[n[2], "帮扶对象"] == f"身份证号 {far} 尚未登记为人员"
    assert errors[n[3], "事件类型"].startswith("事件类型“升官”无效, 可填写: 生病住院、结婚")
    assert errors[n[4], "日期"] == "日期 2099-01-01 晚于今天"
    assert errors[n[5], "事件类型"] == "事件类型不能为空"
    assert errors[n[7], "帮扶对象"].startswith("帮扶对象 450123198001011234 不是已登记的户编号")
    assert result.pending_created == 1


def test_reach(world, tmp_path):
    path = tmp_path / "e.xlsx"
    numbers = plain_xlsx(path, HEADERS, [["H450123001", "结婚", "2026-03-01"]])
    result = run_import("events", path, actor=world.outsider)
    assert [(e.row, e.column) for e in result.errors] == [(numbers[0], "帮扶对象")]
    assert result.errors[0].message.startswith("无权导入到单位 450123100201 (甲村)")
    assert LifeEvent.objects.count() == 0


def test_duplicates_on_file_and_in_the_file_are_not_errors(world, tmp_path):
    event_create(
        actor=world.unit_admin,
        kind="生病住院",
        date=D(2026, 3, 1),
        household=world.household,
        note="已登记",
    )
    path = tmp_path / "e.xlsx"
    rows = [
        ["H450123001", "生病住院", "2026-03-01"],  # on file: unchanged
        ["H450123002", "丧事", "2026-03-02"],
        ["H450123002", "丧事", "2026年3月2日"],  # the same event again in the file
    ]
    plain_xlsx(path, HEADERS, rows)
    dry = run_import("events", path, actor=world.unit_admin, dry_run=True)
    assert (dry.errors, dry.created, dry.updated) == ([], 1, 0)
    assert LifeEvent.objects.count() == 1

    result = run_import("events", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 1, 0)
    again = run_import("events", path, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert LifeEvent.objects.count() == 2

    # A different 说明 updates the event on file; conflicting notes in one file are an error.
    numbers = plain_xlsx(
        path,
        [*HEADERS, "说明"],
        [
            ["H450123001", "生病住院", "2026-03-01", "出院了"],
            ["H450123002", "丧事", "2026-03-02", "甲"],
            ["H450123002", "丧事", "2026-03-02", "乙"],
        ],
    )
    result = run_import("events", path, actor=world.unit_admin)
    assert [(e.row, e.column) for e in result.errors] == [(numbers[2], "说明")]
    numbers = plain_xlsx(
        path, [*HEADERS, "说明"], [["H450123001", "生病住院", "2026-03-01", "出院了"]]
    )
    result = run_import("events", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 1)
    assert LifeEvent.objects.get(kind="生病住院").note == "出院了"


def run_cli(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_command_line_json(world, tmp_path):
    path = tmp_path / "e.xlsx"
    plain_xlsx(path, HEADERS, [["H450123001", "结婚", "2026-03-01"]])
    out, error = run_cli("import", "events", str(path), "--format", "json")
    assert error is None
    assert json.loads(out) == {
        "kind": "events",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }
    numbers = plain_xlsx(path, HEADERS, [["H450123001", "结婚", "2099-03-01"]])
    out, error = run_cli("import", "events", str(path), "--format", "json")
    assert error is not None and error.returncode == 1
    assert json.loads(out)["errors"] == [
        {"row": numbers[0], "column": "日期", "message": "日期 2099-03-01 晚于今天"}
    ]


def test_export_round_trip(world, tmp_path, system):
    path = tmp_path / "e.xlsx"
    plain_xlsx(
        path,
        [*HEADERS, "说明"],
        [
            ["H450123001", "生病住院", "2026-03-01", "=1+1"],
            [world.student.id_number, "子女升学", "2026-09-01", None],
        ],
    )
    assert run_import("events", path, actor=world.unit_admin).created == 2
    event_create(
        actor=world.unit_admin,
        kind="结婚",
        date=D(2026, 4, 1),
        household=world.household2,
        note="女儿出嫁，\n  送了贺礼",
    )
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"events-out.{fmt}"
        outcome = export_kind(get_kind("events"), user=system, dest=out, unmask=True, fmt=fmt)
        assert outcome.masked is False and outcome.rows == 3
        result = run_import("events", out, actor=system)
        assert (result.errors, result.created, result.updated, result.rows) == ([], 0, 0, 3)
    assert LifeEvent.objects.get(kind="生病住院").note == "=1+1"

    buffer = io.BytesIO()
    outcome = export_kind(get_kind("events"), user=world.inspector, dest=buffer)
    assert outcome.masked is True
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).worksheets[0]
    assert [c.value for c in sheet[1]] == ["帮扶对象", "事件类型", "日期", "说明", "对象名称"]
    cells = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    student = next(r for r in cells if r[1] == "子女升学")
    assert "*" in student[0] and student[4] == world.student.name
