"""workers: 姓名, 身份证号, 所属工会, 致困原因, 困难程度 (+ 档案编号, 所属组织编码, 其他致困原因,
联系电话, 建档时间, 状态, 家庭住址).

The union's roster of workers in difficulty (困难职工档案, as the 全国总工会's 困难职工帮扶 files
and the unions' own exports keep it: 职工姓名, 身份证, 单位名称, 家庭人数, 家庭收入, 困难标准,
致困原因 …; docs/import-export.md, "workers"). In bangfu a worker in difficulty is a household
whose head carries the tag 困难职工, in the union unit, as the demo makes them
(``bangfu.registry.demo.household(..., workers=True)``): the head in post (务工状况 在职职工),
the causes of difficulty as the household's causes, and a status history that starts with
新识别 at the 建档时间.

Matched on the worker's ID number: the household the worker heads is updated. A new worker's
household gets the row's 档案编号 as its 户编号, else ``ZG`` and the first 12 hexadecimal digits
of the SHA-256 of the ID number (stable, so a re-import finds it, and it does not show the
number). The unit is the row's 所属组织编码, else the unit the actor administers whose name is
the 所属工会 / 工作单位 (an unknown or ambiguous name is an error naming the candidates).
Columns bangfu keeps no field for (家庭人口, 家庭收入, 银行卡 …) are listed as ignored.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import PreciseDate, at_precision
from bangfu.orgs.models import Org
from bangfu.registry.choices import Employment, Relation, Status
from bangfu.registry.models import Household, Member, Person, StatusChange, join_causes
from bangfu.registry.selectors import household_list
from bangfu.registry.services import transition_problem
from bangfu.transfer.importers import WRITE_BATCH, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import (
    CAUSE,
    DIFFICULTY,
    STATUS,
    PersonRows,
    apply_fields,
    org_subtree_filter,
)
from bangfu.transfer.kinds.students import add_tags
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    PHONE_SYNONYMS,
    Column,
    Kind,
    labels_of,
)

WORKER_TAG = "困难职工"
CODE_PREFIX = "ZG"

COLUMNS = (
    Column(
        "name",
        "姓名",
        _lazy("困难职工本人的姓名"),
        required=True,
        synonyms=("职工姓名", "困难职工姓名"),
    ),
    Column(
        "id_number",
        "身份证号",
        _lazy("职工本人的身份证号; 同一身份证号再次导入时更新其档案"),
        required=True,
        synonyms=("职工身份证号", "职工身份证号码", *ID_SYNONYMS),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "union",
        "所属工会",
        _lazy("职工所在单位或基层工会的名称 (须是您管理的单位); 填写所属组织编码时可不填"),
        synonyms=("工作单位", "单位名称", "所在单位", "基层工会", "所属基层工会", "工会名称"),
        width=20,
    ),
    Column(
        "cause",
        "致困原因",
        _lazy("主要致困原因: 因病、因残、年老体弱、赡养人口多、子女就学负担重、下岗失业 …"),
        choices=CAUSE,
        synonyms=("主要致困原因", "困难原因", "致困类别", "困难类别"),
    ),
    Column(
        "difficulty",
        "困难程度",
        choices=DIFFICULTY,
        synonyms=("困难标准", "困难等级"),
    ),
    Column(
        "record",
        "档案编号",
        _lazy("困难职工档案的编号, 作为户编号; 不填时按身份证号生成 (ZG 开头)"),
        synonyms=("困难职工档案编号", "档案号", "职工档案编号", "建档编号", "困难职工编号"),
        text=True,
        standard=False,
        width=20,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("职工所属单位 (基层工会) 的编码"),
        synonyms=ORG_CODE_SYNONYMS,
        text=True,
        standard=False,
        width=16,
    ),
    Column(
        "other_causes",
        "其他致困原因",
        _lazy("可填多个, 用 、 或 , 分隔"),
        choices=CAUSE,
        multiple=True,
        synonyms=("次要致困原因",),
        standard=False,
        width=20,
    ),
    Column(
        "phone",
        "联系电话",
        synonyms=PHONE_SYNONYMS,
        text=True,
        personal="phone",
        standard=False,
        width=16,
    ),
    Column(
        "identified_on",
        "建档时间",
        _lazy("如 2024-03-01、2024.3 或 2024 (按年、月记录); 不能晚于今天"),
        date=True,
        synonyms=("建档日期", "建档年月", "认定时间", "认定日期", "入档时间"),
        standard=False,
    ),
    Column(
        "status",
        "状态",
        _lazy("新档案默认为 新识别; 已有档案填写不同的状态即为一次状态变更 (记为今天)"),
        choices=STATUS,
        synonyms=("帮扶状态", "档案状态"),
        standard=False,
    ),
    Column(
        "address",
        "家庭住址",
        _lazy("最多 200 个字"),
        synonyms=("家庭地址", "住址", "居住地址"),
        standard=False,
        width=30,
    ),
)


def derived_code(id_number: str) -> str:
    """The 户编号 of a worker's household when the roster gives no 档案编号."""
    return CODE_PREFIX + hashlib.sha256(id_number.encode()).hexdigest()[:12].upper()


