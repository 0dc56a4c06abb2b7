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
import multiprocessing
import os
import queue
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, overload

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.accounts.scope import Scope, scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.batching import chunked
from bangfu.core.idnumber import IdInfo, IdNumberError, parse_id_number
from bangfu.core.parsing import (
    AMOUNT_UNITS,
    DAY,
    YEAR,
    CellError,
    PreciseDate,
    clean_text,
    normalise_phone,
    parse_amount,
    parse_date_precise,
    parse_int,
    phone_problem,
    split_tags,
    usual_mobile,
    written,
)
from bangfu.core.pinyin import pinyin_keys
from bangfu.core.tree import path_ids
from bangfu.orgs.models import Org
from bangfu.reports.summaries import bulk_insert
from bangfu.transfer.reader import ChooseMapping, Row, Sheet, read_sheet
from bangfu.transfer.spec import ChoiceTable, Kind, Reading

if TYPE_CHECKING:
    from bangfu.accounts.models import User

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

LOOKUP_CHUNK = 2000  # values per IN (...) query when looking records up
# A streamed sheet of at least this many rows is parsed by two processes (Importer.read_rows),
# which pass their parts through a pipe of this size.
PARALLEL_MIN_ROWS = 10_000
PIPE_BYTES = 1024 * 1024
QUEUED_PARTS = 8  # parts received from the helper process and not yet taken in
# SQLite's page cache during a bulk insert, in KiB: inserting 200,000 rows into tables with
# several indexes in key order other than the insert's needs more than the default 2 MB.
SQLITE_INSERT_CACHE_KIB = 16 * 1024
# A bulk insert of at least this many rows, and of at least as many as its table holds, sets
# the table's secondary indexes aside on SQLite (IndexesAside).
INDEXES_ASIDE_MIN_ROWS = 10_000
WRITE_BATCH = 1000  # rows per INSERT/UPDATE (Django lowers it to SQLite's parameter limit)
TRUE_WORDS = frozenset({"是", "安全", "有", "√", "✓", "✔", "y", "yes", "true", "1", "在岗"})
FALSE_WORDS = frozenset(
    {"否", "不安全", "无", "×", "✗", "✘", "n", "no", "false", "0", "不在岗", "离岗"}
)

# Dates of a registry's or a program's history (识别, 状态, 收入, 活动 …) cannot lie before the
# People's Republic (1949-10-01; "before 1949" is the rule users know); births may (1900).
HISTORY_START = datetime.date(1949, 1, 1)
BIRTH_START = datetime.date(1900, 1, 1)

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
    # Values accepted with a caveat (a date kept as a month, a word read as a national code …)
    warnings: list[RowError] = field(default_factory=list)
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
            "warnings": [w.as_json() for w in self.warnings],
            "ignored_columns": list(self.ignored),
        }


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    return chunked(values, size)


def fetch_in(qs: models.QuerySet[Any, T], field_name: str, values: Iterable[Any]) -> Iterator[T]:
    """``qs.filter(field__in=values)`` in chunks, so that neither SQLite nor PostgreSQL meets a
    limit on bound parameters."""
    ordered = sorted(set(values), key=str)
    for part in chunks(ordered):
        yield from qs.filter(**{f"{field_name}__in": part})


def person_keys(name: str) -> tuple[str, str]:
    """(name_pinyin, name_sort) exactly as ``Person.save`` computes them (bulk writes bypass
    save), from one reading of the name (``pinyin_keys``)."""
    key, sort = pinyin_keys(name, person_name=True)
    return key, sort[:200]


# -- bulk writes ---------------------------------------------------------------------------------
# SQL below is built only from the models' own table and column names, quoted by the database
# backend; every value is a bound parameter.


def _table(model: type[models.Model]) -> tuple[str, str]:
    """The model's quoted table name and primary key column."""
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    return quote(model._meta.db_table), quote(pk.column)


