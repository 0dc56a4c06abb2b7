"""persons: 姓名, 身份证号, 联系电话, 所属组织编码, 标签 (+ 性别, 出生日期, 健康状况, 在校生状况,
劳动能力, 务工状况, 备注). Matched on 身份证号; sex and birth date come from the ID number, as in
``clean_person``; pinyin keys are computed as ``Person.save`` does."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.registry.models import Person, Tag
from bangfu.registry.selectors import person_list
from bangfu.transfer.importers import WRITE_BATCH, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import (
    EMPLOYMENT,
    HEALTH,
    LABOUR,
    SCHOOLING,
    SEX,
    PersonRows,
)
from bangfu.transfer.spec import (
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    PHONE_SYNONYMS,
    Column,
    Kind,
)

COLUMNS = (
    Column(
        "name",
        "姓名",
        _lazy("身份证上的姓名, 最多 50 个字"),
        required=True,
        synonyms=("人员姓名", "名字"),
    ),
    Column(
        "id_number",
        "身份证号",
        _lazy("18 位居民身份证号码; 同一身份证号再次导入时更新该人员, 不会重复登记"),
        required=True,
        synonyms=ID_SYNONYMS,
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "phone",
        "联系电话",
        _lazy("11 位手机号, 或带区号的固定电话 (0771-5551234)"),
        synonyms=PHONE_SYNONYMS,
        text=True,
        personal="phone",
        width=16,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("人员所属单位的编码 (组织机构中的“编码”)"),
        required=True,
        synonyms=ORG_CODE_SYNONYMS,
        text=True,
        width=16,
    ),
    Column(
        "tags",
        "标签",
        _lazy("多个标签用 、 或 , 分隔, 如 党员、教师; 填写时以本表为准替换原有标签"),
        synonyms=("人员标签", "人员类别", "身份标签", "人员类型"),
        width=20,
    ),
    Column(
        "sex",
        "性别",
        _lazy("可不填, 按身份证号确定; 填写时须与身份证号一致"),
        choices=SEX,
        standard=False,
    ),
    Column(
        "birth_date",
        "出生日期",
        _lazy("可不填, 按身份证号确定; 填写时须与身份证号一致"),
        date=True,
        synonyms=("出生年月", "出生年月日"),
        standard=False,
    ),
    Column("health", "健康状况", choices=HEALTH, synonyms=("健康情况",), standard=False),
    Column(
        "schooling",
        "在校生状况",
        choices=SCHOOLING,
        synonyms=("在校生情况", "在校情况", "文化程度(在校)"),
        standard=False,
        width=16,
    ),
    Column(
        "labour", "劳动能力", choices=LABOUR, synonyms=("劳动力状况",), standard=False, width=18
    ),
    Column(
        "employment",
        "务工状况",
        choices=EMPLOYMENT,
        synonyms=("务工情况", "就业状况"),
        standard=False,
    ),
    Column("notes", "备注", _lazy("最多 500 个字"), standard=False, width=30),
)
CHOICE_FIELDS = {
    "health": HEALTH,
    "schooling": SCHOOLING,
    "labour": LABOUR,
    "employment": EMPLOYMENT,
}


class PersonImporter(PersonRows):
    """Creates and updates persons in bulk; tags are replaced by the cell's list when it has one."""

    def validate(self) -> None:
        rows: list[tuple[Any, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "name": self.text(row, "name", required=True, max_length=50, compact=True),
                "info": self.identity(row, "id_number"),
                "org": self.text(row, "org", required=True, compact=True),
                "tags": self.tags(row, "tags") if self.has("tags") else None,
                "notes": self.text(row, "notes", max_length=500) if self.has("notes") else "",
            }
            if self.has("phone"):
                data["phone"] = self.phone(row, "phone")
            for key, table in CHOICE_FIELDS.items():
                if self.has(key):
                    data[key] = self.choice(row, key, table)
            info = data["info"]
            if info is not None:
                sex = self.choice(row, "sex", SEX) if self.has("sex") else ""
                if sex and sex != info.sex:
                    self.fail(
                        row, "sex", _("性别与身份证号不一致 (身份证号为%s性)") % SEX.label(info.sex)
                    )
                born = self.date(row, "birth_date") if self.has("birth_date") else None
                if born and (
                    (born.year, born.month) != (info.birth_date.year, info.birth_date.month)
                    or (born.day != 1 and born.day != info.birth_date.day)
                ):
                    self.fail(
                        row,
                        "birth_date",
                        _("出生日期与身份证号不一致 (身份证号为 %s)") % info.birth_date.isoformat(),
                    )
            rows.append((row, data))

        self.duplicates(
            "id_number",
            group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
        )
        self.load_orgs(d["org"] for _r, d in rows)
        self.load_persons(d["info"].number for _r, d in rows if d["info"] is not None)
        existing_tags: dict[int, set[str]] = defaultdict(set)
        if self.has("tags"):
            through = Person.tags.through
            ids = [p.pk for p in self.persons.values()]
            for link in fetch_in(through.objects.select_related("tag"), "person_id", ids):
                existing_tags[link.person_id].add(link.tag.name)

        self.new: list[Person] = []
        self.changed: list[Person] = []
        self.changed_fields: set[str] = set()
        self.tags_of: dict[int, tuple[Person, list[str]]] = {}  # id(person) → (person, tags)
        self.retagged: list[int] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            org = self.unit(row, "org", data["org"])
            if org is None:
                continue
            info = data["info"]
            person = self.persons.get(info.number)
            optional = {k: data[k] for k in ("phone", *CHOICE_FIELDS, "notes") if data.get(k)}
            if person is None:
                person = self.build_person(name=data["name"], info=info, org=org, **optional)
                self.new.append(person)
                self.created += 1
                if data["tags"]:
                    self.tags_of[id(person)] = (person, data["tags"])
                continue
            if not self.known_person(
                row, id_key="id_number", name_key=None, person=person, name=""
            ):
                continue
            wanted = {"name": data["name"], "org_id": org.pk, "sex": info.sex}
            wanted |= {"birth_date": info.birth_date, **optional}
            changes = {k: v for k, v in wanted.items() if getattr(person, k) != v}
            if "name" in changes:
                changes["name_pinyin"], changes["name_sort"] = self.keys_for(data["name"])
            retag = data["tags"] is not None and set(data["tags"]) != existing_tags[person.pk]
            if changes:
                for key, value in changes.items():
                    setattr(person, key, value)
                self.changed.append(person)
                self.changed_fields |= set(changes)
            if retag:
                self.tags_of[id(person)] = (person, data["tags"])
                self.retagged.append(person.pk)
            if changes or retag:
                self.updated += 1

    def write(self) -> None:
        Person.objects.bulk_create(self.new, batch_size=WRITE_BATCH)
        if self.changed:
            self.stamp(self.changed)
            fields = {f.replace("org_id", "org") for f in self.changed_fields} | {"updated_at"}
            bulk_update(Person, self.changed, fields)
        write_tags(self.tags_of.values(), replace=self.retagged)
        self.wrote("persons", [*self.new, *self.changed, *(p for p, _t in self.tags_of.values())])


def write_tags(assignments: Any, *, replace: list[int]) -> None:
    """Give each person exactly the listed tags, creating the tags that do not exist yet."""
    assignments = list(assignments)
    if not assignments:
        return
    names = {name for _person, tags in assignments for name in tags}
    known = {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names)}
    missing = [Tag(name=n) for n in sorted(names - set(known))]
    Tag.objects.bulk_create(missing, batch_size=WRITE_BATCH, ignore_conflicts=True)
    known |= {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names - set(known))}
    through = Person.tags.through
    for start in range(0, len(replace), 2000):
        through.objects.filter(person_id__in=replace[start : start + 2000]).delete()
    links = [
        through(person_id=person.pk, tag_id=known[name])
        for person, tags in assignments
        for name in dict.fromkeys(tags)
    ]
    through.objects.bulk_create(links, batch_size=WRITE_BATCH)


def _row(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "org": person.org.code,
        "tags": "、".join(t.name for t in person.tags.all()),
        "sex": SEX.label(person.sex),
        "birth_date": person.birth_date,
        "health": HEALTH.label(person.health),
        "schooling": SCHOOLING.label(person.schooling),
        "labour": LABOUR.label(person.labour),
        "employment": EMPLOYMENT.label(person.employment),
        "notes": person.notes,
    }


def _filters(qs: Any, params: Any, user: Any) -> Any:
    from bangfu.orgs.selectors import org_list
    from bangfu.registry.filters import PersonFilter

    return PersonFilter(params, queryset=qs, orgs=org_list(user=user)).qs


KIND = register(
    Kind(
        name="persons",
        label=_lazy("人员"),
        description=_lazy("花名册: 每人一行, 按身份证号识别"),
        columns=COLUMNS,
        importer=PersonImporter,
        queryset=lambda user: person_list(user=user),
        prepare=lambda qs: (
            qs.select_related("org")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
            .order_by("org__path", "name_sort", "id")
        ),
        row=_row,
        filters=_filters,
    )
)
