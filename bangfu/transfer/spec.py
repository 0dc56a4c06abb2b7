"""The standard sheets of interchange.md as data: a :class:`Kind` of record and its columns.

One description serves every part of the app: the reader matches a file's headers against each
column's header and synonyms, the templates and their 填写说明 sheet are written from it, and the
exporters write the same headers back. Choice columns read the Chinese labels of
``bangfu.registry.choices`` through a :class:`ChoiceTable`, which also knows the other words
people type for them (儿子 for 之子, 已脱贫 for 脱贫 …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise

from bangfu.core.parsing import clean_text

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


class ChoiceTable:
    """Reads a choice cell: the Chinese label, the stored value, or one of the aliases.

    ``aliases`` maps other words people write to stored values (e.g. ``{"儿子": "son"}``).
    """

    def __init__(
        self, choices: type[models.TextChoices], aliases: Mapping[str, str] | None = None
    ) -> None:
        self.choices = choices
        self.aliases = dict(aliases or {})

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for value, label in self.choices.choices:
            table[_key(str(label))] = value
            table[_key(value)] = value
        for alias, value in self.aliases.items():
            table.setdefault(_key(alias), value)
        return table

    def parse(self, text: str) -> str | None:
        """The stored value for ``text``, or None when it is none of the allowed values."""
        return self._lookup.get(_key(text))

    def labels(self) -> list[str]:
        return [str(label) for _value, label in self.choices.choices]

    def label(self, value: str) -> str:
        return str(dict(self.choices.choices).get(value, value)) if value else ""


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
