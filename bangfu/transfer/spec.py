"""The standard sheets of interchange.md as data: a :class:`Kind` of record and its columns.

One description serves every part of the app: the reader matches a file's headers against each
column's header and synonyms, the templates and their 填写说明 sheet are written from it, and the
exporters write the same headers back. Choice columns read the Chinese labels of
``bangfu.registry.choices`` through a :class:`ChoiceTable`, which also knows the other words
people type for them (儿子 for 之子, 已脱贫 for 脱贫 …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bangfu.core.parsing import clean_text, split_tags

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bangfu.accounts.models import User
    from bangfu.transfer.importers import Importer

Text = str | Promise

# Header synonyms shared by several kinds (each kind lists its own in its columns).
ID_SYNONYMS = (
    "身份证号码",
    "公民身份号码",
    "公民身份证号",
    "公民身份证号码",
    "居民身份证号",
    "居民身份证号码",
    "身份证件号码",
    "证件号码",
    "证件号",
    "身份证",
)
PHONE_SYNONYMS = (
    "手机",
    "手机号",
    "手机号码",
    "联系方式",
    "电话",
    "电话号码",
    "联系电话号码",
    "移动电话",
)
ORG_CODE_SYNONYMS = (
    "单位编码",
    "组织编码",
    "所属单位编码",
    "组织机构编码",
    "单位代码",
    "所属单位代码",
    "组织代码",
    "所属组织代码",
)
HOUSEHOLD_CODE_SYNONYMS = ("家庭编号", "户号", "户码", "户编码", "家庭户号", "户主编号")


# The kinds of alias (docs/import-export.md, "Vocabularies"): a synonym is read silently; the
# others are read with a warning, since the word is not what is stored (a national code, a grade
# of a school stage, a narrower word recorded as the broader choice, several values of which
# one is kept).
ALIAS_KINDS = ("synonym", "code", "grade", "broader", "several")
WARNING_KINDS = frozenset({"code", "grade", "broader", "several"})


@dataclass(frozen=True)
class Alias:
    """Another word for a choice: ``value`` is the stored value it is read as, ``kind`` one of
    :data:`ALIAS_KINDS`, ``means`` the code's name in the national code list (for the warning),
    ``grade`` the year of the school stage (七年级: 初中, 1)."""

    word: str
    value: Any
    kind: str = "synonym"
    means: str = ""
    grade: int | None = None

    @property
    def warns(self) -> bool:
        return self.kind in WARNING_KINDS


class Reading(NamedTuple):
    """What a choice cell was read as: the stored value and, when the cell was not the choice's
    own label or value, the alias it was read through."""

    value: Any
    alias: Alias | None = None
    text: str = ""

    @property
    def grade(self) -> int | None:
        return self.alias.grade if self.alias is not None else None


_CACHE_LIMIT = 10_000  # distinct cell texts remembered per table


class ChoiceTable:
    """Reads a choice cell: the Chinese label, the stored value, or one of the aliases.

    ``aliases`` maps other words people write to stored values (``{"儿子": "son"}``, read
    silently as synonyms) or is a sequence of :class:`Alias` (the national vocabularies of
    ``bangfu/registry/data/vocabularies.json``, loaded by ``bangfu.transfer.kinds.common``).
    ``several`` lists, in order of preference, the values one of which is kept when a cell
    names several of them (健康状况 “长期慢性病,残疾”). The choices may be integer choices
    (残疾类别): the stored value is then the integer.
    """

    def __init__(
        self,
        choices: type[models.Choices],
        aliases: Mapping[str, str] | Iterable[Alias] | None = None,
        *,
        several: Iterable[Any] = (),
        name: str = "",
    ) -> None:
        self.choices = choices
        self.name = name
        if isinstance(aliases, Mapping):
            self.aliases = [Alias(word, value) for word, value in aliases.items()]
        else:
            self.aliases = list(aliases or ())
        self.several = tuple(several)
        self._cache: dict[Any, Reading | None] = {}

    @cached_property
    def _lookup(self) -> dict[str, Reading]:
        table: dict[str, Reading] = {}
        for value, label in self.choices.choices:
            table[_key(str(label))] = Reading(value)
            table[_key(value)] = Reading(value)
        for alias in self.aliases:
            table.setdefault(_key(alias.word), Reading(alias.value, alias))
        return table

    @cached_property
    def _grade_words(self) -> dict[tuple[Any, int], str]:
        words: dict[tuple[Any, int], str] = {}
        for alias in self.aliases:
            if alias.grade is not None:
                words.setdefault((alias.value, alias.grade), alias.word)
        return words

    def read(self, text: Any) -> Reading | None:
        """What ``text`` is read as, or None when it is none of the allowed values."""
        try:
            return self._cache[text]
        except (KeyError, TypeError):
            pass
        found = self._lookup.get(_key(text))
        if found is not None:
            found = found._replace(text=clean_text(text))
        elif self.several:
            found = self._read_several(text)
        if len(self._cache) < _CACHE_LIMIT:
            with suppress(TypeError):
                self._cache[text] = found
        return found

    def _read_several(self, text: Any) -> Reading | None:
        parts = [self._lookup.get(_key(part)) for part in split_tags(text)]
        if len(parts) < 2 or any(p is None for p in parts):
            return None
        values = {p.value for p in parts if p is not None}
        kept = next((v for v in self.several if v in values), None)
        if kept is None:
            return None
        shown = clean_text(text)
        return Reading(kept, Alias(shown, kept, "several"), shown)

    def parse(self, text: Any) -> Any:
        """The stored value for ``text``, or None when it is none of the allowed values."""
        reading = self.read(text)
        return None if reading is None else reading.value

    def caveat(self, reading: Reading, header: str) -> str | None:
        """The warning for a value read through an alias that changes the word (None for a
        label, a value or a synonym)."""
        alias = reading.alias
        if alias is None or not alias.warns:
            return None
        params = {"header": header, "text": reading.text, "label": self.label(reading.value)}
        if alias.kind == "code":
            if alias.means and alias.means != params["label"]:
                return _("%(header)s“%(text)s”按国家代码 (%(means)s) 记为 %(label)s") % {
                    **params,
                    "means": alias.means,
                }
            return _("%(header)s“%(text)s”按国家代码记为 %(label)s") % params
        if alias.kind == "grade":
            return _("%(header)s“%(text)s”记为 %(label)s %(grade)d 年级") % {
                **params,
                "grade": alias.grade,
            }
        if alias.kind == "several":
            return _("%(header)s“%(text)s”填写了多项, 只能记一项, 记为 %(label)s") % params
        return _("%(header)s“%(text)s”记为 %(label)s (没有更细的选项)") % params

    def labels(self) -> list[str]:
        return [str(label) for _value, label in self.choices.choices]

    def label(self, value: Any, grade: int | None = None) -> str:
        """The label of a stored value; with a ``grade``, the national name of that grade of
        the stage (初中 and 1: 七年级) when the table has one."""
        if value is None or value == "":
            return ""
        if grade is not None:
            word = self._grade_words.get((value, grade))
            if word:
                return word
        return str(dict(self.choices.choices).get(value, value))


def _key(text: str) -> str:
    return "".join(clean_text(text).split()).lower()


@dataclass(frozen=True)
class Column:
    """One column of a standard sheet.

    ``key`` is the importer's name for it, ``header`` the contract's header. ``standard`` columns
    are the contract's key headers (in contract order); the others are optional extras that
    follow them. ``personal`` ("id" or "phone") marks numbers masked on export; ``text`` columns
    are written as text so that Excel keeps every digit.
    """

    key: str
    header: str
    help: Text = ""
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: ChoiceTable | None = None
    multiple: bool = False  # several choices in one cell (split with parsing.split_tags)
    values: tuple[str, ...] = ()  # allowed values when there is no choice table (是/否)
    text: bool = False
    personal: str = ""  # "id" or "phone": masked on export
    amount: bool = False  # in 元, or 万元 when the header says so
    date: bool = False
    standard: bool = True
    width: int = 14

    def allowed(self) -> list[str]:
        """The allowed values shown in 填写说明 and offered as a drop-down in the template."""
        if self.choices is not None:
            return self.choices.labels()
        return list(self.values)


ExportRow = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """A kind of record that can be imported and exported (interchange.md's KIND).

    - ``importer``: the :class:`~bangfu.transfer.importers.Importer` subclass that validates
      the rows of a sheet and writes them in bulk.
    - ``queryset(user)``: the records the user may see, through the app's selectors.
    - ``prepare(qs)``: joins and order for writing the sheet; ``row(obj)`` gives the cells of one
      record by column key (unmasked: the exporter masks the ``personal`` columns).
    - ``org_path``: how a record reaches its unit's path, for the permission to unmask.
    - ``filters(qs, params, user)``: the list page's filters, applied to an export.
    """

    name: str
    label: Text
    description: Text
    columns: tuple[Column, ...]
    importer: type[Importer]
    queryset: Callable[[User], QuerySet[Any]]
    row: ExportRow
    org_path: str = "org__path"
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda qs: qs
    filters: Callable[[QuerySet[Any], Mapping[str, str], User], QuerySet[Any]] | None = None
    notes: tuple[Text, ...] = field(default_factory=tuple)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def standard_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.standard]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def has_personal(self) -> bool:
        return any(c.personal for c in self.columns)


def labels_of(values: Iterable[str], table: ChoiceTable) -> str:
    """Several stored values as the labels joined with 、 (for 其他致贫原因 and the like)."""
    return "、".join(table.label(v) for v in values if v)
