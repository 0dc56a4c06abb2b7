#!/usr/bin/env python
"""Benchmark of the reports (统计报表) at a million households: each report's build for a county
and for one township, beside a naive baseline measured in the same run, on SQLite and PostgreSQL.

    .venv/bin/python bench/report_bench.py [--households 1000000] [--repeat 3]
                                           [--database-url postgres://…] [--skip-sqlite]

Generates, in bulk SQL (``INSERT … SELECT`` over a numbers table; secondary indexes and, on
PostgreSQL, foreign keys dropped during the load and made again after it; then ``ANALYZE``; not
timed), one county of 10 townships × 20 villages and N households spread evenly over the
villages, each with two members (the head, and a son or daughter whose schooling, birth date
and work vary), a main cause and a degree of difficulty (a fifth of each left empty); status
steps: every household 新识别 in 2023, then in 2024 剔除 (34%), 拟脱贫 (59%) or 帮扶中 (5%), 2%
with no second step, and 1% of all with no step at all (无状态记录); one program, N/20 helpers in
the villages, a pairing for every fifth household, and per pairing a 走访 in each month of 2024
with probability 0.75, one in November 2023 with probability 0.5 (the year-on-year column) and
a 春节慰问 with a posted ledger entry (元) with probability 0.33, plus ten books (册) for one
pairing in five; yearly indicators (2023, 2024) for every village. At a million households:
2.05 million persons (with the helpers), 2 million members, 1.96 million status steps, 200,000
pairings, about 1.96 million activities and as many links, about 104,000 ledger entries.
Each household's ``status`` and ``status_since`` are its last step's, as the services keep them.

Then, in a fresh process per database (``BANGFU_DEBUG=false`` as in production), for the
county and for one township (a tenth of the households), the range 2024-01-01 to 2024-12-31 as
of 2024-12-31, read by the system administrator's reach:

- every report kind's ``bangfu.reports.reports.build`` — what the page, the files and
  ``bangfu report KIND`` run before rendering (median of ``--repeat``, after one untimed warm-up
  build of the same report, as on a running server); and the dashboard's five charts;
- the summary tables' upkeep first: every unit recounted from the records (``bangfu summaries
  --rebuild``), then the first refresh after one change in one village, per part;
- a naive GROUP BY: one aggregate SQL statement over the subtree's raw rows for the report's
  main table (households and members by status; members by relation, schooling and work;
  activities by type and month), timed once;
- the naive Python baseline, three of them, each *loading the raw rows into Python and grouping them
  there* (the straightforward way without aggregate SQL): ``status``: every household of the
  subtree with each of its status steps and its members' count, the as-of status found per
  household in Python; ``qiqing``: every member row of the subtree joined to its household and
  person (relation, schooling, birth date, work, cause, degree, unit path), grouped in Python;
  ``activities``: every activity row of the subtree in the range and the year before (type, date,
  unit path, 户次, 人次, helper), grouped by type, month and unit in Python. The baseline's
  figures are checked against the report's (totals by status, by relation, by type).

For ``compliance`` the baseline is the same report counted from the records by the rules engine
(``summaries.whole_subtree`` patched to say "read the records"), timed once, and the check is
that both reports are equal. The ratio printed is baseline ÷ report. Not a test: ``bench/`` is
outside pytest's ``testpaths``. Goal (the issue's): each report well under a second at a
million households.
"""

# The bulk-load SQL is built from this file's own constants and integers, never from input.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import (  # bench/common.py (the script's folder is on sys.path)
    Target,
    drop_indexes,
    load_average,
    machine,
    restore_indexes,
    rss_peak_mb,
    run_child,
    setup_django,
)

AS_OF = datetime.date(2024, 12, 31)
START = datetime.date(2024, 1, 1)
TOWNSHIPS = 10
VILLAGES = 20  # per township
SLOTS = 16  # activity ids are pairing * SLOTS + slot
STAMP = "2024-01-01 00:00:00"
GOAL_SECONDS = 1.0
KINDS = ("status", "qiqing", "activities", "villages", "compliance")
NAIVE = ("status", "qiqing", "activities")
BIG_TABLES = (
    "registry_person",
    "registry_household",
    "registry_member",
    "registry_statuschange",
    "registry_helper",
    "pairings_pairing",
    "activities_activity",
    "activities_activitylink",
    "ledger_ledgerentry",
)


