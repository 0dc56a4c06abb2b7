"""The 工作总结: figures equal to what the selectors compute on the known data set, the Word
draft's sections, numbers, lists and fonts, template replacement and refused uploads."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.oxml.ns import qn

from bangfu.activities.selectors import activity_list, figures, filter_period, in_subtree
from bangfu.activities.selectors import summary_sentence as activity_sentence
from bangfu.audit.models import AuditEvent
from bangfu.core.tree import prefix_q
from bangfu.documents import make_template
from bangfu.documents.models import DocumentTemplate
from bangfu.documents.selectors import default_template, template_for
from bangfu.documents.services import template_remove, template_upload
from bangfu.documents.summary import SPEC, build, period_label, summary_docx
from bangfu.documents.tests.conftest import END, START, TODAY, D
from bangfu.documents.word import Content, check_template, fill, placeholders
from bangfu.ledger.selectors import entry_list, totals
from bangfu.registry.selectors import household_list, status_figures

pytestmark = [pytest.mark.django_db]

SECTIONS = ("一、基本情况", "二、主要做法", "三、帮扶成效", "四、存在问题", "五、下一步打算")


def _open(data: bytes):
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    return document, paragraphs, cells


def _summary(world, user=None, org=None):
    return build(user=user or world.admin, org=org or world.a, start=START, end=END, today=TODAY)


# -- figures ---------------------------------------------------------------------------------


def test_figures_are_the_selectors_figures(world):
    summary = _summary(world)
    values = summary.content.values

    status = status_figures(
        households=household_list(user=world.admin),
        as_of=END,
        org=world.a,
        date_from=START,
        date_to=END,
    )
    assert values["户数"] == str(status.registered.households) == "4"
    assert values["人数"] == str(status.registered.persons) == "9"
    assert values["未脱贫户数"] == str(status.not_exited.households) == "3"
    assert values["未脱贫人数"] == str(status.not_exited.persons) == "6"
    assert values["脱贫户数"] == "1" and values["脱贫人数"] == "3"
    assert values["动态管理"] == status.sentence()

    activities = filter_period(in_subtree(activity_list(user=world.admin), world.a), START, END)
    f = figures(activities)
    assert values["活动次数"] == str(f.activities) == "2"
    assert values["走访户次"] == str(f.household_visits) == "4"
    assert values["走访户数"] == str(f.households) == "2"
    assert values["活动情况"] == activity_sentence(activities)

    ledger = totals(
        entry_list(user=world.admin).filter(
            prefix_q("org__path", world.a.path), date__gte=START, date__lte=END
        )
    )
    assert values["发放万元"] == str(ledger.total.amount_wan) == "4.66"
    assert values["发放元"] == "46600.00"
    assert values["受助户次"] == str(ledger.total.household_times) == "3"
    assert values["台帐情况"] == ledger.total.sentence

    assert values["结对数"] == "8"
    assert values["期间"] == "2026年上半年"
    by_status = {
        row["状态"]: (row["户数"], row["人数"]) for row in summary.content.tables["按状态"]
    }
    assert by_status == {"新识别": ("1", "2"), "帮扶中": ("2", "4"), "脱贫": ("1", "3")}


def test_lists_come_from_the_records(world):
    lists = _summary(world).content.lists
    assert lists["主要做法"][0].startswith("（一）落实结对帮扶责任")
    assert any("慰问 1 次 (2 户次)" in item for item in lists["主要做法"])
    assert any("共发放资金 4.66 万元" in item for item in lists["主要做法"])
    results = "\n".join(lists["帮扶成效"])
    assert "脱贫 1 户 3 人" in results
    assert "人均纯收入由2025年的 2900.00 元增加到2026年的 3850.00 元, 增长 32.8%" in results
    problems = "\n".join(lists["存在问题"])
    assert "尚有 3 户 6 人未脱贫" in problems
    assert "1 笔记录尚未审核入账" in problems
    assert any("1 笔台帐记录" in item for item in lists["下一步打算"])


def test_a_unit_sees_only_its_subtree(world):
    # 乙县 has no records: every count is zero, and its administrator sees nothing of 甲县.
    values = build(
        user=world.outsider, org=world.b, start=START, end=END, today=TODAY
    ).content.values
    assert values["户数"] == "0" and values["活动次数"] == "0" and values["发放万元"] == "0.00"


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2026, 1, 1), D(2026, 12, 31), "2026年"),
        (D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
        (D(2026, 2, 1), D(2026, 2, 28), "2026年2月"),
        (D(2026, 3, 5), D(2026, 9, 30), "2026年3月5日至2026年9月30日"),
    ],
)
def test_period_labels(start, end, label):
    assert period_label(start, end) == label


# -- the Word draft ----------------------------------------------------------------------------


def test_docx_has_the_sections_figures_and_lists(world):
    summary = _summary(world)
    _document, paragraphs, cells = _open(summary_docx(summary, default_template()))
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "甲县2026年上半年结对帮扶工作总结"
    for heading in SECTIONS:
        assert heading in paragraphs
    assert "{{" not in text and "____" not in text
    assert "共开展帮扶活动2次, 走访4户次 (涉及2户)" in text
    assert "发放帮扶资金4.66万元" in text
    assert summary.content.values["动态管理"] in paragraphs
    for item in summary.content.lists["存在问题"] + summary.content.lists["主要做法"]:
        assert item in paragraphs
    # Table rows repeated from the records.
    assert (
        ["新识别", "1", "2"] in cells
        and ["帮扶中", "2", "4"] in cells
        and ["合计", "4", "9"] in cells
    )
    assert ["慰问", "1", "2", "2", "0"] in cells
    assert ["日常帮扶", "45600.00", "4.56", ""] in cells
    assert ["合计", "46600.00", "4.66", ""] in cells


def _east_asian(run) -> str:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def test_docx_fonts_are_those_of_a_gongwen(world):
    document, _paragraphs, _cells = _open(summary_docx(_summary(world), default_template()))
    title = document.paragraphs[0]
    assert {_east_asian(r) for r in title.runs} == {"方正小标宋简体"}
    headings = [p for p in document.paragraphs if p.text in SECTIONS]
    assert len(headings) == 5
    assert all(_east_asian(r) == "黑体" for p in headings for r in p.runs)
    body = [p for p in document.paragraphs if p.text.startswith("（一）落实结对")]
    assert body and all(_east_asian(r) == "仿宋_GB2312" for r in body[0].runs)
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # The font table says what stands in where a font is missing.
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    table = document.part.part_related_by(RT.FONT_TABLE).blob.decode()
    for font, fallback in (
        ("方正小标宋简体", "Noto Serif CJK SC"),
        ("黑体", "Noto Sans CJK SC"),
        ("仿宋_GB2312", "FangSong"),
        ("FangSong", "Noto Serif CJK SC"),
    ):
        assert f'w:name="{font}"><w:altName w:val="{fallback}"/>' in table


def test_committed_template_matches_the_script():
    committed = placeholders(default_template()).names
    assert committed == placeholders(make_template.build()).names
    assert set(committed) <= SPEC.known()
    assert check_template("工作总结模板.docx", default_template(), SPEC) == committed


# -- the filling engine ------------------------------------------------------------------------


def _docx(*paragraphs: str, runs: list[str] | None = None, table: list[list[str]] | None = None):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if runs:
        p = document.add_paragraph()
        for i, part in enumerate(runs):
            run = p.add_run(part)
            run.bold = i == 0
    if table:
        t = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            for cell, text in zip(t.add_row().cells, row, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_placeholders_split_across_runs_keep_the_first_runs_format():
    data = _docx(runs=["共{{户", "数}}户, ", "｛｛人数｝｝人"])
    out = fill(data, Content(values={"户数": "12", "人数": "30"}))
    paragraph = docx.Document(io.BytesIO(out)).paragraphs[0]
    assert paragraph.text == "共12户, 30人"
    assert paragraph.runs[0].text == "共12" and paragraph.runs[0].bold


def test_list_paragraphs_and_table_rows_repeat():
    data = _docx(
        "{{存在问题}}",
        "问题: {{存在问题}}",
        table=[["类型", "次数"], ["{{按类型.类型}}", "{{按类型.次数}}"]],
    )
    content = Content(
        lists={"存在问题": ["1. 甲", "2. 乙"]},
        tables={"按类型": [{"类型": "走访", "次数": "3"}, {"类型": "慰问", "次数": "1"}]},
    )
    document = docx.Document(io.BytesIO(fill(data, content)))
    assert [p.text for p in document.paragraphs] == ["1. 甲", "2. 乙", "问题: 1. 甲；2. 乙"]
    assert [[c.text for c in r.cells] for r in document.tables[0].rows] == [
        ["类型", "次数"],
        ["走访", "3"],
        ["慰问", "1"],
    ]


# -- templates: replacement and refusals -----------------------------------------------------------


OWN_WORDING = (
    "{{单位}}帮扶工作年度小结",
    "今年我们共走访{{走访户次}}户次, 发放{{发放万元}}万元。",
    "{{存在问题}}",
)


def test_an_uploaded_template_changes_the_output(world):
    summary = _summary(world)
    template_upload(
        actor=world.unit_admin, org=world.a, name="我们的模板.docx", data=_docx(*OWN_WORDING)
    )
    applied = template_for(world.a1v)  # inherited by the subtree
    assert applied.upload is not None and applied.name == "我们的模板.docx"
    _document, paragraphs, _cells = _open(summary_docx(summary, applied.content))
    assert paragraphs[:2] == ["甲县帮扶工作年度小结", "今年我们共走访4户次, 发放4.66万元。"]
    assert paragraphs[2:] == summary.content.lists["存在问题"]
    assert "一、基本情况" not in paragraphs
    assert AuditEvent.objects.filter(
        object_type="documents.documenttemplate", action="create"
    ).exists()

    # A nearer unit's own template wins; removing it falls back to the county's.
    template_upload(
        actor=world.admin, org=world.a1v, name="村.docx", data=_docx("{{单位}}村级总结")
    )
    assert template_for(world.a1v).name == "村.docx"
    template_remove(actor=world.admin, template=DocumentTemplate.objects.get(org=world.a1v))
    assert template_for(world.a1v).name == "我们的模板.docx"
    assert template_for(world.b).upload is None


def test_a_second_upload_replaces_the_first(world):
    template_upload(actor=world.admin, org=None, name="一.docx", data=_docx("{{单位}}"))
    template_upload(actor=world.admin, org=None, name="二.docx", data=_docx("{{单位}} {{期间}}"))
    assert DocumentTemplate.objects.get(org=None).placeholders == ["单位", "期间"]
    assert template_for(world.b).name == "二.docx"


def test_only_a_sysadmin_sets_the_platform_template(world):
    with pytest.raises(PermissionDenied):
        template_upload(actor=world.unit_admin, org=None, name="x.docx", data=_docx("{{单位}}"))
    with pytest.raises(PermissionDenied):
        template_upload(actor=world.outsider, org=world.a, name="x.docx", data=_docx("{{单位}}"))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("总结.doc", b"\xd0\xcf\x11\xe0", "只能上传 Word 文档 (.docx)"),
        ("总结.docx", b"not a zip file at all", "不是有效的 Word 文档"),
        ("总结.docx", _docx("没有占位符"), "没有任何占位符"),
        (
            "总结.docx",
            _docx("{{单位}}{{户 数}}{{贫困户数}}"),
            "无法识别的占位符: {{户 数}}、{{贫困户数}}",
        ),
        ("总结.docx", _docx("{{按状态.户数}}"), "只能放在表格的一行中"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(name, data, message):
    with pytest.raises(ValidationError) as err:
        check_template(name, data, SPEC)
    assert message in err.value.messages[0]


def test_bad_upload_on_the_page_shows_the_reason(world, client):
    client.force_login(world.unit_admin)
    url = reverse("documents:template_upload")
    response = client.post(
        url, {"org": world.a.pk, "file": SimpleUploadedFile("a.docx", b"PK junk")}
    )
    assert response.status_code == 200
    assert "不是有效的 Word 文档" in response.content.decode()
    bad = _docx("{{单位}} {{未知项}}")
    response = client.post(url, {"org": world.a.pk, "file": SimpleUploadedFile("b.docx", bad)})
    assert "无法识别的占位符: {{未知项}}" in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    response = client.post(
        url, {"org": world.a.pk, "file": SimpleUploadedFile("c.docx", _docx(*OWN_WORDING))}
    )
    assert response.status_code == 302
    assert DocumentTemplate.objects.get().org == world.a


# -- pages -----------------------------------------------------------------------------------


def test_summary_page_and_download(world, client):
    client.force_login(world.inspector)
    query = {"org": world.a.pk, "date_from": "2026-01-01", "date_to": "2026-06-30"}
    page = client.get(reverse("documents:summary"), query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "发放 4.66 万元" in html
    assert '<td>新识别</td><td class="num">1</td><td class="num">2</td>' in html
    assert "（一）落实结对帮扶责任" in html
    response = client.get(reverse("documents:summary_download"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    _document, paragraphs, _cells = _open(response.content)
    assert "一、基本情况" in paragraphs
    event = AuditEvent.objects.filter(action="export", object_type="orgs.org").latest("id")
    assert event.actor == world.inspector and "工作总结" in event.summary


def test_download_outside_the_scope_gives_no_document(world, client):
    client.force_login(world.outsider)
    query = {"org": world.a.pk, "date_from": "2026-01-01", "date_to": "2026-06-30"}
    response = client.get(reverse("documents:summary_download"), query)
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="export", object_type="orgs.org").exists()


def test_dates_in_the_wrong_order_are_refused(world, client):
    client.force_login(world.admin)
    query = {"org": world.a.pk, "date_from": "2026-06-30", "date_to": "2026-01-01"}
    response = client.get(reverse("documents:summary"), query)
    assert "结束日期不能早于开始日期" in response.content.decode()
