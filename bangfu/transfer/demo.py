"""Sample files for the import page: the roster of 浪湾村's newly identified households as a
township office really sends it (a title row, a two-row header, 序号, full-width digits, a
lowercase x, dates in several forms, a footer), once with three mistakes and once corrected.

They are written to ``<data folder>/samples/``; the README tells a newcomer to upload the first,
read the errors, download the marked workbook, then upload the second."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import openpyxl
from django.conf import settings

from bangfu.core.idnumber import id_check_digit
from bangfu.core.seeding import DemoContext

VILLAGE = "450123104203"  # 浪湾村
HEADERS = [
    "户编号",
    "户主姓名",
    "户主身份证号",
    "所属组织编码",
    "致贫原因",
    "人均纯收入(万元)",
    "识别日期",
    "状态",
]
NAMES = ["黄德明", "陆秀兰", "农建华", "覃玉梅", "韦志刚", "蒙金凤", "梁永红", "罗春花"]
DATES = [
    "2026-03-02",
    "2026/3/5",
    "2026年3月8日",
    "2026.3",
    "46090",
    "2026-03-12",
    "2026/3/15",
    "2026年3月18日",
]
CAUSES = ["因病", "因学", "缺技术", "因残", "缺劳动力", "缺资金", "因病", "缺技术"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _id(rng: random.Random) -> str:
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 12000))
    first17 = f"450123{birth:%Y%m%d}{rng.randint(0, 99):02d}{rng.choice('13579')}"
    return first17 + id_check_digit(first17)


def rows(*, mistakes: bool) -> list[list[object]]:
    rng = random.Random("浪湾村 2026")
    out: list[list[object]] = []
    for i, name in enumerate(NAMES):
        number = _id(rng)
        if i == 1:
            number = number[:-1] + number[-1].lower().replace("x", "x")
            number = number.translate(FULL)  # full-width digits, as typed on a phone
        income = f"0.{rng.randint(30, 42)}"  # 万元
        date: object = DATES[i]
        if DATES[i].isdigit():
            date = int(DATES[i])  # an Excel serial date
        row: list[object] = [
            f"LW2026{i + 1:03d}",
            name,
            number,
            VILLAGE,
            CAUSES[i],
            income,
            date,
            "新识别",
        ]
        out.append(row)
    if mistakes:
        out[2][2] = str(out[2][2])[:-1]  # 17 digits
        out[4][6] = "2026-02-30"  # no such day
        out[6][7] = "脱贫"  # a first status cannot be 脱贫
    return out


def write(path: Path, data: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "新识别户花名册"
    width = len(HEADERS) + 1
    ws.cell(1, 1, "那桐镇浪湾村2026年新识别贫困户花名册")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "填报单位: 浪湾村村委会")
    ws.cell(3, 1, "序号")
    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    ws.cell(3, 2, "户编号")
    ws.merge_cells(start_row=3, start_column=2, end_row=4, end_column=2)
    ws.cell(3, 3, "户主信息")
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=4)
    ws.cell(4, 3, "姓名")
    ws.cell(4, 4, "身份证号码")
    for c, header in enumerate(HEADERS[3:], start=5):
        ws.cell(3, c, header)
        ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    r = 5
    for k, values in enumerate(data):
        ws.cell(r, 1, k + 1)
        for c, value in enumerate(values, start=2):
            ws.cell(r, c, value)
        r += 1
    ws.cell(r + 1, 1, "制表人：韦丽")
    ws.cell(r + 1, 5, "审核人：黄海")
    ws.cell(r + 2, 1, "日期: 2026年3月20日")
    for col in "ABCDEFGHI":
        ws.column_dimensions[col].width = 16
    wb.save(path)


def seed(ctx: DemoContext) -> None:
    folder = Path(settings.DATA_DIR) / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    for name, mistakes in (
        ("浪湾村新识别户-有错误.xlsx", True),
        ("浪湾村新识别户-已更正.xlsx", False),
    ):
        path = folder / name
        if not path.exists():
            write(path, rows(mistakes=mistakes))
            ctx.count("示例导入文件")
