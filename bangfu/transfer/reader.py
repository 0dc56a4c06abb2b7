"""Reading the sheets users really have (domain.md, "Data the field really has").

A workbook (.xlsx, .xlsm, .xls, .ods, read with python-calamine) or a CSV file (UTF-8 with or
without BOM, or GB18030) becomes a :class:`Sheet`: the header row found among the first ten rows,
the columns it maps to the kind's columns, and the data rows with their row number *as Excel shows
it* (1-based, counting the title rows above the header), so that every error points at the cell
the user sees.

Tolerated: title rows above the header; a header of two rows (a group header such as 户主信息
over 户主姓名/户主身份证号, merged cells, or a group header over a short name such as 户主 over
姓名); header synonyms, spaces and full-width characters; a unit in the header (人均纯收入(万元));
a 序号 column and other unknown columns (ignored); a row of column numbers (1 2 3 …) under the
header; blank rows (skipped); a footer (a row starting with 制表人, 填表人, 审核人, 日期, 合计,
备注 … ends the data). A leading apostrophe that our own export put before =, +, -, @ is removed.

A **column mapping** (docs/import-export.md, "Column mapping") names, for one file, which of the
kind's columns a header the kind does not know stands for (户住证件号码 → 户主身份证号), or that
it is not to be imported (""):

    read_sheet(..., mapping={"户住证件号码": "head_id", "是否参加大病保险": ""})

It is matched on the header exactly as the file writes it (after the same normalisation as every
header) and wins over the kind's own names. The header row's texts (``Sheet.headers``) and their
fingerprint (``Sheet.layout``) identify the file's layout, under which a mapping is remembered.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from bangfu.core.parsing import clean_text, header_unit, normalise_header
from bangfu.transfer.spec import Kind

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
HEADER_SEARCH_ROWS = 10
INSTRUCTIONS_SHEET = "填写说明"
# Characters a spreadsheet may read as the start of a formula; the exporter puts "'" before them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_FOOTER = re.compile(
    r"^(?:制表人|填表人|填报人|审核人|审批人|负责人|单位负责人|分管领导|主要领导|经办人"
    r"|(?:制表|填表|填报|审核)(?:日期|时间|单位)"
    r"|(?:日期|备注|说明|注|合计|总计|小计)(?=$|[:：\s]))"
)
_MARKS = re.compile(r"^[*※]+|[*※:：]+$")
_BRACKETED_TAIL = re.compile(r"[(\[【][^)\]】]*[)\]】]$")
_GROUP_SUFFIX = re.compile(r"(?:基本)?(?:信息|情况)$")


# Given the sheet's header as the kind alone reads it, the column mapping to read the file with.
ChooseMapping = Callable[["Sheet"], Mapping[str, str] | None]


class ReadError(Exception):
    """The file cannot be read at all (not a spreadsheet, damaged, encrypted, unknown type)."""


@dataclass(frozen=True)
class SheetColumn:
    """Where a kind's column stands in the user's sheet."""

    key: str
    index: int  # 0-based, absolute (column A is 0)
    header: str  # as the user's sheet writes it, cleaned
    unit: str | None = None  # "万元", "元" … when the header names one


@dataclass(slots=True)
class Row:
    """One data row: its Excel row number and the cells of the kind's columns (None if empty)."""

    number: int
    values: dict[str, Any]


@dataclass
class SheetProblem:
    """A problem with the sheet as a whole (no header, a missing column), at a row and column."""

    row: int
    column: str
    message: str
    index: int | None = None


