"""incomes: 户编号, 年度, 人均纯收入 (+ 工资性收入, 生产经营性收入, 转移性收入, 家庭人口, 户主姓名).

The national systems keep a household's income as a sheet of its own (户码, 年度 and the parts,
as the 全国扶贫开发信息系统's 收入 page: 工资性收入, 生产经营性收入, 财产性收入, 转移性收入,
生产经营性支出; docs/import-export.md, "incomes"). Each row sets the household's
``HouseholdIncome`` of that year (unique per household and year): a year not on file is
created, a year on file updated with the filled cells; an empty cell keeps what is stored.

The parts are per person (元/人), as bangfu keeps them (the household page and the checks I002 /
I003 compare their sum with 人均纯收入). In a sheet with a 家庭人口 column the parts are the
household's totals, as the national sheets give them, and are divided by it; a row whose
家庭人口 is empty gives them per person (bangfu's own export leaves it empty), with a warning when
the sheet has that column, so that the reading is never a silent guess. A part bangfu has
no field for (财产性收入, 生产经营性支出, 家庭纯收入 …) is not a column of this kind: the import
lists it among the ignored columns.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import clean_text
from bangfu.registry.models import Household, HouseholdIncome
from bangfu.registry.selectors import household_list
from bangfu.transfer.importers import (
    WRITE_BATCH,
    Importer,
    bulk_update,
    fetch_in,
    group_rows,
)
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import household_named, org_subtree_filter, same_name
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import HOUSEHOLD_CODE_SYNONYMS, Column, Kind

FIRST_YEAR = 1949
PARTS = ("wage", "business", "transfer")
CENT = Decimal("0.01")

COLUMNS = (
    Column(
        "code",
        "户编号",
        _lazy("已登记的户的户编号 (国家系统的户码)"),
        required=True,
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        width=20,
    ),
    Column(
        "year",
        "年度",
        _lazy("收入的年度, 1949 年至今年, 如 2024 或 2024年"),
        required=True,
        synonyms=("年份", "收入年度", "统计年度", "收入年份", "年"),
        width=8,
    ),
    Column(
        "per_capita",
        "人均纯收入",
        _lazy("元/人; 表头写“人均纯收入(万元)”时按万元读取; 该年度尚无收入记录时必填"),
        amount=True,
        synonyms=("家庭人均纯收入", "人均收入", "年人均纯收入", "人均纯收入(元)"),
    ),
    Column(
        "wage",
        "工资性收入",
        _lazy("人均 (元/人); 填写了“家庭人口”的行为全户合计, 按人口折算为人均"),
        amount=True,
        synonyms=("人均工资性收入", "工资收入", "务工收入"),
        standard=False,
    ),
    Column(
        "business",
        "生产经营性收入",
        _lazy("人均 (元/人); 填写了“家庭人口”的行为全户合计, 按人口折算为人均"),
        amount=True,
        synonyms=("人均生产经营性收入", "经营性收入", "家庭经营性收入", "生产经营收入"),
        standard=False,
        width=16,
    ),
    Column(
        "transfer",
        "转移性收入",
        _lazy("人均 (元/人); 填写了“家庭人口”的行为全户合计, 按人口折算为人均"),
        amount=True,
        synonyms=("人均转移性收入", "转移收入", "政策性收入"),
        standard=False,
    ),
    Column(
        "size",
        "家庭人口",
        _lazy("填写时各项收入按全户合计读取并除以家庭人口; 留空按人均读取并提示; 本身不保存"),
        synonyms=("家庭人口数", "家庭人数", "户人口数", "人口数", "家庭成员人数"),
        standard=False,
        width=10,
    ),
    Column(
        "head_name",
        "户主姓名",
        _lazy("可不填; 填写时须与该户已登记的户主姓名一致"),
        synonyms=("户主", "户主名称"),
        standard=False,
    ),
)


class IncomeImporter(Importer):
    """Creates and updates households' incomes by year (``HouseholdIncome``)."""

    def _parse(self, row: Row) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.text(row, "code", required=True, max_length=40, compact=True),
            "year": self._year(row),
            "per_capita": self.amount(row, "per_capita") if self.has("per_capita") else None,
            "head_name": self.text(row, "head_name", max_length=50, compact=True)
            if self.has("head_name")
            else "",
        }
        if data["per_capita"] is not None and data["per_capita"] < 0:
            self.fail(row, "per_capita", _("人均纯收入不能为负数"))
        parts: dict[str, Decimal] = {}
        for key in PARTS:
            value = self.amount(row, key) if self.has(key) else None
            if value is not None:
                parts[key] = value
        size = self.integer(row, "size", minimum=1, maximum=99) if self.has("size") else None
        if parts and self.has("size") and size is None and self.ok(row):
            # 家庭人口 decides how the parts are read: say which way a row without it went.
            self.warn(row, "size", _("该行家庭人口为空, 各项收入按人均 (元/人) 读取"))
        if parts and size is not None:
            parts = {
                key: (value / size).quantize(CENT, ROUND_HALF_UP) for key, value in parts.items()
            }
        data["parts"] = parts
        return data

    def _year(self, row: Row) -> int | None:
        """年度: 2024, "2024年", "2024年度"."""
        text = clean_text(row.values.get("year")).removesuffix("度").removesuffix("年")
        if not text:
            self.fail(row, "year", _("%s不能为空") % self.header("year"))
            return None
        return self.integer(
            Row(row.number, {"year": text}), "year", minimum=FIRST_YEAR, maximum=self.today.year
        )

    def validate(self) -> None:
        rows = [(row, self._parse(row)) for row in self.sheet.rows]
        self.duplicates(
            "year",
            group_rows(
                (_("户 %(code)s 的 %(year)d 年度") % d, r)
                for r, d in rows
                if d["code"] and d["year"] is not None
            ),
            shown=_("收入"),
        )
        households = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org", "head"),
                "code",
                [d["code"] for _r, d in rows if d["code"]],
            )
        }
        incomes = {
            (i.household_id, i.year): i
            for i in fetch_in(
                HouseholdIncome.objects.all(), "household_id", [h.pk for h in households.values()]
            )
        }
        self.new: list[HouseholdIncome] = []
        self.changed: list[HouseholdIncome] = []
        self.changed_fields: set[str] = set()
        for row, data in rows:
            if not self.ok(row):
                continue
            household = household_named(self, row, households, data["code"])
            if household is None:
                continue
            head = household.head
            if (
                data["head_name"]
                and head is not None
                and not same_name(data["head_name"], head.name)
            ):
                self.fail(
                    row,
                    "head_name",
                    _("户主姓名“%(name)s”与户 %(code)s 已登记的户主“%(head)s”不一致")
                    % {"name": data["head_name"], "code": household.code, "head": head.name},
                )
                continue
            year, per_capita, parts = data["year"], data["per_capita"], data["parts"]
            income = incomes.get((household.pk, year))
            if income is None:
                if per_capita is None:
                    self.fail(
                        row,
                        "per_capita",
                        _("户 %(code)s 尚无 %(year)d 年度的收入记录, 人均纯收入不能为空")
                        % {"code": household.code, "year": year},
                    )
                    continue
                self.new.append(
                    HouseholdIncome(household=household, year=year, per_capita=per_capita, **parts)
                )
                self.created += 1
                continue
            wanted = dict(parts) | ({"per_capita": per_capita} if per_capita is not None else {})
            changes = {k for k, v in wanted.items() if getattr(income, k) != v}
            if changes:
                for key in changes:
                    setattr(income, key, wanted[key])
                income.household = household
                self.changed.append(income)
                self.changed_fields |= changes
                self.updated += 1

    def write(self) -> None:
        HouseholdIncome.objects.bulk_create(self.new, batch_size=WRITE_BATCH)
        bulk_update(HouseholdIncome, self.changed, self.changed_fields)
        self.wrote("households", [i.household for i in (*self.new, *self.changed)])


def _row(income: HouseholdIncome) -> dict[str, Any]:
    head = income.household.head
    return {
        "code": income.household.code,
        "year": income.year,
        "per_capita": income.per_capita,
        "wage": income.wage,
        "business": income.business,
        "transfer": income.transfer,
        "size": None,
        "head_name": head.name if head else "",
    }


KIND = register(
    Kind(
        name="incomes",
        label=_lazy("年度收入"),
        description=_lazy(
            "每户每年一行: 人均纯收入及工资性、生产经营性、转移性收入, 按户编号和年度识别"
        ),
        columns=COLUMNS,
        importer=IncomeImporter,
        queryset=lambda user: HouseholdIncome.objects.filter(
            household__in=household_list(user=user).values("pk")
        ),
        prepare=lambda qs: qs.select_related("household", "household__head").order_by(
            "household__code", "year"
        ),
        row=_row,
        org_path="household__org__path",
        filters=org_subtree_filter("household__org__path"),
    )
)
