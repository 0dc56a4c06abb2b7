"""Vocabularies and person handling shared by the registry's sheets.

The choice tables read the Chinese labels of ``bangfu.registry.choices`` and, in data form, the
other words real registers use for them. :class:`PersonRows` is what the persons, households
(户主), members and helpers sheets share: finding a person by ID number, checking the name on file
and the actor's reach, and building a new Person the way ``Person.save`` would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.idnumber import IdInfo
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list
from bangfu.registry.choices import (
    Cause,
    Difficulty,
    DisabilityCategory,
    DisabilityLevel,
    DocumentType,
    Education,
    Employment,
    Health,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)
from bangfu.registry.models import Household, Person
from bangfu.transfer.importers import LOOKUP_CHUNK, Importer, fetch_in, person_keys
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import ALIAS_KINDS, Alias, ChoiceTable, Column

VOCABULARIES_FILE = Path(__file__).resolve().parents[2] / "registry" / "data" / "vocabularies.json"
_CHOICES: dict[str, type[models.Choices]] = {
    "Cause": Cause,
    "Difficulty": Difficulty,
    "DisabilityCategory": DisabilityCategory,
    "DisabilityLevel": DisabilityLevel,
    "DocumentType": DocumentType,
    "Education": Education,
    "Employment": Employment,
    "Health": Health,
    "Labour": Labour,
    "Relation": Relation,
    "Schooling": Schooling,
    "Sex": Sex,
    "Status": Status,
}


class VocabularyError(ValueError):
    """The vocabularies file names a choice, a value or a kind of alias that does not exist."""


def load_vocabularies(path: Path = VOCABULARIES_FILE) -> dict[str, ChoiceTable]:
    """The choice tables of the vocabularies file, by name (``cause``, ``relation`` …).

    Every entry must be read as an existing value of its choices, with a known kind; a code
    must say what it means and a grade which year it is. A word cannot stand for two values
    (the first entry would win silently)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tables: dict[str, ChoiceTable] = {}
    for name, spec in data["vocabularies"].items():
        choices = _CHOICES.get(spec["choices"])
        if choices is None:
            raise VocabularyError(f"{name}: unknown choices {spec['choices']!r}")
        by_text = {str(v): v for v in choices.values}
        aliases: list[Alias] = []
        seen: dict[str, Any] = {}
        for value, label in choices.choices:
            seen["".join(str(label).split()).lower()] = value
            seen[str(value).lower()] = value
        for entry in spec["entries"]:
            word, kind = entry["word"], entry.get("kind", "synonym")
            value = by_text.get(str(entry["value"]))
            if value is None:
                raise VocabularyError(f"{name}: {word!r} → unknown value {entry['value']!r}")
            if kind not in ALIAS_KINDS or kind == "several":
                raise VocabularyError(f"{name}: {word!r} has an unknown kind {kind!r}")
            if kind == "code" and not entry.get("means"):
                raise VocabularyError(f"{name}: code {word!r} does not say what it means")
            if (kind == "grade") != ("grade" in entry):
                raise VocabularyError(f"{name}: {word!r}: a grade needs kind grade and a year")
            key = "".join(word.split()).lower()
            if seen.get(key, value) != value:
                raise VocabularyError(f"{name}: {word!r} stands for two values")
            seen[key] = value
            aliases.append(Alias(word, value, kind, entry.get("means", ""), entry.get("grade")))
        several = [by_text[str(v)] for v in spec.get("several", ())]
        tables[name] = ChoiceTable(choices, aliases, several=several, name=name)
    return tables


