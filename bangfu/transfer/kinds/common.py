"""Vocabularies and person handling shared by the registry's sheets.

The choice tables read the Chinese labels of ``bangfu.registry.choices`` and, in data form, the
other words real registers use for them. :class:`PersonRows` is what the persons, households
(户主), members and helpers sheets share: finding a person by ID number, checking the name on file
and the actor's reach, and building a new Person the way ``Person.save`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bangfu.core.idnumber import IdInfo
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list
from bangfu.registry.choices import (
    Cause,
    Difficulty,
    Employment,
    Health,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)
from bangfu.registry.models import Person
from bangfu.transfer.importers import LOOKUP_CHUNK, Importer, fetch_in, person_keys
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import ChoiceTable

SEX = ChoiceTable(Sex, {"男性": "M", "女性": "F"})
HEALTH = ChoiceTable(
    Health,
    {
        "良好": "healthy",
        "慢性病": "chronic",
        "大病": "serious",
        "重病": "serious",
        "残": "disabled",
    },
)
SCHOOLING = ChoiceTable(
    Schooling,
    {
        "学前": "kindergarten",
        "幼儿园": "kindergarten",
        "高中": "senior",
        "中专": "vocational",
        "职高": "vocational",
        "大专": "college",
        "高职": "college",
        "本科": "university",
        "大学": "university",
        "研究生": "university",
        "非在校": "not_in_school",
        "不在校": "not_in_school",
    },
)
LABOUR = ChoiceTable(
    Labour,
    {
        "普通劳动": "ordinary",
        "技能劳动": "skilled",
        "弱劳动力": "weak",
        "半劳动力": "weak",
        "丧失劳动能力": "lost",
        "无劳动能力": "none",
    },
)
EMPLOYMENT = ChoiceTable(
    Employment,
    {"县内务工": "county", "省内务工": "province", "省外": "out_of_province", "无": "none"},
)
RELATION = ChoiceTable(
    Relation,
    {
        "本人": "head",
        "妻": "spouse",
        "妻子": "spouse",
        "夫": "spouse",
        "丈夫": "spouse",
        "子": "son",
        "儿子": "son",
        "长子": "son",
        "次子": "son",
        "女": "daughter",
        "女儿": "daughter",
        "长女": "daughter",
        "次女": "daughter",
        "儿媳": "daughter_in_law",
        "媳": "daughter_in_law",
        "女婿": "son_in_law",
        "婿": "son_in_law",
        "孙子": "grandson",
        "孙": "grandson",
        "孙女": "granddaughter",
        "父": "father",
        "父亲": "father",
        "母": "mother",
        "母亲": "mother",
        "祖父": "grandfather",
        "爷爷": "grandfather",
        "祖母": "grandmother",
        "奶奶": "grandmother",
        "兄": "sibling",
        "弟": "sibling",
        "姐": "sibling",
        "妹": "sibling",
        "兄弟": "sibling",
        "姐妹": "sibling",
        "兄弟姐妹": "sibling",
    },
)
CAUSE = ChoiceTable(
    Cause, {"病": "illness", "残": "disability", "学": "schooling", "灾": "disaster"}
)
DIFFICULTY = ChoiceTable(Difficulty, {"一般": "general", "相对": "relative", "深度": "deep"})
STATUS = ChoiceTable(
    Status,
    {
        "识别": "identified",
        "已识别": "identified",
        "帮扶": "assisting",
        "已脱贫": "exited",
        "脱贫户": "exited",
        "已剔除": "removed",
        "返贫户": "returned",
        "已脱困": "out_of_difficulty",
    },
)
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
            **fields,
        )

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
