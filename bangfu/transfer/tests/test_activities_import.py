"""Importing and exporting activities (帮扶活动): the contract's columns, messy files, every kind
of row error with its row and column, all or nothing, the dry run, re-import, the command line's
JSON, the export round trip and who may import against which pairing."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.accounts.scope import forget_scope
from bangfu.accounts.tests.factories import RoleFactory
from bangfu.activities.models import Activity, ActivityLink, Source
from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.audit.models import AuditEvent
from bangfu.ledger.models import LedgerEntry
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, plain_xlsx

pytestmark = pytest.mark.django_db
D = datetime.date
HEADERS = ["项目编码", "帮扶人", "帮扶对象", "类型", "日期", "主题", "内容", "金额", "人次"]
JZ, SG, ST, CX, KN = "P-jingzhun", "P-siyige", "P-shitu", "P-chengxiang", "P-kunnan"


@pytest.fixture
def world(world):
    build_activity_world(world)
    world.extra["newbie_id"] = world.mentor_pairing.person.id_number
    return world


def cadre(world):
    return world.cadre.person.id_number


def teacher(world):
    return world.teacher.person.id_number


def serial(day: datetime.date) -> int:
    """The Excel serial number of a day (1900 date system)."""
    return (day - D(1899, 12, 30)).days


def written() -> tuple:
    return (
        Activity.objects.count(),
        ActivityLink.objects.count(),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        sorted(Activity.objects.values_list("content", "amount")),
    )


def good_rows(world) -> list[list]:
    return [
        [JZ, cadre(world), "H450123001", "走访", "2026-03-01", None, "了解家庭收入", None, None],
        [JZ, cadre(world), "H450123002", "送温暖", "2026/3/2", None, "米、面、油", 500, None],
        [
            SG,
            teacher(world),
            world.student.id_number,
            "谈心",
            "2026年3月3日",
            "学习压力",
            "谈期中考试",
            None,
            None,
        ],
        [JZ, cadre(world), "H450123001", "技能培训", "2026.3.4", None, "种植技术", None, 30],
        [CX, "A-OFFICE-NOPE", "x", "研讨", "2026-03-05", "识字教学", None, None, 12],
    ]


def test_contract_headers(world, tmp_path):
    rows = good_rows(world)
    rows[4][1:3] = [world.urban.code, world.rural.code]
    path = tmp_path / "活动.xlsx"
    plain_xlsx(path, HEADERS, rows)
    result = run_import("activities", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created, result.updated) == (5, 5, 0)

    visit = Activity.objects.get(type="走访")
    assert (visit.program, visit.helper, visit.date, visit.content, visit.source) == (
        world.programs["jingzhun"],
        world.cadre,
        D(2026, 3, 1),
        "了解家庭收入",
        Source.IMPORT,
    )
    assert visit.links.get().pairing == world.pairing
    gift = Activity.objects.get(type="慰问")  # 送温暖: an alias of 慰问
    assert gift.amount == Decimal("500") and gift.links.get().pairing == world.pairing2
    assert gift.ledger_entries.get().amount == Decimal("500")  # a draft of the ledger
    talk = Activity.objects.get(type="谈心")
    assert (talk.theme, talk.content, talk.date) == ("学习压力", "谈期中考试", D(2026, 3, 3))
    assert talk.links.get().pairing == world.student_pairing
    training = Activity.objects.get(type="培训")
    assert (training.people, training.person_times) == (30, 30)
    seminar = Activity.objects.get(type="研讨")
    assert (seminar.helper_org, seminar.people) == (world.urban, 12)
    assert seminar.links.get().pairing == world.school_pairing
    assert AuditEvent.objects.filter(action="import", object_type="transfer.activities").count()


def test_messy_file(world, tmp_path):
    path = tmp_path / "活动台账.xlsx"
    numbers = messy_xlsx(
        path,
        [
            "项目编号",
            "帮扶责任人身份证号",
            "帮扶对象身份证号",
            "活动类型",
            "活动日期",
            "活动主题",
            "活动内容",
            "慰问金(万元)",
            "参加人次",
            "学科",
            "年级",
            "帮扶类别",
        ],
        [
            [
                ST,
                teacher(world),
                world.newbie_id,
                "听课",
                serial(D(2026, 4, 7)),
                None,
                "评课",
                None,
                None,
                "数学",
                "三年级",
                None,
            ],
            [
                SG,
                teacher(world),
                world.student.id_number,
                "上门看望",
                "2026.4.1",  # a month alone ("2026.4") is an error: test_dates.py
                None,
                "见到家长",
                None,
                None,
                None,
                None,
                None,
            ],
            [
                KN,
                cadre(world),
                "H450123004",
                "帮扶救助",
                "2026年4月9日",
                None,
                None,
                "0.12",
                None,
                None,
                None,
                "医疗互助",
            ],
            [
                SG,
                teacher(world),
                world.student.id_number,
                " 谈 心 ",
                D(2026, 4, 10),
                "理想",
                "谈未来",
                None,
                None,
                None,
                None,
                None,
            ],
        ],
    )
    result = run_import("activities", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert (result.rows, result.created) == (4, 4)
    assert "序号" in result.ignored
    lesson = Activity.objects.get(type="听课")
    assert (lesson.date, lesson.details) == (D(2026, 4, 7), {"subject": "数学", "grade": "三年级"})
    assert Activity.objects.get(type="家访").date == D(2026, 4, 1)
    aid = Activity.objects.get(type="救助")
    assert aid.amount == Decimal("1200.00") and aid.details == {"category": "医疗互助"}
    assert Activity.objects.get(type="谈心").theme == "理想"
    assert len(numbers) == 4


def test_every_row_error_names_row_and_column_and_writes_nothing(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    rows = [
        [JZ, cadre(world), "H450123001", "走访", "2026-03-01", None, "好的一行", None, None],
        ["NOPE", cadre(world), "H450123001", "走访", "2026-03-01", None, "x", None, None],
        [JZ, cadre(world), "H450123004", "走访", "2026-03-01", None, "无结对", None, None],
        [
            JZ,
            world.cadre2.person.id_number,
            "H450123001",
            "走访",
            "2026-03-02",
            None,
            "x",
            None,
            None,
        ],
        [JZ, cadre(world), "H450123001", "谈心", "2026-03-03", "主题", "x", None, None],
        [
            SG,
            teacher(world),
            world.student.id_number,
            "谈心",
            "2026-03-03",
            None,
            "没有主题",
            None,
            None,
        ],
        [JZ, cadre(world), "H450123002", "慰问", "2026-03-04", None, None, "五百块", None],
        [JZ, cadre(world), "H450123002", "慰问", "2099-01-01", None, None, 100, None],
        [JZ, cadre(world), "H450123002", "慰问", "2025-08-01", None, None, 100, None],
        [JZ, cadre(world), "H450123002", "慰问", "2026-03-06", None, None, -5, None],
        [JZ, cadre(world), "H450123001", "培训", "2026-03-07", None, "种植", None, None],
        [JZ, cadre(world), "H450123001", "走访", "2026-03-08", None, "x", None, 3],
    ]
    numbers = plain_xlsx(path, HEADERS, rows)
    before = written()
    result = run_import("activities", path, actor=world.unit_admin)
    assert written() == before
    errors = {(e.row, e.column): e.message for e in result.errors}
    n = numbers
    assert set(errors) == {
        (n[1], "项目编码"),
        (n[2], "帮扶对象"),
        (n[3], "帮扶人"),
        (n[4], "类型"),
        (n[5], "主题"),
        (n[6], "金额"),
        (n[7], "日期"),
        (n[8], "日期"),
        (n[9], "金额"),
        (n[10], "人次"),
        (n[11], "人次"),
    }, errors
    assert errors[n[1], "项目编码"] == "项目编码 NOPE 不存在, 请先导入项目"
    assert errors[n[2], "帮扶对象"] == "该对象在 2026-03-01 没有项目 P-jingzhun 中进行中的结对"
    assert "不是该对象在 2026-03-02 的帮扶人; 该对象的帮扶人为 李帮扶" in errors[n[3], "帮扶人"]
    assert errors[n[4], "类型"].startswith("“谈心”不是项目 P-jingzhun 的活动类型, 可填写: 走访")
    assert errors[n[5], "主题"] == "“谈心主题”不能为空"
    assert "五百块" in errors[n[6], "金额"]
    assert errors[n[7], "日期"] == "日期 2099-01-01 晚于今天"
    assert "不在该帮扶人与该对象结对的帮扶期内 (2025-09-01 至 今)" in errors[n[8], "日期"]
    assert errors[n[9], "金额"] == "金额不能为负数"
    assert errors[n[10], "人次"] == "“人次”不能为空"
    assert errors[n[11], "人次"] == "“走访”类型的活动没有“人次”一项, 请留空"
    assert result.as_json()["created"] == 0 and result.pending_created == 1


def test_missing_theme_column_says_so(world, tmp_path):
    path = tmp_path / "no-theme.xlsx"
    numbers = plain_xlsx(
        path,
        ["项目编码", "帮扶人", "帮扶对象", "类型", "日期", "内容"],
        [[SG, teacher(world), world.student.id_number, "谈心", "2026-03-03", "x"]],
    )
    result = run_import("activities", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (numbers[0], "主题", "“谈心主题”不能为空 (文件中没有“主题”列)")
    ]


def test_dry_run_reimport_and_updates(world, tmp_path):
    rows = good_rows(world)[:4]
    path = tmp_path / "a.xlsx"
    plain_xlsx(path, HEADERS, rows)
    before = written()
    dry = run_import("activities", path, actor=world.unit_admin, dry_run=True)
    assert (dry.errors, dry.created, dry.updated) == ([], 4, 0)
    assert written() == before

    assert run_import("activities", path, actor=world.unit_admin).created == 4
    state = written()
    again = run_import("activities", path, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert written()[:3] == state[:3]

    # A new 内容 and 金额 on matched rows update those activities; an empty cell keeps its value.
    rows[0][6] = "了解家庭收入, 补充: 养牛 3 头"
    rows[1][7] = 600
    rows[1][6] = None
    plain_xlsx(path, HEADERS, rows)
    result = run_import("activities", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 2)
    assert Activity.objects.count() == 4
    assert Activity.objects.get(type="走访").content.endswith("养牛 3 头")
    gift = Activity.objects.get(type="慰问")
    assert (gift.amount, gift.content) == (Decimal("600"), "米、面、油")
    assert gift.ledger_entries.get().amount == Decimal("600")

    # Once the money is posted to the ledger, an import cannot change it.
    gift.ledger_entries.update(status="posted", approver="会计")
    rows[1][7] = 700
    numbers = plain_xlsx(path, HEADERS, rows)
    result = run_import("activities", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (numbers[1], "金额", "该活动的金额已入账, 不能修改金额; 请在台帐中冲销后更正")
    ]
    gift.refresh_from_db()
    assert gift.amount == Decimal("600")


def test_same_activity_twice_in_a_file(world, tmp_path):
    row = [JZ, cadre(world), "H450123001", "入户", "2026-03-01", None, "x", None, None]
    path = tmp_path / "dup.xlsx"
    numbers = plain_xlsx(path, HEADERS, [row, list(row)])
    result = run_import("activities", path, actor=world.unit_admin)
    assert {(e.row, e.column) for e in result.errors} == {
        (numbers[0], "日期"),
        (numbers[1], "日期"),
    }
    assert f"与第 {numbers[1]} 行是同一" in result.errors[0].message
    assert Activity.objects.count() == 0


def run_cli(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_command_line_json(world, tmp_path):
    path = tmp_path / "a.xlsx"
    plain_xlsx(path, HEADERS, good_rows(world)[:2])
    out, error = run_cli("import", "activities", str(path), "--format", "json")
    assert error is None, out
    assert json.loads(out) == {
        "kind": "activities",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }
    out, error = run_cli("import", "activities", str(path), "--format", "json", "--dry-run")
    assert error is None and json.loads(out)["created"] == 0

    numbers = plain_xlsx(
        path, HEADERS, [[JZ, cadre(world), "NO-SUCH", "走访", "2026-03-01", None, "x", None, None]]
    )
    out, error = run_cli("import", "activities", str(path), "--format", "json")
    assert error is not None and error.returncode == 1
    assert json.loads(out) == {
        "kind": "activities",
        "rows": 1,
        "created": 0,
        "updated": 0,
        "errors": [{"row": numbers[0], "column": "帮扶对象", "message": "户编号 NO-SUCH 不存在"}],
        "warnings": [],
        "ignored_columns": [],
    }


def test_export_round_trip(world, tmp_path, system):
    rows = good_rows(world)
    rows[4][1:3] = [world.urban.code, world.rural.code]
    path = tmp_path / "a.xlsx"
    plain_xlsx(path, HEADERS, rows)
    assert run_import("activities", path, actor=world.unit_admin).created == 5
    # An activity serving two pairings is exported as two rows.
    activity_create(
        actor=world.unit_admin,
        program=world.programs["jingzhun"],
        type="走访",
        date=D(2026, 5, 1),
        pairings=[world.pairing, world.pairing2],
        values={"content": "两户一起走访，\n  了解收入：  养牛３头"},
    )
    exports = AuditEvent.objects.filter(action="export").count()
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"activities-out.{fmt}"
        outcome = export_kind(get_kind("activities"), user=system, dest=out, unmask=True, fmt=fmt)
        assert outcome.masked is False and outcome.rows == 7
        result = run_import("activities", out, actor=system)
        assert (result.errors, result.created, result.updated, result.rows) == ([], 0, 0, 7)
    assert AuditEvent.objects.filter(action="export").count() == exports + 2
    assert Activity.objects.filter(content="两户一起走访，\n  了解收入：  养牛３头").count() == 1

    buffer = io.BytesIO()
    outcome = export_kind(get_kind("activities"), user=world.inspector, dest=buffer)
    assert outcome.masked is True
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:9] == HEADERS
    assert header[9:] == [
        "户数",
        "学科",
        "年级",
        "帮扶类别",
        "措施类型",
        "帮扶人姓名",
        "帮扶对象名称",
    ]
    cells = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    talk = next(r for r in cells if r[3] == "谈心")
    assert "*" in talk[1] and talk[1] != teacher(world)
    assert "*" in talk[2] and talk[14] == "陈老师"
    assert (talk[5], talk[6]) == ("学习压力", "谈期中考试")
    # The masked file does not import back.
    masked = tmp_path / "masked.xlsx"
    masked.write_bytes(buffer.getvalue())
    result = run_import("activities", masked, actor=world.unit_admin)
    assert result.errors and all("已遮蔽" in e.message for e in result.errors)


def test_template_imports_as_zero_rows(world, tmp_path):
    from bangfu.transfer.blanks import write_template

    path = tmp_path / "template.xlsx"
    write_template(get_kind("activities"), path)
    result = run_import("activities", path, actor=world.unit_admin)
    assert (result.errors, result.rows) == ([], 0)
    header = [c.value for c in openpyxl.load_workbook(path).worksheets[0][1]]
    assert header[:9] == HEADERS


def test_reach_of_unit_admins_and_helpers(world, tmp_path):
    path = tmp_path / "a.xlsx"
    own = [JZ, cadre(world), "H450123001", "走访", "2026-03-01", None, "本人结对", None, None]
    other = [
        JZ,
        world.cadre2.person.id_number,
        "H450123003",
        "走访",
        "2026-03-01",
        None,
        "x",
        None,
        None,
    ]
    numbers = plain_xlsx(path, HEADERS, [own, other])

    # County B's administrator reaches neither pairing.
    result = run_import("activities", path, actor=world.outsider)
    assert [(e.row, e.column) for e in result.errors] == [
        (numbers[0], "帮扶对象"),
        (numbers[1], "帮扶对象"),
    ]
    assert result.errors[0].message.startswith("无权导入到单位 450123100201 (甲村)")

    # A helper is no administrator: the import is refused as a whole.
    with pytest.raises(PermissionDenied):
        run_import("activities", path, actor=world.helper)

    # The helper who also administers some other unit may import their own pairing's
    # activities, never another helper's.
    RoleFactory(user=world.helper, org=OrgFactory(name="某协会", parent=world.b), role="org_admin")
    forget_scope(world.helper)
    result = run_import("activities", path, actor=world.helper)
    assert [(e.row, e.column) for e in result.errors] == [(numbers[1], "帮扶对象")]
    assert Activity.objects.count() == 0
    plain_xlsx(path, HEADERS, [own])
    result = run_import("activities", path, actor=world.helper)
    assert (result.errors, result.created) == ([], 1)
    assert Activity.objects.get().recorded_by == world.helper
