"""A report as a Word file (A4), for offices that edit the text before filing it: the title,
the sentence, and each table. Chinese text is set in 宋体 through the run's East-Asian font."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from bangfu.reports.base import OTHER, TOTAL, Report

FONT = "宋体"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral() else f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    document.add_paragraph(report.sentence)
    for table in report.tables:
        document.add_heading(table.title, level=2)
        grid = document.add_table(rows=1, cols=len(table.columns) + 1)
        grid.style = "Table Grid"
        header = grid.rows[0].cells
        header[0].text = "项目"
        for i, name in enumerate(table.columns, start=1):
            header[i].text = str(name)
        for line in table.lines:
            cells = grid.add_row().cells
            cells[0].text = line.label
            for i, value in enumerate(line.values, start=1):
                cells[i].text = _cell_text(value)
            if line.kind in (TOTAL, OTHER):
                for c in cells:
                    for run in c.paragraphs[0].runs:
                        run.bold = True
        if table.note:
            document.add_paragraph(table.note)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
