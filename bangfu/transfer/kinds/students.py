"""students: 学生姓名, 身份证号, 在校生状况, 年级 (+ 户编号, 户主姓名, 户主身份证号, 与户主关系,
资助项目, 所属组织编码, 县/乡/村/组).

A student aid list (学生资助名单, 雨露计划, 控辍保学) names the **student**: the row's 身份证号 is
the student's, never the head's (docs/import-export.md, "students"). Each row registers the
student when the ID number is new, or updates the person on file: 在校生状况 and 年级 (七年级 is
初中, 1; a bare 年级 such as 3 or 三年级 counts within the row's 学段), and the 资助项目 as
tags (added to the person's tags, never replacing them). When the row names a household (户编号,
or the 户主身份证号 of a registered head, with 户主姓名 checked against it), the student becomes
its member with the row's 与户主关系 (其他, with a warning, when the list gives none); a student
is never made a head. A new student without a household is registered in the unit the row
names (所属组织编码, or the 县/乡/村 names: ``places.Places``).

Columns of such lists that bangfu keeps no field for (学校, 资助金额, 家长联系电话 …) are not
columns of this kind: the import lists them among the ignored columns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import clean_text, split_tags
from bangfu.orgs.models import Org
from bangfu.registry.choices import IN_SCHOOL, Relation, Schooling
from bangfu.registry.models import Household, Member, Person, Tag
from bangfu.registry.selectors import person_list
from bangfu.transfer.importers import WRITE_BATCH, BulkInsert, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import (
    RELATION,
    SCHOOLING,
    PersonRows,
    org_subtree_filter,
    same_name,
)
from bangfu.transfer.kinds.places import PLACE_COLUMNS, PlaceRef, Places
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    HOUSEHOLD_CODE_SYNONYMS,
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    Column,
    Kind,
)

MAX_GRADE = 6  # 小学六年级
# A grade without its stage: 3, 三年级, 第三年级 (counted within the row's 学段).
_BARE_GRADE = re.compile(r"第?([0-9一二三四五六七八九])(?:年级)?")
_NUMERALS = {c: n for n, c in enumerate("一二三四五六七八九", start=1)}
# What a bare grade above the stage's first year means in the stage (七年级 of 初中 is its 1st).
_STAGE_OFFSET: dict[str, int] = {Schooling.JUNIOR: 6}

COLUMNS = (
    Column(
        "name",
        "学生姓名",
        _lazy("学生本人的姓名"),
        required=True,
        synonyms=("姓名", "受助学生姓名", "受助学生", "学生", "幼儿姓名", "学员姓名"),
    ),
    Column(
        "id_number",
        "身份证号",
        _lazy("学生本人的身份证号 (不是户主或家长的); 未登记的学生自动登记"),
        required=True,
        synonyms=(
            "学生身份证号",
            "学生身份证号码",
            "学生证件号码",
            "受助学生身份证号",
            *ID_SYNONYMS,
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "schooling",
        "在校生状况",
        _lazy("学段 (小学、初中、普通高中、中职 …), 或国家系统的年级名称 (七年级、普通高中二年级)"),
        choices=SCHOOLING,
        synonyms=("就读阶段", "学段", "就读学段", "学习阶段", "教育阶段", "在校生情况", "在校情况"),
        width=16,
    ),
    Column(
        "grade",
        "年级",
        _lazy("七年级、普通高中二年级、小学三年级; 或与学段一起填写的 1-6、三年级"),
        synonyms=("就读年级", "在读年级", "所在年级", "现读年级"),
        width=14,
    ),
    Column(
        "code",
        "户编号",
        _lazy("学生所在户的户编号 (国家系统的户码); 该户须已登记"),
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        standard=False,
        width=20,
    ),
    Column(
        "head_name",
        "户主姓名",
        _lazy("填写时须与户主身份证号 (或户编号) 的户主一致"),
        synonyms=("户主", "户主名称"),
        standard=False,
    ),
    Column(
        "head_id",
        "户主身份证号",
        _lazy("已登记户主的身份证号, 用来找到学生所在的户"),
        synonyms=("户主身份证号码", "户主证件号码", "户主公民身份号码", "户主身份证"),
        text=True,
        personal="id",
        standard=False,
        width=22,
    ),
    Column(
        "relation",
        "与户主关系",
        _lazy("学生尚未登记在该户时填写 (不填记为“其他”并提示); 不能是“户主”"),
        choices=RELATION,
        synonyms=("与户主的关系", "家庭关系"),
        standard=False,
    ),
    Column(
        "aid",
        "资助项目",
        _lazy("如 雨露计划、国家助学金; 记为学生的标签 (不替换原有标签)"),
        synonyms=("资助类型", "资助类别", "资助项目名称", "补助项目", "受助项目", "资助名称"),
        standard=False,
        width=16,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("新登记且未填户的学生所属单位的编码; 也可填写县/乡/村名称"),
        synonyms=ORG_CODE_SYNONYMS,
        text=True,
        standard=False,
        width=16,
    ),
    *PLACE_COLUMNS,
)


class StudentImporter(PersonRows):
    """Registers and updates students (schooling, grade, aid tags) and their membership."""

    def _parse(self, row: Row) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.text(row, "name", required=True, max_length=50, compact=True),
            "info": self.identity(row, "id_number"),
            "code": self.text(row, "code", max_length=40, compact=True) if self.has("code") else "",
            "head_name": self.text(row, "head_name", max_length=50, compact=True)
            if self.has("head_name")
            else "",
            "head_info": self.identity(row, "head_id", required=False)
            if self.has("head_id") and not self.blank(row, "head_id")
            else None,
            "relation": self.choice(row, "relation", RELATION) if self.has("relation") else "",
            "aid": self._aid(row),
        }
        data["schooling"], data["grade"] = self._schooling(row)
        info, head = data["info"], data["head_info"]
        if info is not None and head is not None and info.number == head.number:
            self.fail(row, "head_id", _("户主身份证号与学生的身份证号相同: 学生不能登记为户主"))
        if data["relation"] == Relation.HEAD:
            self.fail(row, "relation", _("学生不能登记为户主; 户主请用“户”导入"))
        return data

    def _aid(self, row: Row) -> tuple[str, ...]:
        if not self.has("aid"):
            return ()
        names = tuple(split_tags(row.values.get("aid")))
        for name in names:
            if len(name) > 20:
                self.fail(row, "aid", _("资助项目“%s”超过 20 个字") % name)
        return names

    def _schooling(self, row: Row) -> tuple[str, int | None]:
        """(在校生状况, 年级) from the two cells; ("", None) when neither is filled."""
        stage = self.choice_reading(row, "schooling", SCHOOLING) if self.has("schooling") else None
        value = stage.value if stage is not None else ""
        grade = stage.grade if stage is not None else None
        text = clean_text(row.values.get("grade")) if self.has("grade") else ""
        if not text:
            return value, grade
        bare = _BARE_GRADE.fullmatch(text)
        if bare and value:
            number = _NUMERALS.get(bare[1]) or int(bare[1])
            number -= _STAGE_OFFSET.get(value, 0) if number > MAX_GRADE else 0
            if not 1 <= number <= MAX_GRADE:
                self.fail(row, "grade", _("年级“%s”不在该学段的 1-6 年级之内") % text)
                return value, None
            return value, number
        reading = self.choice_reading(row, "grade", SCHOOLING)
        if reading is None:
            return value, grade
        if reading.grade is None:
            self.fail(row, "grade", _("“%s”不是年级, 请填写如 七年级、普通高中二年级") % text)
            return value, grade
        if value and reading.value != value:
            self.fail(
                row,
                "grade",
                _("年级“%(grade)s”与在校生状况“%(stage)s”不一致")
                % {"grade": text, "stage": SCHOOLING.label(value)},
            )
            return value, None
        return reading.value, reading.grade

    def validate(self) -> None:
        rows = [(row, self._parse(row)) for row in self.sheet.rows]
        self.duplicates(
            "id_number",
            group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
        )
        self.load_persons(
            n
            for _r, d in rows
            for n in (
                d["info"].number if d["info"] else "",
                d["head_info"].number if d["head_info"] else "",
            )
        )
        by_code = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org", "head"),
                "code",
                [d["code"] for _r, d in rows if d["code"]],
            )
        }
        head_ids = [p.pk for p in self.persons.values()]
        by_head: dict[int, Household] = {}
        for h in fetch_in(Household.objects.select_related("org", "head"), "head_id", head_ids):
            assert h.head_id is not None
            by_head[h.head_id] = h
        homes: dict[int, dict[int, Member]] = defaultdict(dict)  # person → household → member
        for m in fetch_in(Member.objects.select_related("household"), "person_id", head_ids):
            homes[m.person_id][m.household_id] = m
        tags: dict[int, set[str]] = defaultdict(set)
        if any(d["aid"] for _r, d in rows):
            through = Person.tags.through
            for link in fetch_in(through.objects.select_related("tag"), "person_id", head_ids):
                tags[link.person_id].add(link.tag.name)

        # The unit of each new student who is not placed in a household.
        places = Places(self, code_keys=())
        homeless: list[tuple[Row, PlaceRef]] = []
        for row, data in rows:
            data["household"] = self._household(row, data, by_code, by_head)
            new = self.ok(row) and data["info"].number not in self.persons
            if not new or data["household"] is not None:
                continue
            ref = places.ref(row)
            if ref.org or any(ref.names):
                homeless.append((row, ref))
            else:
                self.fail(
                    row,
                    "org" if self.has("org") else "id_number",
                    _("新登记的学生须填写户编号、户主身份证号或所属组织编码 (或县、乡、村名称)"),
                )
        if homeless:
            places.prepare([ref for _row, ref in homeless])
        units: dict[int, Org | None] = {row.number: places.unit(row, ref) for row, ref in homeless}

        self.new_persons: list[Person] = []
        self.changed: list[Person] = []
        self.changed_fields: set[str] = set()
        self.new_members: list[Member] = []
        self.changed_members: list[Member] = []
        self.links: list[tuple[Person, tuple[str, ...]]] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            info, household = data["info"], data["household"]
            fields: dict[str, Any] = {}
            if data["schooling"]:
                fields = {"schooling": data["schooling"], "grade": data["grade"]}
            person = self.persons.get(info.number)
            if person is None:
                org = household.org if household is not None else units.get(row.number)
                if org is None:
                    continue  # (an error was recorded by places.unit)
                if household is not None and not self._joins(row, data, household, None, {}):
                    continue
                person = self.build_person(name=data["name"], info=info, org=org, **fields)
                self.new_persons.append(person)
                if household is not None:
                    self.new_members.append(
                        Member(household=household, person=person, relation=data["relation"])
                    )
                if data["aid"]:
                    self.links.append((person, data["aid"]))
                self.touch(org)
                self.created += 1
                continue
            if not self.known_person(
                row, id_key="id_number", name_key="name", person=person, name=data["name"]
            ):
                continue
            changed = False
            if household is not None:
                joined = self._joins(row, data, household, person, homes[person.pk])
                if joined is None:
                    continue
                changed = joined
            changes = {k for k, v in fields.items() if getattr(person, k) != v}
            for key in changes:
                setattr(person, key, fields[key])
            if changes:
                self.changed.append(person)
                self.changed_fields |= changes
            new_tags = tuple(t for t in data["aid"] if t not in tags[person.pk])
            if new_tags:
                self.links.append((person, new_tags))
                tags[person.pk].update(new_tags)
            self.touch(person.org)
            if changed or changes or new_tags:
                self.updated += 1

    def _household(
        self,
        row: Row,
        data: dict[str, Any],
        by_code: dict[str, Household],
        by_head: dict[int, Household],
    ) -> Household | None:
        """The household the row names (户编号, or the 户主身份证号 of a registered head), with
        户主姓名 checked against its head; None when it names none (or has an error)."""
        if not self.ok(row):
            return None
        household: Household | None = None
        if data["code"]:
            household = by_code.get(data["code"])
            if household is None:
                self.fail(row, "code", _("户编号 %s 不存在, 请先导入户") % data["code"])
                return None
        head_info = data["head_info"]
        if head_info is not None:
            head = self.persons.get(head_info.number)
            found = by_head.get(head.pk) if head is not None else None
            if found is None:
                self.fail(row, "head_id", _("该身份证号不是已登记的户主"))
                return None
            if household is not None and household.pk != found.pk:
                self.fail(
                    row,
                    "head_id",
                    _("户主身份证号是户 %(other)s 的户主, 不是户 %(code)s 的")
                    % {"other": found.code, "code": household.code},
                )
                return None
            household = found
        if household is None:
            if data["head_name"]:
                self.fail(
                    row,
                    "head_name",
                    _("只填户主姓名无法确定所在的户, 请同时填写户主身份证号或户编号"),
                )
            return None
        if not self.may_admin(household.org):
            self.refuse(row, "code" if data["code"] else "head_id", household.org)
            return None
        head_name, head = data["head_name"], household.head
        if head_name and head is not None and not same_name(head_name, head.name):
            self.fail(
                row,
                "head_name",
                _("户主姓名“%(name)s”与户 %(code)s 已登记的户主“%(head)s”不一致")
                % {"name": head_name, "code": household.code, "head": head.name},
            )
            return None
        self.touch(household.org)
        return household

    def _joins(
        self,
        row: Row,
        data: dict[str, Any],
        household: Household,
        person: Person | None,
        memberships: dict[int, Member],
    ) -> bool | None:
        """Plan the student's membership of ``household``: whether it changes anything; None
        (an error recorded) when the student cannot be its member as the row says."""
        relation = data["relation"]
        if person is not None and household.head_id == person.pk:
            if relation and relation != Relation.HEAD:
                self.fail(row, "relation", _("该学生是户 %s 的户主") % household.code)
                return None
            return False
        member = memberships.get(household.pk)
        elsewhere = sorted(m.household.code for h, m in memberships.items() if h != household.pk)
        if member is None and elsewhere:
            self.fail(
                row,
                "id_number",
                _("该学生已是户 %s 的成员 (一人多户); 请先从原户移出或合并两户")
                % "、".join(elsewhere),
            )
            return None
        if member is not None:
            if relation and member.relation != relation:
                member.relation = relation
                self.changed_members.append(member)
                return True
            return False
        if not relation:  # (a 学生资助名单 often has no such column)
            relation = data["relation"] = Relation.OTHER
            self.warn(
                row,
                "relation" if self.has("relation") else None,
                _("学生加入户 %s, 未填写与户主关系, 记为“其他”; 请在户的页面更正") % household.code,
            )
        if person is not None:
            self.new_members.append(Member(household=household, person=person, relation=relation))
        return True

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        if self.changed:
            self.stamp(self.changed)
            bulk_update(Person, self.changed, self.changed_fields | {"updated_at"})
        Member.objects.bulk_create(self.new_members, batch_size=WRITE_BATCH)
        bulk_update(Member, self.changed_members, ["relation"])
        add_tags(self.links, now=self.now)
        self.wrote("persons", [*self.new_persons, *self.changed, *(p for p, _t in self.links)])
        self.wrote("households", [m.household for m in (*self.new_members, *self.changed_members)])


def add_tags(links: list[tuple[Person, tuple[str, ...]]], *, now: Any) -> None:
    """Give each person the listed tags besides those they have (which are not among them),
    creating the tags that do not exist yet."""
    names = {name for _p, tags in links for name in tags}
    if not names:
        return
    known = {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names)}
    Tag.objects.bulk_create(
        [Tag(name=n) for n in sorted(names - set(known))],
        batch_size=WRITE_BATCH,
        ignore_conflicts=True,
    )
    known |= {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names - set(known))}
    pairs = {(person.pk, known[name]) for person, tags in links for name in tags}
    BulkInsert(Person.tags.through, ("person_id", "tag_id"), now=now).run(sorted(pairs))


def _row(person: Person) -> dict[str, Any]:
    memberships = list(person.memberships.all())
    member = memberships[0] if len(memberships) == 1 else None
    household = member.household if member is not None else None
    head = household.head if household is not None else None
    return {
        "name": person.name,
        "id_number": person.id_number,
        "schooling": SCHOOLING.label(person.schooling),
        "grade": SCHOOLING.label(person.schooling, person.grade) if person.grade else "",
        "code": household.code if household is not None else "",
        "head_name": head.name if head is not None else "",
        "head_id": head.id_number if head is not None else "",
        "relation": RELATION.label(member.relation) if member is not None else "",
        "aid": "",
        "org": person.org.code,
    }


KIND = register(
    Kind(
        name="students",
        label=_lazy("学生"),
        description=_lazy(
            "学生资助名单 (雨露计划、控辍保学 …): 每个学生一行, 按学生本人的身份证号识别"
        ),
        columns=COLUMNS,
        importer=StudentImporter,
        queryset=lambda user: person_list(user=user).filter(schooling__in=IN_SCHOOL),
        prepare=lambda qs: (
            qs.select_related("org")
            .prefetch_related("memberships__household__head")
            .order_by("org__path", "name_sort", "id")
        ),
        row=_row,
        filters=org_subtree_filter("org__path"),
    )
)