@dataclass
class Sheet:
    """A sheet as read: its header, its columns and its data rows.

    Read with ``stream=True``, the data rows are not kept in ``rows`` but come one at a time
    from :meth:`each_row`, as the file is read (a problem met on the way, such as a damaged
    file, is added to ``problems`` then); :meth:`finish` reads what is left, and ``row_count``
    is the number of data rows either way.
    """

    kind: Kind
    file_name: str
    header_row: int = 0  # Excel number of the (lower) header row; 0 when none was found
    columns: dict[str, SheetColumn] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers of columns that were not used
    # The header row's texts, normalised (``_bare``), one per column from A ("组/名" under a
    # group header); the layout's identity, see :attr:`layout`.
    headers: list[str] = field(default_factory=list)
    # Headers read through the mapping given to read_sheet: header → column key ("" = not to be
    # imported: such a header is in ``ignored`` too).
    mapped: dict[str, str] = field(default_factory=dict)
    stream: Iterator[Row] | None = field(default=None, repr=False)
    streamed: int = 0  # data rows that came from the stream so far
    # Excel number of the file's last row, when the file says it (a streamed workbook)
    last_row: int | None = None
    _skip: Callable[[int], None] | None = field(default=None, repr=False)

    @property
    def row_count(self) -> int:
        return len(self.rows) + self.streamed

    @property
    def layout(self) -> str:
        """A stable fingerprint of the header row (its normalised texts in order): files with
        the same headers have the same layout; empty when no header was found."""
        return layout_key(self.headers) if self.header_row else ""

    def each_row(self, *, start: int = 0) -> Iterator[Row]:
        """The data rows: the kept ones, then (once) those of the stream.

        ``start`` (a streamed sheet whose stream has not begun): only the rows from Excel row
        ``start`` on; those above it are passed by without being read into cells (another
        process reads them: their footer, if any, is not seen here)."""
        yield from self.rows
        stream, self.stream = self.stream, None
        skip, self._skip = self._skip, None  # (which holds the file open)
        if stream is not None:
            if start and skip is not None:
                skip(start)
            for row in stream:
                self.streamed += 1
                yield row

    def finish(self) -> None:
        """Read the rest of the stream (to count its rows and meet any problem in it)."""
        for _row in self.each_row():
            pass

    def has(self, key: str) -> bool:
        return key in self.columns

    def header_of(self, key: str) -> str:
        """The user's header for a column, or the standard header when the sheet lacks it."""
        column = self.columns.get(key)
        return column.header if column else self.kind.column(key).header

    def index_of(self, key: str) -> int | None:
        column = self.columns.get(key)
        return column.index if column else None


# -- cells ---------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A raw cell as the parsers take it: None for empty, our export's apostrophe removed."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
            return value[1:]
        if not value.strip():
            return None
    return value


class Cells(Iterator[list[Any]]):
    """The rows of a sheet from row 1, each a list of cells from column A (as ``_cell`` gives
    them). ``number`` is the Excel number of the row ``next()`` gives next; :meth:`skip_to` passes
    rows by without converting their cells, and ``last`` is the number of the sheet's last row
    when the file says it (None for CSV)."""

    def __init__(self, raw: Iterator[list[Any]], *, pad: int = 0, last: int | None = None):
        self._raw = raw
        self._pad: list[Any] = [None] * pad
        self.number = 1
        self.last = last

    def __next__(self) -> list[Any]:
        raw = next(self._raw)
        self.number += 1
        # A text that _cell would return as it is skips the call (the usual cell).
        cells = [
            v if v.__class__ is str and v and v[0] != "'" and not v.isspace() else _cell(v)
            for v in raw
        ]
        return self._pad + cells if self._pad else cells

    def skip_to(self, number: int) -> None:
        """Pass the rows above row ``number`` by."""
        while self.number < number:
            if next(self._raw, None) is None:
                return
            self.number += 1


def open_cells(
    path: Path | str, *, file_name: str | None = None
) -> tuple[Iterator[list[Any]], list[tuple[int, int, int, int]]]:
    """Every row of the file's data sheet from row 1 and column A (cells as ``_cell`` gives
    them), and the sheet's merged ranges as (first row, first col, last row, last col). The rows
    are a :class:`Cells`.

    The data sheet is the first visible worksheet that is not a 填写说明 sheet. Raises
    :class:`ReadError` when the file cannot be read.
    """
    path = Path(path)
    suffix = Path(file_name or path.name).suffix.lower()
    if suffix == ".csv":
        return Cells(_iter_csv(path)), []
    if suffix in WORKBOOK_SUFFIXES:
        sheet = _open_sheet(path)
        merges = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        # iter_rows starts at row 1 but at the sheet's first used column: pad back to column A.
        pad = sheet.start[1] if sheet.start else 0
        last = sheet.end[0] + 1 if sheet.end else 0
        return Cells(_iter_workbook(sheet), pad=pad, last=last), merges
    raise ReadError(
        _("不支持的文件类型“%(suffix)s”, 请上传 %(allowed)s 文件")
        % {"suffix": suffix or "—", "allowed": "、".join(SUFFIXES)}
    )


