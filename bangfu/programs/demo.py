"""Demo programs: one for each of the six templates, run by the offices of the demo tree."""

from __future__ import annotations

import datetime

from bangfu.core.seeding import DemoContext
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.programs.services import load_builtin_templates, program_create

D = datetime.date

# code, name, template, organiser, area, start
PROGRAMS = [
    (
        "2026-JZ",
        "隆安县2026年精准扶贫一对一结对帮扶",
        "jingzhun",
        "LAX-FPB",
        "450123",
        D(2026, 1, 5),
    ),
    (
        "2026-SYG",
        "城区实验小学2026年教师结对帮扶留守儿童 (四个一)",
        "siyige",
        "LAX-SYXX",
        "LAX-SYXX",
        D(2025, 9, 1),
    ),
    (
        "2026-ST",
        "城区实验小学与农村学校新教师师徒结对",
        "shitu",
        "LAX-SYXX",
        "450123",
        D(2025, 9, 1),
    ),
    (
        "2026-CX",
        "隆安县城乡学校结对帮扶 (2025—2027)",
        "chengxiang",
        "LAX-JYJ",
        "450123",
        D(2025, 9, 1),
    ),
    ("2026-KN", "南宁公交集团2026年困难职工帮扶", "kunnan", "NNBUS-GH", "NNBUS", D(2026, 1, 1)),
    ("2026-BC", "南宁市农业委员会包扶定江村", "baocun", "NN-NWH", "450123104202", D(2024, 3, 1)),
]


def seed(ctx: DemoContext) -> None:
    created = load_builtin_templates()
    if created:
        ctx.count("项目模板", created)
    for code, name, template, org, area, start in PROGRAMS:
        if Program.objects.filter(code=code).exists():
            continue
        program_create(
            actor=ctx.users["admin"],
            code=code,
            name=name,
            template=ProgramTemplate.objects.get(code=template),
            org=ctx.orgs[org],
            area=ctx.orgs[area],
            start=start,
        )
        ctx.count("帮扶项目")
