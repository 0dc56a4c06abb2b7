"""households: 户编号, 户主姓名, 户主身份证号, 所属组织编码, 致贫原因, 人均纯收入, 识别日期, 状态
(+ 其他致贫原因, 困难程度, 年度, 住房安全, 饮水安全, 住址).

Matched on 户编号. A new household's head is created as a person when the ID number is new and
becomes the household's head member; its 状态 is the first step of the status history, dated
识别日期 (or today), and must be a valid first status. On a household already on file a different
状态 is a status change dated today, which must be a valid transition (``transition_problem``).
人均纯收入 is the income of 年度 (by default the year of 识别日期, else the current year).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.registry.choices import Relation, Status
from bangfu.registry.models import (
    Household,
    HouseholdIncome,
    Member,
    Person,
    StatusChange,
    join_causes,
)
from bangfu.registry.selectors import household_list
from bangfu.registry.services import transition_problem
from bangfu.transfer.importers import WRITE_BATCH, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import CAUSE, DIFFICULTY, STATUS, YES_NO, PersonRows
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    HOUSEHOLD_CODE_SYNONYMS,
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    Column,
    Kind,
    labels_of,
)

COLUMNS = (
    Column(
        "code",
        "户编号",
        _lazy("户的唯一编号, 最多 40 个字符; 同一户编号再次导入时更新该户"),
        required=True,
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        width=20,
    ),
    Column(
        "head_name",
        "户主姓名",
        _lazy("须与户主身份证号已登记的姓名一致"),
        required=True,
        synonyms=("户主", "户主名称", "姓名"),
    ),
    Column(
        "head_id",
        "户主身份证号",
        _lazy("18 位身份证号; 未登记的人员自动登记并成为该户户主"),
        required=True,
        synonyms=(
            "户主身份证号码",
            "户主公民身份号码",
            "户主证件号码",
            "户主身份证",
            *ID_SYNONYMS,
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("户所属单位 (通常是村) 的编码"),
        required=True,
        synonyms=ORG_CODE_SYNONYMS,
        text=True,
        width=16,
    ),
    Column(
        "main_cause",
        "致贫原因",
        _lazy("主要致贫原因"),
        choices=CAUSE,
        synonyms=("主要致贫原因", "致困原因", "主要致困原因"),
    ),
    Column(
        "income",
        "人均纯收入",
        _lazy("单位为元; 表头写“人均纯收入(万元)”时按万元读取; 记入“年度”列的年份"),
        amount=True,
        synonyms=("家庭人均纯收入", "人均收入", "年人均纯收入"),
    ),
    Column(
        "identified_on",
        "识别日期",
        _lazy("如 2014-06-01、2014/6/1、2014年6月1日、2014.6; 不能晚于今天"),
        date=True,
        synonyms=("识别时间", "建档日期", "建档时间", "识别年月"),
    ),
    Column(
        "status",
        "状态",
        _lazy(
            "新户只能是 新识别 或 帮扶中 (记为识别日期的第一步); "
            "已有的户填写不同的状态即为一次状态变更 (记为今天), 须符合状态变更规则"
        ),
        choices=STATUS,
        synonyms=("帮扶状态", "贫困户状态", "脱贫状态", "当前状态"),
    ),
    Column(
        "other_causes",
        "其他致贫原因",
        _lazy("可填多个, 用 、 或 , 分隔"),
        choices=CAUSE,
        multiple=True,
        synonyms=("次要致贫原因", "其他致困原因"),
        standard=False,
        width=20,
    ),
    Column("difficulty", "困难程度", choices=DIFFICULTY, standard=False),
    Column(
        "year",
        "年度",
        _lazy("人均纯收入的年度, 默认为识别日期的年份, 未填识别日期时为今年"),
        synonyms=("收入年度",),
        standard=False,
        width=8,
    ),
    Column(
        "housing_safe",
        "住房安全",
        values=YES_NO,
        synonyms=("住房安全保障", "住房是否安全"),
        standard=False,
        width=10,
    ),
    Column(
        "water_safe",
        "饮水安全",
        values=YES_NO,
        synonyms=("饮水安全保障", "饮水是否安全"),
        standard=False,
        width=10,
    ),
    Column(
        "address",
        "住址",
        _lazy("最多 200 个字"),
        synonyms=("家庭住址", "地址", "居住地址"),
        standard=False,
        width=30,
    ),
)
FIELDS = ("main_cause", "difficulty", "identified_on", "housing_safe", "water_safe", "address")


class HouseholdImporter(PersonRows):
    """Creates and updates households, their heads, the year's income and the status history."""

    def _parse(self, row: Row) -> dict[str, Any]:
        identified_on = self.date(row, "identified_on") if self.has("identified_on") else None
        data: dict[str, Any] = {
            "code": self.text(row, "code", required=True, max_length=40, compact=True),
            "head_name": self.text(row, "head_name", required=True, max_length=50, compact=True),
            "info": self.identity(row, "head_id"),
            "org": self.text(row, "org", required=True, compact=True),
            "main_cause": self.choice(row, "main_cause", CAUSE) if self.has("main_cause") else "",
            "other_causes": self.choice_list(row, "other_causes", CAUSE)
            if self.has("other_causes")
            else None,
            "difficulty": self.choice(row, "difficulty", DIFFICULTY)
            if self.has("difficulty")
            else "",
            "income": self.amount(row, "income") if self.has("income") else None,
            "identified_on": identified_on,
            "status": self.choice(row, "status", STATUS) if self.has("status") else "",
            "housing_safe": self.boolean(row, "housing_safe") if self.has("housing_safe") else None,
            "water_safe": self.boolean(row, "water_safe") if self.has("water_safe") else None,
            "address": self.text(row, "address", max_length=200) if self.has("address") else "",
        }
        year = self.integer(row, "year", minimum=1949, maximum=self.today.year)
        data["year"] = year or (identified_on.year if identified_on else self.today.year)
        if data["income"] is not None and data["income"] < 0:
            self.fail(row, "income", _("人均纯收入不能为负数"))
        return data

    def validate(self) -> None:
        rows = [(row, self._parse(row)) for row in self.sheet.rows]
        self.duplicates("code", group_rows((d["code"], r) for r, d in rows))
        self.duplicates(
            "head_id", group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None)
        )
        self.load_orgs(d["org"] for _r, d in rows)
        codes = [d["code"] for _r, d in rows if d["code"]]
        households = {
            h.code: h for h in fetch_in(Household.objects.select_related("org"), "code", codes)
        }
        numbers = [d["info"].number for _r, d in rows if d["info"] is not None]
        self.load_persons(numbers)
        heads: dict[str, str] = {
            number: code
            for number, code in fetch_in(
                Household.objects.values_list("head__id_number", "code"),
                "head__id_number",
                numbers,
            )
        }
        homes: dict[str, set[str]] = defaultdict(set)
        for number, code in fetch_in(
            Member.objects.values_list("person__id_number", "household__code"),
            "person__id_number",
            numbers,
        ):
            homes[number].add(code)
        incomes = {
            (i.household_id, i.year): i
            for i in fetch_in(
                HouseholdIncome.objects.all(), "household_id", [h.pk for h in households.values()]
            )
        }

        self.new_persons: list[Person] = []
        self.new_households: list[Household] = []
        self.new_members: list[Member] = []
        self.new_incomes: list[HouseholdIncome] = []
        self.changed_incomes: list[HouseholdIncome] = []
        self.new_changes: list[StatusChange] = []
        self.changed: list[Household] = []
        self.changed_fields: set[str] = set()
        recorded_by = self.actor if getattr(self.actor, "pk", None) else None

        for row, data in rows:
            if not self.ok(row):
                continue
            org = self.unit(row, "org", data["org"])
            if org is None:
                continue
            info, name = data["info"], data["head_name"]
            household = households.get(data["code"])
            if household is not None and not self.may_admin(household.org):
                self.fail(row, "code", _("户编号 %s 已登记在其他单位, 无权修改") % data["code"])
                continue
            person = self.persons.get(info.number)
            if person is not None and not self.known_person(
                row, id_key="head_id", name_key="head_name", person=person, name=name
            ):
                continue
            other = heads.get(info.number)
            if other and (household is None or other != household.code):
                self.fail(
                    row, "head_id", _("该身份证号已是户 %s 的户主, 一人只能在一户中任户主") % other
                )
                continue
            elsewhere = sorted(homes[info.number] - {data["code"]})
            if elsewhere:
                self.fail(
                    row,
                    "head_id",
                    _("该人员已是户 %s 的成员 (一人多户); 请先从原户移出或合并两户")
                    % "、".join(elsewhere),
                )
                continue
            main = data["main_cause"] or (household.main_cause if household else "")
            others = data["other_causes"]
            other_causes = join_causes([c for c in others if c != main]) if others else None

            if household is None:
                status = data["status"]
                if status:
                    problem = transition_problem(None, status)
                    if problem:
                        self.fail(row, "status", problem)
                        continue
                if person is None:
                    person = self.build_person(name=name, info=info, org=org)
                    self.new_persons.append(person)
                household = Household(
                    code=data["code"],
                    org=org,
                    head=person,
                    main_cause=main,
                    other_causes=other_causes or "",
                    difficulty=data["difficulty"],
                    identified_on=data["identified_on"],
                    housing_safe=data["housing_safe"],
                    water_safe=data["water_safe"],
                    address=data["address"],
                )
                self.new_households.append(household)
                self.new_members.append(
                    Member(household=household, person=person, relation=Relation.HEAD)
                )
                if status:
                    day = data["identified_on"] or self.today
                    self.new_changes.append(
                        StatusChange(
                            household=household,
                            status=status,
                            date=day,
                            reason=_("建档"),
                            recorded_by=recorded_by,
                        )
                    )
                    household.status, household.status_since = status, day
                    if status == Status.IDENTIFIED and household.identified_on is None:
                        household.identified_on = day
                if data["income"] is not None:
                    self.new_incomes.append(
                        HouseholdIncome(
                            household=household, year=data["year"], per_capita=data["income"]
                        )
                    )
                self.created += 1
                continue

            # A household on file: change what the row says differently.
            head_changed = False
            if person is None or household.head_id != person.pk:
                if household.head_id is not None:
                    on_file = Person.objects.filter(pk=household.head_id).first()
                    self.fail(
                        row,
                        "head_id",
                        _("该户已登记的户主是“%s”; 导入不能更换户主, 请在户的页面办理")
                        % (on_file.name if on_file else "—"),
                    )
                    continue
                # A household on file without a head gets the row's head.
                if person is None:
                    person = self.build_person(name=name, info=info, org=org)
                    self.new_persons.append(person)
                    member = None
                else:
                    member = Member.objects.filter(household=household, person=person).first()
                if member is not None and member.relation != Relation.HEAD:
                    self.fail(
                        row,
                        "head_id",
                        _("该人员已是本户成员 (%s); 设为户主请在户的页面办理")
                        % member.get_relation_display(),
                    )
                    continue
                if member is None:
                    self.new_members.append(
                        Member(household=household, person=person, relation=Relation.HEAD)
                    )
                household.head = person
                head_changed = True
            changes = self._changes(household, data, org.pk, main, other_causes)
            status_changed = self._status(row, household, data["status"], recorded_by)
            if status_changed is None:
                continue
            income_changed = self._income(household, data, incomes)
            if head_changed:
                self.changed_fields.add("head")
            if head_changed or changes or status_changed:
                self.changed.append(household)
            if head_changed or changes or status_changed or income_changed:
                self.updated += 1

    def _changes(
        self,
        household: Household,
        data: dict[str, Any],
        org_id: int,
        main: str,
        other_causes: str | None,
    ) -> set[str]:
        wanted: dict[str, Any] = {"org_id": org_id, "main_cause": main}
        if other_causes is not None:
            wanted["other_causes"] = other_causes
        for key in FIELDS[1:]:
            if data[key] not in (None, ""):
                wanted[key] = data[key]
        changes = {k for k, v in wanted.items() if getattr(household, k) != v}
        for key in changes:
            setattr(household, key, wanted[key])
        self.changed_fields |= {k.replace("org_id", "org") for k in changes}
        return changes

    def _status(self, row: Row, household: Household, status: str, recorded_by: Any) -> bool | None:
        """Plan a status change; None when the move is not allowed (an error was recorded)."""
        if not status or status == household.status:
            return False
        problem = transition_problem(household.status or None, status)
        if problem:
            self.fail(row, "status", problem)
            return None
        if household.status_since and household.status_since > self.today:
            self.fail(row, "status", _("该户上一次状态变更的日期晚于今天"))
            return None
        self.new_changes.append(
            StatusChange(
                household=household,
                status=status,
                date=self.today,
                reason=_("导入"),
                recorded_by=recorded_by,
            )
        )
        household.status, household.status_since = status, self.today
        if status == Status.IDENTIFIED and household.identified_on is None:
            household.identified_on = self.today
        self.changed_fields |= {"status", "status_since", "identified_on"}
        return True

    def _income(
        self,
        household: Household,
        data: dict[str, Any],
        incomes: dict[tuple[int, int], HouseholdIncome],
    ) -> bool:
        amount: Decimal | None = data["income"]
        if amount is None:
            return False
        income = incomes.get((household.pk, data["year"]))
        if income is None:
            self.new_incomes.append(
                HouseholdIncome(household=household, year=data["year"], per_capita=amount)
            )
            return True
        if income.per_capita != amount:
            income.per_capita = amount
            self.changed_incomes.append(income)
            return True
        return False

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        Household.objects.bulk_create(self.new_households, batch_size=WRITE_BATCH)
        Member.objects.bulk_create(self.new_members, batch_size=WRITE_BATCH)
        HouseholdIncome.objects.bulk_create(self.new_incomes, batch_size=WRITE_BATCH)
        bulk_update(HouseholdIncome, self.changed_incomes, ["per_capita"])
        StatusChange.objects.bulk_create(self.new_changes, batch_size=WRITE_BATCH)
        if self.changed:
            self.stamp(self.changed)
            bulk_update(Household, self.changed, self.changed_fields | {"updated_at"})
        self.wrote("persons", self.new_persons)
        self.wrote("households", [*self.new_households, *self.changed])
        self.wrote("households", [i.household for i in (*self.new_incomes, *self.changed_incomes)])
        self.wrote("households", [c.household for c in self.new_changes])


