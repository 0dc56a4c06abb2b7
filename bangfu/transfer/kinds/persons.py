"""persons: 姓名, 身份证号, 联系电话, 所属组织编码, 标签 (+ 性别, 出生日期, 健康状况, 在校生状况,
劳动能力, 务工状况, 文化程度, 证件类型, 残疾类别, 残疾等级, 备注). Matched on 身份证号; sex and
birth date come from the ID number, as in ``clean_person``; pinyin keys are computed as
``Person.save`` does. The national vocabularies (七年级, 劳动技能 …) are read as
docs/import-export.md, "Vocabularies", says."""

from __future__ import annotations

import datetime
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from itertools import chain, islice
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.idnumber import IdInfo
from bangfu.orgs.models import Org
from bangfu.registry.models import Person, Tag
from bangfu.registry.selectors import person_list
from bangfu.transfer.importers import (
    BIRTH_START,
    WRITE_BATCH,
    BulkInsert,
    bulk_update,
    fetch_in,
    ids_of_new,
    last_id,
    person_keys,
)
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import (
    DISABILITY_CATEGORY,
    DISABILITY_LEVEL,
    DOCUMENT_TYPE,
    EDUCATION,
    EMPLOYMENT,
    HEALTH,
    LABOUR,
    PERSON_FIELD_COLUMNS,
    PERSON_PHONE_SYNONYMS,
    SEX,
    PersonRows,
    document_problem,
    identity_fields,
    schooling_label,
)
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    PHONE_SYNONYMS,
    ChoiceTable,
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
        synonyms=(*PERSON_PHONE_SYNONYMS, *PHONE_SYNONYMS),
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
    *PERSON_FIELD_COLUMNS,
    Column("notes", "备注", _lazy("最多 500 个字"), standard=False, width=30),
)
# 健康状况, 在校生状况 (with its grade), 劳动能力, 务工状况, 文化程度, 证件类型, 残疾类别, 残疾等级
CHOICE_FIELDS: dict[str, ChoiceTable] = {
    c.key: c.choices for c in PERSON_FIELD_COLUMNS if c.choices is not None
}


# A row as kept between reading and writing: (row number, name, ID number, sex, birth date, unit
# code, phone, tags (None: no tags cell), the other optional fields that are filled {health,
# schooling, grade, labour, employment, education, document_type, disability_category,
# disability_level, notes} or None, name_pinyin, name_sort).
Record = tuple[
    int,
    str,
    str,
    str,
    datetime.date,
    str,
    str,
    tuple[str, ...] | None,
    dict[str, Any] | None,
    str,
    str,
]
# What parsing a part of the rows gives: the records of its rows without errors, and (ID number,
# row) for each row with errors but a valid ID number (for the check for duplicates, which the
# records' numbers take part in too).
Part = tuple[list[Record], list[tuple[str, int]]]
# The share of a large sheet's rows this process parses before it only inserts (measured at
# 200,000 rows on SQLite, where inserting takes about 0.9 of the time the helper takes to parse
# the rest).
UPPER_SHARE = 0.06
PART_ROWS = 2000  # records per part (what the helper process sends at a time, < 1 MB)
KEPT_EMPTY = (None,) * 5  # the rest of a record inserted early, once let go
# The fields a new person's row gives, in this order (BulkInsert fills created_at and updated_at
# with the import's time).
OTHER_FIELDS = (*CHOICE_FIELDS, "grade", "notes")
NEW_FIELDS = (
    "org_id",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "name_pinyin",
    "name_sort",
    "phone",
    *OTHER_FIELDS,
)


