"""The activity diary (帮扶活动日记) as an Excel workbook and as a Word document (A4), for the
activities of a list page's filters. The diary names people (helpers and beneficiaries) but no
ID or phone number; its export is audited like any export of personal data."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bangfu.activities.models import Activity
from bangfu.activities.selectors import Figures, figures
from bangfu.transfer.exporters import WORKBOOK_OPTIONS, neutralise

COLUMNS = (
    ("日期", 11),
    ("项目", 22),
    ("活动类型", 10),
    ("帮扶人", 14),
    ("帮扶对象", 30),
    ("主题", 20),
    ("内容", 50),
    ("金额(元)", 11),
    ("物品", 20),
    ("户次", 6),
    ("人次", 6),
    ("响应事件", 16),
    ("来源", 8),
)


def beneficiaries(activity: Activity) -> str:
    return "、".join(link.pairing.beneficiary_name for link in activity.links.all())


def _details(activity: Activity) -> str:
    return "; ".join(f"{k}: {v}" for k, v in (activity.details or {}).items())


def row(activity: Activity) -> list[Any]:
    items = "、".join(str(item) for item in activity.items.all())
    events = "、".join(f"{e.kind}({e.date:%m-%d})" for e in activity.events.all())
    content = activity.content
    extra = _details(activity)
    if extra:
        content = f"{content} ({extra})" if content else extra
    return [
        activity.date,
        activity.program.name,
        activity.type,
        activity.doer_name,
        beneficiaries(activity),
        activity.theme,
        content,
        float(activity.amount) if activity.amount is not None else None,
        items,
        activity.household_visits or None,
        activity.person_times or None,
        events,
        activity.get_source_display(),
    ]


def _prefetched(qs: QuerySet[Activity]) -> Iterable[Activity]:
    return qs.order_by("date", "id").prefetch_related(
        "links__pairing__household__head",
        "links__pairing__person",
        "links__pairing__beneficiary_org",
        "links__pairing__helper__person",
        "links__pairing__helper_org",
        "items",
        "events",
    )


def summary_line(f: Figures) -> str:
    parts = [f"活动 {f.activities} 次"]
    if f.household_visits:
        parts.append(f"走访 {f.household_visits} 户次 (涉及 {f.households} 户)")
    if f.person_times:
        parts.append(f"帮扶 {f.person_times} 人次")
    return ", ".join(parts)


def write_xlsx(qs: QuerySet[Activity], title: str) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet("帮扶活动日记")
    bold = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#F2F3F5", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, neutralise(title), bold)
    for index, (name, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
        sheet.write_string(1, index, name, header)
    sheet.freeze_panes(2, 0)
    count = 0
    for number, activity in enumerate(_prefetched(qs), start=2):
        for index, value in enumerate(row(activity)):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, index, datetime.datetime(*value.timetuple()[:3]), day)
            elif isinstance(value, int | float):
                sheet.write_number(number, index, value, money if index == 7 else None)
            else:
                sheet.write_string(number, index, neutralise(str(value)), wrap)
        count += 1
    sheet.write_string(count + 3, 0, neutralise(summary_line(figures(qs))))
    workbook.close()
    return buffer.getvalue(), count


def _font(document: Any) -> None:
    style = document.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")


def write_docx(qs: QuerySet[Activity], title: str) -> tuple[bytes, int]:
    """The diary as a Word document: a title, the figures, then one dated entry per activity,
    grouped by month, on A4."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    _font(document)
    document.add_heading(title, level=1)
    document.add_paragraph(summary_line(figures(qs)))
    month = None
    count = 0
    for activity in _prefetched(qs):
        key = (activity.date.year, activity.date.month)
        if key != month:
            month = key
            document.add_heading(f"{key[0]}年{key[1]}月", level=2)
        head = document.add_paragraph()
        run = head.add_run(
            f"{activity.date:%Y-%m-%d}  {activity.type}  {activity.doer_name} → "
            f"{beneficiaries(activity)}"
        )
        run.bold = True
        lines = []
        if activity.theme:
            lines.append(f"主题: {activity.theme}")
        if activity.content:
            lines.append(f"内容: {activity.content}")
        extra = _details(activity)
        if extra:
            lines.append(extra)
        if activity.amount is not None:
            lines.append(f"金额: {activity.amount:,.2f} 元")
        items = "、".join(str(item) for item in activity.items.all())
        if items:
            lines.append(f"物品: {items}")
        events = "、".join(f"{e.subject_name}{e.kind} ({e.date})" for e in activity.events.all())
        if events:
            lines.append(f"响应事件: {events}")
        for line in lines:
            document.add_paragraph(line)
        count += 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), count
