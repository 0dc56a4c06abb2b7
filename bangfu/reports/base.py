"""What every report is: a title, the sentence an office pastes into its 工作总结, and tables
whose lines link back to the list pages that hold the records.

A table that *reconciles* ends with its total; its parts (named lines and the 其他 line) add up
to that total in every numeric column, because the 其他 line is computed as the total minus the
named parts (:meth:`Table.close`): what fits no named category shows on its own line instead
of vanishing. Memo lines (未脱贫, 期间进入 …) follow the total and are not part of the sum.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

PART, OTHER, TOTAL, MEMO = "part", "other", "total", "memo"
Number = int | Decimal | float


@dataclass
class Params:
    """What a report is asked for: a subtree (None: everything the reader reads), a date range
    and the day the registry is read as of."""

    org: Org | None
    as_of: datetime.date
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def start(self) -> datetime.date:
        """The range's first day (default: 1 January of the as-of year)."""
        return self.date_from or datetime.date(self.end.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return self.date_to or self.as_of

    @property
    def place(self) -> str:
        return self.org.name if self.org else "全部单位"

    def org_query(self) -> dict[str, Any]:
        return {"org": self.org.pk} if self.org else {}


@dataclass
class Line:
    label: str
    values: list[Any]
    kind: str = PART
    link: str = ""
    links: dict[int, str] = field(default_factory=dict)  # column index → link of that cell

    def link_of(self, index: int) -> str:
        return self.links.get(index, "")

    @property
    def cells(self) -> list[tuple[Any, str]]:
        return [(v, self.links.get(i, "")) for i, v in enumerate(self.values)]


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    lines: list[Line] = field(default_factory=list)
    note: str = ""
    reconciles: bool = True
    unsummed: tuple[int, ...] = ()  # columns that are not added up (rates, growth)

    def add(self, label: str, values: list[Any], *, link: str = "", kind: str = PART) -> Line:
        line = Line(label, list(values), kind=kind, link=link)
        self.lines.append(line)
        return line

    def close(
        self,
        total: list[Any],
        *,
        other_label: str = "其他",
        other_link: str = "",
        total_label: str = "合计",
        total_link: str = "",
    ) -> None:
        """Add the 其他 line (the total minus the named parts, shown when not zero) and the total
        line. A column whose total is None is not summed."""
        parts = self.parts
        other: list[Any] = []
        for i, value in enumerate(total):
            if not _is_number(value) or i in self.unsummed:
                other.append(None)
                continue
            named = sum((p.values[i] for p in parts if _is_number(p.values[i])), type(value)(0))
            other.append(value - named)
        if any(_is_number(v) and v != 0 for v in other):
            self.lines.append(Line(other_label, other, kind=OTHER, link=other_link))
        self.lines.append(Line(total_label, list(total), kind=TOTAL, link=total_link))

    @property
    def parts(self) -> list[Line]:
        return [line for line in self.lines if line.kind in (PART, OTHER)]

    @property
    def total(self) -> Line | None:
        return next((line for line in self.lines if line.kind == TOTAL), None)

    def is_reconciled(self) -> bool:
        """Every numeric column's parts add up to the total."""
        total = self.total
        if total is None:
            return True
        for i, value in enumerate(total.values):
            if _is_number(value) and i not in self.unsummed:
                summed = sum(p.values[i] for p in self.parts if _is_number(p.values[i]))
                if summed != value:
                    return False
        return True

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": self.columns,
            "reconciles": self.reconciles,
            "rows": [
                {"label": line.label, "kind": line.kind, "values": [_json(v) for v in line.values]}
                | ({"link": line.link} if line.link else {})
                for line in self.lines
            ],
        } | ({"note": self.note} if self.note else {})


@dataclass
class Report:
    kind: str
    title: str
    params: Params
    sentence: str = ""
    tables: list[Table] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # more JSON keys (kept contracts)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def as_json(self) -> dict[str, Any]:
        p = self.params
        data: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "org": p.org.code if p.org else None,
            "as_of": p.as_of.isoformat(),
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "sentence": self.sentence,
            "tables": [t.as_json() for t in self.tables],
        }
        data.update(self.extra)
        return data

    @property
    def subtitle(self) -> str:
        p = self.params
        return f"{p.place} · {cn_date(p.start)}至{cn_date(p.end)} · 截至{cn_date(p.as_of)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal, float)) and not isinstance(value, bool)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def number_text(value: Decimal | float | int) -> str:
    """9620.30 → "9620.3", 658.00 → "658"."""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    return str(value)


def url(name: str, *args: Any, **params: Any) -> str:
    """A list page's address with its filters: url("registry:household_list", status="exited")."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    base = reverse(name, args=list(args) or None)
    return f"{base}?{urlencode(query)}" if query else base


def child_of(root_path: str, path: str) -> int | None:
    """The id of the root's direct child whose subtree holds ``path`` (None: the root itself,
    or a path outside the root). With an empty root path, the top-level unit of ``path``."""
    if not path.startswith(root_path):
        return None
    rest = path[len(root_path) :].strip("/")
    return int(rest.split("/", 1)[0]) if rest else None


def reader(user: User) -> bool:
    from bangfu.accounts.scope import scope_of

    scope = scope_of(user)
    return scope.is_sysadmin or bool(scope.read_paths)
