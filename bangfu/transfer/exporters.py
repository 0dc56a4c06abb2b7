"""Export: the standard sheet of a kind, written back from the records the user may see.

Personal data is leaving the system, so:

- ID numbers and phone numbers are masked (``4501**********1234``, ``138****1234``) unless the
  export asks for them unmasked *and* the user may reveal them for every exported row's unit
  (``Scope.can_reveal_in``; a system administrator may);
- a text cell that a spreadsheet could take for a formula (starting with =, +, -, @, a tab or a
  carriage return) gets a leading apostrophe, and every text cell is written as a string, so
  nothing in an exported file is ever evaluated; ID numbers and codes stay text, so Excel keeps
  every digit (the importer removes that apostrophe again);
- every export writes an audit event (action ``export``) naming the kind, the row count and
  whether numbers were masked.

The columns are those of the kind's template, so an unmasked export imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bangfu.accounts.scope import Scope, scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.masking import mask_id_number, mask_phone
from bangfu.core.tree import any_prefix_q
from bangfu.orgs.models import Org
from bangfu.transfer.importers import lowest_common_unit
from bangfu.transfer.reader import FORMULA_STARTS
from bangfu.transfer.spec import Kind

if TYPE_CHECKING:
    from bangfu.accounts.models import User

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
CHUNK = 2000


def neutralise(value: str) -> str:
    """A text that no spreadsheet will run as a formula: "'=cmd|…" for "=cmd|…"."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def may_read(scope: Scope) -> bool:
    return scope.is_sysadmin or bool(scope.read_paths)


def may_unmask(kind: Kind, qs: QuerySet[Any], scope: Scope) -> bool:
    """Whether the user may reveal the full numbers of every row of ``qs``."""
    if scope.is_sysadmin or not kind.has_personal:
        return True
    if not scope.reveal_paths:
        return False
    return not qs.exclude(any_prefix_q(kind.org_path, list(scope.reveal_paths))).exists()


def export_queryset(
    kind: Kind, *, user: Any, params: Mapping[str, str] | None = None
) -> QuerySet[Any]:
    """The records of ``kind`` the user may see, with the list page's filters applied."""
    qs = kind.prepare(kind.queryset(user))
    if params and kind.filters is not None:
        qs = kind.filters(qs, params, user)
    return qs


@dataclass(frozen=True)
class ExportOutcome:
    kind: str
    rows: int
    masked: bool
    file_name: str


def _cells(kind: Kind, record: Any, masked: bool) -> list[Any]:
    values = kind.row(record)
    cells = []
    for column in kind.columns:
        value = values.get(column.key)
        if masked and value and column.personal == "id":
            value = mask_id_number(str(value))
        elif masked and value and column.personal == "phone":
            value = mask_phone(str(value))
        cells.append(value)
    return cells


def _records(qs: QuerySet[Any]) -> Iterable[Any]:
    return qs.iterator(chunk_size=CHUNK)


def write_xlsx(kind: Kind, records: Iterable[list[Any]], dest: str | Path | IO[bytes]) -> int:
    """Write the header and the rows (cells in column order) as the kind's sheet."""
    target = str(dest) if isinstance(dest, Path) else dest
    workbook = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(str(kind.label)[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#F2F3F5", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(kind.columns):
        sheet.set_column(index, index, column.width, text if column.text else None)
        sheet.write_string(0, index, column.header, header)
    sheet.freeze_panes(1, 0)
    count = 0
    for number, cells in enumerate(records, start=1):
        for index, (column, value) in enumerate(zip(kind.columns, cells, strict=True)):
            write_cell(sheet, number, index, value, text=text if column.text else None, day=day)
        count += 1
    workbook.close()
    return count


def write_cell(sheet: Any, row: int, col: int, value: Any, *, text: Any, day: Any) -> None:
    """One cell: dates as dates, numbers as numbers, everything else as (neutralised) text."""
    if value is None or value == "":
        return
    if isinstance(value, datetime.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), day)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, datetime.datetime(value.year, value.month, value.day), day)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    else:
        sheet.write_string(row, col, neutralise(str(value)), text)


def write_csv(kind: Kind, records: Iterable[list[Any]], dest: str | Path | IO[bytes]) -> int:
    """The same sheet as UTF-8 CSV with a BOM (so that Excel opens it with the right encoding)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(kind.headers)
    count = 0
    for cells in records:
        writer.writerow([_csv_cell(v) for v in cells])
        count += 1
    data = buffer.getvalue().encode("utf-8-sig")
    if isinstance(dest, str | Path):
        Path(dest).write_bytes(data)
    else:
        dest.write(data)
    return count


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(value)
    return neutralise(str(value))


def _audit_org(scope: Scope) -> Org | None:
    """The unit whose administrators read this export's audit event: the lowest unit above
    everything the user reads (none for a system administrator: only they read it)."""
    if scope.is_sysadmin:
        return None
    return lowest_common_unit(scope.read_paths)


def export_kind(
    kind: Kind,
    *,
    user: User | Any,
    dest: str | Path | IO[bytes],
    unmask: bool = False,
    params: Mapping[str, str] | None = None,
    file_name: str = "",
    fmt: str = "xlsx",
) -> ExportOutcome:
    """Write the kind's sheet for ``user`` to ``dest`` and record the export.

    ``unmask`` is honoured only when the user may reveal every row's numbers; the outcome says
    whether the file is masked. Raises PermissionDenied for a user who reads no unit.
    """
    scope = scope_of(user)
    if not may_read(scope):
        raise PermissionDenied(_("无权导出数据"))
    qs = export_queryset(kind, user=user, params=params)
    masked = kind.has_personal and not (unmask and may_unmask(kind, qs, scope))
    records = (_cells(kind, record, masked) for record in _records(qs))
    writer = write_csv if fmt == "csv" else write_xlsx
    count = writer(kind, records, dest)
    name = file_name or (Path(dest).name if isinstance(dest, str | Path) else "")
    with transaction.atomic():
        audit_record(
            actor=user,
            action=Action.EXPORT,
            org=_audit_org(scope),
            object_type=f"transfer.{kind.name}",
            object_repr=name[:200],
            summary=_summary(kind, count, masked),
            after={"kind": kind.name, "rows": count, "masked": masked, "file": name},
        )
    return ExportOutcome(kind=kind.name, rows=count, masked=masked, file_name=name)


def _summary(kind: Kind, count: int, masked: bool) -> str:
    summary = _("导出%(label)s %(rows)d 行") % {"label": kind.label, "rows": count}
    if kind.has_personal:
        summary += _(", 身份证号和电话已遮蔽") if masked else _(", 含完整身份证号和电话")
    return summary
