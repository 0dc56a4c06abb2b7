"""The error workbook: the user's own sheet back, with every bad cell marked.

Same rows and columns as the uploaded sheet (title rows, header, footer and all, as values), each
cell with an error filled red with the message as a cell comment, each cell with a warning (a
value accepted with a caveat: a year kept as a year …) filled yellow with its comment, and one
more column, 错误说明, listing every message of the row (including those about the row as a
whole; warnings marked 警告). The user corrects the cells in it and imports the corrected file
(docs/import-export.md, "The error workbook").
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from bangfu.transfer.exporters import WORKBOOK_OPTIONS
from bangfu.transfer.importers import RowError
from bangfu.transfer.reader import ReadError, open_cells

ERROR_HEADER = "错误说明"
RED = "#FFC7CE"
DARK_RED = "#9C0006"
YELLOW = "#FFEB9C"
DARK_YELLOW = "#9C5700"


def error_workbook(
    path: Path | str,
    errors: Iterable[RowError],
    *,
    header_row: int = 0,
    file_name: str | None = None,
    warnings: Iterable[RowError] = (),
) -> bytes:
    """The .xlsx bytes of the marked copy of the file at ``path``: errors red, warnings
    yellow (a cell with both is red and its comment has both)."""
    errors = list(errors)
    by_row: dict[int, list[RowError]] = defaultdict(list)
    by_cell: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    warned: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for error in errors:
        by_row[error.row].append(error)
        if error.index is not None:
            by_cell[error.row][error.index].append(error.message)
    caveats: dict[int, list[RowError]] = defaultdict(list)
    for warning in warnings:
        caveats[warning.row].append(warning)
        if warning.index is not None:
            warned[warning.row][warning.index].append(warning.message)

    try:
        cells, _merges = open_cells(path, file_name=file_name)
        width = 0
        rows_seen = 0
        for rows_seen, row in enumerate(cells, start=1):  # noqa: B007 - counted, not used
            used = [i for i, v in enumerate(row) if v is not None]
            width = max(width, used[-1] + 1 if used else 0)
        cells, _merges = open_cells(path, file_name=file_name)
    except ReadError:
        cells, width, rows_seen = iter(()), 0, 0
    width = max(
        [width, *(i + 1 for cells_ in (*by_cell.values(), *warned.values()) for i in cells_)]
    )

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(_("错误标注"))
    bad = workbook.add_format({"bg_color": RED, "font_color": DARK_RED, "border": 1})
    bad_day = workbook.add_format(
        {"bg_color": RED, "font_color": DARK_RED, "border": 1, "num_format": "yyyy-mm-dd"}
    )
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    caveat = workbook.add_format({"bg_color": YELLOW, "font_color": DARK_YELLOW, "border": 1})
    caveat_day = workbook.add_format(
        {"bg_color": YELLOW, "font_color": DARK_YELLOW, "border": 1, "num_format": "yyyy-mm-dd"}
    )
    head = workbook.add_format({"bold": True, "font_color": DARK_RED, "bg_color": RED})
    note = workbook.add_format({"font_color": DARK_RED, "text_wrap": False})
    sheet.set_column(width, width, 60)
    header_at = header_row or 1
    last = max([rows_seen, header_at, *by_row, *caveats])
    rows = iter(cells)
    for number in range(1, last + 1):
        row = next(rows, [])
        marks = by_cell.get(number, {})
        notes = warned.get(number, {})
        for col, value in enumerate(row):
            marked = marks.get(col)
            noted = notes.get(col)
            if marked:
                fmt = bad_day if isinstance(value, datetime.date) else bad
                _write(sheet, number - 1, col, value, fmt, blank_format=bad)
                comment = "\n".join([*marked, *(noted or [])])
                sheet.write_comment(number - 1, col, comment, {"author": "bangfu"})
            elif noted:
                fmt = caveat_day if isinstance(value, datetime.date) else caveat
                _write(sheet, number - 1, col, value, fmt, blank_format=caveat)
                sheet.write_comment(number - 1, col, "\n".join(noted), {"author": "bangfu"})
            elif value is not None:
                _write(
                    sheet, number - 1, col, value, day if isinstance(value, datetime.date) else None
                )
        for col, messages in marks.items():
            if col >= len(row):
                sheet.write_blank(number - 1, col, None, bad)
                sheet.write_comment(number - 1, col, "\n".join(messages), {"author": "bangfu"})
        if number == header_at:
            sheet.write_string(number - 1, width, ERROR_HEADER, head)
        elif by_row.get(number) or caveats.get(number):
            text = "; ".join(
                part
                for part in (
                    _explain(by_row.get(number, [])),
                    _explain(caveats.get(number, []), prefix=_("警告") + " "),
                )
                if part
            )
            sheet.write_string(number - 1, width, text, note)
        if number == header_at and by_row.get(number):
            # Problems with the header itself: in a note on the 错误说明 header.
            sheet.write_comment(number - 1, width, _explain(by_row[number]), {"author": "bangfu"})
    workbook.close()
    return buffer.getvalue()


def _explain(errors: list[RowError], *, prefix: str = "") -> str:
    return "; ".join(
        f"{prefix}{e.column}: {e.message}" if e.column else f"{prefix}{e.message}" for e in errors
    )


def _write(
    sheet: Any, row: int, col: int, value: Any, fmt: Any, *, blank_format: Any = None
) -> None:
    if value is None:
        sheet.write_blank(row, col, None, blank_format)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, datetime.datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime.time | datetime.timedelta):
        sheet.write_string(row, col, str(value), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def error_workbook_name(file_name: str) -> str:
    stem = Path(file_name).stem or "import"
    return _("%s-错误标注.xlsx") % stem