# -- generation (bulk SQL, not timed) --------------------------------------------------------


class Sql:
    """The few expressions that differ between the two databases."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def day(self, base: datetime.date, offset: str) -> str:
        if self.pg:
            return f"(DATE '{base}' + CAST({offset} AS integer))"
        return f"date('{base}', '+' || ({offset}) || ' days')"

    def date(self, year: int, month: str, day: str) -> str:
        if self.pg:
            return f"make_date({year}, CAST({month} AS integer), CAST({day} AS integer))"
        return f"printf('%04d-%02d-%02d', {year}, {month}, {day})"

    @staticmethod
    def pct(key: str, salt: int) -> str:
        """A pseudo-random 0–99 from an integer key (multiplicative hashing, middle bits)."""
        return f"(((({key}) * 64 + {salt}) * 2654435761 % 4294967296) / 256 % 100)"

    @staticmethod
    def pick(expr: str, values: list[str]) -> str:
        """The value at ``expr`` modulo len(values)."""
        whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
        return f"(CASE ({expr}) % {len(values)} {whens} END)"


def make_orgs() -> tuple[int, int, int]:
    """The county, its townships, then their villages (ids in that order): (county id, first
    township id, first village id)."""
    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org

    def create(code: str, name: str, kind: str, parent: Org | None) -> Org:
        org = Org.objects.create(code=code, name=name, kind=kind, parent=parent)
        org.path = child_path(parent.path if parent else None, org.pk)
        org.depth = parent.depth + 1 if parent else 0
        org.save(update_fields=["path", "depth"])
        return org

    county = create("450123", "甲县", "county", None)
    towns = [
        create(f"450123{t + 1:03d}", f"第{t + 1}镇", "township", county) for t in range(TOWNSHIPS)
    ]
    villages = [
        create(f"{town.code}{v + 201:03d}", f"{town.name}{v + 1}村", "village", town)
        for town in towns
        for v in range(VILLAGES)
    ]
    assert [v.pk for v in villages] == list(range(villages[0].pk, villages[0].pk + len(villages)))
    return county.pk, towns[0].pk, villages[0].pk


def generate(n: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from bangfu.programs.models import Program, ProgramTemplate
    from bangfu.programs.services import load_builtin_templates

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_builtin_templates()
    county, _first_town, first_village = make_orgs()
    villages = TOWNSHIPS * VILLAGES
    template = ProgramTemplate.objects.get(code="jingzhun")
    program = Program.objects.create(
        code="BENCH",
        name="甲县结对帮扶",
        template=template,
        org_id=county,
        area_id=county,
        start=START,
        definition=template.definition,
    )
    prog = program.pk
    helpers = max(1, n // 20)
    pairings = n // 5
    q = Sql(connection.vendor)
    village = f"({first_village} + (i - 1) % {villages})"
    blank = ", ".join(["''"] * 6)
    with connection.cursor() as cursor:
        if not q.pg:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
        dropped = drop_indexes(cursor, q.pg, BIG_TABLES)
        cursor.execute("CREATE TABLE bench_n (i bigint PRIMARY KEY)")
        cursor.execute("CREATE TABLE bench_s (s bigint PRIMARY KEY)")
        top = 2 * n + helpers
        if q.pg:
            cursor.execute(f"INSERT INTO bench_n SELECT generate_series(1, {top})")
            cursor.execute(f"INSERT INTO bench_s SELECT generate_series(0, {SLOTS - 1})")
        else:
            cursor.execute(
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                f"WHERE i < {top}) INSERT INTO bench_n SELECT i FROM c"
            )
            cursor.execute(
                "WITH RECURSIVE c(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM c "
                f"WHERE s < {SLOTS - 1}) INSERT INTO bench_s SELECT s FROM c"
            )
        # Persons: 1..n heads, n+1..2n children, then the helpers' persons.
        schooling = q.pick(
            q.pct("i", 1), ["primary", "junior", "not_in_school", "not_in_school", ""]
        )
        employment = q.pick(q.pct("i", 2), ["unemployed", "none", "county", "province", ""])
        birth = (
            f"CASE WHEN {q.pct('i', 3)} < 10 THEN NULL "
            f"ELSE {q.day(datetime.date(1995, 1, 1), q.pct('i', 4) + ' * 80')} END"
        )
        person_village = f"({first_village} + ((i - 1) % {n}) % {villages})"
        cursor.execute(
            "INSERT INTO registry_person (id, name, id_number, sex, phone, health, notes, "
            "name_pinyin, schooling, labour, employment, birth_date, name_sort, created_at, "
            "updated_at, org_id) "
            f"SELECT i, 'P' || i, {blank}, "
            f"CASE WHEN i > {n} AND i <= {2 * n} THEN {schooling} ELSE '' END, '', "
            f"CASE WHEN i > {n} AND i <= {2 * n} THEN {employment} ELSE '' END, "
            f"CASE WHEN i > {n} AND i <= {2 * n} THEN {birth} END, "
            f"'p' || i, '{STAMP}', '{STAMP}', "
            f"CASE WHEN i <= {2 * n} THEN {person_village} "
            f"ELSE {first_village} + (i - {2 * n} - 1) % {villages} END "
            "FROM bench_n"
        )
        cause = q.pick(
            q.pct("i", 5), ["illness", "disability", "schooling", "no_capital", "no_labour", ""]
        )
        degree = q.pick(q.pct("i", 6), ["general", "relative", "deep", "", "general"])
        # Status steps: 新识别 in 2023 for 99%, then one 2024 step for 98% of those.
        first_step = q.day(datetime.date(2023, 3, 1), q.pct("i", 7) + " * 2")
        second = (
            f"CASE WHEN {q.pct('i', 8)} < 34 THEN 'removed' "
            f"WHEN {q.pct('i', 8)} < 93 THEN 'proposed_exit' ELSE 'assisting' END"
        )
        second_day = q.day(START, q.pct("i", 9) + " * 3")
        has_status = f"{q.pct('i', 10)} >= 1"
        # Each household's status and status_since are its last step's, as the services keep.
        last = f"{q.pct('i', 11)} >= 2"
        status = (
            f"CASE WHEN NOT {has_status} THEN '' WHEN {last} THEN {second} ELSE 'identified' END"
        )
        since = (
            f"CASE WHEN NOT {has_status} THEN NULL WHEN {last} THEN {second_day} "
            f"ELSE {first_step} END"
        )
        cursor.execute(
            "INSERT INTO registry_household (id, code, main_cause, other_causes, difficulty, "
            "status, status_since, address, created_at, updated_at, org_id, head_id) "
            f"SELECT i, 'H' || i, {cause}, '', {degree}, {status}, {since}, '', '{STAMP}', "
            f"'{STAMP}', {village}, i FROM bench_n WHERE i <= {n}"
        )
        cursor.execute(
            "INSERT INTO registry_member (id, relation, household_id, person_id) "
            f"SELECT i, CASE WHEN i <= {n} THEN 'head' WHEN i % 2 = 0 THEN 'son' "
            f"ELSE 'daughter' END, (i - 1) % {n} + 1, i FROM bench_n WHERE i <= {2 * n}"
        )
        cursor.execute(
            "INSERT INTO registry_statuschange (id, status, date, reason, decided_by, "
            "recorded_at, household_id) "
            f"SELECT i, 'identified', {first_step}, '', '', '{STAMP}', i "
            f"FROM bench_n WHERE i <= {n} AND {has_status}"
        )
        cursor.execute(
            "INSERT INTO registry_statuschange (id, status, date, reason, decided_by, "
            "recorded_at, household_id) "
            f"SELECT {n} + i, {second}, {second_day}, '', '', '{STAMP}', i "
            f"FROM bench_n WHERE i <= {n} AND {has_status} AND {last}"
        )
        cursor.execute(
            "INSERT INTO registry_helper (id, capacity, is_active, org_id, person_id) "
            f"SELECT i, 10, TRUE, {first_village} + (i - 1) % {villages}, {2 * n} + i "
            f"FROM bench_n WHERE i <= {helpers}"
        )
        # Pairing p is household 5p's; its helper is (p - 1) % helpers + 1.
        cursor.execute(
            'INSERT INTO pairings_pairing (id, start, "end", end_reason, created_at, helper_id, '
            "org_id, program_id, household_id) "
            f"SELECT i, '{START}', NULL, '', '{STAMP}', (i - 1) % {helpers} + 1, "
            f"{first_village} + (5 * i - 1) % {villages}, {prog}, 5 * i "
            f"FROM bench_n WHERE i <= {pairings}"
        )
        key = f"p.i * {SLOTS} + s.s"
        day = f"1 + {q.pct(key, 12)} % 28"
        kind = "CASE WHEN s.s = 13 THEN '慰问' ELSE '走访' END"
        when = (
            f"CASE WHEN s.s < 12 THEN {q.date(2024, 's.s + 1', day)} "
            f"WHEN s.s = 12 THEN {q.date(2023, '11', day)} "
            f"ELSE {q.date(2024, '1', '20')} END"
        )
        present = (
            f"(s.s < 12 AND {q.pct(key, 13)} < 75) OR (s.s = 12 AND {q.pct(key, 13)} < 50) "
            f"OR (s.s = 13 AND {q.pct(key, 13)} < 33)"
        )
        acts = (
            f"SELECT {key} AS id, p.i AS pairing, {kind} AS type, {when} AS date "
            f"FROM bench_n p CROSS JOIN bench_s s WHERE p.i <= {pairings} AND ({present})"
        )
        helper = f"((a.pairing - 1) % {helpers} + 1)"
        cursor.execute(
            "INSERT INTO activities_activity (id, type, counts, date, theme, content, details, "
            "household_visits, person_times, source, created_at, updated_at, helper_id, org_id, "
            "program_id) "
            f"SELECT a.id, a.type, 'households', a.date, '', '', '{{}}', 1, 0, 'import', "
            f"'{STAMP}', '{STAMP}', {helper}, {first_village} + ({helper} - 1) % {villages}, "
            f"{prog} FROM ({acts}) a"
        )
        cursor.execute(
            "INSERT INTO activities_activitylink (id, type, date, activity_id, pairing_id, "
            "program_id, household_id) "
            f"SELECT a.id, a.type, a.date, a.id, a.pairing, {prog}, 5 * a.pairing FROM ({acts}) a"
        )
        ledger_cols = (
            "INSERT INTO ledger_ledgerentry (id, number, direction, category, source_kind, "
            "source_fund, goods, quantity, goods_unit, amount, date, approver, note, status, "
            "created_at, activity_id, household_id, org_id, program_id, source_helper_id) "
        )
        cursor.execute(
            ledger_cols + f"SELECT a.id, 'L' || a.id, 'out', '两节慰问', 'helper', '', '', NULL, "
            f"'', 300 + {q.pct('a.id', 14)}, a.date, '主任', '', 'posted', '{STAMP}', a.id, "
            f"5 * a.pairing, {first_village} + ({helper} - 1) % {villages}, {prog}, {helper} "
            f"FROM ({acts}) a WHERE a.type = '慰问'"
        )
        cursor.execute(
            ledger_cols + f"SELECT i * {SLOTS} + 15, 'B' || i, 'out', '教育', 'helper', '', "
            f"'图书', 10, '册', NULL, '2024-09-01', '主任', '', 'posted', '{STAMP}', NULL, 5 * i, "
            f"{first_village} + ((i - 1) % {helpers}) % {villages}, {prog}, "
            f"(i - 1) % {helpers} + 1 FROM bench_n WHERE i <= {pairings} AND {q.pct('i', 15)} < 20"
        )
        cursor.execute(
            "INSERT INTO registry_unitbeneficiary (id, notes, org_id) "
            f"SELECT i, '', {first_village} + i - 1 FROM bench_n WHERE i <= {villages}"
        )
        for year, base in ((2023, 8000), (2024, 8800)):
            for code, value in (
                ("per_capita_income", f"{base} + i * 10"),
                ("agri_income", f"{base // 80} + i"),
                ("collective_income", "5 + i % 7"),
            ):
                cursor.execute(
                    "INSERT INTO registry_unitindicator (unit_id, year, indicator, value) "
                    f"SELECT i, {year}, '{code}', {value} FROM bench_n WHERE i <= {villages}"
                )
        cursor.execute("DROP TABLE bench_n")
        cursor.execute("DROP TABLE bench_s")
        loaded = time.perf_counter() - started
        restore_indexes(cursor, q.pg, dropped)
        if q.pg:
            for table in BIG_TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA foreign_keys=ON")
        counts = {}
        for table in BIG_TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return {
        "households": n,
        "counts": counts,
        "load_seconds": loaded,
        "seconds": time.perf_counter() - started,
    }


# -- measurements ----------------------------------------------------------------------------


def measure(repeat: int) -> dict:
    setup_django()
    from django.db import connection

    from bangfu.orgs.models import Org
    from bangfu.reports.base import Params
    from bangfu.reports.dashboard import charts
    from bangfu.reports.reports import build
    from bangfu.transfer.actors import command_actor

    user = command_actor(None)
    county = Org.objects.get(code="450123")
    town = Org.objects.get(code="450123001")
    out: dict = {"vendor": connection.vendor, "runs": [], "summaries": maintain()}
    for scope, org in (("county", county), ("township", town)):
        params = Params(org=org, as_of=AS_OF, date_from=START, date_to=AS_OF)
        for kind in (*KINDS, "dashboard"):

            def make(kind: str = kind, org=org, params=params):
                if kind == "dashboard":  # the page's five charts
                    return charts(user, org, AS_OF)
                return build(kind, user=user, params=params)

            make()  # warm-up
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                report = make()
                times.append(time.perf_counter() - started)
            run: dict = {"scope": scope, "kind": kind, "seconds": statistics.median(times)}
            run["all_seconds"] = times
            if kind == "compliance":
                # The baseline: the same report counted from the records by the rules engine
                # (what every compliance report did before the compliance rows), checked equal.
                from unittest import mock

                from bangfu.reports import summaries

                with mock.patch.object(summaries, "whole_subtree", return_value=None):
                    started = time.perf_counter()
                    slow = build(kind, user=user, params=params)
                    run["naive_seconds"] = time.perf_counter() - started
                run["check"] = slow.as_json() == report.as_json()
            if kind in NAIVE:
                started = time.perf_counter()
                naive = NAIVE_BUILDERS[kind](org)
                run["naive_seconds"] = time.perf_counter() - started
                run["check"] = check(kind, report, naive)
                started = time.perf_counter()
                group_by(kind, org)
                run["group_by_seconds"] = time.perf_counter() - started
            out["runs"].append(run)
            print(f"  {scope} {kind}: {run['seconds']:.3f} s", file=sys.stderr, flush=True)
    out["rss_peak_mb"] = rss_peak_mb()
    out["database_version"] = (
        ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 100}"
    )
    if connection.vendor == "postgresql":
        shown = []
        with connection.cursor() as cursor:
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit"):
                cursor.execute(f"SHOW {name}")
                shown.append(f"{name}={cursor.fetchone()[0]}")
        out["settings"] = ", ".join(shown)
    return out


def maintain() -> dict:
    """The summary tables' upkeep: every unit recounted from the records (what a new
    installation's first report, or ``bangfu summaries --rebuild``, does), then the first read
    after one change in one village (a household's degree; an activity's 户次; a visit linked)."""
    from django.db import connection

    from bangfu.activities.models import Activity, ActivityLink
    from bangfu.registry.models import Household
    from bangfu.reports import summaries
    from bangfu.reports.models import ACTIVITIES, COMPLIANCE, REACH, REGISTRY

    started = time.perf_counter()
    summaries.rebuild()
    out: dict = {"rebuild_seconds": time.perf_counter() - started, "rows": {}}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")  # as autovacuum does after the tables fill
        for table in (
            "householdtally",
            "membertally",
            "statusentrytally",
            "activitytally",
            "reachtally",
            "visittally",
            "pairtally",
            "helperdutytally",
            "dutytally",
            "coveragespan",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM reports_{table}")
            out["rows"][table] = cursor.fetchone()[0]
    link = ActivityLink.objects.exclude(household=None).order_by("pk").first()
    Household.objects.filter(pk=link.household_id).update(difficulty="deep")
    Activity.objects.filter(pk=link.activity_id).update(household_visits=1)
    ActivityLink.objects.filter(pk=link.pk).update(date=link.date)  # a visit recorded again
    unit = Household.objects.get(pk=link.household_id).org_id
    units = Household.objects.filter(org_id=unit).count()
    for part in (REGISTRY, ACTIVITIES, REACH, COMPLIANCE):
        started = time.perf_counter()
        summaries.refresh(part)
        out[f"one_unit_{part}_seconds"] = time.perf_counter() - started
    out["unit_households"] = units
    print(
        f"  summaries: rebuilt in {out['rebuild_seconds']:.1f} s; one village "
        f"({units:,} households) recounted in "
        + ", ".join(
            f"{p} {out[f'one_unit_{p}_seconds']:.2f} s"
            for p in (REGISTRY, ACTIVITIES, REACH, COMPLIANCE)
        ),
        file=sys.stderr,
        flush=True,
    )
    return out


def group_by(kind: str, org) -> list:
    """The naive aggregate SQL: one GROUP BY over the subtree's raw rows for the report's main
    table (status: households and members by status; 七清: members by relation, schooling and
    work; activities: 次数, 户次, 人次 by type and month in the range)."""
    from django.db import connection

    like = org.path + "%"
    month = (
        "date_trunc('month', a.date)"
        if connection.vendor == "postgresql"
        else "strftime('%Y-%m', a.date)"
    )
    sql = {
        "status": """SELECT h.status, COUNT(DISTINCT h.id), COUNT(m.id)
            FROM registry_household h JOIN orgs_org o ON o.id = h.org_id
            LEFT JOIN registry_member m ON m.household_id = h.id
            WHERE o.path LIKE %s GROUP BY h.status""",
        "qiqing": """SELECT m.relation, p.schooling, p.employment, COUNT(*)
            FROM registry_member m JOIN registry_household h ON h.id = m.household_id
            JOIN registry_person p ON p.id = m.person_id JOIN orgs_org o ON o.id = h.org_id
            WHERE o.path LIKE %s GROUP BY m.relation, p.schooling, p.employment""",
        "activities": f"""SELECT a.type, {month}, COUNT(*), SUM(a.household_visits),
            SUM(a.person_times)
            FROM activities_activity a JOIN orgs_org o ON o.id = a.org_id
            WHERE o.path LIKE %s AND a.date >= %s AND a.date <= %s
            GROUP BY a.type, {month}""",
    }[kind]
    params = [like] if kind != "activities" else [like, START, AS_OF]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _subtree(org) -> str:
    """The subtree's condition on a ``path`` column, as the reports write it (prefix_q)."""
    return org.path