def _open_sheet(path: Path) -> Any:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = [
            m.name
            for m in workbook.sheets_metadata
            if str(m.visible).endswith(".Visible") and str(m.typ).endswith(".WorkSheet")
        ] or workbook.sheet_names
        data = [n for n in names if n.strip() != INSTRUCTIONS_SHEET] or names
        if not data:
            raise ReadError(_("文件中没有工作表"))
        return workbook.get_sheet_by_name(data[0])
    except CalamineError as exc:
        raise ReadError(_("无法读取文件, 它可能已损坏或不是 Excel 文件: %s") % exc) from None
    except (OSError, ValueError) as exc:
        raise ReadError(_("无法读取文件: %s") % exc) from None


def _iter_workbook(sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows as calamine gives them."""
    try:
        yield from sheet.iter_rows()
    except CalamineError as exc:
        raise ReadError(_("无法读取文件: %s") % exc) from None


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (which covers GBK/GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ReadError(_("无法识别 CSV 文件的编码, 请保存为 UTF-8 或 GB18030 编码")) from None


def _iter_csv(path: Path) -> Iterator[list[Any]]:
    try:
        text = decode_csv(path.read_bytes())
    except OSError as exc:
        raise ReadError(_("无法读取文件: %s") % exc) from None
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


# -- headers -------------------------------------------------------------------------------------


def _header_lookup(kind: Kind) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in kind.columns:
        for name in (column.header, *column.synonyms):
            table.setdefault(_bare(name), column.key)
    return table


def _bare(text: Any) -> str:
    return _MARKS.sub("", normalise_header(text))


def normalised(text: Any) -> str:
    """A header as the reader compares headers: half-width, without spaces, a required-field
    star or a trailing colon."""
    return _bare(text)


def layout_key(headers: list[str]) -> str:
    """The fingerprint of a header row: SHA-256 of its normalised texts, in order."""
    return hashlib.sha256("\x1f".join(_bare(h) for h in headers).encode()).hexdigest()


def bare_mapping(kind: Kind, mapping: Mapping[str, str] | None) -> dict[str, str]:
    """A mapping keyed by normalised header; targets that are not the kind's columns are left
    out (callers check them first: ``bangfu.transfer.mappings.mapping_problems``)."""
    keys = {c.key for c in kind.columns}
    return {
        _bare(header): target or ""
        for header, target in (mapping or {}).items()
        if _bare(header) and (not target or target in keys)
    }


def match_header(text: Any, lookup: dict[str, str]) -> tuple[str, str | None] | None:
    """(column key, unit) for a header cell, or None: tolerates spaces, full-width characters, a
    required-field star, a trailing colon, a unit in brackets and another bracketed note."""
    bare = _bare(text)
    if not bare:
        return None
    name, unit = header_unit(bare)
    for candidate in (name, bare, _BRACKETED_TAIL.sub("", name)):
        key = lookup.get(candidate)
        if key is not None:
            return key, unit
    return None


@dataclass
class _Header:
    row: int  # 0-based index of the lower header row
    columns: dict[str, SheetColumn]
    duplicates: list[tuple[str, SheetColumn, SheetColumn]]
    ignored: list[str]
    texts: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return len(self.columns)


def _fill_merged(row: list[Any], index: int, merges: list[tuple[int, int, int, int]]) -> list[Any]:
    """A header row with each horizontally merged cell's value repeated over the whole range."""
    filled = list(row)
    for r1, c1, r2, c2 in merges:
        if r1 <= index <= r2 and c1 < c2 and c1 < len(filled):
            value = filled[c1] if r1 == index else None
            if value is None:
                continue
            for c in range(c1 + 1, min(c2 + 1, len(filled))):
                if filled[c] is None:
                    filled[c] = value
    return filled


def _interpret(
    rows: list[list[Any]],
    index: int,
    lookup: dict[str, str],
    merges: list[tuple[int, int, int, int]],
    *,
    two_rows: bool,
    mapping: dict[str, str] | None = None,
) -> _Header:
    lower = rows[index]
    upper = _fill_merged(rows[index - 1], index - 1, merges) if two_rows else []
    columns: dict[str, SheetColumn] = {}
    duplicates: list[tuple[str, SheetColumn, SheetColumn]] = []
    ignored: list[str] = []
    texts: list[str] = []
    mapped: dict[str, str] = {}
    width = max(len(lower), len(upper))
    for c in range(width):
        low = lower[c] if c < len(lower) else None
        up = upper[c] if c < len(upper) else None
        texts.append(
            f"{_bare(up)}/{_bare(low)}"
            if up is not None and low is not None and _bare(up) != _bare(low)
            else _bare(low if low is not None else up)
        )
        found: tuple[str, str | None] | None = None
        shown = clean_text(low)
        chosen = None
        if mapping:  # the file's own header, as mapped for this file, wins
            chosen = mapping.get(_bare(low if low is not None else up))
        if chosen is not None:
            shown = clean_text(low if low is not None else up)
            mapped[shown] = chosen
            if not chosen:  # not to be imported, by choice
                ignored.append(shown)
                continue
            found = (chosen, header_unit(_bare(low if low is not None else up))[1])
        elif low is not None:
            # A group header over the name comes first when together they are a column name
            # (户主信息 over 姓名 is 户主姓名, not a person's 姓名); else the name alone.
            if up is not None:
                group = _bare(up)
                for combined in (group + _bare(low), _GROUP_SUFFIX.sub("", group) + _bare(low)):
                    found = match_header(combined, lookup)
                    if found is not None:
                        break
            if found is None:
                found = match_header(low, lookup)
        elif up is not None:
            found, shown = match_header(up, lookup), clean_text(up)
        if found is None:
            if shown:
                ignored.append(shown)
            continue
        key, unit = found
        column = SheetColumn(key=key, index=c, header=shown, unit=unit)
        if key in columns:
            duplicates.append((key, columns[key], column))
        else:
            columns[key] = column
    while texts and not texts[-1]:
        texts.pop()
    return _Header(
        row=index,
        columns=columns,
        duplicates=duplicates,
        ignored=ignored,
        texts=texts,
        mapped=mapped,
    )


def find_header(
    rows: list[list[Any]],
    kind: Kind,
    merges: list[tuple[int, int, int, int]],
    *,
    mapping: Mapping[str, str] | None = None,
) -> _Header | None:
    """The row among the first ten that best matches the kind's headers (alone, or with the
    row above it as a group header); None when no row matches at least two columns or one
    required column. ``mapping``: headers of this file mapped to columns (see the module)."""
    lookup = _header_lookup(kind)
    bare = bare_mapping(kind, mapping)
    best: _Header | None = None
    for index in range(min(HEADER_SEARCH_ROWS, len(rows))):
        candidates = [_interpret(rows, index, lookup, merges, two_rows=False, mapping=bare)]
        if index > 0:
            candidates.append(_interpret(rows, index, lookup, merges, two_rows=True, mapping=bare))
        for candidate in candidates:
            if best is None or candidate.score > best.score:
                best = candidate
    if best is None:
        return None
    required = {c.key for c in kind.required}
    if best.score < 2 and not (required & set(best.columns)):
        return None
    return best


# The first characters of _FOOTER's words. clean_text only removes invisible characters, trims
# and collapses whitespace and turns full-width ASCII into ASCII: a text that holds none of these
# characters does not start with one of those words once cleaned.
_FOOTER_CHARS = frozenset("制填审负单分主经日备说注合总小")


def _is_footer(values: list[Any]) -> bool:
    for first in values:
        if first is not None:
            break
    else:
        return False
    if isinstance(first, str) and _FOOTER_CHARS.isdisjoint(first):
        return False
    return bool(_FOOTER.match(clean_text(first)))


def _is_column_numbers(values: list[Any]) -> bool:
    """A row such as 1 2 3 4 … (or (1) (2) …) that numbers the columns under a header."""
    numbers = []
    for value in values:
        if value is None:
            continue
        text = clean_text(value).strip("()（）")
        if not text.isdigit():
            return False
        numbers.append(int(text))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def read_sheet(
    path: Path | str,
    kind: Kind,
    *,
    file_name: str | None = None,
    stream: bool = False,
    mapping: Mapping[str, str] | ChooseMapping | None = None,
) -> Sheet:
    """Read a file as a sheet of ``kind``. Problems with the file as a whole (unreadable, no
    header, a missing required column, two columns for the same field) are in ``problems``.

    ``stream``: leave the data rows in the file, to come one at a time from
    :meth:`Sheet.each_row` (an import of many rows then never holds them all at once).
    ``mapping``: {header as the file writes it: column key, or "" not to import it}, taken
    before the kind's own header names (a column mapping, docs/import-export.md); or a function
    that is given the sheet's header as the kind alone reads it (a :class:`Sheet` without rows)
    and returns the mapping to read the file with — so that a mapping chosen by the file's
    layout costs no second reading of the file."""
    path = Path(path)
    name = file_name or path.name
    sheet = Sheet(kind=kind, file_name=name)
    try:
        cells, merges = open_cells(path, file_name=name)
        head: list[list[Any]] = []
        for row in cells:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if callable(mapping):
            plain = Sheet(kind=kind, file_name=name)
            _take_header(plain, find_header(head, kind, merges))
            mapping = mapping(plain)
        header = find_header(head, kind, merges, mapping=mapping)
        if not _take_header(sheet, header):
            return sheet
        assert header is not None
        wanted = [(c.key, c.index) for c in sheet.columns.values()]
        assert isinstance(cells, Cells)
        start_row = 0  # the first row to read (``Sheet.each_row(start=…)``)

        def data_rows() -> Iterator[tuple[int, list[Any]]]:
            for offset, row in enumerate(head[header.row + 1 :], start=header.row + 2):
                if offset >= start_row:
                    yield offset, row
            for row in cells:
                yield cells.number - 1, row

        def skip(start: int) -> None:
            nonlocal start_row
            start_row = start
            cells.skip_to(start)

        rows = _rows(data_rows(), wanted, sheet.header_row, sheet.problems.append)
        if stream:
            sheet.stream, sheet._skip, sheet.last_row = rows, skip, cells.last
        else:
            sheet.rows.extend(rows)
    except ReadError as exc:
        sheet.problems.append(SheetProblem(row=1, column="", message=str(exc)))
    return sheet


def _take_header(sheet: Sheet, header: _Header | None) -> bool:
    """Set the sheet's header (columns, unused headers, layout) and its problems (none found, two
    columns for one field, a required column missing); False when no header was found."""
    kind = sheet.kind
    if header is None:
        expected = "、".join(kind.standard_headers)
        sheet.problems.append(
            SheetProblem(
                row=1,
                column="",
                message=_("在前 %(n)d 行中找不到表头; 表头应包含: %(headers)s")
                % {"n": HEADER_SEARCH_ROWS, "headers": expected},
            )
        )
        return False
    sheet.header_row = header.row + 1
    sheet.columns = header.columns
    sheet.ignored = header.ignored
    sheet.headers = header.texts
    sheet.mapped = header.mapped
    for key, first, second in header.duplicates:
        sheet.problems.append(
            SheetProblem(
                row=sheet.header_row,
                column=second.header,
                index=second.index,
                message=_("“%(a)s”与“%(b)s”两列都是“%(header)s”, 请只保留一列")
                % {"a": first.header, "b": second.header, "header": kind.column(key).header},
            )
        )
    for column in kind.required:
        if column.key not in sheet.columns:
            sheet.problems.append(
                SheetProblem(
                    row=sheet.header_row,
                    column=column.header,
                    message=_("缺少必填列“%s”") % column.header,
                )
            )
    return True


def _rows(
    numbered: Iterator[tuple[int, list[Any]]],
    wanted: list[tuple[str, int]],
    header_row: int,
    problem: Callable[[SheetProblem], None],
) -> Iterator[Row]:
    """The data rows: up to a footer, without blank rows and a row of column numbers."""
    keys = [key for key, _index in wanted]
    indexes = [index for _key, index in wanted]
    reach = max(indexes, default=-1) + 1  # a row at least this wide holds every wanted cell
    pick = itemgetter(*indexes) if len(indexes) > 1 else lambda row: tuple(row[i] for i in indexes)
    try:
        for number, row in numbered:
            if _is_footer(row):
                break
            if len(row) >= reach:
                cells = pick(row)
            else:
                width = len(row)
                cells = tuple(row[i] if i < width else None for i in indexes)
            if cells.count(None) == len(cells):  # a blank row
                continue
            if number == header_row + 1 and _is_column_numbers(row):
                continue
            yield Row(number, dict(zip(keys, cells, strict=True)))
    except ReadError as exc:
        problem(SheetProblem(row=1, column="", message=str(exc)))
