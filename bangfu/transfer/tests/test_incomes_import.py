"""incomes: a household's income by year from its own sheet (docs/import-export.md, "incomes").

The layout is the national system's 收入 page as a sheet: 户码, 户主姓名, 年度, 家庭人口 and
the parts 工资性收入, 生产经营性收入, 财产性收入, 转移性收入, 生产经营性支出, 家庭纯收入,
人均纯收入 (the form fields aac073, aac071, aac072, aac074 … of the household page of the
全国扶贫开发信息系统, as a public automation script for it lists them: search index file
17520266514). The parts there are the household's totals, which bangfu keeps per person.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from bangfu.audit.models import AuditEvent
from bangfu.registry.choices import Relation
from bangfu.registry.models import Household, HouseholdIncome, Member
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, plain_xlsx

pytestmark = pytest.mark.django_db
CODE = "450123100201000301"
NATIONAL = [
    "户码",
    "户主姓名",
    "年度",
    "家庭人口",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "生产经营性支出",
    "家庭纯收入",
    "人均纯收入",
]


def household(world, code: str = CODE, org=None, head_name: str = "陆大") -> Household:
    org = org or world.a1v
    head = PersonFactory(org=org, name=head_name)
    h = Household.objects.create(code=code, org=org, head=head)
    Member.objects.create(household=h, person=head, relation=Relation.HEAD)
    return h


def incomes(h: Household) -> dict[int, tuple]:
    return {
        i.year: (i.per_capita, i.wage, i.business, i.transfer)
        for i in HouseholdIncome.objects.filter(household=h)
    }


def test_a_national_income_sheet_sets_incomes_by_year_with_per_person_parts(world, tmp_path):
    h = household(world)
    HouseholdIncome.objects.create(household=h, year=2023, per_capita=Decimal("5000"))
    path = tmp_path / "收入.xlsx"
    messy_xlsx(
        path,
        NATIONAL,
        [
            [CODE, "陆大", 2023, 4, 16000, 6000, 500, 2400, 1000, 23900, 5975],
            [CODE, "陆大", "2024年", "4人", 20000, "0.8万元", None, 3000, 1200, 29800, 7450],
        ],
    )
    result = run_import("incomes", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (1, 1)
    assert incomes(h) == {
        2023: (Decimal("5975.00"), Decimal("4000.00"), Decimal("1500.00"), Decimal("600.00")),
        2024: (Decimal("7450.00"), Decimal("5000.00"), Decimal("2000.00"), Decimal("750.00")),
    }
    # The parts bangfu has no field for are reported, not dropped silently.
    assert {"财产性收入", "生产经营性支出", "家庭纯收入"} <= set(result.ignored)
    event = AuditEvent.objects.get(action="import")
    assert event.after["kind"] == "incomes" and event.after["created"] == 1

    # Importing the same sheet again changes nothing; an export imports back unchanged.
    result = run_import("incomes", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)
    out = tmp_path / "导出.xlsx"
    export_kind(get_kind("incomes"), user=world.unit_admin, dest=out, unmask=True)
    result = run_import("incomes", out, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)


def test_without_household_size_the_parts_are_per_person_and_empty_cells_keep_values(
    world, tmp_path
):
    h = household(world)
    HouseholdIncome.objects.create(
        household=h, year=2024, per_capita=Decimal("6000"), transfer=Decimal("900")
    )
    path = tmp_path / "收入.csv"
    path.write_text(
        f"户编号,年份,人均纯收入,工资性收入\n{CODE},2024,6100,4000\n{CODE},2025,,3000\n",
        encoding="utf-8",
    )
    result = run_import("incomes", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "人均纯收入", f"户 {CODE} 尚无 2025 年度的收入记录, 人均纯收入不能为空")
    ]
    assert incomes(h) == {2024: (Decimal("6000.00"), None, None, Decimal("900.00"))}
    path.write_text(f"户编号,年份,人均纯收入,工资性收入\n{CODE},2024,6100,4000\n", "utf-8")
    result = run_import("incomes", path, actor=world.unit_admin)
    assert (result.errors, result.updated) == ([], 1)
    assert incomes(h) == {2024: (Decimal("6100.00"), Decimal("4000.00"), None, Decimal("900.00"))}


def test_one_bad_row_and_nothing_is_written(world, tmp_path):
    h = household(world)
    household(world, code="450124100201000001", org=world.b1, head_name="乙户主")
    next_year = timezone.localdate().year + 1
    path = tmp_path / "收入.xlsx"
    plain_xlsx(
        path,
        ["户编号", "年度", "人均纯收入", "户主姓名", "家庭人口", "工资性收入"],
        [
            [CODE, 2023, 5000, "陆大", 3, 9000],  # fine
            [CODE, 1948, 5000, None, None, None],
            [CODE, next_year, 5000, None, None, None],
            ["NOPE", 2023, 5000, None, None, None],
            [CODE, 2022, -1, None, None, None],
            [CODE, 2021, 5000, "陆二", None, None],
            ["450124100201000001", 2023, 5000, None, None, None],
            [CODE, 2020, 4000, None, 0, 3000],
            [CODE, 2023, 5100, None, None, None],  # 2023 twice
        ],
    )
    result = run_import("incomes", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "年度", f"收入 户 {CODE} 的 2023 年度 与第 10 行重复, 同一文件中只能出现一次"),
        (3, "年度", f"年度应在 1949-{timezone.localdate().year} 之间, 实际为 1948"),
        (4, "年度", f"年度应在 1949-{timezone.localdate().year} 之间, 实际为 {next_year}"),
        (5, "户编号", "户编号 NOPE 不存在, 请先导入户"),
        (6, "人均纯收入", "人均纯收入不能为负数"),
        (7, "户主姓名", f"户主姓名“陆二”与户 {CODE} 已登记的户主“陆大”不一致"),
        (8, "户编号", "无权导入到单位 450124100 (乙镇)"),
        (9, "家庭人口", "家庭人口应在 1-99 之间, 实际为 0"),
        (10, "年度", f"收入 户 {CODE} 的 2023 年度 与第 2 行重复, 同一文件中只能出现一次"),
    ]
    assert (result.created, result.updated) == (0, 0)
    assert not HouseholdIncome.objects.filter(household=h).exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_the_template_and_an_empty_year_cell(world, tmp_path):
    from bangfu.transfer.blanks import write_template

    path = tmp_path / "t.xlsx"
    write_template(get_kind("incomes"), path)
    result = run_import("incomes", path, actor=world.unit_admin)
    assert (result.rows, result.errors) == (0, [])
    household(world)
    plain_xlsx(path, ["户编号", "年度", "人均纯收入"], [[CODE, None, 5000]])
    result = run_import("incomes", path, actor=world.unit_admin)
    assert [(e.column, e.message) for e in result.errors] == [("年度", "年度不能为空")]


def test_a_row_without_household_size_in_a_sheet_with_that_column_is_read_per_person_and_said(
    world, tmp_path
):
    h = household(world)
    path = tmp_path / "收入.xlsx"
    plain_xlsx(
        path,
        ["户编号", "年度", "人均纯收入", "家庭人口", "工资性收入"],
        [[CODE, 2023, 5000, 4, 8000], [CODE, 2024, 5200, None, 3000]],
    )
    result = run_import("incomes", path, actor=world.unit_admin)
    assert result.errors == []
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (3, "家庭人口", "该行家庭人口为空, 各项收入按人均 (元/人) 读取")
    ]
    assert incomes(h) == {
        2023: (Decimal("5000.00"), Decimal("2000.00"), None, None),
        2024: (Decimal("5200.00"), Decimal("3000.00"), None, None),
    }