# Loaded once, when the import sheets are first used.
VOCABULARIES = load_vocabularies()
SEX = VOCABULARIES["sex"]
HEALTH = VOCABULARIES["health"]
SCHOOLING = VOCABULARIES["schooling"]
LABOUR = VOCABULARIES["labour"]
EMPLOYMENT = VOCABULARIES["employment"]
RELATION = VOCABULARIES["relation"]
CAUSE = VOCABULARIES["cause"]
DIFFICULTY = VOCABULARIES["difficulty"]
STATUS = VOCABULARIES["status"]
EDUCATION = VOCABULARIES["education"]
DOCUMENT_TYPE = VOCABULARIES["document_type"]
DISABILITY_CATEGORY = VOCABULARIES["disability_category"]
DISABILITY_LEVEL = VOCABULARIES["disability_level"]
# The person fields the national rosters carry (docs/import-export.md, "Vocabularies"): the
# columns of the persons, members and students sheets that fill them.
PERSON_FIELD_COLUMNS: tuple[Column, ...] = (
    Column(
        "health",
        "健康状况",
        _lazy("健康、长期慢性病、患有大病、残疾; 一格填写多项时只记一项 (残疾优先), 并提示"),
        choices=HEALTH,
        synonyms=("健康情况",),
        standard=False,
    ),
    Column(
        "schooling",
        "在校生状况",
        _lazy("学段, 或国家系统的年级名称 (小学三年级、七年级、普通高中二年级), 记为学段和年级"),
        choices=SCHOOLING,
        synonyms=("在校生情况", "在校情况", "文化程度(在校)"),
        standard=False,
        width=16,
    ),
    Column(
        "labour",
        "劳动能力",
        _lazy("国家系统称“劳动技能”"),
        choices=LABOUR,
        synonyms=("劳动力状况", "劳动技能", "劳动能力状况"),
        standard=False,
        width=18,
    ),
    Column(
        "employment",
        "务工状况",
        choices=EMPLOYMENT,
        synonyms=("务工情况", "就业状况"),
        standard=False,
    ),
    Column(
        "education",
        "文化程度",
        _lazy("大专、本科及以上记为大专及以上; 中专、职高记为高中"),
        choices=EDUCATION,
        synonyms=("学历", "文化水平"),
        standard=False,
    ),
    Column(
        "document_type",
        "证件类型",
        _lazy("身份证号所属的证件; 不填为居民身份证"),
        choices=DOCUMENT_TYPE,
        synonyms=("身份证件类型", "证件种类"),
        standard=False,
        width=16,
    ),
    Column(
        "disability_category",
        "残疾类别",
        _lazy("视力、听力、言语、肢体、智力、精神、多重残疾; 20 位残疾人证号已含类别和等级"),
        choices=DISABILITY_CATEGORY,
        synonyms=("残疾类型", "残疾种类"),
        standard=False,
    ),
    Column(
        "disability_level",
        "残疾等级",
        _lazy("一级至四级"),
        choices=DISABILITY_LEVEL,
        synonyms=("残疾级别",),
        standard=False,
    ),
)
PERSON_FIELD_KEYS = tuple(c.key for c in PERSON_FIELD_COLUMNS)
# The documents whose numbers ``parse_id_number`` tells apart (IdInfo.document), which a
# 证件类型 cell must not contradict.
NUMBER_DOCUMENTS = frozenset({DocumentType.FOREIGN_PERMANENT, DocumentType.HMT_RESIDENCE})
# The phone columns of a national member roster: the person's own, and the household's.
PERSON_PHONE_SYNONYMS = ("人联系电话", "成员联系电话", "本人联系电话", "个人联系电话")
HOUSEHOLD_PHONE_COLUMN = Column(
    "household_phone",
    "户联系电话",
    _lazy(
        "户的联系电话; 本系统记为户主的联系电话 (户主尚无联系电话时), "
        "户主已有其他号码时不保存并提示"
    ),
    synonyms=("家庭联系电话", "户主联系电话", "家庭电话"),
    text=True,
    personal="phone",
    standard=False,
    width=16,
)


def identity_fields(info: IdInfo) -> dict[str, Any]:
    """What an ID number itself says beyond sex and birth date: the document of a foreigner's
    permanent-residence ID or a residence permit, the disability category and level of a
    20-digit 残疾人证号 (IdInfo.document / .disability, when ``parse_id_number`` gives them)."""
    fields: dict[str, Any] = {}
    document = getattr(info, "document", None)
    if document in NUMBER_DOCUMENTS:
        fields["document_type"] = document
    disability = getattr(info, "disability", None)
    if disability:
        fields["disability_category"], fields["disability_level"] = disability
    return fields


def schooling_label(person: Any) -> str:
    """在校生状况 for export: the national grade name when the grade is known (七年级), else the
    stage, so that an export imports back unchanged."""
    return SCHOOLING.label(person.schooling, getattr(person, "grade", None))


YES_NO = ("是", "否")