def latest_income(household: Household) -> HouseholdIncome | None:
    incomes = list(household.incomes.all())
    return max(incomes, key=lambda i: i.year) if incomes else None


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _row(household: Household) -> dict[str, Any]:
    income = latest_income(household)
    head = household.head
    return {
        "code": household.code,
        "head_name": head.name if head else "",
        "head_id": head.id_number if head else "",
        "org": household.org.code,
        "main_cause": CAUSE.label(household.main_cause),
        "income": income.per_capita if income else None,
        "identified_on": household.identified_on,
        "status": STATUS.label(household.status),
        "other_causes": labels_of(household.other_cause_list, CAUSE),
        "difficulty": DIFFICULTY.label(household.difficulty),
        "year": income.year if income else None,
        "housing_safe": _yes_no(household.housing_safe),
        "water_safe": _yes_no(household.water_safe),
        "address": household.address,
    }


def _filters(qs: Any, params: Any, user: Any) -> Any:
    from bangfu.orgs.selectors import org_list
    from bangfu.registry.filters import HouseholdFilter

    return HouseholdFilter(params, queryset=qs, orgs=org_list(user=user)).qs


KIND = register(
    Kind(
        name="households",
        label=_lazy("户"),
        description=_lazy("一户一行: 户主、致贫原因、收入、识别日期与状态, 按户编号识别"),
        columns=COLUMNS,
        importer=HouseholdImporter,
        queryset=lambda user: household_list(user=user),
        prepare=lambda qs: (
            qs.select_related("org", "head").prefetch_related("incomes").order_by("code")
        ),
        row=_row,
        filters=_filters,
    )
)
