"""Importing a standard sheet: validate every row, then write all of it or nothing.

:func:`run_import` reads the file (:mod:`bangfu.transfer.reader`), hands the rows to the kind's
:class:`Importer`, which parses every cell with ``bangfu.core.parsing`` and
``bangfu.core.idnumber``, looks references up in bulk (a few queries per thousand rows, never one
per row), checks duplicates within the file and the actor's reach, and plans what to create and
what to update. Only when no row has an error does it write, in one ``transaction.atomic()``
block with ``bulk_create`` / ``bulk_update``, together with one audit event. A dry run stops
before the write.

Rules shared by every kind (docs/import-export.md):

- A record is matched on its natural key (身份证号, 户编号, 编码): importing a sheet again updates
  instead of duplicating, and a row that changes nothing counts neither as created nor updated.
- An empty cell leaves the stored value as it is; an absent optional column too.
- A row whose unit lies outside the actor's administered subtree is an error ("无权导入到单位 X").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.accounts.scope import Scope, scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.idnumber import IdInfo, IdNumberError, parse_id_number
from bangfu.core.parsing import (
    AMOUNT_UNITS,
    CellError,
    clean_text,
    normalise_phone,
    parse_amount,
    parse_date,
    parse_int,
    phone_problem,
    split_tags,
)
from bangfu.core.pinyin import pinyin_key, pinyin_sort_key
from bangfu.core.tree import path_ids
from bangfu.orgs.models import Org
from bangfu.transfer.reader import Row, Sheet, read_sheet
from bangfu.transfer.spec import ChoiceTable, Kind

if TYPE_CHECKING:
    from bangfu.accounts.models import User

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

LOOKUP_CHUNK = 2000  # values per IN (...) query when looking records up
WRITE_BATCH = 1000  # rows per INSERT/UPDATE (Django lowers it to SQLite's parameter limit)
TRUE_WORDS = frozenset({"是", "安全", "有", "√", "✓", "✔", "y", "yes", "true", "1", "在岗"})
FALSE_WORDS = frozenset(
    {"否", "不安全", "无", "×", "✗", "✘", "n", "no", "false", "0", "不在岗", "离岗"}
)

MASKED_MESSAGE = _lazy(
    "号码已遮蔽 (含 *), 不能导入; 请填写完整号码, 或导出时选择“导出完整身份证号和电话”"
)


@dataclass(frozen=True)
class RowError:
    """One problem: the Excel row, the column's header as the user's sheet writes it, and why."""

    row: int
    column: str
    message: str
    index: int | None = None  # 0-based column in the user's sheet (None: the row as a whole)

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do). With errors nothing was written and
    ``created``/``updated`` are 0; ``pending_*`` then count what the rows without errors would
    create and update."""

    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_name: str = ""
    dry_run: bool = False
    pending_created: int = 0
    pending_updated: int = 0
    header_row: int = 0
    ignored: list[str] = field(default_factory=list)
    # After a real import: the ids of the records written, by kind of record ("persons",
    # "households", "helpers", "orgs"), e.g. to run the data-quality checks on just those.
    written: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unchanged(self) -> int:
        return max(0, self.rows - self.created - self.updated) if self.ok else 0

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    def as_json(self) -> dict[str, Any]:
        """Exactly the interchange contract's object."""
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "errors": [e.as_json() for e in self.errors],
        }


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def fetch_in(qs: models.QuerySet[Any, T], field_name: str, values: Iterable[Any]) -> Iterator[T]:
    """``qs.filter(field__in=values)`` in chunks, so that neither SQLite nor PostgreSQL meets a
    limit on bound parameters."""
    ordered = sorted(set(values), key=str)
    for part in chunks(ordered):
        yield from qs.filter(**{f"{field_name}__in": part})


def person_keys(name: str) -> tuple[str, str]:
    """(name_pinyin, name_sort) exactly as ``Person.save`` computes them (bulk_create bypasses
    save). pypinyin runs once: ``pinyin_sort_key`` gives the syllables joined by spaces, from
    which ``pinyin_key``'s "full initials" form follows (tested against it)."""
    syllables = [s for s in pinyin_sort_key(name, person_name=True).split(" ") if s]
    if not syllables:
        return pinyin_key(name, person_name=True), ""
    key = "".join(syllables) + " " + "".join(s[0] for s in syllables)
    return key, " ".join(syllables)[:200]


