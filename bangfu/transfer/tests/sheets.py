"""Building the files the tests import, as users really write them (domain.md): title rows
above the header, merged cells over a two-row header, a 序号 column, blank rows, and a footer."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from bangfu.registry.tests.factories import make_id_number

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def full_width(text: str) -> str:
    return text.translate(FULLWIDTH)


def new_id(n: int, *, sex: str = "M", region: str = "450123", year: int = 1980) -> str:
    """A distinct valid ID number for each n."""
    birth = datetime.date(year, 1, 1) + datetime.timedelta(days=n // 50)
    return make_id_number(birth, sex=sex, region=region, seq=n % 50)


def messy_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    groups: dict[str, Sequence[str]] | None = None,
    title: str | None = "甲县扶贫对象花名册",
    serial: bool = True,
    blank_every: int = 2,
    footer: bool = True,
    sheet_title: str = "花名册",
) -> list[int]:
    """Write a workbook the way a township office would; return the Excel row number of each
    data row.

    - rows 1-2: a title merged over the whole width and a 填报单位 line;
    - the header, or with ``groups`` a two-row header: each group's name merged over its columns
      in the upper row with the columns' own names below, every other header merged over both
      rows;
    - a 序号 column first (when ``serial``), a blank row after every ``blank_every`` rows;
    - a footer (制表人 / 审核人, 日期) and, after it, a row that must not be read.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    columns = (["序号"] if serial else []) + list(headers)
    width = len(columns)
    row = 1
    if title:
        ws.cell(1, 1, title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.cell(2, 1, "填报单位: 甲县扶贫办            单位: 元")
        row = 3
    if groups:
        grouped = {h: g for g, hs in groups.items() for h in hs}
        upper, lower = row, row + 1
        for c, header in enumerate(columns, start=1):
            if header in grouped:
                ws.cell(lower, c, header)
            else:
                ws.cell(upper, c, header)
                ws.merge_cells(start_row=upper, start_column=c, end_row=lower, end_column=c)
        for group, members in groups.items():
            indexes = [columns.index(h) + 1 for h in members]
            ws.cell(upper, min(indexes), group)
            ws.merge_cells(
                start_row=upper, start_column=min(indexes), end_row=upper, end_column=max(indexes)
            )
        row = lower + 1
    else:
        for c, header in enumerate(columns, start=1):
            ws.cell(row, c, header)
        row += 1
    numbers = []
    for k, values in enumerate(rows):
        if blank_every and k and k % blank_every == 0:
            row += 1  # a blank row
        cells = ([k + 1] if serial else []) + list(values)
        for c, value in enumerate(cells, start=1):
            if value is not None:
                cell = ws.cell(row, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula, not a formula
        numbers.append(row)
        row += 1
    if footer:
        row += 1
        ws.cell(row, 1, "制表人：王五")
        ws.cell(row, min(4, width), "审核人：赵六")
        ws.cell(row + 1, 1, "日期: 2024年5月1日")
        ws.cell(row + 2, 2, "表尾之后的内容, 不应读取")
    for c in range(1, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18
    wb.save(path)
    return numbers


def plain_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """The standard sheet exactly: header in row 1, data from row 2."""
    return messy_xlsx(path, headers, rows, title=None, serial=False, blank_every=0, footer=False)


def read_back(path: Path) -> list[list[Any]]:
    """Every row of the first sheet as values (openpyxl)."""
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
