"""Nothing dropped or guessed silently (docs/import-export.md, "Warnings and ignored columns"):
every column of the file that was not used and every value accepted with a caveat is reported —
by ``bangfu import`` in text (on success, in a dry run and on failure) and in ``--format json``
(interchange.md's object), on the import page under the counts, and in the marked workbook —
and warnings alone never fail an import."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bangfu.registry.models import StatusChange
from bangfu.registry.tests.factories import HouseholdFactory
from bangfu.transfer.errors import DARK_YELLOW, YELLOW
from bangfu.transfer.tests.sheets import messy_xlsx

pytestmark = pytest.mark.django_db
# A status history as a township keeps it: a 序号, and columns of the national roster that a
# status change does not use (民族, 劳动技能).
HEADERS = ["户编号", "民族", "状态", "日期", "劳动技能", "原因"]
ROWS = [
    ["H1", "壮族", "帮扶中", "2014", "普通劳动力", "建档"],
    ["H1", "壮族", "拟脱贫", 201912, "普通劳动力", "收入达标"],
]
YEAR_WARNING = "日期“2014”只有年份, 按 2014 年记录 (精确到年)"
MONTH_WARNING = "日期“201912”按年月连写读作 2019 年 12 月 (精确到月)"
IGNORED = ["序号", "民族", "劳动技能"]


@pytest.fixture
def sheet(world, tmp_path):
    HouseholdFactory(code="H1", org=world.a1v)
    path = tmp_path / "变更.xlsx"
    numbers = messy_xlsx(path, HEADERS, ROWS, blank_every=0)
    return path, numbers


def run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_json_has_the_warnings_and_the_columns_not_used(sheet):
    path, numbers = sheet
    out, error = run("import", "status-changes", str(path), "--format", "json")
    assert error is None  # warnings alone: exit status 0
    assert json.loads(out) == {
        "kind": "status-changes",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "errors": [],
        "warnings": [
            {"row": numbers[0], "column": "日期", "message": YEAR_WARNING},
            {"row": numbers[1], "column": "日期", "message": MONTH_WARNING},
        ],
        "ignored_columns": IGNORED,
    }
    assert out.count("\n") == 1
    assert StatusChange.objects.count() == 2


def test_text_output_lists_them_in_a_dry_run_on_success_and_on_failure(sheet, tmp_path):
    path, numbers = sheet
    expected = [
        "未使用的列: 序号、民族、劳动技能",
        "警告 2 处 (已按说明读取, 不影响导入):",
        f"第 {numbers[0]} 行 日期: {YEAR_WARNING}",
        f"第 {numbers[1]} 行 日期: {MONTH_WARNING}",
    ]
    out, error = run("import", "status-changes", str(path), "--dry-run")
    assert error is None
    lines = out.splitlines()
    assert lines[0].startswith("检查通过 (试运行, 没有写入): 状态变更")
    assert lines[1:5] == expected
    assert StatusChange.objects.count() == 0

    out, error = run("import", "status-changes", str(path))
    assert error is None
    lines = out.splitlines()
    assert lines[0].startswith("已导入状态变更 “变更.xlsx”: 共 2 行, 新增 2 条")
    assert lines[1:5] == expected

    bad = tmp_path / "变更-错.xlsx"
    numbers = messy_xlsx(bad, HEADERS, [*ROWS, ["H1", "汉族", "升官", "2020", None, None]])
    out, error = run("import", "status-changes", str(bad))
    assert error is not None and error.returncode == 1
    assert f"第 {numbers[2]} 行 状态: “升官”不是有效的状态" in out
    assert "未使用的列: 序号、民族、劳动技能" in out.splitlines()
    assert f"第 {numbers[2]} 行 日期: 日期“2020”只有年份, 按 2020 年记录 (精确到年)" in out


def upload(client, path):
    file = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("transfer:upload"), {"kind": "status-changes", "file": file})


def test_the_page_lists_them_under_the_counts_and_after_the_import(world, client, sheet):
    path, numbers = sheet
    client.force_login(world.unit_admin)
    response = upload(client, path)
    html = response.content.decode()
    counts = html.index('data-testid="preview-ok"')
    ignored = html.index('data-testid="ignored-columns"')
    warnings = html.index('data-testid="warnings"')
    assert counts < ignored < warnings < html.index('data-testid="confirm"')
    assert "未使用的列:</strong> 序号、民族、劳动技能" in html
    assert "有 2 处数据按说明读取 (不影响导入), 请核对" in html
    assert f'<td class="num">{numbers[0]}</td><td>日期</td><td>{YEAR_WARNING}</td>' in html
    assert f'<td class="num">{numbers[1]}</td><td>日期</td><td>{MONTH_WARNING}</td>' in html

    token = response.context["upload"].token
    html = client.post(reverse("transfer:confirm", args=[token])).content.decode()
    assert 'data-testid="import-done"' in html
    assert "未使用的列:</strong> 序号、民族、劳动技能" in html
    assert YEAR_WARNING in html and MONTH_WARNING in html
    assert StatusChange.objects.count() == 2


def test_the_marked_workbook_shows_warned_cells_in_yellow(world, client, sheet):
    path, numbers = sheet
    client.force_login(world.unit_admin)
    token = upload(client, path).context["upload"].token
    response = client.get(reverse("transfer:errors", args=[token]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = book.worksheets[0]
    column = HEADERS.index("日期") + 2  # after the 序号
    cell = ws.cell(numbers[0], column)
    assert cell.value == "2014"
    assert cell.fill.fgColor.rgb == "FF" + YELLOW.lstrip("#")
    assert cell.font.color.rgb == "FF" + DARK_YELLOW.lstrip("#")
    assert cell.comment is not None and cell.comment.text == YEAR_WARNING
    untouched = ws.cell(numbers[0], column - 1)  # 状态: nothing to say
    assert untouched.comment is None and untouched.fill.fgColor.rgb != "FF" + YELLOW.lstrip("#")
    explained = ws.cell(numbers[0], len(HEADERS) + 2).value
    assert explained == f"警告 日期: {YEAR_WARNING}"