class PersonImporter(PersonRows):
    """Creates and updates persons in bulk; tags are replaced by the cell's list when it has one.

    Built for rosters of hundreds of thousands of rows (docs/performance.md): the rows are
    streamed from the file, by two processes for a large file (``read_rows``), and each is kept
    only as the :data:`Record` the write needs; a cell that repeats from row to row (the unit
    code, the tags) is parsed once; new persons are inserted as plain rows (``BulkInsert``), not
    built as model objects, and on a large file already while the helper process parses, as
    long as every row so far is fine (``_insert_early``; rolled back should a later row not be).
    """

    streams = True
    # Every person written, new or updated (or only retagged, when nothing else changed), has
    # the sex and birth date of its ID number: P002 and P003 cannot find one.
    validated_checks = frozenset({"P002", "P003", "P009"})

    def validate(self) -> None:
        self.early_ids: list[int] = []  # the persons of the first records, inserted early
        self._early = True  # whether parts may still be inserted early
        self._early_numbers: set[str] = set()  # their ID numbers
        self._rows = 0  # the sheet's rows (once _read has begun)
        self._on_file: set[str] | None = None  # the ID numbers on file, once read
        self._on_file_read = False
        records = self._read()
        early = len(self.early_ids)
        self.load_orgs({r[5] for r in records})
        self.load_persons(r[2] for r in islice(records, early, None))
        existing_tags: dict[int, set[str]] = defaultdict(set)
        if self.has("tags") and self.persons:
            through = Person.tags.through
            ids = [p.pk for p in self.persons.values()]
            for link in fetch_in(through.objects.select_related("tag"), "person_id", ids):
                existing_tags[link.person_id].add(link.tag.name)

        self.new: list[Record] = []  # the records of the persons to create
        self.new_orgs = array("q")  # and the id of each one's unit
        self.changed: list[Person] = []
        self.changed_fields: set[str] = set()
        # Tags: of each new person (by its index in self.new), of each person on file.
        self.tags_new: list[tuple[int, tuple[str, ...]]] = []
        self.tags_on_file: list[tuple[Person, tuple[str, ...]]] = []
        self.retagged: list[int] = []
        units: dict[str, Org] = {}  # the unit codes that passed ``unit()``
        start = 0  # the first record to go through below
        if early and not self.bad:
            # No row has an error: the records inserted early are new persons, in units checked
            # before the insert; their units are taken in once each (for the audit's unit).
            orgs = [self.orgs.get(code) for code in {r[5] for r in records[:early]}]
            if all(org and org.is_active and self.may_admin(org) for org in orgs):
                for org in orgs:
                    assert org is not None
                    units[org.code] = org
                    self.touch(org)
                self.created += early
                start = early
        for index, record in enumerate(islice(records, start, None), start):
            number, name, id_number, sex, born, code, phone, tags, other, *_keys = record
            if number in self.bad:
                continue
            org = units.get(code)
            if org is None:
                org = self.unit(Row(number, {}), "org", code)
                if org is None:
                    continue
                units[code] = org
            if index < early:  # a new person (checked so), inserted already with its tags
                self.created += 1
                continue
            person = self.persons.get(id_number)
            if person is None:
                if tags:
                    self.tags_new.append((len(self.new), tags))
                self.new.append(record)
                self.new_orgs.append(org.pk)
                self.created += 1
                continue
            if not self.known_person(
                Row(number, {}), id_key="id_number", name_key=None, person=person, name=""
            ):
                continue
            wanted = {"name": name, "org_id": org.pk, "sex": sex, "birth_date": born}
            wanted |= {"phone": phone} if phone else {}
            wanted |= other or {}
            changes = {k: v for k, v in wanted.items() if getattr(person, k) != v}
            if "name" in changes:
                changes["name_pinyin"], changes["name_sort"] = self.keys_for(name)
            retag = tags is not None and set(tags) != existing_tags[person.pk]
            if changes:
                for key, value in changes.items():
                    setattr(person, key, value)
                self.changed.append(person)
                self.changed_fields |= set(changes)
            if retag:
                self.tags_on_file.append((person, tags or ()))
                self.retagged.append(person.pk)
            if changes or retag:
                self.updated += 1

    def _read(self) -> list[Record]:
        """Parse and check every row as it is read; the records of the rows without errors, in
        the file's order, once ID numbers that appear on several rows are reported."""
        # This process parses the first rows itself (it would only wait for the helper's) and
        # then inserts every part, while the helper parses the rest: UPPER_SHARE of them, so
        # that both are done at about the same time (docs/performance.md).
        rows = self._rows = (self.sheet.last_row or 0) - self.sheet.header_row
        share = min(0.5, max(PART_ROWS / rows, UPPER_SHARE)) if rows > 0 else 0.5
        parts = self.read_rows(self._parse, meanwhile=self._insert_early, upper_share=share)
        records = [record for part_records, _numbers in parts for record in part_records]
        if not any(numbers for _records, numbers in parts) and len({r[2] for r in records}) == len(
            records
        ):
            return records  # (every ID number on one row only: the usual case, made out quickly)
        first_row: dict[str, int] = {}  # ID number → a row with it
        repeated: dict[str, list[int]] = {}  # ID number → its rows, when there are several
        numbers = chain(
            ((r[2], r[0]) for r in records), *(part_numbers for _records, part_numbers in parts)
        )
        for id_number, row in numbers:
            first = first_row.setdefault(id_number, row)
            if first != row:
                repeated.setdefault(id_number, [first]).append(row)
        del parts, first_row
        self.duplicates(
            "id_number",
            {
                number: [Row(n, {}) for n in sorted(rows)]
                for number, rows in sorted(repeated.items(), key=lambda item: min(item[1]))
            },
        )
        return records

    def _insert_early(self, parts: list[Part]) -> None:
        """While the helper process parses: insert the persons of parts already parsed (in the
        import's transaction, their tags with them), as long as that cannot change the outcome,
        that is as long as every row so far is without errors, with an ID number seen on no
        other row so far and not on file, and a unit the actor may import to. The first part that
        fails this ends it (the rest is written by :meth:`write`). Should rows further down have
        errors, or repeat an ID number, the import rolls back as if nothing had been written."""
        records = [record for part_records, _numbers in parts for record in part_records]
        if not self._early or not records:
            return
        numbers = {r[2] for r in records}
        codes = {r[5] for r in records}
        self.load_orgs(codes)
        orgs = [self.orgs.get(code) for code in codes]
        if (
            self.errors
            or len(numbers) < len(records)
            or not numbers.isdisjoint(self._early_numbers)
            or not all(org and org.is_active and self.may_admin(org) for org in orgs)
            or not self.begin()  # (before the check below: on SQLite it takes the write lock)
            or self._any_on_file(numbers)
        ):
            self._early = False
            return
        org_id = {code: self.orgs[code].pk for code in codes}
        org_ids = array("q", [org_id[r[5]] for r in records])
        # On PostgreSQL another transaction may add one of these ID numbers meanwhile: a
        # savepoint, and a conflict leaves the import as it was (write() then finds the person
        # on file). On SQLite the import's transaction holds the write lock since before the
        # check above, so no conflict can arise, and a savepoint would copy every page each part
        # touches to a statement journal (0.7 s at 200,000 rows; docs/performance.md).
        savepoint = connection.vendor != "sqlite"
        self.set_indexes_aside(Person, Person.tags.through, rows=self._rows)
        try:
            with transaction.atomic() if savepoint else nullcontext():
                ids = self._insert(records, org_ids)
                tags = [(pk, r[7]) for pk, r in zip(ids, records, strict=True) if r[7]]
                names = {name for _pk, names in tags for name in names}
                write_tags(tags, names, replace=[], now=self.now)
        except IntegrityError:
            if not savepoint:
                raise
            self._early = False  # (write() meets the conflict again and reports it)
            return
        self.early_ids.extend(ids)
        self._early_numbers |= numbers
        self.written["persons"].update(ids)
        # What the rest of the import needs of these rows is their row, ID number and unit
        # code: the rest of each record is let go (30 MB at 200,000 rows).
        for part_records, _numbers in parts:
            part_records[:] = [
                cast(Record, (r[0], None, r[2], None, None, r[5], *KEPT_EMPTY))
                for r in part_records
            ]

    def _any_on_file(self, numbers: set[str]) -> bool:
        """Whether a person on file has one of these ID numbers. The first time, with fewer
        persons on file than rows in the sheet, the numbers on file are read once."""
        query = Person.objects.values_list("id_number", flat=True)
        if not self._on_file_read:
            self._on_file_read = True
            if Person.objects.count() <= (self.sheet.last_row or 0):
                self._on_file = set(query.iterator(chunk_size=10000))
        if self._on_file is not None:
            return not numbers.isdisjoint(self._on_file)
        return any(True for _number in fetch_in(query, "id_number", numbers))

    def _parse(self, rows: Iterable[Row]) -> Iterator[Part]:
        """Parse and check rows, yielding a part every :data:`PART_ROWS` records and at the end
        (in this process or in the helper: no database here)."""
        has = {key: self.has(key) for key in ("tags", "notes", "phone", "sex", "birth_date")}
        choices = [(key, table) for key, table in CHOICE_FIELDS.items() if self.has(key)]
        check_sex_and_birth = has["sex"] or has["birth_date"]
        codes: dict[str, str] = {}  # unit code cell → its text, for the cells that repeat
        tag_lists: dict[str, tuple[str, ...]] = {}  # tags cell → its tags, likewise
        dates: dict[datetime.date, datetime.date] = {}  # one object per birth date
        # name → (the name, its pinyin keys): names repeat, parsed and kept once
        keys: dict[str, tuple[str, str, str]] = {}
        named: dict[str, tuple[str, str, str]] = {}  # a name cell without error → its keys
        bad = self.bad
        records: list[Record] = []
        numbers: list[tuple[str, int]] = []
        for row in rows:
            cell = row.values.get("name")
            known = named.get(cell) if isinstance(cell, str) else None
            if known is None:
                name = self.text(row, "name", required=True, max_length=50, compact=True)
                if name and len(name) <= 50:  # (no error)
                    known = keys.get(name)
                    if known is None:
                        known = keys[name] = (name, *person_keys(name))
                    if isinstance(cell, str):
                        named[cell] = known
            info = self.identity(row, "id_number")
            cell = row.values.get("org")
            code = codes.get(cell) if isinstance(cell, str) else None
            if code is None:
                code = self.text(row, "org", required=True, compact=True)
                if code and isinstance(cell, str):
                    codes[cell] = code
            tags: tuple[str, ...] | None = None
            if has["tags"]:
                cell = row.values.get("tags")
                tags = tag_lists.get(cell) if isinstance(cell, str) else None
                if tags is None and cell is not None:  # (an empty cell: no tags)
                    found = self.tags(row, "tags")
                    tags = None if found is None else tuple(found)
                    if tags and isinstance(cell, str) and all(len(t) <= 20 for t in tags):
                        tag_lists[cell] = tags
            notes = self.text(row, "notes", max_length=500) if has["notes"] else ""
            phone = self.phone(row, "phone") if has["phone"] else ""
            other: dict[str, Any] | None = None
            if choices:
                other = {}
                for key, table in choices:
                    reading = self.choice_reading(row, key, table)
                    if reading is not None:
                        other[key] = reading.value
                        if key == "schooling":  # 七年级: 初中, grade 1
                            other["grade"] = reading.grade
                if info is not None and "document_type" in other:
                    problem = document_problem(other["document_type"], info)
                    if problem:
                        self.fail(row, "document_type", problem)
            if info is not None and (facts := identity_fields(info)):
                # A residence permit's or a 残疾人证号's own facts; the cells say the same or
                # more (an error above when they contradict the number).
                other = {**facts, **(other or {})}
            if notes:
                other = {**(other or {}), "notes": notes}
            if info is not None and check_sex_and_birth:
                self._check_sex_and_birth(row, info, has)
            if info is not None and row.number in bad:
                numbers.append((info.number, row.number))
            elif info is not None and known is not None:
                name, pinyin, sort = known
                born = dates.setdefault(info.birth_date, info.birth_date)
                records.append(
                    (
                        row.number,
                        name,
                        info.number,
                        info.sex,
                        born,
                        code,
                        phone,
                        tags,
                        other or None,
                        pinyin,
                        sort,
                    )
                )
            if len(records) >= PART_ROWS:  # (every row read so far is in the part)
                yield records, numbers
                records, numbers = [], []
        yield records, numbers

    def _check_sex_and_birth(self, row: Row, info: IdInfo, has: dict[str, bool]) -> None:
        """性别 and 出生日期, when the sheet has them, must agree with the ID number."""
        sex = self.choice(row, "sex", SEX) if has["sex"] else ""
        if sex and sex != info.sex:
            self.fail(row, "sex", _("性别与身份证号不一致 (身份证号为%s性)") % SEX.label(info.sex))
        born = (
            self.date(row, "birth_date", precision=True, earliest=BIRTH_START, caveats=False)
            if has["birth_date"]
            else None
        )
        # 出生年月 1985.06 (a month) agrees with any day of that month.
        if born and not born.date <= info.birth_date <= born.last_day:
            self.fail(
                row,
                "birth_date",
                _("出生日期与身份证号不一致 (身份证号为 %s)") % info.birth_date.isoformat(),
            )

    def write(self) -> None:
        if self.new:
            self.set_indexes_aside(Person, Person.tags.through, rows=len(self.new))
        ids = self._insert(self.new, self.new_orgs) if self.new else []
        self.written["persons"].update(ids)
        if self.changed:
            self.stamp(self.changed)
            fields = {f.replace("org_id", "org") for f in self.changed_fields} | {"updated_at"}
            bulk_update(Person, self.changed, fields)
        tags = [
            *((ids[index], tags) for index, tags in self.tags_new),
            *((person.pk, tags) for person, tags in self.tags_on_file),
        ]
        names = {name for _person, names in tags for name in names}
        write_tags(tags, names, replace=self.retagged, now=self.now)
        self.wrote("persons", [*self.changed, *(p for p, _tags in self.tags_on_file)])

    def _insert(self, records: Sequence[Record], org_ids: Sequence[int]) -> list[int]:
        """Insert new persons (each record in the unit of that id), with the values
        ``Person.save`` and bulk_create would give them; their ids, in the same order."""
        insert = BulkInsert(Person, NEW_FIELDS, now=self.now)
        fields: dict[str, Any] = {f.attname: f for f in Person._meta.concrete_fields}
        phone_default = fields["phone"].get_default()
        defaults = tuple(fields[key].get_default() for key in OTHER_FIELDS)
        birth_date = insert.preparer("birth_date")
        dates: dict[Any, Any] = {}  # birth date → its database value

        def rows() -> Iterator[tuple[Any, ...]]:
            for record, org_id in zip(records, org_ids, strict=True):
                _n, name, id_number, sex, born, _code, phone, _tags, other, pinyin, sort = record
                day = dates.get(born)
                if day is None:
                    day = dates[born] = birth_date(born)
                values = (org_id, name, id_number, sex, day, pinyin, sort, phone or phone_default)
                if other is None:
                    yield values + defaults
                else:
                    yield values + tuple(
                        other.get(k, d) for k, d in zip(OTHER_FIELDS, defaults, strict=True)
                    )

        before = last_id(Person)
        insert.run(rows())
        return ids_of_new(Person, "id_number", [r[2] for r in records], after=before)


