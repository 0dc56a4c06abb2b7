"""Generated files are opened and their text checked (openpyxl, pypdf, python-docx), every
export is audited, and ``bangfu report KIND --format json`` answers for every kind."""

from __future__ import annotations

import datetime
import io
import json
from io import StringIO

import openpyxl
import pypdf
import pytest
from django.core.management import CommandError, call_command

from bangfu.audit.models import AuditEvent
from bangfu.reports.base import Params
from bangfu.reports.pdf import report_pdf
from bangfu.reports.reports import KINDS, build
from bangfu.reports.word import report_docx
from bangfu.reports.xlsx import report_xlsx

D = datetime.date


def status(data):
    params = Params(
        org=data.a, as_of=D(2024, 12, 31), date_from=D(2024, 1, 1), date_to=D(2024, 12, 31)
    )
    return build("status", user=data.inspector, params=params)


def xlsx_rows(blob: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(blob)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_xlsx_holds_the_sentence_and_the_reconciled_table(data):
    rows = xlsx_rows(report_xlsx(status(data)))
    assert rows[0][0] == "动态管理"
    assert "甲县共登记帮扶对象3户7人" in rows[2][0]
    lines = {r[0]: r[1:3] for r in rows if r[0]}
    assert lines["帮扶中"] == [1, 3]
    assert lines["无状态记录"] == [1, 4]
    assert lines["合计 (在册)"] == [4, 11]


def test_pdf_text_is_extracted(data):
    blob = report_pdf(status(data))
    reader = pypdf.PdfReader(io.BytesIO(blob))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    assert "动态管理" in compact
    assert "甲县共登记帮扶对象3户7人" in compact
    assert "无状态记录" in compact


def test_docx_holds_the_tables(data):
    from docx import Document

    document = Document(io.BytesIO(report_docx(status(data))))
    texts = [p.text for p in document.paragraphs]
    assert any("甲县共登记帮扶对象3户7人" in t for t in texts)
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["无状态记录", "1", "4"] in cells and ["合计 (在册)", "4", "11"] in cells


@pytest.mark.parametrize("kind", list(KINDS))
def test_cli_json_for_every_kind(data, kind):
    out = StringIO()
    call_command(
        "report",
        kind,
        "--org",
        data.a.code,
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--as-of",
        "2024-12-31",
        "--format",
        "json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["kind"] == kind and result["org"] == data.a.code
    assert result["from"] == "2024-01-01" and result["to"] == "2024-12-31"
    assert result["sentence"] and result["tables"]
    for table in result["tables"]:
        total = [r for r in table["rows"] if r["kind"] == "total"]
        parts = [r for r in table["rows"] if r["kind"] in ("part", "other")]
        if total and table["reconciles"]:
            first = [p["values"][0] for p in parts if isinstance(p["values"][0], (int, float))]
            assert round(sum(first), 2) == round(total[0]["values"][0], 2), table["key"]


def test_cli_status_keeps_its_contract_and_figures(data):
    out = StringIO()
    call_command(
        "report",
        "status",
        "--as-of",
        "2024-12-31",
        "--org",
        data.a.code,
        "--format",
        "json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["by_status"]["帮扶中"] == {"households": 1, "persons": 3}
    assert result["registered"] == {"households": 3, "persons": 7}
    qiqing = StringIO()
    call_command("report", "qiqing", "--org", data.a1.code, "--to", "2024-12-31", stdout=qiqing)
    assert "甲镇共有帮扶对象3户9人" in qiqing.getvalue()
    with pytest.raises(CommandError, match="需要 --as-of"):
        call_command("report", "status")
    with pytest.raises(CommandError, match="单位编码 NOPE 不存在"):
        call_command("report", "villages", "--org", "NOPE")
    with pytest.raises(CommandError, match="需要 --output"):
        call_command("report", "villages", "--format", "xlsx")
    with pytest.raises(CommandError, match="未知报表"):
        call_command("report", "nothing")


def test_cli_writes_files_and_audits(data, tmp_path):
    target = tmp_path / "villages.xlsx"
    call_command(
        "report",
        "villages",
        "--org",
        data.a.code,
        "--to",
        "2024-12-31",
        "--format",
        "xlsx",
        "--output",
        str(target),
        stdout=StringIO(),
    )
    rows = xlsx_rows(target.read_bytes())
    assert any(r[0] and "农民人均纯收入9620.3元, 比上年增长12.0%" in r[0] for r in rows)
    event = AuditEvent.objects.get(action="export", object_type="reports.villages")
    assert event.actor_username == "bangfu-cli" and event.after["format"] == "xlsx"
    # As a user: scoped to their reach (the outsider does not read county A).
    with pytest.raises(CommandError, match="不存在"):
        call_command(
            "report", "status", "--as-of", "2024-12-31", "--org", data.a.code, "--user", "outsider"
        )
