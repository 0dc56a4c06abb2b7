"""`bangfu import` and `bangfu export`: the JSON object of the contract, exit statuses, the
acting user and its scope, and one real run of the installed command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.audit.models import AuditEvent
from bangfu.core.masking import mask_id_number
from bangfu.registry.models import Person
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号", "所属组织编码"]


def run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_import_json_and_exit_status(world, tmp_path):
    good = tmp_path / "good.xlsx"
    plain_xlsx(good, HEADERS, [["甲", new_id(1), VILLAGE], ["乙", new_id(2), VILLAGE]])
    out, error = run("import", "persons", str(good), "--format", "json")
    assert error is None
    assert json.loads(out) == {
        "kind": "persons",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }
    assert out.count("\n") == 1  # exactly one JSON object
    event = AuditEvent.objects.get(action="import")
    assert (event.actor, event.actor_username) == (None, "bangfu-cli")

    bad = tmp_path / "bad.xlsx"
    numbers = messy_xlsx(bad, HEADERS, [["丙", new_id(3), VILLAGE], ["丁", new_id(4), "NOPE"]])
    out, error = run("import", "persons", str(bad), "--format", "json")
    assert error is not None and error.returncode == 1
    assert json.loads(out) == {
        "kind": "persons",
        "rows": 2,
        "created": 0,
        "updated": 0,
        "errors": [
            {"row": numbers[1], "column": "所属组织编码", "message": "所属组织编码 NOPE 不存在"}
        ],
        "warnings": [],
        "ignored_columns": ["序号"],  # messy_xlsx adds one
    }
    assert Person.objects.count() == 2  # nothing of the bad file was written


@pytest.mark.django_db
def test_dry_run_and_text_output(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, [["甲", new_id(1), VILLAGE]])
    out, error = run("import", "persons", str(path), "--dry-run")
    assert error is None and Person.objects.count() == 0
    assert "检查通过 (试运行, 没有写入)" in out and "新增 1 条" in out

    numbers = plain_xlsx(path, HEADERS, [["", new_id(1), VILLAGE], ["乙", "123", VILLAGE]])
    out, error = run("import", "persons", str(path))
    assert error is not None and error.returncode == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith("导入失败: 人员 “p.xlsx” 共 2 行, 有 2 处错误")
    assert lines[1:] == [
        f"第 {numbers[0]} 行 姓名: 姓名不能为空",
        f"第 {numbers[1]} 行 身份证号: 身份证号应为 18 位, 实际 3 位",
    ]


@pytest.mark.django_db
def test_bad_arguments(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, [])
    _out, error = run("import", "pairs", str(path))
    assert error.returncode == 2 and "未知的数据类型“pairs”" in str(error)
    _out, error = run("import", "persons", str(tmp_path / "missing.xlsx"))
    assert error.returncode == 2 and "文件不存在" in str(error)
    _out, error = run("import", "persons", str(path), "--user", "nobody")
    assert error.returncode == 2 and "nobody" in str(error)
    _out, error = run("import", "persons", str(path), "--user", "inspector")
    assert error.returncode == 2 and "不是管理员" in str(error)
    _out, error = run("export", "persons", str(tmp_path / "out.pdf"))
    assert error.returncode == 2


@pytest.mark.django_db
def test_user_option_scopes_and_is_recorded(world, tmp_path):
    path = tmp_path / "p.xlsx"
    numbers = plain_xlsx(path, HEADERS, [["甲", new_id(1), "450124100"]])
    out, error = run("import", "persons", str(path), "--user", "unitadmin", "--format", "json")
    assert error.returncode == 1
    assert json.loads(out)["errors"] == [
        {"row": numbers[0], "column": "所属组织编码", "message": "无权导入到单位 450124100 (乙镇)"}
    ]
    out, error = run("import", "persons", str(path), "--user", "outsider")
    assert error is None
    assert AuditEvent.objects.get(action="import").actor == world.outsider


@pytest.mark.django_db
def test_export_command(world, tmp_path):
    person = PersonFactory(org=world.a1v)
    path = tmp_path / "人员.xlsx"
    out, error = run("export", "persons", str(path))
    assert error is None and "已导出人员 1 行" in out and "已遮蔽" in out
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.cell(2, 2).value == mask_id_number(person.id_number)

    out, error = run("export", "persons", str(path), "--unmask")
    assert error is None
    assert openpyxl.load_workbook(path).worksheets[0].cell(2, 2).value == person.id_number

    _out, error = run("export", "persons", str(path), "--unmask", "--user", "inspector")
    assert error is not None and "无权导出完整" in str(error)
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert [(e.actor_username, e.after["masked"]) for e in events] == [
        ("bangfu-cli", True),
        ("bangfu-cli", False),
    ]


def test_a_real_run_of_the_command_line(tmp_path):
    """`python -m bangfu.cli import …` on its own database: exit 1 and one JSON object."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env |= {"BANGFU_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "bangfu.settings"}
    cli = [sys.executable, "-m", "bangfu.cli"]

    def bangfu(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*cli, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180
        )

    assert bangfu("migrate", "--noinput", "-v", "0").returncode == 0
    path = tmp_path / "orgs.xlsx"
    plain_xlsx(
        path,
        ["编码", "名称", "上级编码", "类型"],
        [["450123", "甲县", "", "县"], ["X", "坏", "NOPE", "机关"]],
    )
    result = bangfu("import", "orgs", str(path), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == {
        "kind": "orgs",
        "rows": 2,
        "created": 0,
        "updated": 0,
        "errors": [{"row": 3, "column": "上级编码", "message": "上级编码 NOPE 不存在"}],
        "warnings": [],
        "ignored_columns": [],
    }
    assert "CommandError" in result.stderr
    plain_xlsx(path, ["编码", "名称", "上级编码", "类型"], [["450123", "甲县", "", "县"]])
    result = bangfu("import", "orgs", str(path), "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["created"] == 1
    assert bangfu("import", "nothing", str(path)).returncode == 2