class Importer:
    """Validates the rows of one sheet and writes them; one subclass per kind.

    Subclasses implement :meth:`validate` (parse every row, record errors with :meth:`fail`,
    plan the writes and set ``created``/``updated`` to the planned counts) and :meth:`write`
    (bulk writes; called inside the import's transaction, only when there is no error).
    """

    #: label of a row's record in the audit summary (人员, 户 …); the kind's label by default
    noun: ClassVar[str] = ""

    def __init__(
        self, *, kind: Kind, sheet: Sheet, actor: Any, today: datetime.date | None = None
    ) -> None:
        self.kind = kind
        self.sheet = sheet
        self.actor = actor
        self.scope: Scope = scope_of(actor)
        self.today = today or timezone.localdate()
        self.errors: list[RowError] = []
        self.bad: set[int] = set()
        self.created = 0
        self.updated = 0
        self.orgs: dict[str, Org] = {}
        self.paths: set[str] = set()
        self.now = timezone.now()
        self.written: dict[str, set[int]] = defaultdict(set)

    # -- errors ------------------------------------------------------------------------------

    def fail(self, row: Row, key: str | None, message: str) -> None:
        """Record an error in ``row`` at the column ``key`` (None: the row as a whole)."""
        column = self.sheet.header_of(key) if key else ""
        index = self.sheet.index_of(key) if key else None
        self.errors.append(RowError(row.number, column, str(message), index))
        self.bad.add(row.number)

    def ok(self, row: Row) -> bool:
        return row.number not in self.bad

    def header(self, key: str) -> str:
        return self.kind.column(key).header

    # -- cells -------------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return self.sheet.has(key)

    def raw(self, row: Row, key: str) -> Any:
        return row.values.get(key)

    def blank(self, row: Row, key: str) -> bool:
        return not clean_text(row.values.get(key))

    def text(
        self,
        row: Row,
        key: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        compact: bool = False,
    ) -> str:
        """A text cell, cleaned (half-width, trimmed, inner spaces collapsed; ``compact``: no
        spaces at all, as in names and codes)."""
        value = clean_text(row.values.get(key))
        if compact:
            value = "".join(value.split())
        if not value:
            if required:
                self.fail(row, key, _("%s不能为空") % self.header(key))
            return ""
        if max_length is not None and len(value) > max_length:
            self.fail(
                row,
                key,
                _("%(header)s最多 %(max)d 个字, 实际 %(n)d 个字")
                % {"header": self.header(key), "max": max_length, "n": len(value)},
            )
        return value

    def date(self, row: Row, key: str, *, required: bool = False) -> datetime.date | None:
        """A date in any of the forms of domain.md; not after today."""
        raw = row.values.get(key)
        try:
            value = parse_date(raw)
        except CellError as exc:
            self.fail(row, key, str(exc))
            return None
        if value is None:
            if required:
                self.fail(row, key, _("%s不能为空") % self.header(key))
            return None
        if value > self.today:
            self.fail(
                row,
                key,
                _("%(header)s %(date)s 晚于今天")
                % {"header": self.header(key), "date": value.isoformat()},
            )
            return None
        return value

    def amount(self, row: Row, key: str) -> Decimal | None:
        """An amount in 元; in 万元 when the column's header says so."""
        column = self.sheet.columns.get(key)
        unit = column.unit if column and column.unit in AMOUNT_UNITS else "元"
        try:
            return parse_amount(row.values.get(key), unit=unit or "元")
        except CellError as exc:
            self.fail(row, key, str(exc))
            return None

    def integer(
        self, row: Row, key: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        try:
            value = parse_int(row.values.get(key))
        except CellError as exc:
            self.fail(row, key, f"{self.header(key)}{exc}")
            return None
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = (
                f"{minimum if minimum is not None else ''}-{maximum if maximum is not None else ''}"
            )
            self.fail(
                row,
                key,
                _("%(header)s应在 %(bounds)s 之间, 实际为 %(value)d")
                % {"header": self.header(key), "bounds": bounds, "value": value},
            )
            return None
        return value

    def choice(self, row: Row, key: str, table: ChoiceTable, *, required: bool = False) -> str:
        """A choice cell by its Chinese label (or an alias); "" when empty."""
        text = clean_text(row.values.get(key))
        if not text:
            if required:
                self.fail(row, key, _("%s不能为空") % self.header(key))
            return ""
        value = table.parse(text)
        if value is None:
            self.fail(
                row,
                key,
                _("“%(text)s”不是有效的%(header)s, 可填写: %(allowed)s")
                % {"text": text, "header": self.header(key), "allowed": "、".join(table.labels())},
            )
            return ""
        return value

    def choice_list(self, row: Row, key: str, table: ChoiceTable) -> list[str] | None:
        """Several choices in one cell, split on 、 , ; / and spaces; None when empty."""
        raw = row.values.get(key)
        if not clean_text(raw):
            return None
        values: list[str] = []
        for text in split_tags(raw):
            value = table.parse(text)
            if value is None:
                self.fail(
                    row,
                    key,
                    _("“%(text)s”不是有效的%(header)s, 可填写: %(allowed)s")
                    % {
                        "text": text,
                        "header": self.header(key),
                        "allowed": "、".join(table.labels()),
                    },
                )
            elif value not in values:
                values.append(value)
        return values

    def boolean(self, row: Row, key: str) -> bool | None:
        text = clean_text(row.values.get(key)).lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.fail(
            row,
            key,
            _("“%(text)s”不是有效的%(header)s, 请填写“是”或“否”")
            % {"text": text, "header": self.header(key)},
        )
        return None

    def identity(self, row: Row, key: str, *, required: bool = True) -> IdInfo | None:
        """An ID number, checked by ``parse_id_number`` (its message is the error)."""
        raw = row.values.get(key)
        if raw is None and not required:
            return None
        if isinstance(raw, str) and "*" in raw:
            self.fail(row, key, str(MASKED_MESSAGE))
            return None
        try:
            return parse_id_number(raw, today=self.today)
        except IdNumberError as exc:
            self.fail(row, key, str(exc))
            return None

    def phone(self, row: Row, key: str) -> str:
        raw = row.values.get(key)
        if isinstance(raw, str) and "*" in raw:
            self.fail(row, key, str(MASKED_MESSAGE))
            return ""
        value = normalise_phone(raw)
        problem = phone_problem(value) if value else None
        if problem:
            self.fail(row, key, problem)
            return ""
        if len(value) > 20:
            self.fail(row, key, _("电话号码太长"))
            return ""
        return value

    def tags(self, row: Row, key: str) -> list[str] | None:
        """A tag list (党员、教师 …); None when the cell is empty."""
        raw = row.values.get(key)
        if not clean_text(raw):
            return None
        names = split_tags(raw)
        for name in names:
            if len(name) > 20:
                self.fail(row, key, _("标签“%s”超过 20 个字") % name)
        return names

    # -- duplicates within the file ------------------------------------------------------------

    def duplicates(self, key: str, seen: dict[Any, list[Row]], shown: str | None = None) -> None:
        """Every row whose value of ``key`` appears on another row too is an error naming the
        other rows."""
        what = shown or self.header(key)
        for value, rows in seen.items():
            if len(rows) < 2:
                continue
            for row in rows:
                others = "、".join(str(o.number) for o in rows if o is not row)
                self.fail(
                    row,
                    key,
                    _("%(what)s %(value)s 与第 %(rows)s 行重复, 同一文件中只能出现一次")
                    % {"what": what, "value": value, "rows": others},
                )

    # -- units and reach -----------------------------------------------------------------------

    def load_orgs(self, codes: Iterable[str]) -> None:
        wanted = {c for c in codes if c and c not in self.orgs}
        for org in fetch_in(Org.objects.all(), "code", wanted):
            self.orgs[org.code] = org

    def unit(self, row: Row, key: str, code: str) -> Org | None:
        """The unit a row names by code: it must exist, be active and be administered by the
        actor."""
        org = self.orgs.get(code)
        if org is None:
            self.fail(
                row,
                key,
                _("%(header)s %(code)s 不存在") % {"header": self.header(key), "code": code},
            )
            return None
        if not org.is_active:
            self.fail(
                row, key, _("单位“%(name)s”(%(code)s) 已停用") % {"name": org.name, "code": code}
            )
            return None
        if not self.may_admin(org):
            self.refuse(row, key, org)
            return None
        self.touch(org)
        return org

    def may_admin(self, org: Org) -> bool:
        return self.scope.can_admin_org(org)

    def refuse(self, row: Row, key: str, org: Org) -> None:
        self.fail(
            row, key, _("无权导入到单位 %(code)s (%(name)s)") % {"code": org.code, "name": org.name}
        )

    def touch(self, org: Org) -> None:
        if org.path:
            self.paths.add(org.path)

    def audit_org(self) -> Org | None:
        """The lowest unit above every unit the import touched, so that the administrators of
        that subtree read the audit event."""
        return lowest_common_unit(self.paths)

    # -- the kind's work -----------------------------------------------------------------------

    def validate(self) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    def wrote(self, what: str, objs: Iterable[models.Model]) -> None:
        """Note the records written (after the write, when new ones have their ids)."""
        self.written[what].update(o.pk for o in objs if o.pk is not None)

    def stamp(self, objs: Iterable[models.Model]) -> None:
        """Set ``updated_at`` before a bulk_update (which does not run ``auto_now``)."""
        for obj in objs:
            if hasattr(obj, "updated_at"):
                obj.updated_at = self.now


def lowest_common_unit(paths: Iterable[str]) -> Org | None:
    """The lowest unit whose subtree holds every one of the given paths (None: no common one)."""
    lists = [path_ids(p) for p in paths if p]
    if not lists:
        return None
    common: list[int] = []
    for ids in zip(*lists, strict=False):
        if len(set(ids)) != 1:
            break
        common.append(ids[0])
    return Org.objects.filter(pk=common[-1]).first() if common else None


def group_rows(rows: Iterable[tuple[Any, Row]]) -> dict[Any, list[Row]]:
    seen: dict[Any, list[Row]] = defaultdict(list)
    for value, row in rows:
        if value:
            seen[value].append(row)
    return seen


def bulk_update(model: type[M], objs: list[M], fields: Iterable[str]) -> None:
    """``bulk_update`` of the union of the changed fields, in batches (the objects carry their
    stored values for the fields they did not change, so those are written back unchanged)."""
    names = sorted(set(fields))
    if objs and names:
        model._default_manager.bulk_update(objs, names, batch_size=WRITE_BATCH)


def run_import(
    kind: str | Kind,
    path: Path | str,
    *,
    actor: User | Any,
    dry_run: bool = False,
    file_name: str | None = None,
) -> ImportResult:
    """Import the sheet at ``path`` as ``kind``, all or nothing, acting as ``actor``.

    Raises PermissionDenied when the actor administers no unit; every problem with the file or
    its rows is returned in the result's ``errors`` (and then nothing is written).
    """
    from bangfu.transfer.kinds import get_kind

    spec = get_kind(kind) if isinstance(kind, str) else kind
    if not scope_of(actor).is_admin:
        raise PermissionDenied(_("无权导入数据"))
    name = file_name or Path(path).name
    sheet = read_sheet(path, spec, file_name=name)
    importer = spec.importer(kind=spec, sheet=sheet, actor=actor)
    importer.errors.extend(RowError(p.row, p.column, p.message, p.index) for p in sheet.problems)
    rows = len(sheet.rows)
    if not sheet.problems:
        importer.validate()
    sheet.rows = []  # the plan holds what the write needs: let the cells go
    errors = sorted(importer.errors, key=lambda e: (e.row, -1 if e.index is None else e.index))
    result = ImportResult(
        kind=spec.name,
        rows=rows,
        errors=errors,
        file_name=name,
        dry_run=dry_run,
        pending_created=importer.created,
        pending_updated=importer.updated,
        header_row=sheet.header_row,
        ignored=sheet.ignored,
    )
    if errors:
        return result
    result.created, result.updated = importer.created, importer.updated
    if dry_run:
        return result
    try:
        with transaction.atomic():
            importer.write()
            audit_record(
                actor=actor,
                action=Action.IMPORT,
                org=importer.audit_org(),
                object_type=f"transfer.{spec.name}",
                object_repr=name[:200],
                summary=_("导入%(label)s “%(file)s”: 新增 %(created)d 条, 更新 %(updated)d 条")
                % {
                    "label": spec.label,
                    "file": name,
                    "created": result.created,
                    "updated": result.updated,
                },
                after={
                    "kind": spec.name,
                    "file": name,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                },
            )
        result.written = {k: sorted(v) for k, v in importer.written.items() if v}
    except IntegrityError as exc:
        # Someone changed the same records between the check and the write: nothing was kept.
        result.created = result.updated = 0
        result.errors = [
            RowError(
                sheet.header_row or 1,
                "",
                _(
                    "写入时数据库拒绝了这些数据 (%s), 可能有人同时修改了相同的记录; "
                    "没有导入任何数据, 请重新导入"
                )
                % exc,
            )
        ]
    return result
