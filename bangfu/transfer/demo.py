"""Sample files for the import page: the roster of 浪湾村's newly identified households as a
township office really sends it (a title row, a two-row header, 序号, full-width digits, a
lowercase x, dates in several forms, a footer), once with three mistakes and once corrected;
and an export of the national system for 那桐镇 (:func:`national_rows`): one row per person,
户码, 县/乡/村/组 names, 证件号码, 与户主关系, 文化程度, 在校生状况 as grades (八年级), 劳动技能,
识别时间 as 2014 or 201410, 致贫原因 (one as its national code), 脱贫户 with 脱贫年度, and
columns bangfu does not use (序号, 人编号, 性别, 民族).

They are written to ``<data folder>/samples/``; the README tells a newcomer to upload the first,
read the errors, download the marked workbook, then upload the second; the third imports as
households (docs/import-export.md, "The national systems' exports") with its ignored columns and
its warnings shown."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import openpyxl
import openpyxl.utils
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


# The national system's member list, as its export writes it (the @Excel names of the county
# systems built on it: 县(市、区、旗), 乡(镇), 行政村, 户编号/户码, 人编号, 姓名, 证件号码,
# 与户主关系, 民族 …; see bangfu/transfer/tests/national.py for the sources).
NATIONAL_FILE = "那桐镇家庭成员-国家系统导出.xlsx"
NATIONAL_HEADERS = [
    "序号",
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "村民小组",
    "户码",
    "人编号",
    "姓名",
    "性别",
    "证件号码",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "识别时间",
    "致贫原因",
    "状态",
    "脱贫年度",
]
# (行政村 as the export writes it, 组, 户码, 识别时间, 致贫原因, 状态, 脱贫年度, the members as
# (name, sex, ages, 与户主关系, 健康状况, 文化程度, 在校生状况 as a grade where in school,
# 劳动技能)). 致贫原因 "8" is the national code of 缺劳力 (docs/import-export.md,
# "Vocabularies"). 浪湾村 and 定江村 have no 组 units: the households go to the village, with a
# warning. The last 户码 carries the code of a village since merged into 那桐村 (450123104204 is
# no unit): that household is found by its names, 那桐 read as 那桐镇.
NATIONAL_HOUSEHOLDS: list[tuple[str, str, str, str, str, str, str, list[tuple]]] = [
    (
        "浪湾村",
        "一组",
        "4501231042030101",
        "2014",
        "因病",
        "脱贫户",
        "2017",
        [
            (
                "韦德光",
                "M",
                (48, 55),
                "户主",
                "长期慢性病",
                "初中",
                "非在校生",
                "弱劳动力或半劳动力",
            ),
            ("蒙桂香", "F", (45, 52), "配偶", "健康", "小学", "非在校生", "普通劳动力"),
            ("韦小军", "M", (13, 14), "之子", "健康", "小学", "八年级", "无劳动力"),
        ],
    ),
    (
        "定江村委会",
        "三组",
        "4501231042020033",
        "201410",
        "8",  # the national code of 缺劳力
        "脱贫户",
        "2019",
        [
            ("农秀芳", "F", (55, 60), "户主", "残疾", "文盲或半文盲", "非在校生", "丧失劳动力"),
            ("农丽娟", "F", (20, 24), "之女", "健康", "高中", "非在校生", "普通劳动力"),
            ("黄玉兰", "F", (78, 82), "之母", "患有大病", "文盲或半文盲", "非在校生", "丧失劳动力"),
        ],
    ),
    (
        "那桐村委会",
        "",
        "4501231042040207",
        "2016",
        "因学",
        "帮扶中",
        "",
        [
            ("陆志强", "M", (40, 45), "户主", "健康", "初中", "非在校生", "普通劳动力"),
            ("潘金凤", "F", (38, 43), "配偶", "健康", "初中", "非在校生", "普通劳动力"),
            ("陆美玲", "F", (17, 18), "之女", "健康", "初中", "普通高中三年级", "无劳动力"),
        ],
    ),
]


def national_rows() -> list[list[object]]:
    """The rows of the national export: one per person, the household's cells on every row."""
    rng = random.Random("那桐镇 国家系统导出")
    out: list[list[object]] = []
    for village, group, code, identified, cause, status, exited, members in NATIONAL_HOUSEHOLDS:
        for k, person in enumerate(members, start=1):
            name, sex, (young, old), relation, health, education, schooling, labour = person
            days = rng.randint(young * 365 + 10, old * 365 - 10)
            birth = datetime.date(2026, 1, 1) - datetime.timedelta(days=days)
            first17 = f"450123{birth:%Y%m%d}{rng.randint(50, 99):02d}"
            first17 += rng.choice("13579" if sex == "M" else "02468")
            out.append(
                [
                    len(out) + 1,
                    "隆安县",
                    "那桐",
                    village,
                    group or None,
                    code,
                    f"{code}{k:02d}",
                    name,
                    "男" if sex == "M" else "女",
                    first17 + id_check_digit(first17),
                    relation,
                    "壮族",
                    education,
                    schooling,
                    health,
                    labour,
                    identified,
                    cause,
                    status,
                    exited or None,
                ]
            )
    return out


