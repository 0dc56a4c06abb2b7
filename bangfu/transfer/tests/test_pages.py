"""The import page through the browser's eyes (Django's test client): upload → preview with
errors → the marked workbook → upload the corrected file → confirm → the records exist. And the
export and template downloads."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.masking import mask_id_number
from bangfu.registry.models import Person
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.tests.sheets import messy_xlsx, new_id
from bangfu.transfer.uploads import SESSION_KEY, upload_dir

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号码", "手机", "单位编码"]


def upload(client, path: Path, kind: str = "persons", **headers):
    file = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("transfer:upload"), {"kind": kind, "file": file}, **headers)


def test_upload_preview_fix_and_confirm(world, client, tmp_path):
    client.force_login(world.unit_admin)
    page = client.get(reverse("transfer:index")).content.decode()
    assert 'data-testid="upload-form"' in page
    assert reverse("transfer:template") + "?kind=households" in page

    ids = [new_id(1), new_id(2)]
    bad = tmp_path / "花名册.xlsx"
    numbers = messy_xlsx(
        bad,
        HEADERS,
        [["张三", ids[0], "138 0000 1111", VILLAGE], ["李四", ids[1][:-1], "", VILLAGE]],
    )
    response = upload(client, bad)
    html = response.content.decode()
    assert 'data-testid="preview-errors"' in html
    assert "发现 1 处错误 (涉及 1 行), 没有导入任何数据" in html
    cells = f'<td class="num">{numbers[1]}</td><td>身份证号码</td>'
    assert cells + "<td>身份证号应为 18 位, 实际 17 位</td>" in html
    assert "其余没有错误的行将新增 1 条、更新 0 条" in html
    assert 'data-testid="confirm"' not in html
    assert Person.objects.count() == 0
    token = response.context["upload"].token

    marked = client.get(reverse("transfer:errors", args=[token]))
    assert marked["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(marked.getvalue())).worksheets[0]
    assert sheet.cell(numbers[1], 3).fill.fgColor.rgb == "FFFFC7CE"
    assert "身份证号应为 18 位" in sheet.cell(numbers[1], 3).comment.text

    fixed = tmp_path / "花名册-改.xlsx"
    messy_xlsx(
        fixed, HEADERS, [["张三", ids[0], "138 0000 1111", VILLAGE], ["李四", ids[1], "", VILLAGE]]
    )
    response = upload(client, fixed)
    html = response.content.decode()
    assert "检查通过: 共 2 行, 将新增 2 条, 更新 0 条, 0 条没有变化" in html
    token = response.context["upload"].token
    stored = list(upload_dir().iterdir())
    assert Path(upload_dir() / f"{token}.xlsx") in stored
    assert Person.objects.count() == 0  # only a dry run so far

    response = client.post(reverse("transfer:confirm", args=[token]))
    assert "已导入 2 行: 新增 2 条, 更新 0 条" in response.content.decode()
    assert sorted(Person.objects.values_list("name", flat=True)) == ["张三", "李四"]
    assert Person.objects.get(id_number=ids[0]).phone == "13800001111"
    assert not (upload_dir() / f"{token}.xlsx").exists()
    assert token not in client.session.get(SESSION_KEY, {})
    assert client.post(reverse("transfer:confirm", args=[token])).status_code == 404
    event = AuditEvent.objects.get(action="import")
    assert event.after["file"] == "花名册-改.xlsx" and event.actor == world.unit_admin


def test_confirm_validates_again(world, client, tmp_path):
    """Between preview and confirmation the person was registered in 乙县: the confirmation
    finds the conflict and writes nothing."""
    client.force_login(world.unit_admin)
    number = new_id(7)
    path = tmp_path / "p.xlsx"
    messy_xlsx(path, HEADERS, [["甲", number, "", VILLAGE], ["乙", new_id(8), "", VILLAGE]])
    token = upload(client, path).context["upload"].token
    PersonFactory(org=world.b1, id_number=number)
    response = client.post(reverse("transfer:confirm", args=[token]))
    html = response.content.decode()
    assert "该身份证号已登记在其他单位的人员名下" in html
    assert Person.objects.count() == 1
    assert (upload_dir() / f"{token}.xlsx").exists()  # kept for the error workbook


def test_htmx_gets_the_fragment_and_bad_forms_their_errors(world, client, tmp_path):
    client.force_login(world.admin)
    path = tmp_path / "p.xlsx"
    messy_xlsx(path, HEADERS, [["甲", new_id(1), "", VILLAGE]])
    response = upload(client, path, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card" id="importer">')
    assert "<html" not in html and 'data-testid="preview-ok"' in html

    stored = len(list(upload_dir().iterdir()))
    wrong = tmp_path / "notes.txt"
    wrong.write_text("hello")
    html = upload(client, wrong).content.decode()
    assert "不支持的文件类型“.txt”" in html
    assert len(list(upload_dir().iterdir())) == stored  # a refused file is not kept


def test_discard_deletes_the_upload(world, client, tmp_path):
    client.force_login(world.admin)
    path = tmp_path / "p.xlsx"
    messy_xlsx(path, HEADERS, [["甲", new_id(1), "", VILLAGE]])
    token = upload(client, path).context["upload"].token
    response = client.post(reverse("transfer:discard", args=[token]), follow=True)
    assert "已放弃本次导入" in response.content.decode()
    assert not (upload_dir() / f"{token}.xlsx").exists()


def test_inspector_exports_masked_but_cannot_import(world, client, tmp_path):
    person = PersonFactory(org=world.a1v)
    client.force_login(world.inspector)
    page = client.get(reverse("transfer:index")).content.decode()
    assert 'data-testid="upload-form"' not in page and 'data-testid="export-form"' in page
    assert 'name="unmask"' not in page
    path = tmp_path / "p.xlsx"
    messy_xlsx(path, HEADERS, [["甲", new_id(1), "", VILLAGE]])
    assert upload(client, path).status_code == 404

    response = client.get(reverse("transfer:export"), {"kind": "persons", "unmask": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert sheet.cell(2, 2).value == mask_id_number(person.id_number)
    assert AuditEvent.objects.get(action="export").after["masked"] is True


def test_unit_admin_exports_unmasked_with_filters(world, client):
    near = PersonFactory(org=world.a1v)
    PersonFactory(org=world.a_office)
    client.force_login(world.unit_admin)
    assert 'name="unmask"' in client.get(reverse("transfer:index")).content.decode()
    response = client.get(
        reverse("transfer:export"), {"kind": "persons", "unmask": "1", "org": world.a1.pk}
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == [near.id_number]
    event = AuditEvent.objects.get(action="export")
    assert event.after == {
        "kind": "persons",
        "rows": 1,
        "masked": False,
        "file": event.after["file"],
    }
    assert event.after["file"].startswith("人员-")


def test_template_download(world, client):
    client.force_login(world.inspector)
    response = client.get(reverse("transfer:template"), {"kind": "status-changes"})
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert [c.value for c in workbook.worksheets[0][1]] == [
        "户编号",
        "状态",
        "日期",
        "原因",
        "决定人",
    ]
    assert workbook.sheetnames[1] == "填写说明"