def naive_status(org) -> dict:
    """Every household of the subtree with each status step (or none) and its members, as raw
    rows into Python; the as-of status per household found there, then counted."""
    from bangfu.core.tree import prefix_q
    from bangfu.registry.models import Household, Member

    households = Household.objects.filter(prefix_q("org__path", org.path))
    steps = households.values_list("id", "history__status", "history__date", "history__id")
    latest: dict[int, tuple] = {}
    for hid, status, day, sid in steps.iterator(chunk_size=20000):
        if status is None or day > AS_OF:
            latest.setdefault(hid, (None, None, None))
            continue
        if hid not in latest or latest[hid][0] is None or (day, sid) > latest[hid][1:]:
            latest[hid] = (status, day, sid)
    size: Counter = Counter()
    rows = Member.objects.filter(household__in=households.values("pk")).values_list(
        "household_id", flat=True
    )
    for hid in rows.iterator(chunk_size=20000):
        size[hid] += 1
    out: Counter = Counter()
    persons: Counter = Counter()
    for hid, (status, _day, _sid) in latest.items():
        out[status or ""] += 1
        persons[status or ""] += size[hid]
    return {"households": dict(out), "persons": dict(persons)}


def naive_qiqing(org) -> dict:
    """Every member of the subtree joined to its household and person, as raw rows; grouped in
    Python by unit, cause, degree, relation, schooling and work."""
    from bangfu.core.tree import prefix_q
    from bangfu.registry.models import Member

    rows = Member.objects.filter(prefix_q("household__org__path", org.path)).values_list(
        "household_id",
        "household__org__path",
        "household__main_cause",
        "household__difficulty",
        "relation",
        "person__schooling",
        "person__birth_date",
        "person__employment",
    )
    groups: dict[str, Counter] = {k: Counter() for k in ("unit", "cause", "degree", "relation")}
    groups |= {"schooling": Counter(), "work": Counter()}
    for _hid, path, cause, degree, relation, schooling, _birth, work in rows.iterator(
        chunk_size=20000
    ):
        groups["unit"][path[len(org.path) :].split("/", 1)[0]] += 1
        groups["cause"][cause] += 1
        groups["degree"][degree] += 1
        groups["relation"][relation] += 1
        if relation in ("son", "daughter"):
            groups["schooling"][schooling] += 1
            groups["work"][work] += 1
    return {k: dict(v) for k, v in groups.items()}


