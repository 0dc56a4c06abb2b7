"""A report as an Excel workbook: one sheet, the title, the sentence, then each table with its
lines (其他 and 合计 in bold). Numbers stay numbers; every text goes through ``neutralise`` and is
written as a string, so nothing in the file is ever evaluated."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter

from bangfu.reports.base import MEMO, OTHER, TOTAL, Report
from bangfu.transfer.exporters import WORKBOOK_OPTIONS, neutralise

OPTIONS = {k: v for k, v in WORKBOOK_OPTIONS.items() if k != "constant_memory"} | {
    "in_memory": True
}


def report_xlsx(report: Report) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    sheet = book.add_worksheet(report.title[:31])
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    head = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    cell = book.add_format({"border": 1})
    bold = book.add_format({"border": 1, "bold": True})
    muted = book.add_format({"italic": True, "font_color": "#666666"})
    width = max((len(t.columns) for t in report.tables), default=1)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, width, 14)
    sheet.write_string(0, 0, neutralise(report.title), title)
    sheet.write_string(1, 0, neutralise(report.subtitle))
    sheet.merge_range(2, 0, 2, max(width, 1), neutralise(report.sentence), wrap)
    sheet.set_row(2, 15 * max(2, len(report.sentence) // 60 + 1))
    row = 4
    for table in report.tables:
        sheet.write_string(row, 0, neutralise(table.title), title)
        row += 1
        sheet.write_string(row, 0, "项目", head)
        for c, name in enumerate(table.columns, start=1):
            sheet.write_string(row, c, neutralise(str(name)), head)
        row += 1
        for line in table.lines:
            fmt = bold if line.kind in (TOTAL, OTHER) else cell
            label = line.label if line.kind != MEMO else f"  {line.label}"
            sheet.write_string(row, 0, neutralise(label), fmt)
            for c, value in enumerate(line.values, start=1):
                _write(sheet, row, c, value, fmt)
            row += 1
        if table.note:
            sheet.write_string(row, 0, neutralise(table.note), muted)
            row += 1
        row += 1
    book.close()
    return out.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, neutralise(str(value)), fmt)