def write_tags(
    assignments: Iterable[tuple[int, tuple[str, ...]]],
    names: set[str],
    *,
    replace: list[int],
    now: datetime.datetime,
) -> None:
    """Give each person (by id) exactly the listed tags, all among ``names``, creating the tags
    that do not exist yet; the persons in ``replace`` lose the tags they had."""
    if names:
        known = {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names)}
        missing = [Tag(name=n) for n in sorted(names - set(known))]
        Tag.objects.bulk_create(missing, batch_size=WRITE_BATCH, ignore_conflicts=True)
        known |= {t.name: t.pk for t in fetch_in(Tag.objects.all(), "name", names - set(known))}
    through = Person.tags.through
    for start in range(0, len(replace), 2000):
        through.objects.filter(person_id__in=replace[start : start + 2000]).delete()
    if names:
        links = BulkInsert(through, ("person_id", "tag_id"), now=now)
        ids: dict[tuple[str, ...], tuple[int, ...]] = {}  # a list of tags → their ids, once each

        def tag_ids(tags: tuple[str, ...]) -> tuple[int, ...]:
            found = ids.get(tags)
            if found is None:
                found = ids[tags] = tuple(known[name] for name in dict.fromkeys(tags))
            return found

        links.run((person, tag) for person, tags in assignments for tag in tag_ids(tags))


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
        "schooling": schooling_label(person),
        "labour": LABOUR.label(person.labour),
        "employment": EMPLOYMENT.label(person.employment),
        "education": EDUCATION.label(person.education),
        "document_type": DOCUMENT_TYPE.label(person.document_type),
        "disability_category": DISABILITY_CATEGORY.label(person.disability_category),
        "disability_level": DISABILITY_LEVEL.label(person.disability_level),
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
