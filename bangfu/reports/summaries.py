"""Reading and refreshing the summary tables (``reports.models``): the counts per unit that
let a report over a subtree of a million households add up a few thousand rows.

:func:`refresh` recounts the units the triggers marked stale, from the records, in one
transaction; :func:`reach` says which subtrees a reader's report may take from the summaries
(None when it must read the records: a helper's reach includes single households of their
pairings, which no unit's rows describe). :func:`reach` and :func:`whole_subtree` refresh the
parts a report reads before it reads them, so what the readers below return equals the
records.
"""

# The SQL here is built from table names, this module's constants and placeholders only.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum

from bangfu.core.batching import chunked, placeholders
from bangfu.core.tree import any_prefix_q, collapse_prefixes
from bangfu.registry.choices import CHILD_RELATIONS, IN_SCHOOL
from bangfu.reports.models import (
    ACTIVITIES,
    COMPLIANCE,
    PARTS,
    REACH,
    REGISTRY,
    ActivityTally,
    ComplianceState,
    CoverageSpan,
    CoverageTally,
    DutyTally,
    HelperDutyTally,
    HouseholdTally,
    MemberTally,
    PairTally,
    ReachSpan,
    ReachTally,
    StaleUnit,
    StatusEntryTally,
    VisitTally,
)

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org
    from bangfu.registry.selectors import StatusFigures

CHUNK = 500  # units recounted per statement
BOOK_UNIT = "册"  # the books (图书) of the activity report
# PostgreSQL advisory lock keys
LOCK = {REGISTRY: 732_001, ACTIVITIES: 732_002, REACH: 732_003, COMPLIANCE: 732_004}


# -- bulk inserts on SQLite -----------------------------------------------------------------

_MARK = (
    "INSERT INTO reports_staleunit (part, org_id, xact) SELECT DISTINCT '{part}', unit, 0 "
    "FROM ({select}) WHERE unit IS NOT NULL ON CONFLICT DO NOTHING"
)
# The tables a bulk insert writes without their row triggers on SQLite (bulk_insert): by table,
# each AFTER INSERT trigger (reports/migrations/0004_compliance_triggers) with the statements
# that make, for every row with an id above %s, the marks that trigger makes for one row.
BULK_INSERT_MARKS: dict[str, dict[str, tuple[str, ...]]] = {
    "registry_person": {
        "reports_stale_compliance_registry_person_insert": (
            _MARK.format(
                part=COMPLIANCE, select="SELECT org_id AS unit FROM registry_person WHERE id > %s"
            ),
        ),
    },
    "registry_person_tags": {
        "reports_stale_compliance_registry_person_tags_insert": (
            _MARK.format(
                part=COMPLIANCE,
                select="SELECT p.org_id AS unit FROM registry_person_tags t "
                "JOIN registry_person p ON p.id = t.person_id WHERE t.id > %s",
            ),
            _MARK.format(
                part=COMPLIANCE,
                select="SELECT h.org_id AS unit FROM registry_person_tags t "
                "JOIN registry_helper h ON h.person_id = t.person_id WHERE t.id > %s",
            ),
        ),
    },
}
_AFTER_INSERT = re.compile(r"\bAFTER\s+INSERT\s+ON\b", re.IGNORECASE)


@contextmanager
def bulk_insert(table: str) -> Iterator[None]:
    """Around a bulk insert into ``table`` in the caller's transaction: on SQLite, the row
    triggers that mark units stale on an insert are set aside, and the units of every row
    inserted meanwhile are marked at the end, each once, by the statements of
    :data:`BULK_INSERT_MARKS`; the same marks, without a trigger program per row.

    Why: SQLite has no statement-level triggers, and its row triggers cost a bulk insert about
    2–3 µs a row (an import of 200,000 persons with their tags: 0.7 s; docs/performance.md). The
    triggers are dropped and made again from their own SQL (``sqlite_master``) inside the
    transaction, which holds SQLite's write lock from the first write to the commit: no other
    connection writes while they are away, readers see them all along, and a rollback restores
    them. Nothing is set aside outside a transaction, on PostgreSQL (whose statement-level
    triggers mark a ``COPY`` once, reports/migrations/0005_statement_triggers.py), for a table
    not listed, or when the table's insert triggers are not exactly those listed (a later
    migration's trigger is never skipped: the insert then runs them all)."""
    known = BULK_INSERT_MARKS.get(table)
    if connection.vendor != "sqlite" or known is None or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        triggers = {name: sql for name, sql in cursor.fetchall() if _AFTER_INSERT.search(sql)}
        if set(triggers) != set(known):
            yield
            return
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')
        (last,) = cursor.fetchone()
        for name in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, sql in triggers.items():
                cursor.execute(sql)
                for statement in known[name]:
                    cursor.execute(statement, [last or 0])


# -- refreshing -----------------------------------------------------------------------------