def naive_activities(org) -> dict:
    """Every activity of the subtree in the range and the year before, as raw rows; grouped by
    type, month and unit in Python."""
    from bangfu.activities.models import Activity
    from bangfu.core.tree import prefix_q

    rows = Activity.objects.filter(
        prefix_q("org__path", org.path),
        date__gte=datetime.date(2023, 1, 1),
        date__lte=AS_OF,
    ).values_list("type", "date", "org__path", "household_visits", "person_times", "helper_id")
    by_type: Counter = Counter()
    by_month: Counter = Counter()
    by_unit: Counter = Counter()
    helpers: Counter = Counter()
    before: Counter = Counter()
    for kind, day, path, visits, _times, helper in rows.iterator(chunk_size=20000):
        if day < START:
            before[kind] += 1
            continue
        by_type[kind] += 1
        by_month[day.month] += visits
        by_unit[path[len(org.path) :].split("/", 1)[0]] += 1
        helpers[(helper, kind)] += 1
    return {"type": dict(by_type), "before": dict(before), "helpers": len(helpers)}


NAIVE_BUILDERS = {"status": naive_status, "qiqing": naive_qiqing, "activities": naive_activities}


def check(kind: str, report, naive: dict) -> bool:
    """The baseline's totals equal the report's."""
    if kind == "status":
        table = report.table("as_of")
        shown = sum(x.values[0] for x in table.lines if x.kind in ("part", "other"))
        return shown == sum(naive["households"].values()) and table.total.values[1] == sum(
            naive["persons"].values()
        )
    if kind == "qiqing":
        return report.table("members").total.values[0] == sum(naive["relation"].values())
    by_type = {x.label: x.values[0] for x in report.table("type").lines if x.kind == "part"}
    return by_type == {k: v for k, v in naive["type"].items()}