class WorkerImporter(PersonRows):
    """Registers workers in difficulty as households headed by them, tagged 困难职工."""

    def _parse(self, row: Row) -> dict[str, Any]:
        identified: PreciseDate | None = (
            self.date(row, "identified_on", precision=True) if self.has("identified_on") else None
        )
        data: dict[str, Any] = {
            "name": self.text(row, "name", required=True, max_length=50, compact=True),
            "info": self.identity(row, "id_number"),
            "union": self.text(row, "union", max_length=100, compact=True)
            if self.has("union")
            else "",
            "org": self.text(row, "org", compact=True) if self.has("org") else "",
            "record": self.text(row, "record", max_length=40, compact=True)
            if self.has("record")
            else "",
            "main_cause": self.choice(row, "cause", CAUSE) if self.has("cause") else "",
            "other_causes": self.choice_list(row, "other_causes", CAUSE)
            if self.has("other_causes")
            else None,
            "difficulty": self.choice(row, "difficulty", DIFFICULTY)
            if self.has("difficulty")
            else "",
            "phone": self.phone(row, "phone") if self.has("phone") else "",
            "identified": identified,
            "status": self.choice(row, "status", STATUS) if self.has("status") else "",
            "address": self.text(row, "address", max_length=200) if self.has("address") else "",
        }
        if not data["org"] and not data["union"]:
            self.fail(row, "union", _("请填写所属工会 (单位名称) 或所属组织编码"))
        return data

    def validate(self) -> None:
        rows = [(row, self._parse(row)) for row in self.sheet.rows]
        self.recorded_by = self.actor if getattr(self.actor, "pk", None) else None
        self.imported_from = self.sheet.file_name[:200]
        self.duplicates(
            "id_number",
            group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
        )
        self.duplicates("record", group_rows((d["record"], r) for r, d in rows if d["record"]))
        numbers = [d["info"].number for _r, d in rows if d["info"] is not None]
        self.load_persons(numbers)
        self.load_orgs(d["org"] for _r, d in rows if d["org"])
        named = self._named_units({d["union"] for _r, d in rows if d["union"] and not d["org"]})
        person_ids = [p.pk for p in self.persons.values()]
        headed = {
            h.head_id: h
            for h in fetch_in(Household.objects.select_related("org"), "head_id", person_ids)
        }
        codes = {d["record"] or derived_code(d["info"].number) for _r, d in rows if d["info"]}
        by_code = {
            h.code: h for h in fetch_in(Household.objects.select_related("org"), "code", codes)
        }
        homes: dict[int, list[str]] = defaultdict(list)
        for person_id, code in fetch_in(
            Member.objects.values_list("person_id", "household__code"), "person_id", person_ids
        ):
            homes[person_id].append(code)
        tagged = set(
            fetch_in(
                Person.tags.through.objects.filter(tag__name=WORKER_TAG).values_list(
                    "person_id", flat=True
                ),
                "person_id",
                person_ids,
            )
        )

        self.new_persons: list[Person] = []
        self.changed_persons: list[Person] = []
        self.changed_person_fields: set[str] = set()
        self.new_households: list[Household] = []
        self.changed: list[Household] = []
        self.changed_fields: set[str] = set()
        self.new_members: list[Member] = []
        self.new_steps: list[StatusChange] = []
        self.links: list[tuple[Person, tuple[str, ...]]] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            org = self._unit(row, data, named)
            if org is None:
                continue
            info = data["info"]
            person = self.persons.get(info.number)
            household = headed.get(person.pk) if person is not None else None
            code = household.code if household else data["record"] or derived_code(info.number)
            on_file = by_code.get(code)
            if household is None and on_file is not None:
                self.fail(
                    row,
                    "record" if data["record"] else "id_number",
                    _("户编号 %(code)s 已登记为其他户 (户主不是该职工)") % {"code": code},
                )
                continue
            if household is not None and data["record"] and data["record"] != household.code:
                self.fail(
                    row,
                    "record",
                    _("该职工已是户 %(code)s 的户主; 档案编号应为 %(code)s")
                    % {"code": household.code},
                )
                continue
            if household is not None and not self.may_admin(household.org):
                self.refuse(row, "id_number", household.org)
                continue
            person_fields: dict[str, Any] = {"phone": data["phone"]} if data["phone"] else {}
            person_changed = False
            if person is None:
                person = self.build_person(
                    name=data["name"],
                    info=info,
                    org=org,
                    employment=Employment.EMPLOYED,
                    **person_fields,
                )
                self.new_persons.append(person)
            else:
                if not self.known_person(
                    row, id_key="id_number", name_key="name", person=person, name=data["name"]
                ):
                    continue
                if household is None and homes[person.pk]:
                    self.fail(
                        row,
                        "id_number",
                        _("该职工已是户 %s 的成员; 请先从原户移出, 或在户的页面登记")
                        % "、".join(homes[person.pk]),
                    )
                    continue
                if not person.employment:
                    person_fields["employment"] = Employment.EMPLOYED
                changes = apply_fields(person, person_fields)
                if changes:
                    self.changed_persons.append(person)
                    self.changed_person_fields |= changes
                    person_changed = True
            if person.pk is None or person.pk not in tagged:
                self.links.append((person, (WORKER_TAG,)))
                person_changed = True
            if household is None:
                if self._create(row, data, code, org, person) is None:
                    continue
                self.touch(org)
                self.created += 1
                continue
            self.touch(household.org)
            changed = self._update(row, data, household)
            if changed is None:
                continue
            if changed or person_changed:
                self.updated += 1

    def _named_units(self, names: set[str]) -> dict[str, list[Org]]:
        """The active units the actor administers, by name, for the names the rows give."""
        found: dict[str, list[Org]] = defaultdict(list)
        for org in fetch_in(Org.objects.filter(is_active=True), "name", names):
            if self.may_admin(org):
                found[org.name].append(org)
        return found

    def _unit(self, row: Row, data: dict[str, Any], named: dict[str, list[Org]]) -> Org | None:
        if data["org"]:
            return self.unit(row, "org", data["org"])
        candidates = named.get(data["union"], [])
        if len(candidates) == 1:
            self.touch(candidates[0])
            return candidates[0]
        if not candidates:
            self.fail(
                row,
                "union",
                _("“%s”不是您管理的单位的名称; 请填写单位的全称或所属组织编码") % data["union"],
            )
        else:
            self.fail(
                row,
                "union",
                _("有多个单位名为“%(name)s”: %(codes)s; 请填写所属组织编码")
                % {
                    "name": data["union"],
                    "codes": "、".join(
                        f"{o.code}" for o in sorted(candidates, key=lambda o: o.code)
                    ),
                },
            )
        return None

    def _create(
        self, row: Row, data: dict[str, Any], code: str, org: Org, person: Person
    ) -> Household | None:
        status = data["status"] or Status.IDENTIFIED
        problem = transition_problem(None, status)
        if problem:
            self.fail(row, "status", problem)
            return None
        identified: PreciseDate | None = data["identified"]
        day = identified.date if identified else self.today
        main = data["main_cause"]
        household = Household(
            code=code,
            org=org,
            head=person,
            main_cause=main,
            other_causes=join_causes([c for c in data["other_causes"] or () if c != main]),
            difficulty=data["difficulty"],
            identified_on=identified.date if identified else None,
            identified_precision=identified.stored_precision if identified else None,
            address=data["address"],
            status=status,
            status_since=day,
        )
        if status == Status.IDENTIFIED and household.identified_on is None:
            household.identified_on = day
        self.new_households.append(household)
        self.new_members.append(Member(household=household, person=person, relation=Relation.HEAD))
        self.new_steps.append(
            StatusChange(
                household=household,
                status=status,
                date=day,
                date_precision=identified.stored_precision if identified else None,
                reason=_("建档"),
                recorded_by=self.recorded_by,
                imported_from=self.imported_from,
            )
        )
        return household

    def _update(self, row: Row, data: dict[str, Any], household: Household) -> bool | None:
        """Plan the changes to a worker's household on file; None when the row's status change
        is not allowed (an error was recorded)."""
        wanted: dict[str, Any] = {}
        main = data["main_cause"] or household.main_cause
        if data["main_cause"]:
            wanted["main_cause"] = main
        if data["other_causes"] is not None:
            wanted["other_causes"] = join_causes([c for c in data["other_causes"] if c != main])
        for key in ("difficulty", "address"):
            if data[key]:
                wanted[key] = data[key]
        identified: PreciseDate | None = data["identified"]
        if identified is not None:
            wanted["identified_on"] = identified.date
            wanted["identified_precision"] = identified.stored_precision
        changes = {k for k, v in wanted.items() if getattr(household, k) != v}
        status = data["status"]
        if status and status != household.status:
            problem = transition_problem(household.status or None, status)
            if problem:
                self.fail(row, "status", problem)
                return None
            self.new_steps.append(
                StatusChange(
                    household=household,
                    status=status,
                    date=self.today,
                    reason=_("导入"),
                    recorded_by=self.recorded_by,
                    imported_from=self.imported_from,
                )
            )
            wanted |= {"status": status, "status_since": self.today}
            changes |= {"status", "status_since"}
        for key in changes:
            setattr(household, key, wanted[key])
        if changes:
            self.changed.append(household)
            self.changed_fields |= changes
        return bool(changes)

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        if self.changed_persons:
            self.stamp(self.changed_persons)
            bulk_update(Person, self.changed_persons, self.changed_person_fields | {"updated_at"})
        Household.objects.bulk_create(self.new_households, batch_size=WRITE_BATCH)
        Member.objects.bulk_create(self.new_members, batch_size=WRITE_BATCH)
        StatusChange.objects.bulk_create(self.new_steps, batch_size=WRITE_BATCH)
        if self.changed:
            self.stamp(self.changed)
            bulk_update(Household, self.changed, self.changed_fields | {"updated_at"})
        add_tags(self.links, now=self.now)
        self.wrote("persons", [*self.new_persons, *self.changed_persons])
        self.wrote("persons", [p for p, _t in self.links])
        self.wrote("households", [*self.new_households, *self.changed])


