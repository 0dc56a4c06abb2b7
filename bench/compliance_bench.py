#!/usr/bin/env python
"""Benchmark of the rules engine: a full evaluation set-based in SQL against a per-pairing ORM
loop, on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/compliance_bench.py [--pairings 1000000] [--template kunnan|siyige]
                                               [--sample 1000] [--repeat 3]
                                               [--database-url postgres://…] [--skip-sqlite]

Generates one program of a shipped template and a year of its work (2025), in bulk SQL
(``INSERT … SELECT`` over a numbers table; indexes and, on PostgreSQL, foreign keys dropped
during the load and made again after it; not timed):

- ``kunnan`` (困难职工帮扶, the default): N households (each with its head as its one member),
  N/3 helpers of capacity 3, N pairings; per pairing a 走访 in each month with probability 0.85
  (a day of the month drawn at random, so some occasions' windows are missed), 慰问 in January
  and September with probability 0.7; a life event (结婚, 丧事, 生病住院 or 意外事故) on 4% of
  households, half on the household and half on its head, answered by a 走访 0–9 days later
  with probability 0.75. Rules: five calendar rules (元旦, 春节, 五一, 十一, the June visiting
  month) and the 六必到 event rule.
- ``siyige`` (四个一): N persons, the same helpers and pairings; a 谈心 in each month with
  probability 0.85, a 家访 in April and November with probability 0.7, a 送温暖 in December
  with probability 0.6. Rules: monthly talks, a visit per semester, warmth per school year.

In both, 90% of pairings start with the program (2025-01-01), 10% later in the year, and 4% of
the early ones end between July and September. About 12–13 activities per pairing: 12–13
million activity rows and as many links at a million pairings. The evaluation day is
2025-12-31.

Then each database is measured in fresh processes (one per measurement, so that the peak RSS
is the measurement's own; ``BANGFU_DEBUG=false`` as in production):

- ``summary``: ``engine.summary(program, as_of)``: every rule over all pairings, statuses
  counted in the database (median of ``--repeat``);
- ``stream``: every obligation streamed to Python through ``engine.evaluate_iter`` and tallied
  (one run);
- ``loop``: what a naive implementation does, on a sample of ``--sample`` pairings spread over
  the ids: for each pairing, each rule and each window it owes, one ORM ``.count()`` of the
  matching activity links (and, for event rules, one query for the pairing's events). Its
  per-pairing cost is extrapolated from the sample to all N pairings for the ratio; its tally
  is checked against ``summary(program, as_of, pairing_ids=sample)``, and the stream's against
  the summary's.

Goals, printed with pass/fail: a full evaluation (summary) of 1,000,000 pairings in ≤ 10 s on
PostgreSQL, and ≥ 100× the loop's pairings per second. Not a test: ``bench/`` is outside
pytest's ``testpaths``.
"""

# The bulk-load SQL is built from this file's own constants and integers, never from input.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import json
import os
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

AS_OF = datetime.date(2025, 12, 31)
YEAR_START = datetime.date(2025, 1, 1)
GOAL_SECONDS = 10.0  # a full evaluation of a million pairings on PostgreSQL
GOAL_PAIRINGS = 1_000_000
GOAL_VS_LOOP = 100.0
STAMP = "2025-01-01 00:00:00"
SLOTS = 16  # activity ids are pairing * SLOTS + slot
MEASURES = ("summary", "stream", "loop")
EVENT_KINDS = ("结婚", "丧事", "生病住院", "意外事故")
BIG_TABLES = (
    "registry_person",
    "registry_household",
    "registry_member",
    "registry_helper",
    "pairings_pairing",
    "activities_activity",
    "activities_activitylink",
    "activities_lifeevent",
)


# -- setup -----------------------------------------------------------------------------------


def rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- generation (bulk SQL, not timed) --------------------------------------------------------