def org_subtree_filter(
    path_field: str,
) -> Callable[[QuerySet[Any], Mapping[str, str], Any], QuerySet[Any]]:
    """A filter on ``?org=<pk>`` (the unit and everything below it), for the sheets whose list
    page has no filter set of its own. A unit the user cannot see filters everything out."""
    from bangfu.core.tree import prefix_q

    def apply(qs: QuerySet[Any], params: Mapping[str, str], user: Any) -> QuerySet[Any]:
        pk = params.get("org")
        if not pk:
            return qs
        org = org_list(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
        if org is None:
            return qs.none()
        return qs.filter(prefix_q(path_field, org.path))

    return apply


def household_named(
    importer: Importer, row: Row, households: Mapping[str, Household], code: str
) -> Household | None:
    """The household on file that a row names by its 户编号 (column ``code``), in a unit the actor
    administers (which the import then touches); None, with the row's error, when there is no
    such household or it is out of reach (members, status-changes and incomes sheets)."""
    household = households.get(code)
    if household is None:
        importer.fail(row, "code", _("户编号 %s 不存在, 请先导入户") % code)
        return None
    if not importer.may_admin(household.org):
        importer.refuse(row, "code", household.org)
        return None
    importer.touch(household.org)
    return household


def same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


class PersonRows(Importer):
    """An importer whose rows name persons by ID number (persons, members, households'
    heads, helpers)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.persons: dict[str, Person] = {}
        self._pinyin: dict[str, tuple[str, str]] = {}

    def load_persons(self, numbers: Iterable[str]) -> None:
        wanted = {n for n in numbers if n and n not in self.persons}
        if len(wanted) > LOOKUP_CHUNK and Person.objects.count() <= len(wanted):
            # More numbers than persons on file (a large first import): read the numbers on
            # file in one pass, and look up only the persons that are there.
            on_file = Person.objects.values_list("id_number", flat=True).iterator(chunk_size=10000)
            wanted.intersection_update(on_file)
        for person in fetch_in(Person.objects.select_related("org"), "id_number", wanted):
            self.persons[person.id_number] = person

    def keys_for(self, name: str) -> tuple[str, str]:
        keys = self._pinyin.get(name)
        if keys is None:
            keys = self._pinyin[name] = person_keys(name)
        return keys

    def build_person(self, *, name: str, info: IdInfo, org: Org, **fields: Any) -> Person:
        """A new Person with sex, birth date and pinyin keys filled as ``Person.save`` and
        ``clean_person`` would."""
        pinyin, sort = self.keys_for(name)
        return Person(
            org=org,
            name=name,
            id_number=info.number,
            sex=info.sex,
            birth_date=info.birth_date,
            name_pinyin=pinyin,
            name_sort=sort,
            **(identity_fields(info) | fields),
        )

    def person_fields(self, row: Row, info: IdInfo | None) -> dict[str, Any]:
        """The person fields a row fills (members, students): the filled cells of
        :data:`PERSON_FIELD_COLUMNS` (在校生状况 with its grade), what the ID number itself says
        (:func:`identity_fields`) and the person's own phone (column ``phone``). An empty cell
        gives nothing, so that the stored value stays."""
        fields = identity_fields(info) if info is not None else {}
        for column in PERSON_FIELD_COLUMNS:
            if not self.has(column.key):
                continue
            assert column.choices is not None
            reading = self.choice_reading(row, column.key, column.choices)
            if reading is None:
                continue
            fields[column.key] = reading.value
            if column.key == "schooling":
                fields["grade"] = reading.grade
            elif column.key == "document_type" and info is not None:
                problem = document_problem(reading.value, info)
                if problem:
                    self.fail(row, column.key, problem)
        if self.has("phone"):
            phone = self.phone(row, "phone")
            if phone:
                fields["phone"] = phone
        return fields

    def known_person(
        self, row: Row, *, id_key: str, name_key: str | None, person: Person, name: str
    ) -> bool:
        """Whether a row may refer to the person already on file under its ID number: the person
        must be in a unit the actor administers, and the row's name (if any) must be theirs."""
        if not self.may_admin(person.org):
            self.fail(row, id_key, _("该身份证号已登记在其他单位的人员名下, 无权引用或修改"))
            return False
        if name_key and name and not same_name(name, person.name):
            self.fail(
                row,
                name_key,
                _("姓名“%(name)s”与该身份证号已登记的姓名“%(on_file)s”不一致")
                % {"name": name, "on_file": person.name},
            )
            return False
        return True


def document_problem(document: str, info: IdInfo) -> str | None:
    """Why a 证件类型 cell contradicts the number (a foreigner's permanent-residence ID or a
    residence permit is told by the number itself), or None."""
    by_number = getattr(info, "document", None)
    if by_number is None or document == by_number:
        return None
    if by_number in NUMBER_DOCUMENTS or document in NUMBER_DOCUMENTS:
        return _("证件类型“%(cell)s”与证件号码不符: 该号码是%(number)s的号码") % {
            "cell": DOCUMENT_TYPE.label(document),
            "number": DOCUMENT_TYPE.label(by_number),
        }
    return None


def apply_fields(person: Person, fields: Mapping[str, Any]) -> set[str]:
    """Set the fields that differ on a person on file; the names of those changed."""
    changed = {key for key, value in fields.items() if getattr(person, key) != value}
    for key in changed:
        setattr(person, key, fields[key])
    return changed
