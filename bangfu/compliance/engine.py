"""The rules engine: what every pairing of a program owes as of a day, evaluated set-based in
SQL — one statement per rule over all the program's pairings, never a loop per pairing.

Semantics (domain.md, "The rules, made exact"):

- A periodic or calendar rule has windows (periods; occasions' windows); an event rule has one
  window per life event and pairing it falls on: from the event's date to ``within_days``
  after, both included. An event on a person falls on every pairing whose beneficiary is that
  person or a household they belong to (and an event on a household on the pairings of the
  household and of its members).
- A pairing owes a window only if it is active on every day of it: start ≤ window start, and no
  end or end ≥ window end.
- An activity counts for a window that holds its date, for that pairing, if its type is one of
  the rule's types; one activity may satisfy several windows. Only activities dated on or before
  the day asked about count.
- Status as of a day D: a window ended before D is met (done ≥ required) or missed; a window
  holding D is met or due; windows starting after D are not listed.

Coverage rules are evaluated on D itself (:func:`coverage_rows` lists every subject,
:func:`coverage_counts` counts them in the database).

Nothing is stored: logging, changing or deleting an activity changes the answer at once.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bangfu.activities.services import activity_type
from bangfu.compliance.windows import RuleWindow, rule_windows
from bangfu.core.batching import placeholders
from bangfu.core.tree import prefix_q
from bangfu.pairings.models import Pairing
from bangfu.pairings.plans import program_semesters
from bangfu.pairings.selectors import beneficiary_pool, helper_pool
from bangfu.programs.models import Program
from bangfu.registry.models import Helper

if TYPE_CHECKING:
    from bangfu.orgs.models import Org

STATUSES = ("met", "missed", "due")
WINDOW_KINDS = ("periodic", "calendar")


@dataclass(frozen=True)
class Obligation:
    """One window a pairing owes under one rule, and how it stands as of the day asked."""

    pairing_id: int
    rule: str
    kind: str
    start: datetime.date
    end: datetime.date
    required: int
    done: int
    status: str
    label: str = ""
    event_id: int | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.pairing_id, self.rule, self.start, self.end, self.event_id)


def rule_types(program: Program, rule: Mapping[str, Any]) -> list[str]:
    """The stored type codes a rule's types stand for (a rule may name a type by an alias)."""
    codes = []
    for name in rule.get("types", []):
        kind = activity_type(program, str(name))
        codes.append(str(kind["code"]) if kind else str(name))
    return sorted(set(codes))


def required_of(rule: Mapping[str, Any]) -> int:
    return int(rule.get("count", 1)) if rule.get("kind") == "periodic" else 1


