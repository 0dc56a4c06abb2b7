"""The 专项台帐 as an Excel workbook: the entries the list shows (posted ones unless a status
is asked for) on the sheet 台帐明细, and their totals by category on the sheet 汇总, each under
a title row. Every text cell is written as text and neutralised (a cell starting with =, +, -
or @ gets a leading apostrophe), so nothing in the file is ever evaluated. Recipients are named
by name and 户编号, never by ID number. Each export writes an audit event."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.selectors import totals
from bangfu.transfer.exporters import WORKBOOK_OPTIONS, neutralise
from bangfu.transfer.importers import lowest_common_unit

if TYPE_CHECKING:
    from bangfu.accounts.models import User

DETAIL_SHEET = "台帐明细"
SUMMARY_SHEET = "汇总"
# (header, width)
DETAIL_COLUMNS = [
    ("编号", 16),
    ("日期", 11),
    ("项目", 22),
    ("类别", 12),
    ("收支", 6),
    ("来源", 18),
    ("受助对象", 24),
    ("金额(元)", 12),
    ("物品", 14),
    ("数量", 8),
    ("单位", 6),
    ("审批人", 10),
    ("状态", 8),
    ("摘要", 30),
    ("冲销", 22),
]
SUMMARY_COLUMNS = [
    ("类别", 16),
    ("金额(元)", 14),
    ("金额(万元)", 12),
    ("物品", 24),
    ("户次", 8),
    ("人次", 8),
    ("拨入(元)", 14),
    ("结余(元)", 14),
]


@dataclass(frozen=True)
class LedgerExport:
    rows: int
    file_name: str


def reversal_text(entry: LedgerEntry) -> str:
    """The 冲销 column: what a reversal reverses, or which entry reversed this one."""
    if entry.reverses_id and entry.reverses is not None:
        return _("冲销 %s") % entry.reverses.number
    later = getattr(entry, "reversed_by", None)
    if later is not None:
        return _("已被 %s 冲销") % later.number
    return ""


def detail_row(entry: LedgerEntry) -> list[Any]:
    return [
        entry.number,
        entry.date,
        entry.program.name if entry.program else "",
        entry.category,
        entry.get_direction_display(),
        entry.source_name,
        entry.recipient_name,
        entry.amount,
        entry.goods,
        entry.quantity,
        entry.goods_unit,
        entry.approver,
        entry.get_status_display(),
        entry.note,
        reversal_text(entry),
    ]


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#F2F3F5", "border": 1, "text_wrap": True}
        )
        self.text = workbook.add_format({"num_format": "@"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.money = workbook.add_format({"num_format": "#,##0.00"})
        self.wan = workbook.add_format({"num_format": "0.00"})
        self.number = workbook.add_format({"num_format": "0.##"})
        self.bold_money = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        self.bold_wan = workbook.add_format({"num_format": "0.00", "bold": True})
        self.bold = workbook.add_format({"bold": True})


def _cell(sheet: Any, row: int, col: int, value: Any, fmt: _Formats, number_fmt: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime.date):
        sheet.write_datetime(
            row, col, datetime.datetime(value.year, value.month, value.day), fmt.day
        )
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value), number_fmt)
    else:
        sheet.write_string(row, col, neutralise(str(value)), fmt.text)


def _head(sheet: Any, title: str, columns: list[tuple[str, int]], fmt: _Formats) -> None:
    sheet.write_string(0, 0, neutralise(title), fmt.title)
    for index, (header, width) in enumerate(columns):
        sheet.set_column(index, index, width)
        sheet.write_string(1, index, header, fmt.header)
    sheet.freeze_panes(2, 0)


def write_ledger(qs: QuerySet[LedgerEntry], dest: IO[bytes], *, title: str) -> int:
    """Write the workbook for ``qs`` to ``dest``; returns the number of entries."""
    workbook = xlsxwriter.Workbook(dest, {**WORKBOOK_OPTIONS, "constant_memory": False})
    fmt = _Formats(workbook)
    sheet = workbook.add_worksheet(DETAIL_SHEET)
    _head(sheet, title, DETAIL_COLUMNS, fmt)
    count = 0
    amount = Decimal(0)
    entries = qs.select_related("reversed_by").order_by("date", "number")
    for row, entry in enumerate(entries.iterator(chunk_size=2000), start=2):
        for col, value in enumerate(detail_row(entry)):
            number_fmt = fmt.money if col == 7 else fmt.number
            _cell(sheet, row, col, value, fmt, number_fmt)
        amount += entry.amount or Decimal(0)
        count += 1
    last = count + 2
    sheet.write_string(last, 0, _("合计"), fmt.bold)
    sheet.write_string(last, 6, _("%d 条") % count, fmt.bold)
    sheet.write_number(last, 7, float(amount), fmt.bold_money)

    summary = workbook.add_worksheet(SUMMARY_SHEET)
    _head(summary, _("%s · 按类别汇总 (已入账)") % title, SUMMARY_COLUMNS, fmt)
    result = totals(qs, by="category")
    for row, item in enumerate([*result.rows, result.total], start=2):
        is_total = item is result.total
        cells: list[tuple[Any, Any]] = [
            (item.label, None),
            (item.amount, fmt.bold_money if is_total else fmt.money),
            (item.amount_wan, fmt.bold_wan if is_total else fmt.wan),
            (item.goods_text, None),
            (item.household_times, fmt.number),
            (item.person_times, fmt.number),
            (item.income, fmt.money),
            (item.balance if item.income else None, fmt.money),
        ]
        for col, (value, number_fmt) in enumerate(cells):
            _cell(summary, row, col, value, fmt, number_fmt)
    if result.drafts:
        summary.write_string(
            len(result.rows) + 4,
            0,
            _("另有 %d 条草稿未入账, 不计入汇总") % result.drafts,
        )
    workbook.close()
    return count


def _audit_org(user: User) -> Any:
    scope = scope_of(user)
    if scope.is_sysadmin:
        return None
    return lowest_common_unit(scope.read_paths)


def export_ledger(
    *, user: User, qs: QuerySet[LedgerEntry], dest: IO[bytes], title: str, filters: str = ""
) -> LedgerExport:
    """Write the 专项台帐 of ``qs`` (already scoped and filtered) and record the export."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"专项台帐-{stamp}.xlsx"
    count = write_ledger(qs, dest, title=title)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=Action.EXPORT,
            org=_audit_org(user),
            object_type="ledger.ledgerentry",
            object_repr=name,
            summary=_("导出专项台帐 %d 条") % count,
            after={"rows": count, "file": name, "filters": filters},
        )
    return LedgerExport(rows=count, file_name=name)