class Sql:
    """The few expressions that differ between the two databases."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def day(self, offset: str) -> str:
        """2025-01-01 plus ``offset`` days."""
        if self.pg:
            return f"(DATE '{YEAR_START}' + CAST({offset} AS integer))"
        return f"date('{YEAR_START}', '+' || ({offset}) || ' days')"

    def date(self, month: str, day: str) -> str:
        if self.pg:
            return f"make_date({YEAR_START.year}, CAST({month} AS integer), CAST({day} AS integer))"
        return f"printf('%04d-%02d-%02d', {YEAR_START.year}, {month}, {day})"

    @staticmethod
    def pct(key: str, salt: int) -> str:
        """A pseudo-random 0–99 from an integer key (multiplicative hashing, middle bits)."""
        return f"(((({key}) * 64 + {salt}) * 2654435761 % 4294967296) / 256 % 100)"


def generate(n: int, template_code: str) -> dict:
    """The organisation, program, registry, pairings, activities and events (bulk SQL)."""
    from django.core.management import call_command
    from django.db import connection

    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org
    from bangfu.programs.models import Program, ProgramTemplate
    from bangfu.programs.services import load_builtin_templates

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_builtin_templates()
    county = Org.objects.create(code="450123", name="甲县", kind="county")
    county.path = child_path(None, county.pk)
    county.save(update_fields=["path"])
    village = Org.objects.create(code="450123100201", name="一村", kind="village", parent=county)
    village.path = child_path(county.path, village.pk)
    village.depth = 1
    village.save(update_fields=["path", "depth"])
    template = ProgramTemplate.objects.get(code=template_code)
    program = Program.objects.create(
        code="BENCH",
        name=f"{template.name} (bench)",
        template=template,
        org=county,
        area=county,
        start=YEAR_START,
        definition=template.definition,
    )
    households = template.definition["beneficiary"]["kind"] == "household"
    helpers = (n + 2) // 3
    q = Sql(connection.vendor)
    org, prog = village.pk, program.pk
    link_column = "household_id" if households else "person_id"

    with connection.cursor() as cursor:
        if not q.pg:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
        dropped = drop_indexes(cursor, q.pg, BIG_TABLES)
        cursor.execute("CREATE TABLE bench_n (i bigint PRIMARY KEY)")
        cursor.execute("CREATE TABLE bench_s (s bigint PRIMARY KEY)")
        if q.pg:
            cursor.execute(f"INSERT INTO bench_n SELECT generate_series(1, {n + helpers})")
            cursor.execute(f"INSERT INTO bench_s SELECT generate_series(0, {SLOTS - 1})")
        else:
            cursor.execute(
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                f"WHERE i < {n + helpers}) INSERT INTO bench_n SELECT i FROM c"
            )
            cursor.execute(
                "WITH RECURSIVE c(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM c "
                f"WHERE s < {SLOTS - 1}) INSERT INTO bench_s SELECT s FROM c"
            )
        blank = ", ".join(["''"] * 10)
        cursor.execute(
            "INSERT INTO registry_person (id, name, id_number, sex, phone, health, schooling, "
            "labour, employment, notes, name_pinyin, name_sort, created_at, updated_at, org_id) "
            f"SELECT i, 'P' || i, {blank}, '{STAMP}', '{STAMP}', {org} FROM bench_n"
        )
        cursor.execute(
            "INSERT INTO registry_helper (id, capacity, is_active, org_id, person_id) "
            f"SELECT i, 3, TRUE, {org}, {n} + i FROM bench_n WHERE i <= {helpers}"
        )
        if households:
            cursor.execute(
                "INSERT INTO registry_household (id, code, main_cause, other_causes, difficulty, "
                "status, address, created_at, updated_at, org_id, head_id) "
                f"SELECT i, 'H' || i, '', '', '', 'assisting', '', '{STAMP}', '{STAMP}', {org}, i "
                f"FROM bench_n WHERE i <= {n}"
            )
            cursor.execute(
                "INSERT INTO registry_member (id, relation, household_id, person_id) "
                f"SELECT i, 'head', i, i FROM bench_n WHERE i <= {n}"
            )
        late = f"{q.pct('i', 1)} >= 90"
        start = f"CASE WHEN {late} THEN {q.day(q.pct('i', 2) + ' * 3')} ELSE {q.day('0')} END"
        end = (
            f"CASE WHEN NOT ({late}) AND {q.pct('i', 3)} < 4 "
            f"THEN {q.day('180 + ' + q.pct('i', 4))} END"
        )
        cursor.execute(
            'INSERT INTO pairings_pairing (id, start, "end", end_reason, created_at, helper_id, '
            f"org_id, program_id, {link_column}) "
            f"SELECT i, {start}, {end}, '', '{STAMP}', (i - 1) % {helpers} + 1, {org}, {prog}, i "
            f"FROM bench_n WHERE i <= {n}"
        )
        activities = _activities_select(q, n, template_code)
        cursor.execute(
            "INSERT INTO activities_activity (id, type, counts, date, theme, content, details, "
            "household_visits, person_times, source, created_at, updated_at, helper_id, org_id, "
            "program_id) "
            f"SELECT a.id, a.type, 'sessions', a.date, '', '', '{{}}', 0, 0, 'import', "
            f"'{STAMP}', '{STAMP}', (a.pairing - 1) % {helpers} + 1, {org}, {prog} "
            f"FROM ({activities}) a"
        )
        cursor.execute(
            "INSERT INTO activities_activitylink (id, type, date, activity_id, pairing_id, "
            f"program_id, {link_column}) "
            f"SELECT a.id, a.type, a.date, a.id, a.pairing, {prog}, a.pairing "
            f"FROM ({activities}) a"
        )
        if households:
            kind = (
                f"CASE {q.pct('i', 11)} % 4 "
                + " ".join(f"WHEN {k} THEN '{name}'" for k, name in enumerate(EVENT_KINDS))
                + " END"
            )
            on_household = f"{q.pct('i', 12)} < 50"
            cursor.execute(
                "INSERT INTO activities_lifeevent (id, kind, date, note, source, created_at, "
                "org_id, household_id, person_id) "
                f"SELECT i, {kind}, {q.day(q.pct('i', 10) + ' * 3')}, '', 'import', '{STAMP}', "
                f"{org}, CASE WHEN {on_household} THEN i END, "
                f"CASE WHEN NOT ({on_household}) THEN i END "
                f"FROM bench_n WHERE i <= {n} AND {q.pct('i', 7)} < 4"
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
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("SELECT COUNT(*) FROM activities_activitylink")
        links = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM activities_lifeevent")
        events = cursor.fetchone()[0]
    return {
        "pairings": n,
        "links": links,
        "events": events,
        "load_seconds": loaded,
        "seconds": time.perf_counter() - started,
        "program": program.pk,
    }


def _activities_select(q: Sql, n: int, template_code: str) -> str:
    """id, pairing, type, date of every generated activity (the same rows each time it runs)."""
    key = f"p.i * {SLOTS} + s.s"
    if template_code == "kunnan":
        main, extra = "走访", {12: ("慰问", 1, 70), 13: ("慰问", 9, 70)}
    else:
        main, extra = "谈心", {12: ("家访", 4, 70), 13: ("家访", 11, 70), 14: ("送温暖", 12, 60)}
    day = f"1 + {q.pct(key, 6)} % 28"
    types = ["WHEN s.s < 12 THEN '" + main + "'"]
    dates = [f"WHEN s.s < 12 THEN {q.date('s.s + 1', day)}"]
    present = [f"WHEN s.s < 12 THEN {q.pct(key, 5)} < 85"]
    for slot, (kind, month, chance) in extra.items():
        types.append(f"WHEN s.s = {slot} THEN '{kind}'")
        dates.append(f"WHEN s.s = {slot} THEN {q.date(str(month), day)}")
        present.append(f"WHEN s.s = {slot} THEN {q.pct(key, 5)} < {chance}")
    if template_code == "kunnan":  # the answer to a life event, 0–9 days after it
        event_day = f"{q.pct('p.i', 10)} * 3 + {q.pct('p.i', 9)} % 10"
        types.append("WHEN s.s = 14 THEN '走访'")
        dates.append(f"WHEN s.s = 14 THEN {q.day(event_day)}")
        present.append(f"WHEN s.s = 14 THEN {q.pct('p.i', 7)} < 4 AND {q.pct('p.i', 8)} < 75")
    return (
        f"SELECT {key} AS id, p.i AS pairing, CASE {' '.join(types)} END AS type, "
        f"CASE {' '.join(dates)} END AS date "
        f"FROM bench_n p CROSS JOIN bench_s s "
        f"WHERE p.i <= {n} AND (CASE {' '.join(present)} ELSE 1 = 0 END)"
    )


# -- measurements, each in its own process ---------------------------------------------------


def sample_ids(n: int, size: int) -> list[int]:
    step = max(1, n // size)
    return list(range(1, n + 1, step))[:size]


def measure(what: str, n: int, sample: int, repeat: int) -> dict:
    setup_django()
    from django.db import connection

    from bangfu.compliance import engine
    from bangfu.programs.models import Program

    program = Program.objects.get(code="BENCH")
    engine.summary(program, AS_OF, pairing_ids=[])  # connect, load the modules
    before = rss_now_mb()
    out: dict = {"measure": what, "vendor": connection.vendor, "rss_before_mb": before}
    if what == "summary":
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = engine.summary(program, AS_OF)
            times.append(time.perf_counter() - started)
        out |= {
            "seconds": statistics.median(times),
            "all_seconds": times,
            "pairings": n,
            "tally": {rule: dict(c) for rule, c in result.items()},
        }
    elif what == "stream":
        tally: dict[str, Counter[str]] = {}
        started = time.perf_counter()
        rows = 0
        for o in engine.evaluate_iter(program, AS_OF):
            tally.setdefault(o.rule, Counter())[o.status] += 1
            rows += 1
        out |= {
            "seconds": time.perf_counter() - started,
            "all_seconds": [],
            "pairings": n,
            "obligations": rows,
            "tally": {rule: dict(c) for rule, c in tally.items()},
        }
    else:
        ids = sample_ids(n, sample)
        started = time.perf_counter()
        tally = naive_loop(program, ids)
        seconds = time.perf_counter() - started
        expected = engine.summary(program, AS_OF, pairing_ids=ids)
        out |= {
            "seconds": seconds,
            "all_seconds": [],
            "pairings": len(ids),
            "obligations": sum(sum(c.values()) for c in tally.values()),
            "tally": {rule: dict(c) for rule, c in tally.items()},
            "expected": {rule: dict(c) for rule, c in expected.items() if c},
        }
    out["rss_peak_mb"] = rss_peak_mb()
    if connection.vendor == "postgresql":
        shown = []
        with connection.cursor() as cursor:
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit"):
                cursor.execute(f"SHOW {name}")
                shown.append(f"{name}={cursor.fetchone()[0]}")
        out["settings"] = ", ".join(shown)
    out["database_version"] = (
        ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 100}"
    )
    return out


def naive_loop(program, ids: list[int]) -> dict[str, Counter[str]]:
    """What a straightforward implementation does: pairing by pairing, rule by rule, window by
    window, one ORM count of the matching activities."""
    from django.db.models import Q

    from bangfu.activities.models import ActivityLink, LifeEvent
    from bangfu.compliance.engine import (
        WINDOW_KINDS,
        program_windows,
        required_of,
        rule_types,
        span,
    )
    from bangfu.pairings.models import Pairing
    from bangfu.registry.models import Member

    def owes(p: Pairing, start: datetime.date, end: datetime.date) -> bool:
        return p.start <= start and (p.end is None or p.end >= end)

    def status(done: int, required: int, end: datetime.date) -> str:
        return "met" if done >= required else ("missed" if end < AS_OF else "due")

    first, last = span(program, AS_OF)
    tally: dict[str, Counter[str]] = {}
    for p in Pairing.objects.filter(pk__in=ids).order_by("pk"):
        for rule in program.rules:
            code, kind = str(rule["code"]), rule["kind"]
            types = rule_types(program, rule)
            if kind in WINDOW_KINDS:
                required = required_of(rule)
                for w in program_windows(program, rule, AS_OF):
                    if not owes(p, w.start, w.end):
                        continue
                    done = ActivityLink.objects.filter(
                        pairing=p, type__in=types, date__gte=w.start, date__lte=min(w.end, AS_OF)
                    ).count()
                    tally.setdefault(code, Counter())[status(done, required, w.end)] += 1
            elif kind == "event":
                days = datetime.timedelta(days=int(rule.get("within_days", 7)))
                # Events on the beneficiary itself, and on its members (a household) or on
                # the households it belongs to (a person): two indexed queries.
                if p.household_id:
                    members = Member.objects.filter(household_id=p.household_id)
                    lookups = [
                        Q(household_id=p.household_id),
                        Q(person_id__in=list(members.values_list("person_id", flat=True))),
                    ]
                else:
                    homes = Member.objects.filter(person_id=p.person_id)
                    lookups = [
                        Q(person_id=p.person_id),
                        Q(household_id__in=list(homes.values_list("household_id", flat=True))),
                    ]
                kinds = rule.get("events", [])
                events = {
                    e.pk: e
                    for on in lookups
                    for e in LifeEvent.objects.filter(
                        on, kind__in=kinds, date__gte=first, date__lte=last
                    )
                }.values()
                for event in events:
                    if not owes(p, event.date, event.date + days):
                        continue
                    done = ActivityLink.objects.filter(
                        pairing=p,
                        type__in=types,
                        date__gte=event.date,
                        date__lte=min(event.date + days, AS_OF),
                    ).count()
                    tally.setdefault(code, Counter())[status(done, 1, event.date + days)] += 1
    return tally


# -- the driver ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairings", type=int, default=100_000, help="pairings (100000)")
    parser.add_argument("--template", choices=("kunnan", "siyige"), default="kunnan")
    parser.add_argument("--sample", type=int, default=1000, help="pairings the loop evaluates")
    parser.add_argument("--repeat", type=int, default=3, help="timed summaries (median shown)")
    parser.add_argument(
        "--database-url",
        help="also run on PostgreSQL (postgres://user@host:port/any; needs CREATEDB)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases (their places are printed)"
    )
    parser.add_argument("--stage", choices=("generate", *MEASURES), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage == "generate":
        setup_django()
        print(json.dumps(generate(args.pairings, args.template)))
        return 0
    if args.stage:
        print(json.dumps(measure(args.stage, args.pairings, args.sample, args.repeat)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="bangfu-bench-"))
    urls = ([] if args.skip_sqlite else [None]) + ([args.database_url] if args.database_url else [])
    if not urls:
        parser.error("nothing to run: --skip-sqlite without --database-url")
    common = ["--pairings", str(args.pairings), "--template", args.template]
    common += ["--sample", str(args.sample), "--repeat", str(args.repeat)]
    results: list[dict] = []
    loads = [load_average()]
    try:
        for url in urls:
            target = Target(folder, url, "bangfu_bench_compliance")
            try:
                made = run_child(__file__, ["--stage", "generate", *common], target.env())
                size = target.size_mb()
                print(
                    f"{target.label}: {made['pairings']:,} pairings, {made['links']:,} activity "
                    f"links, {made['events']:,} life events; generated in {made['seconds']:.0f} s "
                    f"(load {made['load_seconds']:.0f} s, then indexes); database {size:,.0f} MB",
                    flush=True,
                )
                runs = {}
                for what in MEASURES:
                    runs[what] = run_child(__file__, ["--stage", what, *common], target.env())
                    print(f"  {what}: {runs[what]['seconds']:.2f} s", flush=True)
                results.append({"label": target.label, "made": made, "size_mb": size, **runs})
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
        + ", ".join(f"{r['label']} {r['summary']['database_version']}" for r in results)
        + f"; load average before/after: {loads[0]} / {loads[-1]}"
    )
    for r in results:
        if r["summary"].get("settings"):
            print(f"{r['label']} settings: {r['summary']['settings']}")
    print(
        f"template {args.template}, {args.pairings:,} pairings, as of {AS_OF}; summary: median "
        f"of {args.repeat}; loop: {args.sample:,} pairings sampled, extrapolated per pairing"
    )
    print()
    print(
        "| database | path | pairings | obligations | seconds | pairings/s | × loop "
        "| peak RSS MB (Δ) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        loop = r["loop"]
        loop_rate = loop["pairings"] / loop["seconds"]
        obligations = r["stream"]["obligations"]
        for what in MEASURES:
            m = r[what]
            rate = m["pairings"] / m["seconds"]
            runs = m["all_seconds"]
            spread = f" ({min(runs):.2f}–{max(runs):.2f})" if len(runs) > 1 else ""
            count = m.get("obligations", obligations)
            name = {
                "summary": "summary (statuses counted in SQL)",
                "stream": "evaluate_iter (every obligation to Python)",
                "loop": "per-pairing ORM loop (sample)",
            }[what]
            print(
                f"| {r['label']} | {name} | {m['pairings']:,} | {count:,} | "
                f"{m['seconds']:.2f}{spread} | {rate:,.0f} | {rate / loop_rate:,.0f} | "
                f"{m['rss_peak_mb']:.0f} ({m['rss_peak_mb'] - m['rss_before_mb']:+.0f}) |"
            )
        extrapolated = args.pairings / loop_rate
        print(
            f"| {r['label']} | loop extrapolated to all pairings | {args.pairings:,} | — | "
            f"{extrapolated:,.0f} | {loop_rate:,.0f} | 1 | — |"
        )
    print()
    print(
        "× loop: pairings per second over the loop's (its per-pairing cost measured on the "
        "sample and extrapolated; the loop was not run on every pairing). Peak RSS: ru_maxrss "
        "of the measuring process (Δ: its rise above the RSS just before the measurement)."
    )
    print()
    problems = []
    for r in results:
        if r["stream"]["tally"] != {k: v for k, v in r["summary"]["tally"].items() if v}:
            problems.append(f"{r['label']}: the stream's statuses differ from the summary's")
        if r["loop"]["tally"] != r["loop"]["expected"]:
            problems.append(f"{r['label']}: the loop's statuses differ from the summary's")
    for problem in problems:
        print(f"  CHECK FAILED: {problem}")
    if not problems:
        print("checks: stream = summary on all pairings; loop = summary on the sample")
    print()
    print("goals:")
    pg = next((r for r in results if r["label"] == "PostgreSQL"), None)
    if pg and args.pairings >= GOAL_PAIRINGS:
        seconds = pg["summary"]["seconds"]
        mark = "PASS" if seconds <= GOAL_SECONDS else "FAIL"
        print(
            f"  [{mark}] a full evaluation of {args.pairings:,} pairings in ≤ {GOAL_SECONDS:.0f} s "
            f"on PostgreSQL: {seconds:.2f} s (summary), "
            f"{pg['stream']['seconds']:.2f} s streaming every obligation"
        )
    else:
        print(
            f"  [ -- ] ≤ {GOAL_SECONDS:.0f} s for {GOAL_PAIRINGS:,} pairings on PostgreSQL: "
            "not measured in this run"
        )
    for r in results:
        loop_rate = r["loop"]["pairings"] / r["loop"]["seconds"]
        times = r["summary"]["pairings"] / r["summary"]["seconds"] / loop_rate
        mark = "PASS" if times >= GOAL_VS_LOOP else "FAIL"
        stream = r["stream"]["pairings"] / r["stream"]["seconds"] / loop_rate
        print(
            f"  [{mark}] ≥ {GOAL_VS_LOOP:.0f}× the loop's pairings/s on {r['label']}: "
            f"{times:,.0f}× (summary), {stream:,.0f}× (streaming every obligation)"
        )


if __name__ == "__main__":
    sys.exit(main())