def span(program: Program, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days whose windows are listed: the program's start to the day asked (or the
    program's end, if earlier)."""
    last = min(as_of, program.end) if program.end else as_of
    return program.start, last


def program_windows(
    program: Program, rule: Mapping[str, Any], as_of: datetime.date
) -> list[RuleWindow]:
    """The windows of a periodic or calendar rule listed as of ``as_of``."""
    first, last = span(program, as_of)
    if last < first:
        return []
    windows = rule_windows(rule, first, last, program_semesters(program))
    return [w for w in windows if w.start <= last]


# -- SQL ------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _date_param() -> str:
    return "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"


def _plus_days(expression: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({expression} + {int(days)})"
    return f"date({expression}, '+{int(days)} days')"


def _status_sql(done: str, required: str, end: str) -> str:
    return (
        f"CASE WHEN {done} >= {required} THEN 'met' "
        f"WHEN {end} < {_date_param()} THEN 'missed' ELSE 'due' END"
    )


def _pairing_filter(
    pairing_ids: Sequence[int] | None, column: str = "p.id", units: Sequence[int] | None = None
) -> tuple[str, list[Any]]:
    """The SQL that keeps ``column``'s pairings to ``pairing_ids`` or, with ``units``, to the
    pairings of those units (the summary tables recount a unit at a time); none: all."""
    if units is not None:
        if not units:
            return " AND 1 = 0", []
        marks = placeholders(units)
        if column == "p.id":
            return f" AND p.org_id IN ({marks})", list(units)
        return (
            f" AND {column} IN (SELECT id FROM pairings_pairing WHERE org_id IN ({marks}))",  # noqa: S608
            list(units),
        )
    if pairing_ids is None:
        return "", []
    if not pairing_ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({placeholders(pairing_ids)})", list(pairing_ids)


def _window_rule_sql(
    program: Program,
    rule: Mapping[str, Any],
    windows: Sequence[RuleWindow],
    as_of: datetime.date,
    pairing_ids: Sequence[int] | None,
) -> tuple[str, list[Any]]:
    """pairing, window index, done, status for every window a pairing owes under the rule."""
    required = required_of(rule)
    return _windows_sql(
        program, rule_types(program, rule), [(w, required) for w in windows], as_of, pairing_ids
    )


def _windows_sql(
    program: Program,
    types: Sequence[str],
    items: Sequence[tuple[RuleWindow, int]],
    as_of: datetime.date,
    pairing_ids: Sequence[int] | None,
    units: Sequence[int] | None = None,
) -> tuple[str, list[Any]]:
    """pairing, item index, done, status for every window (of any rule counting the same
    activity types: one pass over the links serves them all) a pairing owes; each item is a
    window and the activities it requires."""
    types = list(types) or ["\x00none"]
    d = _date_param()
    rows = ", ".join(f"({i}, {d}, {d}, {int(req)})" for i, (_w, req) in enumerate(items))
    params: list[Any] = []
    for w, _req in items:
        params += [w.start, w.end]
    end = _q("end")
    extra, extra_params = _pairing_filter(pairing_ids, units=units)
    # The same pairings inside the count, so that a subset does not count the whole program's
    # links (the database does not carry an IN list across the join into the grouping).
    links, _same = _pairing_filter(pairing_ids, "l.pairing_id", units)
    sql = f"""
        WITH w(idx, ws, we, req) AS (VALUES {rows}),
        c AS (
            SELECT l.pairing_id AS pairing_id, w.idx AS idx, COUNT(*) AS n
            FROM activities_activitylink l JOIN w ON l.date >= w.ws AND l.date <= w.we
            WHERE l.program_id = %s AND l.type IN ({placeholders(types)}) AND l.date <= {d}{links}
            GROUP BY l.pairing_id, w.idx
        )
        SELECT p.id, w.idx, COALESCE(c.n, 0) AS done,
            {_status_sql("COALESCE(c.n, 0)", "w.req", "w.we")} AS status
        FROM pairings_pairing p
        JOIN w ON p.start <= w.ws AND (p.{end} IS NULL OR p.{end} >= w.we)
        LEFT JOIN c ON c.pairing_id = p.id AND c.idx = w.idx
        WHERE p.program_id = %s{extra}
    """  # noqa: S608 (placeholders and fixed fragments only)
    params += [program.pk, *types, as_of, *extra_params, as_of, program.pk, *extra_params]
    return sql, params


@dataclass(frozen=True)
class _Item:
    """One window of one rule in a group of rules counting the same activity types."""

    rule: str
    kind: str
    window: RuleWindow
    required: int


def _window_groups(
    program: Program, as_of: datetime.date, wanted: set[str] | None
) -> list[tuple[list[str], list[_Item]]]:
    """The program's periodic and calendar rules grouped by the activity types they count,
    with all their windows: one SQL statement per group instead of one per rule."""
    groups: dict[tuple[str, ...], list[_Item]] = {}
    for rule in program.rules:
        code, kind = str(rule.get("code")), str(rule.get("kind"))
        if kind not in WINDOW_KINDS or (wanted is not None and code not in wanted):
            continue
        required = required_of(rule)
        items = groups.setdefault(tuple(rule_types(program, rule)), [])
        items += [_Item(code, kind, w, required) for w in program_windows(program, rule, as_of)]
    return [(list(types), items) for types, items in groups.items() if items]


def _event_rule_sql(
    program: Program,
    rule: Mapping[str, Any],
    as_of: datetime.date,
    pairing_ids: Sequence[int] | None,
    units: Sequence[int] | None = None,
) -> tuple[str, list[Any]]:
    """event, pairing, window start and end, done, status for every event window owed."""
    types = rule_types(program, rule) or ["\x00none"]
    kinds = [str(k) for k in rule.get("events", [])] or ["\x00none"]
    days = int(rule.get("within_days", 7))
    first, last = span(program, as_of)
    d = _date_param()
    end = _q("end")
    e_end = _plus_days("e.date", days)
    extra, extra_params = _pairing_filter(pairing_ids, units=units)
    events = f"""
        SELECT e.id AS id, e.household_id AS household_id, e.person_id AS person_id,
            e.date AS ws, {e_end} AS we
        FROM activities_lifeevent e
        WHERE e.kind IN ({placeholders(kinds)}) AND e.date <= {d} AND e.date >= {d}
    """  # noqa: S608 (placeholders and fixed fragments only)
    # The pairings an event falls on, by the four ways a beneficiary meets the event's subject.
    sql = f"""
        WITH e AS ({events}),
        ep AS (
            SELECT e.id AS event_id, p.id AS pairing_id, e.ws AS ws, e.we AS we
            FROM e JOIN pairings_pairing p ON p.household_id = e.household_id
            WHERE p.program_id = %s
            UNION
            SELECT e.id, p.id, e.ws, e.we FROM e
            JOIN registry_member m ON m.household_id = e.household_id
            JOIN pairings_pairing p ON p.person_id = m.person_id
            WHERE p.program_id = %s
            UNION
            SELECT e.id, p.id, e.ws, e.we
            FROM e JOIN pairings_pairing p ON p.person_id = e.person_id
            WHERE p.program_id = %s
            UNION
            SELECT e.id, p.id, e.ws, e.we FROM e
            JOIN registry_member m ON m.person_id = e.person_id
            JOIN pairings_pairing p ON p.household_id = m.household_id
            WHERE p.program_id = %s
        ),
        c AS (
            SELECT ep.event_id AS event_id, ep.pairing_id AS pairing_id, COUNT(*) AS n
            FROM ep JOIN activities_activitylink l ON l.pairing_id = ep.pairing_id
            WHERE l.type IN ({placeholders(types)}) AND l.date >= ep.ws AND l.date <= ep.we
                AND l.date <= {d}
            GROUP BY ep.event_id, ep.pairing_id
        )
        SELECT ep.event_id, p.id, ep.ws, ep.we, COALESCE(c.n, 0) AS done,
            {_status_sql("COALESCE(c.n, 0)", "1", "ep.we")} AS status
        FROM ep JOIN pairings_pairing p ON p.id = ep.pairing_id
        LEFT JOIN c ON c.event_id = ep.event_id AND c.pairing_id = ep.pairing_id
        WHERE p.start <= ep.ws AND (p.{end} IS NULL OR p.{end} >= ep.we){extra}
    """  # noqa: S608 (placeholders and fixed fragments only)
    params: list[Any] = [*kinds, last, first]
    params += [program.pk] * 4
    params += [*types, as_of, as_of, *extra_params]
    return sql, params


def _streaming_cursor() -> Any:
    """A server-side cursor on PostgreSQL (unless turned off for a transaction-pooling proxy, as
    ``QuerySet.iterator`` does), a plain one elsewhere."""
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


# -- evaluation -----------------------------------------------------------------------------


def evaluate_iter(
    program: Program,
    as_of: datetime.date,
    *,
    pairing_ids: Sequence[int] | None = None,
    rules: Iterable[str] | None = None,
) -> Iterator[Obligation]:
    """Every obligation of the program's pairings as of ``as_of`` (or of ``pairing_ids``),
    rule by rule, streamed from the database (on PostgreSQL through a server-side cursor, so
    that a million pairings' obligations are never all held in memory at once)."""
    wanted = set(rules) if rules is not None else None
    for types, items in _window_groups(program, as_of, wanted):
        sql, params = _windows_sql(
            program, types, [(i.window, i.required) for i in items], as_of, pairing_ids
        )
        with _streaming_cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(5000):
                for pairing_id, idx, done, status in batch:
                    item = items[idx]
                    w = item.window
                    yield Obligation(
                        pairing_id,
                        item.rule,
                        item.kind,
                        w.start,
                        w.end,
                        item.required,
                        int(done),
                        status,
                        w.label,
                    )
    for rule in program.rules:
        code, kind = str(rule.get("code")), str(rule.get("kind"))
        if wanted is not None and code not in wanted:
            continue
        if kind == "event":
            sql, params = _event_rule_sql(program, rule, as_of, pairing_ids)
            with _streaming_cursor() as cursor:
                cursor.execute(sql, params)
                while batch := cursor.fetchmany(5000):
                    for event_id, pairing_id, ws, we, done, status in batch:
                        yield Obligation(
                            pairing_id,
                            code,
                            kind,
                            _as_date(ws),
                            _as_date(we),
                            1,
                            int(done),
                            status,
                            "",
                            event_id,
                        )


def evaluate(
    program: Program,
    as_of: datetime.date,
    *,
    pairing_ids: Sequence[int] | None = None,
    rules: Iterable[str] | None = None,
) -> list[Obligation]:
    return sorted(
        evaluate_iter(program, as_of, pairing_ids=pairing_ids, rules=rules),
        key=lambda o: (o.pairing_id, o.rule, o.start, o.event_id or 0),
    )


def summary(
    program: Program, as_of: datetime.date, *, pairing_ids: Sequence[int] | None = None
) -> dict[str, Counter[str]]:
    """How many obligations of each rule are met, missed and due, counted in the database
    (nothing per pairing comes back to Python)."""
    out: dict[str, Counter[str]] = {
        str(r.get("code")): Counter() for r in program.rules if r.get("kind") != "coverage"
    }
    for types, items in _window_groups(program, as_of, None):
        sql, params = _windows_sql(
            program, types, [(i.window, i.required) for i in items], as_of, pairing_ids
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.idx, t.status, COUNT(*) FROM ({sql}) t GROUP BY t.idx, t.status",  # noqa: S608
                params,
            )
            for idx, status, n in cursor.fetchall():
                out[items[idx].rule][status] += int(n)
    for rule in program.rules:
        if rule.get("kind") != "event":
            continue
        sql, params = _event_rule_sql(program, rule, as_of, pairing_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT status, COUNT(*) FROM ({sql}) t GROUP BY status", params)  # noqa: S608
            out[str(rule.get("code"))] = Counter(
                {status: int(n) for status, n in cursor.fetchall()}
            )
    return out


PAIRING_GROUPS = ("org_id", "helper_id", "helper_org_id")


def summary_by_pairing_group(
    program: Program,
    as_of: datetime.date,
    *,
    pairing_ids: Sequence[int] | None = None,
    ending: tuple[datetime.date, datetime.date] | None = None,
) -> dict[str, Counter[tuple[Any, ...]]]:
    """As :func:`summary`, counted in the database, but for each rule by the pairing's unit,
    helper and helping unit: ``{rule: Counter({(org_id, helper_id, helper_org_id, status): n})}``;
    with ``ending`` = (first, last), only the obligations whose window ends within it."""
    out: dict[str, Counter[tuple[Any, ...]]] = {}
    columns = ", ".join(f"p.{c}" for c in PAIRING_GROUPS)
    for rule in program.rules:
        code, kind = str(rule.get("code")), str(rule.get("kind"))
        where, where_params = "", list[Any]()
        if kind in WINDOW_KINDS:
            windows = program_windows(program, rule, as_of)
            if ending is not None:
                kept = [i for i, w in enumerate(windows) if ending[0] <= w.end <= ending[1]]
                if not kept:
                    windows = []
                else:
                    where, where_params = f"WHERE t.idx IN ({placeholders(kept)})", kept
            if not windows:
                out[code] = Counter()
                continue
            sql, params = _window_rule_sql(program, rule, windows, as_of, pairing_ids)
        elif kind == "event":
            sql, params = _event_rule_sql(program, rule, as_of, pairing_ids)
            if ending is not None:
                where = f"WHERE t.we >= {_date_param()} AND t.we <= {_date_param()}"
                where_params = [ending[0], ending[1]]
        else:
            continue
        grouped = f"""
            SELECT {columns}, t.status, COUNT(*) FROM ({sql}) t
            JOIN pairings_pairing p ON p.id = t.id {where}
            GROUP BY {columns}, t.status
        """  # noqa: S608 (placeholders and fixed fragments only)
        with connection.cursor() as cursor:
            cursor.execute(grouped, [*params, *where_params])
            out[code] = Counter({tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()})
    return out


def tally_sql(
    program: Program, units: Sequence[int], through: datetime.date
) -> list[tuple[str, list[Any]]]:
    """Statements selecting the obligations of the pairings of ``units`` (by the pairing's
    unit) under every periodic, calendar and event rule, with every window listed as of
    ``through`` and counted with every activity on record, grouped in the database: columns
    unit, helper, helping unit, rule, window start, window end, met, not met (pairings).

    What the summary tables keep (``reports.summaries``): a window that ended before a day has
    the same status on that day as here (only its own days' activities count), so only the
    windows holding the day asked about need the day's activities."""
    out: list[tuple[str, list[Any]]] = []
    d = _date_param()
    columns = "p.org_id, p.helper_id, p.helper_org_id"
    met = "CASE WHEN t.status = 'met' THEN 1 ELSE 0 END"
    for types, items in _window_groups(program, through, None):
        sql, params = _windows_sql(
            program, types, [(i.window, i.required) for i in items], through, None, units
        )
        rules = ", ".join(f"({i}, %s, {d}, {d})" for i in range(len(items)))
        out.append(
            (
                f"""SELECT {columns}, r.rule, r.ws, r.we, SUM({met}), SUM(1 - {met})
                FROM ({sql}) t JOIN pairings_pairing p ON p.id = t.id
                JOIN (SELECT column1 AS idx, column2 AS rule, column3 AS ws, column4 AS we
                    FROM (VALUES {rules}) v) r ON r.idx = t.idx
                GROUP BY {columns}, r.rule, r.ws, r.we""",  # noqa: S608 (placeholders only)
                [*params, *[v for i in items for v in (i.rule, i.window.start, i.window.end)]],
            )
        )
    for rule in program.rules:
        if rule.get("kind") != "event":
            continue
        sql, params = _event_rule_sql(program, rule, through, None, units)
        out.append(
            (
                f"""SELECT {columns}, %s, t.ws, t.we, SUM({met}), SUM(1 - {met})
                FROM ({sql}) t JOIN pairings_pairing p ON p.id = t.id
                GROUP BY {columns}, t.ws, t.we""",  # noqa: S608 (placeholders only)
                [str(rule.get("code")), *params],
            )
        )
    return out


def open_after(program: Program, as_of: datetime.date) -> datetime.date:
    """The last day of the windows listed as of ``as_of`` that hold it (periods, occasions, and
    the events of the last ``within_days``): only activities dated after ``as_of`` up to this
    day could make a window's status as of ``as_of`` differ from its status with every activity
    counted."""
    last = as_of
    for rule in program.rules:
        kind = rule.get("kind")
        if kind in WINDOW_KINDS:
            for w in program_windows(program, rule, as_of):
                if w.holds(as_of):
                    last = max(last, w.end)
        elif kind == "event":
            last = max(last, as_of + datetime.timedelta(days=int(rule.get("within_days", 7))))
    return last


# -- coverage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    rule: str
    subject: str  # the identifier used in the import sheets
    name: str
    required: int
    actual: int
    status: str
    limit: int | None = None


def coverage_rows(program: Program, as_of: datetime.date) -> list[CoverageRow]:
    """Every coverage rule on ``as_of``: each beneficiary of the pool with its number of active
    helpers (≥ ``min``), or each helper of the pool with its number of beneficiaries in the
    program (≥ ``min`` and, across programs, within its capacity)."""
    out: list[CoverageRow] = []
    active = Q(start__lte=as_of) & (Q(end__isnull=True) | Q(end__gte=as_of))
    for rule in program.rules:
        if rule.get("kind") != "coverage":
            continue
        code, minimum = str(rule.get("code")), int(rule.get("min", 1))
        if rule.get("subject") == "helper":
            if program.helper_kind == "person":
                in_program = (
                    Q(pairings__program=program)
                    & Q(pairings__start__lte=as_of)
                    & (Q(pairings__end__isnull=True) | Q(pairings__end__gte=as_of))
                )
                helpers = (
                    helper_pool(program)
                    .select_related("person")
                    .annotate(n=Count("pairings", filter=in_program))
                )
                loads = dict(
                    Pairing.objects.filter(active, helper__in=helpers)
                    .values_list("helper")
                    .annotate(n=Count("id"))
                    .values_list("helper", "n")
                )
                for h in helpers.order_by("pk"):
                    over = loads.get(h.pk, 0) > h.capacity
                    status = "met" if h.n >= minimum and not over else "missed"
                    out.append(
                        CoverageRow(
                            code,
                            h.person.id_number,
                            h.person.name,
                            minimum,
                            h.n,
                            status,
                            h.capacity,
                        )
                    )
            else:
                rows = (
                    Pairing.objects.filter(active, program=program)
                    .values("helper_org__code", "helper_org__name")
                    .annotate(n=Count("id"))
                    .order_by("helper_org__code")
                )
                for row in rows:
                    status = "met" if row["n"] >= minimum else "missed"
                    out.append(
                        CoverageRow(
                            code,
                            row["helper_org__code"],
                            row["helper_org__name"],
                            minimum,
                            row["n"],
                            status,
                        )
                    )
            continue
        kind = program.beneficiary_kind
        pairings = Pairing.objects.filter(active, program=program)
        if kind == "household":
            counts = Counter(pairings.values_list("household_id", flat=True))
            for h in beneficiary_pool(program).select_related("head").order_by("code"):
                n = counts.get(h.pk, 0)
                name = h.head.name if h.head else ""
                out.append(
                    CoverageRow(code, h.code, name, minimum, n, "met" if n >= minimum else "missed")
                )
        elif kind == "person":
            counts = Counter(pairings.values_list("person_id", flat=True))
            for p in beneficiary_pool(program).order_by("pk"):
                n = counts.get(p.pk, 0)
                out.append(
                    CoverageRow(
                        code, p.id_number, p.name, minimum, n, "met" if n >= minimum else "missed"
                    )
                )
        else:
            counts = Counter(pairings.values_list("beneficiary_org_id", flat=True))
            for u in beneficiary_pool(program).select_related("org").order_by("org__code"):
                n = counts.get(u.org_id, 0)
                out.append(
                    CoverageRow(
                        code,
                        u.org.code,
                        u.org.name,
                        minimum,
                        n,
                        "met" if n >= minimum else "missed",
                    )
                )
    return out


def beneficiary_field(kind: str) -> tuple[str, str]:
    """The pairing's field naming a beneficiary of ``kind`` (household, person or unit), and the
    field of the program's pool that it points to."""
    return {"household": ("household", "pk"), "person": ("person", "pk")}.get(
        kind, ("beneficiary_org", "org_id")
    )


def _active_pairings(as_of: datetime.date) -> QuerySet[Pairing]:
    """Pairings active on ``as_of``: started on or before it, not ended before it."""
    return Pairing.objects.filter(
        Q(start__lte=as_of) & (Q(end__isnull=True) | Q(end__gte=as_of))
    ).order_by()


def _count_for_helper(pairings: QuerySet[Pairing]) -> Coalesce:
    """How many of ``pairings`` the outer query's helper has (0 when none), as a subquery."""
    counted = (
        pairings.filter(helper=OuterRef("pk")).values("helper").annotate(c=Count("pk")).values("c")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _met_groups(pairings: QuerySet[Pairing], field: str, minimum: int) -> int:
    """How many values of ``field`` have at least ``minimum`` of ``pairings``, counted in the
    database (GROUP BY … HAVING, then a count of the groups)."""
    return int(
        pairings.values(field).annotate(n=Count("pk")).filter(n__gte=minimum).order_by().count()
    )


def coverage_counts(
    program: Program, as_of: datetime.date, root: Org | None = None
) -> dict[str, tuple[int, int]]:
    """Each coverage rule on ``as_of``: ``{rule code: (met, missed)}``, counting the same
    subjects with the same status as :func:`coverage_rows` (only those of ``root``'s subtree
    when given: a helper by its unit, a helping unit or a unit beneficiary by its own path, a
    household or person by its unit), in a few aggregate queries per rule — nothing per
    subject comes back to Python. (The board's ``coverage_for`` matches the subtree by
    identifier, so it differs only for persons without an ID number, whom it cannot tell apart.)

    - helpers (persons) of :func:`helper_pool`: met when their active pairings in the program
      reach ``min`` and their active pairings in all programs stay within their capacity;
    - helping units: each unit with an active pairing in the program, met at ``min`` of them;
    - beneficiaries of :func:`beneficiary_pool`: met at ``min`` active pairings in the program.
    """
    out: dict[str, tuple[int, int]] = {}
    active = _active_pairings(as_of)
    in_program = active.filter(program=program)
    for rule in program.rules:
        if rule.get("kind") != "coverage":
            continue
        code, minimum = str(rule.get("code")), int(rule.get("min", 1))
        if rule.get("subject") == "helper":
            if program.helper_kind == "person":
                pool = helper_pool(program)
                if root is not None:
                    pool = pool.filter(prefix_q("org__path", root.path))
                # By primary key, so that the pool's join on tags never multiplies the counts.
                counts = (
                    Helper.objects.filter(pk__in=pool.values("pk"))
                    .order_by()
                    .annotate(n=_count_for_helper(in_program), load=_count_for_helper(active))
                    .aggregate(
                        total=Count("pk"),
                        met=Count("pk", filter=Q(n__gte=minimum) & Q(load__lte=F("capacity"))),
                    )
                )
                total, met = int(counts["total"]), int(counts["met"])
            else:
                units = in_program
                if root is not None:
                    units = units.filter(prefix_q("helper_org__path", root.path))
                total = int(units.values("helper_org").distinct().count())
                met = _met_groups(units, "helper_org", minimum)
            out[code] = (met, total - met)
            continue
        kind = program.beneficiary_kind
        subjects = beneficiary_pool(program)
        if root is not None:
            subjects = subjects.filter(prefix_q("org__path", root.path))
        field, key = beneficiary_field(kind)
        total = int(subjects.order_by().values("pk").count())
        if minimum <= 0:
            met = total
        else:
            covering = in_program.filter(**{f"{field}__in": subjects.order_by().values(key)})
            met = _met_groups(covering, field, minimum)
        out[code] = (met, total - met)
    return out
