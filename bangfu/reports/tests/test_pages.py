"""Who reaches each report URL, the page's numbers and links, a unit the reader does not read
is 404, exports are audited files, and no inline script or style."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, client_for, matrix
from bangfu.reports.reports import KINDS

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
READERS = {"admin": 200, "unit_admin": 200, "inspector": 200}
OF_A = {**READERS, "outsider": 404}


def _org_a(w):
    return {"org": w.a.pk, "to": "2024-12-31"}


CASES = [
    UrlCase("index", READERS),
    UrlCase("dashboard", OF_A, data=lambda w: {"org": w.a.pk}),
    *[UrlCase(kind, OF_A, data=_org_a) for kind in KINDS],
    UrlCase("export", OF_A, kwargs=lambda w: {"kind": "status", "fmt": "xlsx"}, data=_org_a),
]


def test_every_url_has_a_case():
    assert_covers("reports", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "reports", case, persona)


def test_status_page_numbers_links_and_no_inline_code(data):
    client = client_for(data, "inspector")
    page = client.get(reverse("reports:status"), {"org": data.a.pk, "as_of": "2024-12-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "截至2024年12月31日, 甲县共登记帮扶对象3户7人" in html
    assert "无状态记录" in html
    assert f'href="/registry/households/?status=assisting&amp;org={data.a.pk}"' in html
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)
    menu = client.get(reverse("reports:index")).content.decode()
    assert "统计报表" in menu and reverse("reports:qiqing") in menu


def test_unknown_or_unread_org_is_404(data):
    client = client_for(data, "unit_admin")
    assert client.get(reverse("reports:qiqing"), {"org": data.b.pk}).status_code == 404
    assert client.get(reverse("reports:qiqing"), {"org": 999999}).status_code == 404
    assert client.get(reverse("reports:qiqing"), {"org": "x"}).status_code == 404
    bad = reverse("reports:export", kwargs={"kind": "nothing", "fmt": "xlsx"})
    assert client.get(bad).status_code == 404


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_page_renders(data, kind):
    client = client_for(data, "admin")
    page = client.get(reverse(f"reports:{kind}"), {"org": data.a.pk, "to": "2024-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["report"].sentence in html.replace("&#x27;", "'")


def test_exports_are_audited_files(data):
    client = client_for(data, "unit_admin")
    query = {"org": data.a.pk, "as_of": "2024-12-31"}
    xlsx = client.get(reverse("reports:export", kwargs={"kind": "qiqing", "fmt": "xlsx"}), query)
    assert xlsx["Content-Disposition"].startswith('attachment; filename="qiqing-450123-')
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    labels = [r[0] for r in sheet.iter_rows(values_only=True)]
    assert "七清" in labels and "未填写" in labels
    pdf = client.get(reverse("reports:export", kwargs={"kind": "villages", "fmt": "pdf"}), query)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "村级发展成效" in "".join(text.split())
    docx = client.get(reverse("reports:export", kwargs={"kind": "status", "fmt": "docx"}), query)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    events = AuditEvent.objects.filter(action="export", actor=data.unit_admin)
    assert sorted(e.after["kind"] for e in events) == ["qiqing", "status", "villages"]
    assert all(e.org == data.a for e in events)