def write_national(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "家庭成员信息"
    ws.cell(1, 1, "全国防返贫监测信息系统 家庭成员信息 (隆安县那桐镇)")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(NATIONAL_HEADERS))
    for c, header in enumerate(NATIONAL_HEADERS, start=1):
        ws.cell(2, c, header)
    for r, values in enumerate(national_rows(), start=3):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value).number_format = "@" if isinstance(value, str) else "General"
    for c in range(1, len(NATIONAL_HEADERS) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 14
    wb.save(path)


# The union's roster of workers in difficulty as a grassroots branch keeps it (a title row, 序号,
# the worker's unit by name, 致困原因 and 困难程度, 家庭人口 and 月收入 that bangfu does not keep,
# 建档时间 as a month), for gonghui (南宁公交集团): import as 困难职工 (workers).
WORKERS_FILE = "公交集团困难职工名册.xlsx"
WORKERS_HEADERS = [
    "序号",
    "姓名",
    "身份证号",
    "所属工会",
    "致困原因",
    "困难程度",
    "家庭人口",
    "月收入(元)",
    "联系电话",
    "建档时间",
]
WORKERS = [
    ("梁建新", "M", 52, "第一分公司基层分会", "因病", "深度困难", 4, 2100, "2025.11"),
    ("莫丽萍", "F", 46, "第一分公司基层分会", "单亲家庭", "一般困难", 2, 2600, "2026.3"),
    ("黄志勇", "M", 49, "第二分公司基层分会", "子女就学负担重", "相对困难", 5, 3100, "2025.9"),
]
# A school's student aid list (学生资助名单) as the school keeps it: the student named, not the
# head; 年级 as a grade name; 资助项目 and 资助金额, for xuexiao (隆安县城区实验小学): import as
# 学生 (students). The class's unit code places a student new to the registry.
STUDENTS_FILE = "实验小学学生资助名单.xlsx"
STUDENTS_HEADERS = [
    "序号",
    "学生姓名",
    "性别",
    "身份证号",
    "年级",
    "班级",
    "所属组织编码",
    "资助项目",
    "资助金额(元)",
    "家长姓名",
]
STUDENTS = [
    ("农佳怡", "F", 10, "五年级", "五(1)班", "LAX-SYXX-G5-1", "营养改善计划", 800, "农海"),
    (
        "陆俊宇",
        "M",
        11,
        "五年级",
        "五(2)班",
        "LAX-SYXX-G5-2",
        "家庭经济困难学生生活补助",
        500,
        "陆强",
    ),
    ("覃雨萱", "F", 10, "五年级", "五(2)班", "LAX-SYXX-G5-2", "营养改善计划", 800, "覃玉"),
]


def _person_number(rng: random.Random, sex: str, age: int) -> str:
    birth = datetime.date(2026, 1, 1) - datetime.timedelta(days=age * 365 + rng.randint(10, 300))
    first17 = f"450123{birth:%Y%m%d}{rng.randint(50, 99):02d}"
    first17 += rng.choice("13579" if sex == "M" else "02468")
    return first17 + id_check_digit(first17)


def _plain_sheet(path: Path, title: str, headers: list[str], rows: list[list[object]]) -> None:
    """A sheet with a title row above its header, as offices keep their lists."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for c, header in enumerate(headers, start=1):
        ws.cell(2, c, header)
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value).number_format = "@" if isinstance(value, str) else "General"
    for c in range(1, len(headers) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 16
    wb.save(path)


def workers_rows() -> list[list[object]]:
    rng = random.Random("公交集团 困难职工")
    return [
        [k, name, _person_number(rng, sex, age), union, cause, level, size, income,
         f"139{rng.randint(10000000, 99999999)}", since]
        for k, (name, sex, age, union, cause, level, size, income, since) in enumerate(
            WORKERS, start=1
        )
    ]  # fmt: skip


def students_rows() -> list[list[object]]:
    rng = random.Random("实验小学 学生资助")
    return [
        [k, name, "男" if sex == "M" else "女", _person_number(rng, sex, age), grade, klass,
         unit, aid, amount, parent]
        for k, (name, sex, age, grade, klass, unit, aid, amount, parent) in enumerate(
            STUDENTS, start=1
        )
    ]  # fmt: skip


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
    path = folder / NATIONAL_FILE
    if not path.exists():
        write_national(path)
        ctx.count("示例导入文件")
    for name, title, headers, make in (
        (WORKERS_FILE, "南宁公交集团困难职工名册", WORKERS_HEADERS, workers_rows),
        (
            STUDENTS_FILE,
            "隆安县城区实验小学2026年春季学期学生资助名单",
            STUDENTS_HEADERS,
            students_rows,
        ),
    ):
        path = folder / name
        if not path.exists():
            _plain_sheet(path, title, headers, make())
            ctx.count("示例导入文件")