def _row(household: Household) -> dict[str, Any]:
    head = household.head
    return {
        "name": head.name if head else "",
        "id_number": head.id_number if head else "",
        "union": household.org.name,
        "cause": CAUSE.label(household.main_cause),
        "difficulty": DIFFICULTY.label(household.difficulty),
        "record": household.code,
        "org": household.org.code,
        "other_causes": labels_of(household.other_cause_list, CAUSE),
        "phone": head.phone if head else "",
        # 2024 / 2024-03 for a year or a month, as imported
        "identified_on": at_precision(household.identified_on, household.identified_precision)
        if household.identified_on and household.identified_precision
        else household.identified_on,
        "status": STATUS.label(household.status),
        "address": household.address,
    }


KIND = register(
    Kind(
        name="workers",
        label=_lazy("困难职工"),
        description=_lazy(
            "工会的困难职工档案: 每个职工一行, 记为以其为户主、标签为困难职工的户, 按身份证号识别"
        ),
        columns=COLUMNS,
        importer=WorkerImporter,
        queryset=lambda user: household_list(user=user).filter(head__tags__name=WORKER_TAG),
        prepare=lambda qs: qs.select_related("org", "head").order_by("code"),
        row=_row,
        filters=org_subtree_filter("org__path"),
    )
)