class BulkInsert:
    """Inserts many new rows of one model with the column values ``bulk_create`` would write, at
    the speed of the database's own bulk path: one ``executemany`` on SQLite (where Django's
    bulk_create cuts its statements at 999 parameters: 66 persons) and ``COPY`` on PostgreSQL.

    ``varying`` names the fields (by attname) that each row gives, in that order, as database
    values (:meth:`prep` turns a value into one, cached per distinct value). Every other concrete
    field gets what bulk_create gives an object that leaves it unset: ``now`` for ``auto_now`` and
    ``auto_now_add`` fields, else the field's default. As with bulk_create, no ``save()`` runs
    and no signal is sent. Call :meth:`run` inside the import's transaction.
    """

    def __init__(self, model: type[models.Model], varying: Sequence[str], *, now: Any) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        self.varying = [fields[name] for name in varying]
        constant = [f for name, f in fields.items() if name not in varying]
        self.constants = tuple(f.get_db_prep_save(_new_value(f, now), connection) for f in constant)
        self.columns = [f.column for f in (*self.varying, *constant)]
        self._prepared: dict[str, dict[Any, Any]] = {}

    def prep(self, name: str, value: Any) -> Any:
        """The database value of ``value`` for the field ``name`` (a date is text on SQLite)."""
        return self.preparer(name)(value)

    def preparer(self, name: str) -> Callable[[Any], Any]:
        """:meth:`prep` for one field, as a function (for a loop over many rows)."""
        cache = self._prepared.setdefault(name, {})
        field: Any = self.model._meta.get_field(name)

        def prepared(value: Any) -> Any:
            try:
                return cache[value]
            except KeyError:
                result = cache[value] = field.get_db_prep_save(value, connection)
                return result

        return prepared

    def run(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert one row for each tuple of varying values."""
        full: Iterable[tuple[Any, ...]] = map(tuple.__add__, rows, repeat(self.constants))
        table, _pk = _table(self.model)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in full:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(self.columns))
            # OR FAIL, not the default ABORT: with ABORT, a table with triggers makes SQLite
            # keep a statement journal for each statement (each row here), copying every page
            # the row touches to a temporary file (9 GB for 200,000 persons; docs/performance.md).
            # A row that fails still raises; the caller's transaction or savepoint undoes it.
            sql = f"INSERT OR FAIL INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.execute("PRAGMA cache_size")
            (previous,) = cursor.fetchone()
            larger = previous < 0 and -previous < SQLITE_INSERT_CACHE_KIB  # negative: in KiB
            if larger:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_INSERT_CACHE_KIB:d}")
            try:
                # (the summary tables' row triggers set aside, their marks made once at the end)
                with bulk_insert(self.model._meta.db_table):
                    cursor.executemany(sql, full)  # type: ignore[arg-type]
            finally:
                if larger:
                    cursor.execute(f"PRAGMA cache_size = {int(previous):d}")


class IndexesAside:
    """Inside a transaction on SQLite, around a bulk insert into tables that hold fewer rows
    than it brings (a county's first load): their secondary indexes (not the unique ones, which
    keep the data right) are dropped on entry and made again from their own SQL on a normal
    exit, before the commit. Building an index once over sorted keys is cheaper than keeping it
    up to date row by row in random key order: 200,000 persons went into registry_person in
    1.3 s without its four secondary indexes and 0.4 s to build them, against 3.3 s with them
    (docs/performance.md). The transaction holds SQLite's write lock, so no other connection
    writes meanwhile; readers keep seeing the indexes (the drop is not committed); should the
    import fail, the rollback brings them back (SQLite's DDL is transactional), so nothing is
    made again then. Not on PostgreSQL, where dropping an index locks the table against readers
    until the commit."""

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables = list(tables)
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> IndexesAside:
        with connection.cursor() as cursor:
            for table in self.tables:
                # (an index made for a constraint has no SQL: it stays)
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                    [table],
                )
                self.indexes.extend(cursor.fetchall())
            for name, _sql in self.indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            return  # (the rollback brings them back)
        with connection.cursor() as cursor:
            for _name, sql in self.indexes:
                cursor.execute(sql)


def _new_value(field: Any, now: datetime.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def last_id(model: type[models.Model]) -> int:
    """The highest primary key in the model's table (0 when it is empty)."""
    table, pk = _table(model)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608
        (value,) = cursor.fetchone()
    return int(value or 0)


def ids_of_new(
    model: type[models.Model], key_field: str, keys: Sequence[Any], *, after: int
) -> list[int]:
    """The ids of the rows just inserted, in one statement, with these values of the unique
    ``key_field`` (in this order), in the same order.

    A statement's rows get increasing ids in row order (SQLite, while the import holds the
    write lock; PostgreSQL, from the sequence). When the ids above ``after`` (the highest id
    before the insert) are exactly as many as the keys, consecutive, and the first and last are
    the first and last key's, they are the rows' ids. Otherwise (another writer's rows among
    them, on PostgreSQL) they are read in one pass in id order, any row that is not the next
    key's put aside, and a key not found at all looked up by key.
    """
    table, pk = _table(model)
    key: Any = model._meta.get_field(key_field)
    column = connection.ops.quote_name(key.column)
    with connection.cursor() as cursor:
        span = f"SELECT MIN({pk}), MAX({pk}), COUNT(*) FROM {table} WHERE {pk} > %s"  # noqa: S608
        cursor.execute(span, [after])
        low, high, count = cursor.fetchone()
        if not keys:
            return []
        if count == len(keys) and high - low + 1 == count:
            ends = f"SELECT {pk}, {column} FROM {table} WHERE {pk} IN (%s, %s)"  # noqa: S608
            cursor.execute(ends, [low, high])
            found = dict(cursor.fetchall())
            if found.get(low) == keys[0] and found.get(high) == keys[-1]:
                return list(range(low, high + 1))
        ids = array("q")
        others: dict[Any, int] = {}
        scan = f"SELECT {column}, {pk} FROM {table} WHERE {pk} > %s ORDER BY {pk}"  # noqa: S608
        cursor.execute(scan, [after])
        for value, pk_value in cursor:
            if len(ids) < len(keys) and value == keys[len(ids)]:
                ids.append(pk_value)
            else:
                others[value] = pk_value
    if len(ids) < len(keys):
        rest = keys[len(ids) :]
        missing = [k for k in rest if k not in others]
        pairs = model._default_manager.values_list(key_field, "pk")
        others.update(fetch_in(pairs, key_field, missing))
        ids.extend(others[k] for k in rest)
    return ids.tolist()


class Importer:
    """Validates the rows of one sheet and writes them; one subclass per kind.

    Subclasses implement :meth:`validate` (parse every row, record errors with :meth:`fail`,
    plan the writes and set ``created``/``updated`` to the planned counts) and :meth:`write`
    (bulk writes; called inside the import's transaction, only when there is no error).
    """

    #: label of a row's record in the audit summary (人员, 户 …); the kind's label by default
    noun: ClassVar[str] = ""
    #: whether :meth:`validate` takes the rows from ``sheet.each_row()`` as the file is read
    #: (``sheet.rows`` is then empty) instead of from ``sheet.rows``
    streams: ClassVar[bool] = False
    #: the data-quality checks (docs/data-quality.md) that every record the import writes has
    #: passed on the way in, not run again over a large import's records (transfer/checks.py):
    #: 身份证号无效, as every kind reads an ID number with ``parse_id_number``
    validated_checks: ClassVar[frozenset[str]] = frozenset({"P009"})

    def __init__(
        self, *, kind: Kind, sheet: Sheet, actor: Any, today: datetime.date | None = None
    ) -> None:
        self.kind = kind
        self.sheet = sheet
        self.actor = actor
        self.scope: Scope = scope_of(actor)
        self.today = today or timezone.localdate()
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.bad: set[int] = set()
        self.created = 0
        self.updated = 0
        self.orgs: dict[str, Org] = {}
        self.paths: set[str] = set()
        self.now = timezone.now()
        self.written: dict[str, set[int]] = defaultdict(set)
        # Where run_import lets the importer open the import's transaction before write() (to
        # write early, see begin()); None in a dry run.
        self.transaction: ExitStack | None = None
        self.began = False
        self.aside: set[str] = set()  # tables whose secondary indexes are set aside

    # -- errors ------------------------------------------------------------------------------

    def fail(self, row: Row, key: str | None, message: str) -> None:
        """Record an error in ``row`` at the column ``key`` (None: the row as a whole)."""
        column = self.sheet.header_of(key) if key else ""
        index = self.sheet.index_of(key) if key else None
        self.errors.append(RowError(row.number, column, str(message), index))
        self.bad.add(row.number)

    def warn(self, row: Row, key: str | None, message: str) -> None:
        """Record a value accepted with a caveat in ``row`` at the column ``key`` (a date kept as
        a month, a word read as another): reported with the result, it does not stop the
        import (interchange.md, ``warnings``)."""
        column = self.sheet.header_of(key) if key else ""
        index = self.sheet.index_of(key) if key else None
        self.warnings.append(RowError(row.number, column, str(message), index))

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

    @overload
    def date(
        self,
        row: Row,
        key: str,
        *,
        required: bool = ...,
        precision: Literal[False] = ...,
        earliest: datetime.date = ...,
        future: bool = ...,
        caveats: bool = ...,
    ) -> datetime.date | None: ...

    @overload
    def date(
        self,
        row: Row,
        key: str,
        *,
        required: bool = ...,
        precision: Literal[True],
        earliest: datetime.date = ...,
        future: bool = ...,
        caveats: bool = ...,
    ) -> PreciseDate | None: ...

    def date(
        self,
        row: Row,
        key: str,
        *,
        required: bool = False,
        precision: bool = False,
        earliest: datetime.date = HISTORY_START,
        future: bool = False,
        caveats: bool = True,
    ) -> datetime.date | PreciseDate | None:
        """A date in any of the forms of ``parse_date_precise`` (docs/import-export.md, "Dates").

        ``precision``: the field keeps a year or a month (识别日期, a status step's date) and the
        :class:`PreciseDate` is returned; otherwise the field needs a day (an activity's date)
        and a year- or month-only cell is an error saying so, and the day is returned. A date
        before ``earliest`` (1949 for a registry's or a program's history; births pass 1900) or,
        unless ``future``, after today is an error that shows the cell as written (with the day
        an Excel serial number gave). Every reading with a caveat (a bare year, a month, a
        General number such as 2026.3, a serial number) is a warning naming the column and the
        cell, unless ``caveats`` is off (a value only compared, never stored)."""
        raw = row.values.get(key)
        try:
            value = parse_date_precise(raw)
        except CellError as exc:
            self.fail(row, key, str(exc))
            return None
        if value is None:
            if required:
                self.fail(row, key, _("%s不能为空") % self.header(key))
            return None
        header = self.sheet.header_of(key) or self.header(key)
        if value.precision != DAY and not precision:
            message = (
                _("%(header)s“%(value)s”只有年份, 需要完整的日期 (年月日), 如 2014-06-01")
                if value.precision == YEAR
                else _("%(header)s“%(value)s”只有年月, 需要完整的日期 (年月日), 如 2014-06-01")
            )
            self.fail(row, key, message % {"header": header, "value": written(raw)})
            return None
        shown = written(raw)
        if value.serial:
            shown += _(" (按 Excel 日期序号为 %s)") % value.date.isoformat()
        if value.date < earliest:
            self.fail(
                row,
                key,
                _("%(header)s %(value)s 早于 %(year)d 年, 不是有效的日期")
                % {"header": header, "value": shown, "year": earliest.year},
            )
            return None
        if not future and value.date > self.today:
            self.fail(
                row, key, _("%(header)s %(value)s 晚于今天") % {"header": header, "value": shown}
            )
            return None
        if caveats and value.note:
            self.warn(row, key, f"{header}“{written(raw)}”{value.note}")
        return value if precision else value.date

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
        reading = self.choice_reading(row, key, table, required=required)
        return "" if reading is None else reading.value

    def choice_reading(
        self, row: Row, key: str, table: ChoiceTable, *, required: bool = False
    ) -> Reading | None:
        """A choice cell as read (the value, and the alias it was read through: a grade of
        在校生状况 …); None when empty or not allowed. A value read through an alias that
        changes the word (a national code, a grade, a narrower word) is a warning
        (docs/import-export.md, "Vocabularies")."""
        text = clean_text(row.values.get(key))
        if not text:
            if required:
                self.fail(row, key, _("%s不能为空") % self.header(key))
            return None
        reading = table.read(text)
        if reading is None:
            self.fail(
                row,
                key,
                _("“%(text)s”不是有效的%(header)s, 可填写: %(allowed)s")
                % {"text": text, "header": self.header(key), "allowed": "、".join(table.labels())},
            )
            return None
        if reading.alias is not None and reading.alias.warns:
            header = self.sheet.header_of(key) or self.header(key)
            self.warn(row, key, table.caveat(reading, header) or "")
        return reading

    def choice_list(self, row: Row, key: str, table: ChoiceTable) -> list[str] | None:
        """Several choices in one cell, split on 、 , ; / and spaces; None when empty."""
        raw = row.values.get(key)
        if not clean_text(raw):
            return None
        values: list[str] = []
        for text in split_tags(raw):
            reading = table.read(text)
            if reading is None:
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
                continue
            if reading.alias is not None and reading.alias.warns:
                header = self.sheet.header_of(key) or self.header(key)
                self.warn(row, key, table.caveat(reading, header) or "")
            if reading.value not in values:
                values.append(reading.value)
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
            info = parse_id_number(raw, today=self.today)
        except IdNumberError as exc:
            self.fail(row, key, str(exc))
            return None
        # A number accepted with a caveat (a 20-digit 残疾人证号 read as the ID number and the
        # disability's category and level): the caveat is the warning.
        caveat = getattr(info, "caveat", None)
        if caveat:
            self.warn(row, key, str(caveat))
        return info

    def phone(self, row: Row, key: str) -> str:
        raw = row.values.get(key)
        if usual_mobile(raw):
            return raw
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

    def begin(self) -> bool:
        """Open the import's transaction, if it is not open yet, to write before :meth:`write`
        (while a helper process parses); False in a dry run. Should the import then end with
        errors, run_import rolls back what was written."""
        if self.transaction is None:
            return False
        if not self.began:
            self.transaction.enter_context(transaction.atomic())
            self.began = True
        return True

    def set_indexes_aside(self, *tables: type[models.Model], rows: int) -> None:
        """Before the first bulk insert of about ``rows`` new rows into these models' tables, in
        the import's transaction: on SQLite, the secondary indexes of each table that holds no
        more rows than that are set aside until the import's end (:class:`IndexesAside`)."""
        if (
            connection.vendor != "sqlite"
            or not self.began
            or self.transaction is None
            or rows < INDEXES_ASIDE_MIN_ROWS
        ):
            return
        wanted = []
        for model in tables:
            table, _pk = _table(model)
            if model._meta.db_table in self.aside:
                continue
            self.aside.add(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                (held,) = cursor.fetchone()
            if held <= rows:
                wanted.append(model._meta.db_table)
        if wanted:
            self.transaction.enter_context(IndexesAside(wanted))

    def wrote(self, what: str, objs: Iterable[models.Model]) -> None:
        """Note the records written (after the write, when new ones have their ids)."""
        self.written[what].update(o.pk for o in objs if o.pk is not None)

    def stamp(self, objs: Iterable[models.Model]) -> None:
        """Set ``updated_at`` before a bulk_update (which does not run ``auto_now``)."""
        for obj in objs:
            if hasattr(obj, "updated_at"):
                obj.updated_at = self.now

    # -- reading a streamed sheet with two processes ---------------------------------------------

    def read_rows(
        self,
        parse: Callable[[Iterable[Row]], Iterable[T]],
        *,
        meanwhile: Callable[[list[T]], None] | None = None,
        upper_share: float = 0.5,
    ) -> list[T]:
        """What ``parse`` yields over the rows of the (streamed) sheet, in row order.

        ``parse`` is a generator: it reads rows, records their errors with :meth:`fail` and,
        every so many rows, yields what the rest of the import needs of the rows it has read
        (picklable). On a large workbook and a machine with a second core, a forked helper
        process parses the rows from some way down the sheet (``upper_share`` of the rows are
        left to this process) and sends what it yields, with the errors it found, as it goes; so
        ``parse`` must not use the database, nor change the importer other than through
        :meth:`fail`. The outcome is the same as with one process: the same parts in row order,
        the same errors, the same problems with the file; should the helper fail, this process
        parses the rows it had not sent.

        ``meanwhile``, if given, is called with the parts as they come in, in row order, while
        the helper is at work: first with those of the upper rows, then with the helper's.
        """
        split = self._split_row(upper_share)
        if split is None:
            return list(parse(self.sheet.each_row()))
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        with suppress(ImportError, OSError):  # a pipe that holds a part or two (Linux)
            import fcntl

            fcntl.fcntl(sender.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        helper = context.Process(target=self._helper, args=(parse, split, sender), daemon=True)
        helper.start()
        sender.close()
        # At most QUEUED_PARTS parts wait here (and a part or two in the pipe): when this
        # process inserts more slowly than the helper parses, the helper waits instead of every
        # part it parsed waiting in memory (30 MB at 200,000 rows; docs/performance.md).
        messages: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=QUEUED_PARTS)
        stop = threading.Event()

        def collect() -> None:
            """Take in the helper's messages as they come, while there is room for them."""
            while True:
                try:
                    message = receiver.recv()
                except (EOFError, OSError):
                    message = ("failed", "the helper process ended")
                while not stop.is_set():
                    try:
                        messages.put(message, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if message[0] != "part" or stop.is_set():
                    return

        collector = threading.Thread(target=collect, daemon=True)
        collector.start()
        rows = self.sheet.each_row()
        reached: list[Row] = []  # the first row at the split, once this process gets there

        def upper() -> Iterator[Row]:
            for row in rows:
                if row.number >= split:
                    reached.append(row)
                    return
                yield row

        try:
            results = list(parse(upper()))
            if not reached:  # the data ended above the split: the helper's rows are no data
                helper.terminate()
                return results
            if meanwhile is not None:
                meanwhile(results)
            sent = split - 1  # the last row the helper's parts so far cover
            while True:
                batch: list[T] = []
                message = messages.get()
                while message[0] == "part":
                    _part, result, errors, warnings, sent = message
                    self.errors.extend(errors)
                    self.warnings.extend(warnings)
                    self.bad.update(e.row for e in errors)
                    batch.append(result)
                    try:
                        message = messages.get_nowait()
                    except queue.Empty:
                        break
                results.extend(batch)
                if batch and meanwhile is not None:
                    meanwhile(batch)
                if message[0] == "done":
                    _done, problems, count = message
                    self.sheet.problems.extend(problems)
                    self.sheet.streamed += count - 1  # the helper read the row at the split too
                    return results
                if message[0] == "failed":  # this process parses what the helper did not send
                    results.extend(parse(r for r in chain(reached, rows) if r.number > sent))
                    return results
        except BaseException:
            helper.terminate()
            raise
        finally:
            stop.set()  # (a collector waiting for room in the queue gives up)
            collector.join()
            receiver.close()
            helper.join()

    def _split_row(self, upper_share: float) -> int | None:
        """The Excel row where the helper process starts, or None to read with one process."""
        last = self.sheet.last_row
        first = self.sheet.header_row + 1
        if (
            self.sheet.stream is None
            or last is None
            or last - first + 1 < PARALLEL_MIN_ROWS
            or len(os.sched_getaffinity(0)) < 2
            or threading.active_count() > 1  # forking a threaded process is not safe
            or "fork" not in multiprocessing.get_all_start_methods()
        ):
            return None
        return first + int((last - first + 1) * upper_share)

    def _helper(
        self, parse: Callable[[Iterable[Row]], Iterable[T]], split: int, sender: Any
    ) -> None:
        """In the forked helper: parse the rows from ``split`` on, sending each part with its
        errors and the last row it covers."""
        errors, warnings = len(self.errors), len(self.warnings)
        problems = len(self.sheet.problems)
        last = split - 1

        def rows() -> Iterator[Row]:
            nonlocal last
            for row in self.sheet.each_row(start=split):
                last = row.number
                yield row

        try:
            for result in parse(rows()):
                sender.send(("part", result, self.errors[errors:], self.warnings[warnings:], last))
                del self.errors[errors:]
                del self.warnings[warnings:]
            sender.send(("done", self.sheet.problems[problems:], self.sheet.streamed))
        except BaseException as exc:  # reported to the parent, which parses the rows itself
            with suppress(OSError):
                sender.send(("failed", repr(exc)))
        sender.close()


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
    mapping: dict[str, str] | ChooseMapping | None = None,
) -> ImportResult:
    """Import the sheet at ``path`` as ``kind``, all or nothing, acting as ``actor``.

    Raises PermissionDenied when the actor administers no unit; every problem with the file or
    its rows is returned in the result's ``errors`` (and then nothing is written). ``mapping``:
    the file's column mapping, or a function choosing it from the file's header (``read_sheet``;
    docs/import-export.md, "Column mapping").
    """
    from bangfu.transfer.kinds import get_kind

    spec = get_kind(kind) if isinstance(kind, str) else kind
    if not scope_of(actor).is_admin:
        raise PermissionDenied(_("无权导入数据"))
    name = file_name or Path(path).name
    sheet = read_sheet(path, spec, file_name=name, stream=spec.importer.streams, mapping=mapping)
    importer = spec.importer(kind=spec, sheet=sheet, actor=actor)
    scope = ExitStack()  # the import's transaction, once begun
    importer.transaction = None if dry_run else scope
    try:
        with scope:
            result = _validated(importer, sheet, spec, name, dry_run=dry_run)
            if result.errors:
                if importer.began:  # rows were written early: undo them
                    raise _Undo
                return result
            result.created, result.updated = importer.created, importer.updated
            if dry_run:
                return result
            importer.begin()
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
    except _Undo:
        pass
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


class _Undo(Exception):
    """Rolls back the import's transaction: rows written early, then errors."""


def _validated(
    importer: Importer, sheet: Sheet, spec: Kind, name: str, *, dry_run: bool
) -> ImportResult:
    """Validate the rows; the result as it stands before the write."""
    problems = len(sheet.problems)
    if not problems:
        importer.validate()
    sheet.finish()  # a streamed sheet: read (and count) what validate() left
    if len(sheet.problems) > problems:
        # The file broke off while it was streamed: as when it breaks off before validate(),
        # only the file's problems are reported.
        importer.errors, importer.created, importer.updated = [], 0, 0
        importer.warnings = []
    importer.errors[:0] = [RowError(p.row, p.column, p.message, p.index) for p in sheet.problems]
    rows = sheet.row_count
    sheet.rows = []  # the plan holds what the write needs: let the cells go
    errors = sorted(importer.errors, key=lambda e: (e.row, -1 if e.index is None else e.index))
    return ImportResult(
        kind=spec.name,
        rows=rows,
        errors=errors,
        file_name=name,
        dry_run=dry_run,
        pending_created=importer.created,
        pending_updated=importer.updated,
        header_row=sheet.header_row,
        ignored=sheet.ignored,
        warnings=sorted(
            importer.warnings, key=lambda w: (w.row, -1 if w.index is None else w.index)
        ),
    )
