"""The data-quality checks run after every import, in the page and on the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bangfu.registry.models import Household
from bangfu.transfer.checks import ID_LIST_LIMIT, checks_after_import
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"
HEADERS = [
    "户编号",
    "户主姓名",
    "户主身份证号",
    "所属组织编码",
    "致贫原因",
    "人均纯收入",
    "识别日期",
    "状态",
]


def households_file(tmp_path):
    path = tmp_path / "户.xlsx"
    plain_xlsx(
        path,
        HEADERS,
        [
            # 因病 with no ill member: C001 fires for H-ILL only.
            ["H-ILL", "王病", new_id(11), VILLAGE, "因病", "3000", "2024-01-05", "新识别"],
            ["H-OK", "李好", new_id(12), VILLAGE, "缺技术", "3000", "2024-01-05", "新识别"],
        ],
    )
    return path


def test_checks_cover_what_the_import_wrote(world, tmp_path):
    result = run_import(get_kind("households"), households_file(tmp_path), actor=world.unit_admin)
    assert result.ok, result.errors
    report = checks_after_import(result)
    assert report is not None
    ill = Household.objects.get(code="H-ILL")
    assert report.ids("C001") == {ill.pk}
    assert all(
        f.household_id in (None, *Household.objects.values_list("pk", flat=True))
        for f in report.findings
    )
    dry = run_import(
        get_kind("households"), households_file(tmp_path), actor=world.unit_admin, dry_run=True
    )
    assert checks_after_import(dry) is None  # a dry run wrote nothing to check


def test_large_imports_are_checked_over_the_common_subtree(world, tmp_path, monkeypatch):
    monkeypatch.setattr("bangfu.transfer.checks.ID_LIST_LIMIT", 1)
    assert ID_LIST_LIMIT > 1
    result = run_import(get_kind("households"), households_file(tmp_path), actor=world.unit_admin)
    report = checks_after_import(result)
    assert report is not None
    assert report.ids("C001") == {Household.objects.get(code="H-ILL").pk}


def test_page_and_command_line_show_the_findings(world, client, tmp_path):
    client.force_login(world.unit_admin)
    path = households_file(tmp_path)
    preview = client.post(
        reverse("transfer:upload"),
        {"kind": "households", "file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    token = preview.context["upload"].token
    done = client.post(reverse("transfer:confirm", args=[token]))
    html = done.content.decode()
    assert 'data-testid="import-quality"' in html
    assert "因病致贫但无患病成员" in html and "H-ILL" in html
    out = StringIO()
    other = tmp_path / "other.xlsx"
    plain_xlsx(
        other,
        HEADERS,
        [["H-ILL2", "赵病", new_id(13), VILLAGE, "因病", "3000", "2024-01-05", "新识别"]],
    )
    call_command("import", "households", str(other), stdout=out)
    text = out.getvalue()
    assert "逻辑校验: 错误" in text and "[C001]" in text