# -- the driver ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000, help="households (100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed builds (median shown)")
    parser.add_argument(
        "--database-url",
        help="also run on PostgreSQL (postgres://user@host:port/any; needs CREATEDB)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--stage", choices=("generate", "measure"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage == "generate":
        setup_django()
        print(json.dumps(generate(args.households)))
        return 0
    if args.stage == "measure":
        print(json.dumps(measure(args.repeat)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="bangfu-bench-"))
    urls = ([] if args.skip_sqlite else [None]) + ([args.database_url] if args.database_url else [])
    if not urls:
        parser.error("nothing to run: --skip-sqlite without --database-url")
    common = ["--households", str(args.households), "--repeat", str(args.repeat)]
    results: list[dict] = []
    loads = [load_average()]
    try:
        for url in urls:
            target = Target(folder, url, "bangfu_bench_reports")
            try:
                made = run_child(__file__, ["--stage", "generate", *common], target.env())
                c = made["counts"]
                print(
                    f"{target.label}: {made['households']:,} households, "
                    f"{c['registry_person']:,} persons, {c['registry_statuschange']:,} status "
                    f"steps, {c['pairings_pairing']:,} pairings, "
                    f"{c['activities_activity']:,} activities, "
                    f"{c['ledger_ledgerentry']:,} ledger entries; generated in "
                    f"{made['seconds']:.0f} s (load {made['load_seconds']:.0f} s, then indexes)",
                    flush=True,
                )
                measured = run_child(__file__, ["--stage", "measure", *common], target.env())
                results.append({"label": target.label, "made": made, **measured})
            finally:
                if args.keep:
                    print(f"  kept: {target.env().get('BANGFU_DATABASE_URL', target.data)}")
                else:
                    target.drop()
        loads.append(load_average())
        report(results, args, loads)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def report(results: list[dict], args: argparse.Namespace, loads: list[str]) -> None:
    import django

    print()
    print(f"machine: {machine()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        + ", ".join(f"{r['label']} {r['database_version']}" for r in results)
        + f"; load average before/after: {loads[0]} / {loads[-1]}"
    )
    for r in results:
        if r.get("settings"):
            print(f"{r['label']} settings: {r['settings']}")
    print(
        f"{args.households:,} households; range {START} to {AS_OF}, as of {AS_OF}; report: "
        f"median of {args.repeat} builds after a warm-up; baseline: one run"
    )
    print()
    for r in results:
        m = r["summaries"]
        print(
            f"{r['label']} summary tables: every unit recounted in {m['rebuild_seconds']:.1f} s "
            f"({', '.join(f'{k} {v:,}' for k, v in m['rows'].items())} rows); one village of "
            f"{m['unit_households']:,} households recounted after a change in "
            f"{m['one_unit_registry_seconds']:.2f} s (registry), "
            f"{m['one_unit_activities_seconds']:.2f} s (activities), "
            f"{m['one_unit_reach_seconds']:.2f} s (帮扶工作), "
            f"{m['one_unit_compliance_seconds']:.2f} s (合规与覆盖)"
        )
    print()
    print(
        "| database | subtree | report | seconds | naive GROUP BY s | GROUP BY ÷ report "
        "| naive Python s (compliance: from the records) | baseline ÷ report |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    problems = []
    for r in results:
        for run in r["runs"]:
            naive = run.get("naive_seconds")
            grouped = run.get("group_by_seconds")
            scope = "county (100%)" if run["scope"] == "county" else "township (10%)"
            print(
                f"| {r['label']} | {scope} | {run['kind']} | {run['seconds']:.3f} | "
                + (f"{grouped:.2f} | {grouped / run['seconds']:.1f}× | " if grouped else "— | — | ")
                + (f"{naive:.2f} | {naive / run['seconds']:.1f}× |" if naive else "— | — |")
            )
            if naive and not run["check"]:
                problems.append(f"{r['label']} {run['scope']} {run['kind']}")
    print()
    for problem in problems:
        print(f"  CHECK FAILED: the baseline's totals differ from the report's: {problem}")
    if not problems:
        print("checks: each baseline's totals equal its report's")
    print()
    print("goal:")
    for r in results:
        slowest = max(r["runs"], key=lambda x: x["seconds"])
        mark = "PASS" if slowest["seconds"] < GOAL_SECONDS else "FAIL"
        print(
            f"  [{mark}] every report under {GOAL_SECONDS:.0f} s on {r['label']} at "
            f"{args.households:,} households: slowest {slowest['kind']} ({slowest['scope']}) "
            f"{slowest['seconds']:.2f} s"
        )


if __name__ == "__main__":
    sys.exit(main())
