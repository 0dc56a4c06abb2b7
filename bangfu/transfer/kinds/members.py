"""members: 户编号, 姓名, 身份证号, 与户主关系.

Each row puts a person into a household already on file (import households first). A person new
to the registry is created in the household's unit. A row for a member already in the household
updates the relation; re-importing the same sheet changes nothing. The head (户主) can be named
only when the household has none; changing the head, or adding a person who already belongs to
another household (一人多户), is refused.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.registry.choices import Relation
from bangfu.registry.models import Household, Member, Person
from bangfu.registry.selectors import household_list
from bangfu.transfer.importers import WRITE_BATCH, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import (
    HOUSEHOLD_PHONE_COLUMN,
    PERSON_FIELD_COLUMNS,
    PERSON_PHONE_SYNONYMS,
    RELATION,
    PersonRows,
    apply_fields,
    household_named,
    org_subtree_filter,
)
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    HOUSEHOLD_CODE_SYNONYMS,
    ID_SYNONYMS,
    PHONE_SYNONYMS,
    Column,
    Kind,
)

COLUMNS = (
    Column(
        "code",
        "户编号",
        _lazy("成员所在户的户编号, 该户须已登记"),
        required=True,
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        width=20,
    ),
    Column(
        "name",
        "姓名",
        _lazy("须与身份证号已登记的姓名一致"),
        required=True,
        synonyms=("成员姓名", "家庭成员姓名", "人员姓名"),
    ),
    Column(
        "id_number",
        "身份证号",
        _lazy("18 位身份证号; 未登记的人员自动登记在该户所属单位"),
        required=True,
        synonyms=("成员身份证号", "成员身份证号码", *ID_SYNONYMS),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "relation",
        "与户主关系",
        _lazy("户主本人填“户主”"),
        required=True,
        choices=RELATION,
        synonyms=("关系", "与户主的关系", "家庭关系", "与户主关系称谓"),
    ),
    # The person columns of the national member rosters (docs/import-export.md, "Vocabularies").
    Column(
        "phone",
        "联系电话",
        _lazy("成员本人的联系电话"),
        synonyms=(*PERSON_PHONE_SYNONYMS, *PHONE_SYNONYMS),
        text=True,
        personal="phone",
        standard=False,
        width=16,
    ),
    *PERSON_FIELD_COLUMNS,
    HOUSEHOLD_PHONE_COLUMN,
)


class MemberImporter(PersonRows):
    def validate(self) -> None:
        rows: list[tuple[Any, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "code": self.text(row, "code", required=True, max_length=40, compact=True),
                "name": self.text(row, "name", required=True, max_length=50, compact=True),
                "info": self.identity(row, "id_number"),
                "relation": self.choice(row, "relation", RELATION, required=True),
                "household_phone": self.phone(row, "household_phone")
                if self.has("household_phone")
                else "",
            }
            data["fields"] = self.person_fields(row, data["info"])
            rows.append((row, data))
        self.duplicates(
            "id_number",
            group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
        )
        self.duplicates(
            "relation",
            group_rows((d["code"], r) for r, d in rows if d["relation"] == Relation.HEAD),
            shown=_("户主所在户"),
        )
        households = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org", "head"),
                "code",
                [d["code"] for _r, d in rows],
            )
        }
        self.load_persons(d["info"].number for _r, d in rows if d["info"] is not None)
        members: dict[tuple[int, int], Member] = {}
        homes: dict[int, list[str]] = defaultdict(list)
        person_ids = [p.pk for p in self.persons.values()]
        for m in fetch_in(Member.objects.select_related("household"), "person_id", person_ids):
            members[(m.household_id, m.person_id)] = m
            homes[m.person_id].append(m.household.code)

        self.new_persons: list[Person] = []
        self.new_members: list[Member] = []
        self.changed: list[Member] = []
        self.new_heads: list[Household] = []
        self.changed_persons: list[Person] = []
        self.changed_person_fields: set[str] = set()
        phones: dict[int, tuple[Row, str]] = {}  # household id → the first 户联系电话 and its row
        self.counted: set[int] = set()  # the rows counted as created or updated
        for row, data in rows:
            if not self.ok(row):
                continue
            household = household_named(self, row, households, data["code"])
            if household is None:
                continue
            info, name, relation = data["info"], data["name"], data["relation"]
            if data["household_phone"]:
                phones.setdefault(household.pk, (row, data["household_phone"]))
            person = self.persons.get(info.number)
            member = None
            if person is not None:
                if not self.known_person(
                    row, id_key="id_number", name_key="name", person=person, name=name
                ):
                    continue
                elsewhere = [c for c in homes[person.pk] if c != household.code]
                if elsewhere:
                    self.fail(
                        row,
                        "id_number",
                        _("该人员已是户 %s 的成员 (一人多户); 请先从原户移出或合并两户")
                        % "、".join(elsewhere),
                    )
                    continue
                member = members.get((household.pk, person.pk))
            is_head = (
                household.head_id is not None
                and person is not None
                and (household.head_id == person.pk)
            )
            if relation == Relation.HEAD and household.head_id is not None and not is_head:
                head = household.head.name if household.head else "—"
                self.fail(row, "relation", _("该户已有户主“%s”; 导入不能更换户主") % head)
                continue
            if is_head and relation != Relation.HEAD:
                self.fail(
                    row,
                    "relation",
                    _("%s 是该户户主, 与户主关系应为“户主”; 更换户主请在户的页面办理") % name,
                )
                continue
            person_changed = person is not None and self._change_person(person, data["fields"])
            if member is not None:
                relation_changed = member.relation != relation
                if relation_changed:
                    member.relation = relation
                    self.changed.append(member)
                if relation_changed or person_changed:
                    self.counted.add(row.number)
                    self.updated += 1
                continue
            if person is None:
                person = self.build_person(
                    name=name, info=info, org=household.org, **data["fields"]
                )
                self.new_persons.append(person)
            self.new_members.append(Member(household=household, person=person, relation=relation))
            if relation == Relation.HEAD:
                household.head = person
                self.new_heads.append(household)
            self.counted.add(row.number)
            self.created += 1
        by_id = {h.pk: h for h in households.values()}
        for household_id, (row, phone) in phones.items():
            self._household_phone(row, by_id[household_id], phone)

    def _change_person(self, person: Person, fields: dict[str, Any]) -> bool:
        """Set a registered person's fields from the row; whether any changed."""
        changes = apply_fields(person, fields)
        if changes and person not in self.changed_persons:
            self.changed_persons.append(person)
        self.changed_person_fields |= changes
        return bool(changes)

    def _household_phone(self, row: Row, household: Household, phone: str) -> None:
        """户联系电话 becomes the head's phone when the head has none; else it is not stored (a
        warning): bangfu keeps no phone of the household's own (docs/import-export.md)."""
        head = household.head
        if head is not None and head.pk is not None:
            head = self.persons.get(head.id_number, head)
        if head is not None and not head.phone:
            if head.pk is None:
                head.phone = phone  # a head registered by this file
            elif self._change_person(head, {"phone": phone}) and row.number not in self.counted:
                self.counted.add(row.number)
                self.updated += 1
            return
        if head is None or head.phone != phone:
            self.warn(
                row,
                "household_phone",
                _("户联系电话未保存: 该户没有户主")
                if head is None
                else _("户联系电话与户主的联系电话不同, 未保存 (本系统记户主的联系电话)"),
            )

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        Member.objects.bulk_create(self.new_members, batch_size=WRITE_BATCH)
        bulk_update(Member, self.changed, ["relation"])
        if self.changed_persons:
            self.stamp(self.changed_persons)
            bulk_update(Person, self.changed_persons, self.changed_person_fields | {"updated_at"})
            self.wrote("persons", self.changed_persons)
        if self.new_heads:
            self.stamp(self.new_heads)
            bulk_update(Household, self.new_heads, ["head", "updated_at"])
        self.wrote("persons", self.new_persons)
        self.wrote("households", [m.household for m in (*self.new_members, *self.changed)])


def _row(member: Member) -> dict[str, Any]:
    return {
        "code": member.household.code,
        "name": member.person.name,
        "id_number": member.person.id_number,
        "relation": RELATION.label(member.relation),
    }


KIND = register(
    Kind(
        name="members",
        label=_lazy("家庭成员"),
        description=_lazy("每个家庭成员一行, 按户编号和身份证号识别"),
        columns=COLUMNS,
        importer=MemberImporter,
        queryset=lambda user: Member.objects.filter(
            household__in=household_list(user=user).values("pk")
        ),
        prepare=lambda qs: qs.select_related("household", "person").order_by(
            "household__code", "id"
        ),
        row=_row,
        org_path="household__org__path",
        filters=org_subtree_filter("household__org__path"),
    )
)
