"""The downloadable standard template of each kind (导入模板).

Sheet one has the header row: the contract's headers in contract order, then the optional
columns. Required headers are red and every header carries a note with its explanation; choice
columns offer their allowed values as a drop-down (a warning, not a refusal, so the other words
the importer understands can still be typed); ID numbers, codes and phones are text columns, so
Excel keeps every digit. Sheet two, 填写说明, explains each column, its allowed values and the
rules shared by every sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import xlsxwriter
from django.utils.translation import gettext as _

from bangfu.transfer.exporters import WORKBOOK_OPTIONS
from bangfu.transfer.reader import INSTRUCTIONS_SHEET
from bangfu.transfer.spec import Kind

TEMPLATE_ROWS = 1000  # rows the drop-downs and text formats cover
DROPDOWN_LIMIT = 255  # Excel's limit on an inline list's length


def general_rules() -> list[str]:
    return [
        _(
            "表头必须在前 10 行内; 表头上方可以有标题行, 可以有“序号”列, "
            "表尾的制表人、日期、合计等行不会导入。"
        ),
        _("红色表头为必填列; 其余为可选列, 可以删去不用的可选列。空白单元格不会清除已有数据。"),
        _("日期可写作 2014-06-01、2014/6/1、2014年6月1日、2014.6 (当月 1 日) 或 Excel 日期。"),
        _("金额单位为元; 表头写成“人均纯收入(万元)”时按万元读取。"),
        _("身份证号请设为文本格式, 以免 Excel 把它变成科学计数法而丢失末位; 末位 x 大小写均可。"),
        _(
            "导入时全部行先校验: 只要有一行有错, 就不会导入任何数据; "
            "可下载标出错误的表格, 改正后重新导入。"
        ),
        _("同一记录再次导入时更新原记录, 不会重复登记 (人员按身份证号, 户按户编号, 单位按编码)。"),
    ]


def write_template(kind: Kind, dest: str | Path | IO[bytes]) -> None:
    """Write the kind's blank template (.xlsx) to ``dest``."""
    options = dict(WORKBOOK_OPTIONS, constant_memory=False)
    workbook = xlsxwriter.Workbook(str(dest) if isinstance(dest, Path) else dest, options)
    sheet = workbook.add_worksheet(str(kind.label)[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#F2F3F5", "border": 1})
    required = workbook.add_format(
        {"bold": True, "bg_color": "#F2F3F5", "border": 1, "font_color": "#C0392B"}
    )
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(kind.columns):
        sheet.set_column(index, index, column.width, text if column.text else None)
        sheet.write_string(0, index, column.header, required if column.required else header)
        if column.help:
            sheet.write_comment(0, index, str(column.help), {"x_scale": 2, "y_scale": 1.5})
        allowed = column.allowed()
        if allowed and not column.multiple and len(",".join(allowed)) <= DROPDOWN_LIMIT:
            sheet.data_validation(
                1,
                index,
                TEMPLATE_ROWS,
                index,
                {
                    "validate": "list",
                    "source": allowed,
                    "error_type": "warning",
                    "error_title": column.header,
                    "error_message": _("请从列表中选择"),
                },
            )
    sheet.freeze_panes(1, 0)

    notes = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format(
        {"bold": True, "bg_color": "#F2F3F5", "border": 1, "text_wrap": True}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 60)
    notes.set_column(3, 3, 40)
    notes.set_column(4, 4, 36)
    notes.write_string(0, 0, _("%s导入模板 填写说明") % kind.label, title)
    notes.write_string(1, 0, str(kind.description))
    heads = [_("列名"), _("必填"), _("说明"), _("可填写的值"), _("也可识别的表头")]
    for col, text_ in enumerate(heads):
        notes.write_string(3, col, text_, bold)
    row = 4
    for column in kind.columns:
        help_text = str(column.help)
        if column.amount:
            help_text = (help_text + " " + _("(金额)")).strip()
        if column.date:
            help_text = help_text or _("日期")
        values = "、".join(column.allowed())
        if column.multiple:
            values = _("可填多个: ") + values
        notes.write_string(row, 0, column.header, wrap)
        notes.write_string(row, 1, _("是") if column.required else _("否"), wrap)
        notes.write_string(row, 2, help_text, wrap)
        notes.write_string(row, 3, values, wrap)
        notes.write_string(row, 4, "、".join(column.synonyms), wrap)
        row += 1
    row += 1
    notes.write_string(row, 0, _("通用规则"), title)
    for rule in general_rules():
        row += 1
        notes.write_string(row, 0, rule)
    workbook.close()


def template_name(kind: Kind) -> str:
    return _("%s导入模板.xlsx") % kind.label