def refresh(part: str) -> int:
    """Recount the stale units of ``part`` (REGISTRY, ACTIVITIES or REACH) and clear the marks read;
    the number of units recounted. Refreshes of one part take turns (an advisory lock on
    PostgreSQL; SQLite's writers take turns anyway)."""
    if part == COMPLIANCE:
        _check_programs()
    if not StaleUnit.objects.filter(part=part).exists():
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK[part]])
        marks = list(StaleUnit.objects.filter(part=part).values_list("org_id", "xact"))
        units = sorted({org_id for org_id, _x in marks})
        recount = {
            REGISTRY: _recount_registry,
            ACTIVITIES: _recount_activities,
            REACH: _recount_reach,
            COMPLIANCE: _recount_compliance,
        }[part]
        for chunk in chunked(units, CHUNK):
            recount(chunk)
        by_xact: dict[int, list[int]] = {}
        for org_id, xact in marks:
            by_xact.setdefault(xact, []).append(org_id)
        for xact, ids in by_xact.items():
            for chunk in chunked(ids, CHUNK):
                StaleUnit.objects.filter(part=part, xact=xact, org_id__in=chunk).delete()
    return len(units)


def refresh_all() -> dict[str, int]:
    return {part: refresh(part) for part in PARTS}


def rebuild() -> dict[str, int]:
    """Mark every unit with records stale and recount everything (after a restore, or to check
    the summaries against the records)."""
    from bangfu.activities.models import Activity
    from bangfu.registry.models import Household

    with transaction.atomic():
        for table in (
            StaleUnit,
            HouseholdTally,
            MemberTally,
            StatusEntryTally,
            ActivityTally,
            ReachTally,
            ReachSpan,
            VisitTally,
            PairTally,
            ComplianceState,
            DutyTally,
            HelperDutyTally,
            CoverageTally,
            CoverageSpan,
        ):
            table.objects.all().delete()
        households = Household.objects.order_by().values_list("org_id", flat=True).distinct()
        activities = Activity.objects.order_by().values_list("org_id", flat=True).distinct()
        for part, units in (
            (REGISTRY, households),
            (ACTIVITIES, activities),
            (REACH, households),
            (COMPLIANCE, _compliance_units()),
        ):
            ids = list(units)
            StaleUnit.objects.bulk_create(
                [StaleUnit(part=part, org_id=pk) for pk in ids], batch_size=2000
            )
        return refresh_all()


def _year(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def _recount_registry(units: Sequence[int]) -> None:
    HouseholdTally.objects.filter(org_id__in=units).delete()
    MemberTally.objects.filter(org_id__in=units).delete()
    StatusEntryTally.objects.filter(org_id__in=units).delete()
    marks = placeholders(units)
    size = "(SELECT COUNT(*) FROM registry_member m WHERE m.household_id = {id})"
    children = sorted(str(r) for r in CHILD_RELATIONS)
    school = sorted(str(s) for s in IN_SCHOOL)
    # The birth year only where 子女待业 needs it: a son or daughter not in school.
    born = (
        f"CASE WHEN m.relation IN ({placeholders(children)}) "
        f"AND p.schooling NOT IN ({placeholders(school)}) "
        f"THEN {_year('p.birth_date')} END"
    )
    statements: list[tuple[str, Sequence[Any]]] = [
        (
            f"""INSERT INTO reports_householdtally
                (org_id, status, main_cause, difficulty, households, persons, dated,
                 latest_since)
            SELECT h.org_id, h.status, h.main_cause, h.difficulty, COUNT(*),
                SUM({size.format(id="h.id")}), COUNT(h.status_since), MAX(h.status_since)
            FROM registry_household h WHERE h.org_id IN ({marks})
            GROUP BY h.org_id, h.status, h.main_cause, h.difficulty""",
            units,
        ),
        (
            f"""INSERT INTO reports_membertally
                (org_id, relation, schooling, employment, born, n)
            SELECT h.org_id, m.relation, p.schooling, p.employment, {born}, COUNT(*)
            FROM registry_member m
            JOIN registry_household h ON h.id = m.household_id
            JOIN registry_person p ON p.id = m.person_id
            WHERE h.org_id IN ({marks})
            GROUP BY h.org_id, m.relation, p.schooling, p.employment, {born}""",
            [*children, *school, *units, *children, *school],
        ),
        (
            f"""INSERT INTO reports_statusentrytally
                (org_id, status, date, previous, households, persons)
            SELECT org_id, status, date, previous, COUNT(*), SUM(n) FROM (
                SELECT h.org_id, c.status, c.date, LAG(c.date) OVER (
                    PARTITION BY c.household_id, c.status ORDER BY c.date, c.id) AS previous,
                    {size.format(id="c.household_id")} AS n
                FROM registry_statuschange c
                JOIN registry_household h ON h.id = c.household_id
                WHERE h.org_id IN ({marks})) steps
            GROUP BY org_id, status, date, previous""",
            units,
        ),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _recount_reach(units: Sequence[int]) -> None:
    """七清's 帮扶工作 for the units' households: activities reaching them per day (and the
    activities that reached several units), visits by the month of the previous visit, and the
    spans with a pairing in force."""
    marks = placeholders(units)
    reached = f"""SELECT l.activity_id FROM activities_activitylink l
        JOIN registry_household h ON h.id = l.household_id WHERE h.org_id IN ({marks})"""
    # Activities whose span rows may change: those reaching the units now, or before.
    before = f"SELECT activity_id FROM reports_reachspan WHERE org_id IN ({marks})"
    candidates = f"{reached} UNION {before}"
    statements: list[tuple[str, Sequence[Any]]] = [
        (f"DELETE FROM reports_reachtally WHERE org_id IN ({marks})", units),
        (f"DELETE FROM reports_visittally WHERE org_id IN ({marks})", units),
        (f"DELETE FROM reports_pairtally WHERE org_id IN ({marks})", units),
        (f"DELETE FROM reports_reachspan WHERE activity_id IN ({candidates})", [*units, *units]),
        (
            f"""INSERT INTO reports_reachtally (org_id, date, activities, household_visits)
            SELECT org_id, date, COUNT(*), SUM(household_visits) FROM (
                SELECT DISTINCT h.org_id, a.id, a.date, a.household_visits
                FROM activities_activitylink l
                JOIN registry_household h ON h.id = l.household_id
                JOIN activities_activity a ON a.id = l.activity_id
                WHERE h.org_id IN ({marks})) reached
            GROUP BY org_id, date""",
            units,
        ),
        (
            f"""INSERT INTO reports_reachspan (org_id, activity_id, date, household_visits)
            SELECT DISTINCT h.org_id, a.id, a.date, a.household_visits
            FROM activities_activitylink l
            JOIN registry_household h ON h.id = l.household_id
            JOIN activities_activity a ON a.id = l.activity_id
            WHERE l.activity_id IN (
                SELECT l2.activity_id FROM activities_activitylink l2
                JOIN registry_household h2 ON h2.id = l2.household_id
                WHERE l2.activity_id IN ({candidates})
                GROUP BY l2.activity_id HAVING COUNT(DISTINCT h2.org_id) > 1)""",
            [*units, *units],
        ),
        (
            f"""INSERT INTO reports_visittally (org_id, date, previous_month, n)
            SELECT org_id, date, previous_month, COUNT(*) FROM (
                SELECT h.org_id, a.date, {_month("LAG(a.date) OVER (PARTITION BY l.household_id ORDER BY a.date, l.id)")} AS previous_month
                FROM activities_activitylink l
                JOIN registry_household h ON h.id = l.household_id
                JOIN activities_activity a ON a.id = l.activity_id
                WHERE h.org_id IN ({marks}) AND a.counts = 'households') visits
            GROUP BY org_id, date, previous_month""",  # noqa: E501
            units,
        ),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    from bangfu.pairings.models import Pairing

    rows = (
        Pairing.objects.filter(household__org_id__in=units)
        .order_by("household_id", "start")
        .values_list("household__org_id", "household_id", "start", "end")
    )
    spans = _in_force(rows)
    PairTally.objects.bulk_create(
        [PairTally(org_id=o, start=s, end=e, households=n) for (o, s, e), n in spans.items()],
        batch_size=2000,
    )


def _in_force(rows: Iterable[tuple[int, int, datetime.date, datetime.date | None]]) -> Counter:
    """(unit, start, end) → households, from pairings ordered by household and start: each
    household's pairings merged where they overlap, so that a household is in force once a
    day (an open end is None)."""
    spans: Counter = Counter()
    for (org_id, _household), pairings in groupby(rows, key=lambda row: (row[0], row[1])):
        first: datetime.date | None = None
        last: datetime.date | None = None
        for _o, _h, start, end in pairings:
            if first is not None and last is not None and start > last:
                spans[(org_id, first, last)] += 1  # a gap: the stretch before it is closed
                first = None
            if first is None:
                first, last = start, end
            elif last is not None:
                last = None if end is None else max(last, end)
        spans[(org_id, first, last)] += 1
    return spans


def _recount_activities(units: Sequence[int]) -> None:
    from bangfu.ledger.models import Direction, Status

    ActivityTally.objects.filter(org_id__in=units).delete()
    marks = placeholders(units)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO reports_activitytally
                (org_id, program_id, date, type, n, household_visits, person_times, amount,
                 books)
            SELECT a.org_id, a.program_id, a.date, a.type, COUNT(*), SUM(a.household_visits),
                SUM(a.person_times), COALESCE(SUM(g.amount), 0), COALESCE(SUM(g.books), 0)
            FROM activities_activity a LEFT JOIN (
                SELECT e.activity_id, SUM(COALESCE(e.amount, 0)) AS amount,
                    SUM(CASE WHEN e.goods_unit = %s THEN e.quantity END) AS books
                FROM ledger_ledgerentry e
                JOIN activities_activity x ON x.id = e.activity_id
                WHERE x.org_id IN ({marks}) AND e.status = %s AND e.direction <> %s
                GROUP BY e.activity_id) g ON g.activity_id = a.id
            WHERE a.org_id IN ({marks})
            GROUP BY a.org_id, a.program_id, a.date, a.type""",
            [BOOK_UNIT, *units, Status.POSTED.value, Direction.IN.value, *units],
        )


# -- compliance -----------------------------------------------------------------------------


def horizon_for(today: datetime.date) -> datetime.date:
    """The last day whose windows the compliance rows list: the end of next year, so that they
    are recounted once a year, not every day."""
    return datetime.date(today.year + 1, 12, 31)


def program_signature(program: Any) -> str:
    """A digest of what a program's compliance rows depend on besides its records: its dates,
    its definition (rules, activity types, semesters, pools) and where its area and organiser
    sit in the tree."""
    data = [
        program.start,
        program.end,
        program.definition,
        program.area.path if program.area_id else "",
        program.org.path if program.org_id else "",
    ]
    text = json.dumps(data, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _compliance_units(program_id: int | None = None) -> list[int]:
    """The units with compliance rows to count (of one program): those of pairings (their unit,
    their beneficiaries' and helpers'), helpers, and the beneficiaries of the pools."""
    from bangfu.pairings.models import Pairing
    from bangfu.registry.models import Helper, Household, Person, UnitBeneficiary

    pairings = Pairing.objects.order_by()
    if program_id is not None:
        pairings = pairings.filter(program_id=program_id)
    units: set[int] = set()
    for field in ("org_id", "household__org_id", "person__org_id", "beneficiary_org_id"):
        units.update(pairings.values_list(field, flat=True).distinct())
    units.update(pairings.values_list("helper__org_id", flat=True).distinct())
    units.update(pairings.values_list("helper_org_id", flat=True).distinct())
    for model in (Household, Person, Helper, UnitBeneficiary):
        units.update(model.objects.order_by().values_list("org_id", flat=True).distinct())
    units.update(DutyTally.objects.order_by().values_list("org_id", flat=True).distinct())
    units.update(CoverageTally.objects.order_by().values_list("org_id", flat=True).distinct())
    units.update(CoverageSpan.objects.order_by().values_list("org_id", flat=True).distinct())
    units.discard(None)  # type: ignore[arg-type]
    return sorted(units)


def _check_programs() -> None:
    """Mark every unit of a program stale whose definition, dates or place changed since its
    rows were counted, or whose rows' horizon a new year has passed (a program's own edits fire
    no trigger on the rows of its units); and forget the states of programs that are gone."""
    from django.utils import timezone

    from bangfu.programs.models import Program

    horizon = horizon_for(timezone.localdate())
    states = {s.program_id: s for s in ComplianceState.objects.all()}
    changed: list[ComplianceState] = []
    for program in Program.objects.select_related("area", "org"):
        signature = program_signature(program)
        state = states.pop(program.pk, None)
        if state is not None and state.signature == signature and state.horizon >= horizon:
            continue
        changed.append(ComplianceState(program_id=program.pk, signature=signature, horizon=horizon))
    if not changed and not states:
        return
    with transaction.atomic():
        ComplianceState.objects.filter(program_id__in=list(states)).delete()
        units: set[int] = set()
        for state in changed:
            units.update(_compliance_units(state.program_id))
        ComplianceState.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["program_id"],
            update_fields=["signature", "horizon"],
        )
        StaleUnit.objects.bulk_create(
            [StaleUnit(part=COMPLIANCE, org_id=pk) for pk in sorted(units)],
            batch_size=2000,
            ignore_conflicts=True,
        )


def _recount_compliance(units: Sequence[int]) -> None:
    """The units' obligations per rule, window and helper (by the pairing's unit), summed per
    rule and window, and their coverage subjects and spans, for every program: counted and
    written in the database."""
    from bangfu.compliance.engine import tally_sql
    from bangfu.programs.models import Program

    for table in (DutyTally, HelperDutyTally, CoverageTally, CoverageSpan):
        table.objects.filter(org_id__in=units).delete()
    horizons = dict(ComplianceState.objects.values_list("program_id", "horizon"))
    marks = placeholders(units)
    with connection.cursor() as cursor:
        for program in Program.objects.select_related("area", "org", "template"):
            horizon = horizons.get(program.pk)
            if horizon is None:
                continue  # counted once the program's state is written (_check_programs)
            for sql, params in tally_sql(program, units, horizon):
                cursor.execute(
                    f"""INSERT INTO reports_helperdutytally (org_id, helper_id, helper_org_id,
                        rule, start, "end", met, unmet, program_id)
                    SELECT t.*, %s FROM ({sql}) t""",
                    [program.pk, *params],
                )
            _recount_coverage(program, units)
        cursor.execute(
            f"""INSERT INTO reports_dutytally (org_id, program_id, rule, start, "end", met, unmet)
            SELECT org_id, program_id, rule, start, "end", SUM(met), SUM(unmet)
            FROM reports_helperdutytally WHERE org_id IN ({marks})
            GROUP BY org_id, program_id, rule, start, "end"
            """,
            units,
        )


NEVER = datetime.date.min  # a span's start when it holds whatever the pairings


def _stretches(
    intervals: Iterable[tuple[datetime.date, datetime.date | None, tuple[int, ...]]],
    holds: Any,
    width: int,
) -> list[tuple[datetime.date, datetime.date | None]]:
    """The maximal stretches of days on which ``holds(counts)`` is true, ``counts`` being the
    sums of the weights of the intervals (start, end or None: open) holding the day."""
    changes: dict[datetime.date, list[int]] = {}
    for start, end, weights in intervals:
        for day, sign in ((start, 1), (end + datetime.timedelta(days=1) if end else None, -1)):
            if day is None:
                continue
            change = changes.setdefault(day, [0] * width)
            for i, w in enumerate(weights):
                change[i] += sign * w
    state = [0] * width
    out: list[tuple[datetime.date, datetime.date | None]] = []
    begun = NEVER if holds(state) else None
    for day in sorted(changes):
        state = [a + b for a, b in zip(state, changes[day], strict=True)]
        ok = holds(state)
        if ok and begun is None:
            begun = day
        elif not ok and begun is not None:
            out.append((begun, day - datetime.timedelta(days=1)))
            begun = None
    if begun is not None:
        out.append((begun, None))
    return out


def _recount_coverage(program: Any, units: Sequence[int]) -> None:
    """The subjects of each coverage rule in the units and the spans in which they meet it —
    the same subjects and the same test as ``compliance.engine.coverage_counts``, for any day."""
    from bangfu.compliance.engine import beneficiary_field
    from bangfu.pairings.models import Pairing
    from bangfu.pairings.selectors import beneficiary_pool, helper_pool
    from bangfu.registry.models import Helper

    subjects: Counter = Counter()
    spans: Counter = Counter()
    for rule in program.rules:
        if rule.get("kind") != "coverage":
            continue
        code, minimum = str(rule.get("code")), int(rule.get("min", 1))
        if rule.get("subject") == "helper" and program.helper_kind != "person":
            rows = (
                Pairing.objects.filter(program=program, helper_org_id__in=units)
                .order_by("helper_org_id")
                .values_list("helper_org_id", "start", "end")
            )
            for unit, group in groupby(rows, key=lambda r: r[0]):
                intervals = [(s, e, (1,)) for _u, s, e in group]
                for kind, least in ((CoverageSpan.PRESENT, 1), (CoverageSpan.MET, max(minimum, 1))):
                    for span in _stretches(intervals, lambda c, least=least: c[0] >= least, 1):
                        spans[(unit, code, kind, *span)] += 1
            continue
        if rule.get("subject") == "helper":
            pool = helper_pool(program)
            helpers = Helper.objects.filter(pk__in=pool.values("pk"), org_id__in=units)
            capacity = dict(helpers.values_list("pk", "capacity"))
            unit_of = dict(helpers.values_list("pk", "org_id"))
            loads = (
                Pairing.objects.filter(helper_id__in=helpers.values("pk"))
                .order_by("helper_id")
                .values_list("helper_id", "program_id", "start", "end")
            )
            paired: set[int] = set()
            for helper_id, held in groupby(loads, key=lambda r: r[0]):
                paired.add(helper_id)
                weighted = [(s, e, (int(p == program.pk), 1)) for _h, p, s, e in held]
                cap = capacity[helper_id]

                def ok(c: list[int], cap: int = cap, least: int = minimum) -> bool:
                    return c[0] >= least and c[1] <= cap

                for span in _stretches(weighted, ok, 2):
                    spans[(unit_of[helper_id], code, CoverageSpan.MET, *span)] += 1
            for helper_id, unit in unit_of.items():
                subjects[(unit, code)] += 1
                if helper_id not in paired and minimum <= 0:
                    spans[(unit, code, CoverageSpan.MET, NEVER, None)] += 1
            continue
        pool = beneficiary_pool(program)
        field, key = beneficiary_field(program.beneficiary_kind)
        field += "_id"
        model = pool.model
        members = model.objects.filter(pk__in=pool.order_by().values("pk"), org_id__in=units)
        unit_of = dict(members.values_list(key, "org_id"))
        for unit, n in Counter(unit_of.values()).items():
            subjects[(unit, code)] += n
        stretches = (
            Pairing.objects.filter(program=program, **{f"{field}__in": members.values(key)})
            .order_by(field)
            .values_list(field, "start", "end")
        )
        paired = set()
        for subject, group in groupby(stretches, key=lambda r: r[0]):
            paired.add(subject)
            intervals = [(s, e, (1,)) for _x, s, e in group]
            for span in _stretches(intervals, lambda c, least=minimum: c[0] >= least, 1):
                spans[(unit_of[subject], code, CoverageSpan.MET, *span)] += 1
        if minimum <= 0:
            for subject, unit in unit_of.items():
                if subject not in paired:
                    spans[(unit, code, CoverageSpan.MET, NEVER, None)] += 1
    CoverageTally.objects.bulk_create(
        [
            CoverageTally(org_id=o, program_id=program.pk, rule=r, subjects=n)
            for (o, r), n in subjects.items()
        ],
        batch_size=2000,
    )
    CoverageSpan.objects.bulk_create(
        [
            CoverageSpan(org_id=o, program_id=program.pk, rule=r, kind=k, start=s, end=e, n=n)
            for (o, r, k, s, e), n in spans.items()
        ],
        batch_size=2000,
    )


# -- who may read them ----------------------------------------------------------------------


def reach(
    user: User, org: Org | None, parts: tuple[str, ...] = (REGISTRY, REACH)
) -> list[str] | None:
    """The unit paths whose subtrees make up what ``user`` reads under ``org`` (every unit:
    ``org`` None), with the summary tables of ``parts`` brought up to date; or None when the
    report must read the records: the reader's reach is not made of whole subtrees (a helper's
    own pairings), or the summaries cannot be refreshed now (see :func:`fresh`)."""
    from bangfu.accounts.scope import scope_of

    scope = scope_of(user)
    paths: list[str] | None
    if scope.is_sysadmin:
        paths = [org.path] if org is not None else [""]
    elif scope.helper_org_ids:
        return None
    elif org is None:
        paths = collapse_prefixes(list(scope.read_paths))
    elif any(org.path.startswith(p) for p in scope.read_paths):
        paths = [org.path]
    else:
        paths = collapse_prefixes([p for p in scope.read_paths if p.startswith(org.path)])
    return paths if fresh(*parts) else None


def whole_subtree(
    user: User, org: Org | None, parts: tuple[str, ...] = (ACTIVITIES,)
) -> list[str] | None:
    """``[org.path]`` (``[""]``: everything) when ``user`` reads every record under ``org``
    (the system administrator, or ``org`` inside the units they read), with the summary tables
    of ``parts`` brought up to date; else None: what they read under ``org`` is not whole
    subtrees (activities reach a reader through programs and beneficiaries too), or the
    summaries cannot be refreshed now, so the report must read the records."""
    from bangfu.accounts.scope import scope_of

    scope = scope_of(user)
    if scope.is_sysadmin:
        paths = [org.path] if org is not None else [""]
    elif org is not None and any(org.path.startswith(p) for p in scope.read_paths):
        paths = [org.path]
    else:
        return None
    return paths if fresh(*parts) else None


def fresh(*parts: str) -> bool:
    """Refresh ``parts``; False when that must wait (on SQLite, another writer — a long import
    — holds the database past the busy timeout): the report then reads the records instead of
    failing or showing figures older than the records."""
    try:
        for part in parts:
            refresh(part)
    except OperationalError:
        if connection.vendor != "sqlite":
            raise
        return False
    return True


def subtrees_q(field: str, paths: list[str]) -> Q:
    """Rows whose ``field`` (a unit path) lies in any of the subtrees (``[""]``: every unit)."""
    return Q() if paths == [""] else any_prefix_q(field, paths)


def _under(qs: QuerySet, paths: list[str]) -> QuerySet:
    return qs.filter(subtrees_q("org__path", paths))


# -- reading --------------------------------------------------------------------------------


def households(paths: list[str]) -> QuerySet[HouseholdTally]:
    """The household rows of the subtrees (as fresh as the last refresh: :func:`reach`)."""
    return _under(HouseholdTally.objects.all(), paths)


def members(paths: list[str]) -> QuerySet[MemberTally]:
    return _under(MemberTally.objects.all(), paths)


def grown_in_cutoff_year(paths: list[str], cutoff: datetime.date) -> list[tuple[str, int]]:
    """Sons and daughters not in school, born in ``cutoff``'s year on or before it, by work:
    the one birth year the summary cannot split, counted from the records."""
    from bangfu.registry.models import Member

    qs = Member.objects.filter(
        relation__in=list(CHILD_RELATIONS),
        person__birth_date__gte=datetime.date(cutoff.year, 1, 1),
        person__birth_date__lte=cutoff,
    ).exclude(person__schooling__in=list(IN_SCHOOL))
    qs = qs.filter(subtrees_q("household__org__path", paths))
    return list(qs.order_by().values_list("person__employment").annotate(n=Count("id")).order_by())


def entries(
    paths: list[str], date_from: datetime.date | None, date_to: datetime.date
) -> dict[str, tuple[int, int]]:
    """Households (and their persons) that entered each status within the range: the steps in
    it whose previous step into the same status lies before it (or that have none)."""
    qs = _under(StatusEntryTally.objects.all(), paths).filter(date__lte=date_to)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from).filter(
            Q(previous__isnull=True) | Q(previous__lt=date_from)
        )
    else:
        qs = qs.filter(previous__isnull=True)
    rows = qs.order_by().values_list("status").annotate(h=Sum("households"), p=Sum("persons"))
    return {status: (h or 0, p or 0) for status, h, p in rows}


def status_steps(
    paths: list[str], start: datetime.date, end: datetime.date
) -> QuerySet[StatusEntryTally]:
    """The status-step rows of the subtrees within the range (``households`` counts the steps
    of a row's day, status and previous date)."""
    return _under(StatusEntryTally.objects.filter(date__gte=start, date__lte=end), paths)


def activities(
    paths: list[str], start: datetime.date, end: datetime.date
) -> QuerySet[ActivityTally]:
    """The activity rows of the subtrees within the range (refreshed by
    :func:`whole_subtree`)."""
    return _under(ActivityTally.objects.filter(date__gte=start, date__lte=end), paths)


def status_figures(
    paths: list[str],
    *,
    as_of: datetime.date,
    org: Org | None,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> StatusFigures | None:
    """``registry.selectors.status_figures`` from the summaries, or None when the day is before
    some household's last status step (then only the status history can say; the caller reads
    the records)."""
    from bangfu.registry.choices import Status
    from bangfu.registry.selectors import Figure, StatusFigures

    rows = list(
        households(paths)
        .exclude(status="")
        .order_by()
        .values_list("status")
        .annotate(
            h=Sum("households"), p=Sum("persons"), dated=Sum("dated"), latest=Max("latest_since")
        )
    )
    if any(
        dated != h or (latest is not None and latest > as_of) for _s, h, _p, dated, latest in rows
    ):
        return None
    figures = StatusFigures(as_of=as_of, org=org, date_from=date_from, date_to=date_to)
    figures.by_status = {s: Figure() for s in Status.values}
    figures.entries = {s: Figure() for s in Status.values}
    for status, h, p, _d, _l in rows:
        figures.by_status[status] = Figure(h, p)
    if date_from or date_to:
        for status, (h, p) in entries(paths, date_from, min(date_to or as_of, as_of)).items():
            figures.entries[status] = Figure(h, p)
    return figures


def registered(paths: list[str]) -> tuple[int, int]:
    """Every household of the subtrees (with a status or not) and its members."""
    totals = households(paths).aggregate(h=Sum("households"), p=Sum("persons"))
    return totals["h"] or 0, totals["p"] or 0


# -- 七清's 帮扶工作 --------------------------------------------------------------------------


def paired(paths: list[str], day: datetime.date) -> int:
    """Households of the subtrees with at least one pairing in force on ``day``."""
    qs = _under(PairTally.objects.filter(start__lte=day), paths).filter(
        Q(end__isnull=True) | Q(end__gte=day)
    )
    return qs.aggregate(n=Sum("households"))["n"] or 0


def reached(paths: list[str], start: datetime.date, end: datetime.date) -> tuple[int, int, int]:
    """Activities that reached the subtrees' households within the range, the 户次 they count
    (each activity once), and the households visited (by activities that count households)."""
    sums = _under(ReachTally.objects.filter(date__gte=start, date__lte=end), paths).aggregate(
        n=Sum("activities"), hv=Sum("household_visits")
    )
    activities, visits = sums["n"] or 0, sums["hv"] or 0
    # An activity that reached several units of the subtrees is on each unit's row: once only.
    seen: dict[int, int] = {}
    spans = _under(ReachSpan.objects.filter(date__gte=start, date__lte=end), paths)
    for activity_id, household_visits in spans.values_list("activity_id", "household_visits"):
        if activity_id in seen:
            activities -= 1
            visits -= household_visits
        seen[activity_id] = household_visits
    return activities, visits, households_reached(paths, start, end)


def households_reached(paths: list[str], start: datetime.date, end: datetime.date) -> int:
    """Households visited within the range: each household's first visit in it is the one
    whose previous visit lies before the range. The summary keeps the previous visit's month;
    for a range starting within a month, the households last visited earlier in that month
    (and again within the range) are counted from the records."""
    first_of_month = start.replace(day=1)
    visits = _under(VisitTally.objects.filter(date__gte=start, date__lte=end), paths)
    n = (
        visits.filter(
            Q(previous_month__isnull=True) | Q(previous_month__lt=first_of_month)
        ).aggregate(n=Sum("n"))["n"]
        or 0
    )
    if start == first_of_month:
        return n
    from django.db.models import Exists, OuterRef

    from bangfu.activities.models import ActivityLink

    def links(a: datetime.date, b: datetime.date) -> QuerySet:
        return ActivityLink.objects.filter(
            activity__counts="households", activity__date__gte=a, activity__date__lte=b
        )

    earlier = links(first_of_month, start - datetime.timedelta(days=1)).exclude(household=None)
    earlier = earlier.filter(subtrees_q("household__org__path", paths))
    again = links(start, end).filter(household_id=OuterRef("household_id"))
    return n + earlier.filter(Exists(again)).values("household_id").distinct().count()


# -- compliance: reading ----------------------------------------------------------------------


def duties_hold(program: Any, as_of: datetime.date) -> bool:
    """Whether the compliance rows give a program's obligations as of ``as_of``: the windows
    it lists are counted (within the rows' horizon), and no activity dated after ``as_of`` falls
    in a window holding it (the rows count every activity; a window that ended before the day
    has only its own days' activities anyway). Else the report reads the records."""
    from bangfu.activities.models import ActivityLink
    from bangfu.compliance.engine import open_after, span

    horizon = ComplianceState.objects.filter(program_id=program.pk).values_list(
        "horizon", flat=True
    )
    last = span(program, as_of)[1]
    if not horizon or last > horizon[0]:
        return False
    until = open_after(program, as_of)
    if until <= as_of:
        return True
    return not ActivityLink.objects.filter(
        program_id=program.pk, date__gt=as_of, date__lte=until
    ).exists()


Rates = list[tuple[Any, ...]]


def duties(
    program: Any,
    paths: list[str],
    as_of: datetime.date,
    ending: tuple[datetime.date, datetime.date] | None = None,
    *,
    by_helper: bool = True,
) -> tuple[Rates, Rates]:
    """The obligations of the subtrees' pairings as of ``as_of`` (those whose window ends
    within ``ending``, if given), counted from the compliance rows (check
    :func:`duties_hold` first): ``(unit, rule, met, missed, due)`` rows, and ``(helper, helping
    unit, met, missed, due)`` rows. A window ended before the day is met or missed; one
    holding it is met or due; later ones are not listed."""
    from django.db.models import Case, F, Value, When

    from bangfu.compliance.engine import span

    figures = {
        "n_met": Sum("met"),
        "n_missed": Sum(Case(When(end__lt=as_of, then=F("unmet")), default=Value(0))),
        "n_due": Sum(Case(When(end__gte=as_of, then=F("unmet")), default=Value(0))),
    }

    def rows(model: Any, *keys: str) -> Rates:
        qs = model.objects.filter(program_id=program.pk, start__lte=span(program, as_of)[1])
        if ending is not None:
            qs = qs.filter(end__gte=ending[0], end__lte=ending[1])
        grouped = _under(qs, paths).order_by().values(*keys).annotate(**figures)
        found = grouped.values_list(*keys, *figures).order_by()
        return [(*k, int(m or 0), int(x or 0), int(d or 0)) for *k, m, x, d in found]

    by_helper_rows = rows(HelperDutyTally, "helper_id", "helper_org_id") if by_helper else []
    return rows(DutyTally, "org_id", "rule"), by_helper_rows


def coverage(program: Any, paths: list[str], as_of: datetime.date) -> dict[str, tuple[int, int]]:
    """Each coverage rule of the program on ``as_of`` for the subtrees: ``{rule: (met,
    missed)}``, the same figures as ``compliance.engine.coverage_counts``, summed from the
    coverage rows (the subjects of each unit, and the spans in which they meet the rule)."""
    subjects = dict(
        _under(CoverageTally.objects.filter(program_id=program.pk), paths)
        .order_by()
        .values_list("rule")
        .annotate(Sum("subjects"))
        .order_by()
    )
    spans = _under(
        CoverageSpan.objects.filter(program_id=program.pk, start__lte=as_of).filter(
            Q(end__isnull=True) | Q(end__gte=as_of)
        ),
        paths,
    )
    counted = {
        (rule, kind): int(n or 0)
        for rule, kind, n in spans.order_by()
        .values_list("rule", "kind")
        .annotate(Sum("n"))
        .order_by()
    }
    out: dict[str, tuple[int, int]] = {}
    for rule in program.rules:
        if rule.get("kind") != "coverage":
            continue
        code = str(rule.get("code"))
        met = counted.get((code, CoverageSpan.MET), 0)
        if rule.get("subject") == "helper" and program.helper_kind != "person":
            total = counted.get((code, CoverageSpan.PRESENT), 0)
        else:
            total = int(subjects.get(code) or 0)
        out[code] = (met, total - met)
    return out
