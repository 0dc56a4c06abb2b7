#!/usr/bin/env python
"""Benchmark of the persons import: bangfu's importer against django-import-export and a raw load.

    .venv/bin/python bench/import_bench.py [--rows 200000] [--repeat 3] [--skip STAGE]
                                           [--no-memory-runs STAGE] [--database-url postgres://…]

Generates a persons roster (.xlsx, the standard sheet: 姓名, 身份证号, 联系电话, 所属组织编码,
标签) of N rows with valid, distinct ID numbers and tags on a third of the rows (xlsxwriter), then
imports that one file four ways, in one run on one machine, each in its own process on its own
fresh database of the same kind (SQLite in WAL mode as the project configures it, in a temporary
folder; or PostgreSQL with ``--database-url``, one new database per process), migrated beforehand
by another process. Every process runs with ``BANGFU_DEBUG=false``, as production does (with
DEBUG on Django keeps every SQL statement in memory), and loads its modules, pypinyin's
dictionaries and the table of region codes before the clock starts, as a running server has.

- ``bangfu``: ``bangfu.transfer.importers.run_import("persons", …)``: every cell parsed and
  checked, duplicates and references looked up in bulk, pinyin keys, the persons, their tags and
  one audit event written in one transaction (on a machine with two cores and a file this large,
  a forked helper process parses the rows while this one inserts the parts it has parsed);
- ``import-export``: django-import-export with a default ModelResource for Person (fields mapped
  to the Chinese headers, 所属组织编码 through a ForeignKeyWidget on the code, 标签 through a
  ManyToManyWidget), reading the file with tablib. Its bulk mode is not used: it cannot write
  many-to-many fields (the tags);
- ``raw``: the floor, which the goal "within 2× of the raw path" is judged against. calamine
  reads the sheet, one ``executemany`` inserts the cells as they are (no parsing, no checks, no
  pinyin; the other columns empty), the new ids are read back and a second ``executemany``
  inserts the tag links, in one transaction: the same statements as bangfu's write
  (``BulkInsert``; on PostgreSQL, ``COPY``);
- ``raw-bulk-create``: the same read and rows written the ordinary Django way, for reference:
  ``Person`` objects (the cells as they are) and tag links with ``bulk_create`` in one
  transaction (on SQLite Django cuts its statements at 999 parameters). Slower than ``raw``, so
  not the floor.

Each stage is timed from reading the file to the commit, and checked afterwards (N persons and
the expected tag links in its database; for bangfu and import-export, pinyin keys as
``Person.save`` computes them). ``--repeat`` times bangfu and raw several times, in rounds so that
background load falls on both alike (the median is shown); import-export runs once. Memory: the
peak RSS of the importing process and of its helper in the timed runs (``ru_maxrss``), and two
untimed runs per stage: the peak PSS of the process and its helper (shared pages counted once,
sampled from outside every 50 ms) and the peak of Python allocations during the import
(``tracemalloc``, which slows Python down). The goals are checked on the figures printed. Not a
test: ``bench/`` is outside pytest's ``testpaths``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (  # bench/common.py (the script's folder is on sys.path)
    load_average,
    machine,
    rss_peak_mb,
    setup_django,
)

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("bangfu", "import-export", "raw", "raw-bulk-create")
TIMED_AGAIN = ("bangfu", "raw", "raw-bulk-create")  # the stages --repeat repeats
VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤单"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红玉梅林春雪"
GOAL_VS_IMPORT_EXPORT = 20.0  # at least this many times django-import-export's rows per second
GOAL_VS_RAW = 2.0  # at most this many times the raw load's time
GOAL_PEAK_MB = 500.0  # peak memory of the importing process


def tags_of(i: int) -> str:
    return "党员、教师" if i % 5 == 0 else "党员" if i % 3 == 0 else ""


def expected_links(rows: int) -> int:
    return sum(len(t.split("、")) for t in map(tags_of, range(rows)) if t)


def generate(path: Path, rows: int) -> None:
    """The roster: valid distinct ID numbers (one birth date per thousand rows)."""
    import xlsxwriter

    sys.path.insert(0, str(ROOT))
    from bangfu.core.idnumber import id_check_digit

    rng = random.Random(2026)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("人员")
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header)
    base = datetime.date(1950, 1, 1)
    for i in range(rows):
        birth = base + datetime.timedelta(days=i // 1000)
        first17 = f"450123{birth:%Y%m%d}{i % 1000:03d}"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        row = i + 1
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, first17 + id_check_digit(first17))
        sheet.write_string(row, 2, str(13800000000 + i))
        sheet.write_string(row, 3, VILLAGE)
        if tags_of(i):
            sheet.write_string(row, 4, tags_of(i))
    workbook.close()


# -- one stage, in its own process ----------------------------------------------------------------


def rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_migrate() -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    connection.close()
    return {"migrated": True}


def run_stage(stage: str, path: Path, rows: int, *, trace: bool) -> dict:
    setup_django()
    import tracemalloc

    from django.db import connection

    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org
    from bangfu.registry.models import Person, Tag

    parent = None
    for code, kind in (("450123", "county"), ("450123100", "township"), (VILLAGE, "village")):
        org = Org.objects.create(code=code, name=code, kind=kind, parent=parent)
        org.path = child_path(parent.path if parent else None, org.pk)
        org.depth = parent.depth + 1 if parent else 0
        org.save(update_fields=["path", "depth"])
        parent = org
    village = parent
    for name in ("党员", "教师"):
        Tag.objects.get_or_create(name=name)

    importer = {
        "bangfu": _bangfu,
        "import-export": _import_export,
        "raw": _raw,
        "raw-bulk-create": _raw_bulk_create,
    }[stage]
    warm_up()
    before = rss_now_mb()
    if trace:
        tracemalloc.start()
    cpu = cpu_seconds()
    started = time.perf_counter()
    importer(path, village)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    tracemalloc.stop()
    peak = rss_peak_mb()
    helper_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    count = Person.objects.count()
    links = Person.tags.through.objects.count()
    if count != rows or links != expected_links(rows):
        raise SystemExit(
            f"{stage}: {count} persons and {links} tag links in the database, "
            f"expected {rows} and {expected_links(rows)}"
        )
    if not stage.startswith("raw"):  # the pinyin keys of some persons: as Person.save does
        from bangfu.core.pinyin import pinyin_key, pinyin_sort_key

        for person in Person.objects.order_by("?")[:50]:
            key = pinyin_key(person.name, person_name=True)
            sort = pinyin_sort_key(person.name, person_name=True)
            if (person.name_pinyin, person.name_sort) != (key, sort):
                raise SystemExit(f"{stage}: wrong pinyin keys for {person.name}")
    return {
        "stage": stage,
        "rows": rows,
        "seconds": seconds,
        "rss_peak_mb": peak,
        "rss_before_mb": before,
        "helper_rss_peak_mb": helper_peak,
        "cpu_seconds": cpu,
        "traced_peak_mb": traced,
        "vendor": connection.vendor,
        "database_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 100}",
    }


def warm_up() -> None:
    """Load what a running server has loaded before its first import (the stages' modules,
    pypinyin's dictionaries, the region codes ID numbers are checked against: 45 ms, once per
    process), so that no stage is timed importing code or reading tables."""
    import import_export.resources  # noqa: F401
    import python_calamine  # noqa: F401
    import tablib  # noqa: F401

    from bangfu.core.idnumber import known_region_codes
    from bangfu.transfer.kinds import get_kind

    get_kind("persons")
    known_region_codes()


def _bangfu(path: Path, village) -> None:
    from bangfu.accounts.models import User
    from bangfu.accounts.scope import Scope
    from bangfu.transfer.importers import run_import

    system = User(username="bangfu-bench", name="bench")
    system._bangfu_scope = Scope(user_id=None, is_sysadmin=True)
    result = run_import("persons", path, actor=system)
    if result.errors:
        raise SystemExit(f"bangfu: {len(result.errors)} errors, first {result.errors[0]}")


def _import_export(path: Path, village) -> None:
    import tablib
    from import_export import fields, resources, widgets

    from bangfu.orgs.models import Org
    from bangfu.registry.models import Person, Tag

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        phone = fields.Field(attribute="phone", column_name="联系电话")
        org = fields.Field(
            attribute="org",
            column_name="所属组织编码",
            widget=widgets.ForeignKeyWidget(Org, "code"),
        )
        tags = fields.Field(
            attribute="tags",
            column_name="标签",
            widget=widgets.ManyToManyWidget(Tag, field="name", separator="、"),
        )

        class Meta:
            model = Person
            fields = ("name", "id_number", "phone", "org", "tags")
            import_id_fields = ("id_number",)

    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("import-export: errors")


def _raw(path: Path, village) -> None:
    """The floor: the cells as they are into the same table, no parsing or checking at all."""
    from django.db import transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from bangfu.registry.models import Person, Tag
    from bangfu.transfer.importers import BulkInsert, ids_of_new, last_id

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    tag_ids = dict(Tag.objects.values_list("name", "pk"))
    now = timezone.now()
    with transaction.atomic():
        before = last_id(Person)
        persons = BulkInsert(Person, ("name", "id_number", "phone", "org_id"), now=now)
        persons.run((r[0], r[1], r[2], village.pk) for r in rows)
        ids = ids_of_new(Person, "id_number", [r[1] for r in rows], after=before)
        links = BulkInsert(Person.tags.through, ("person_id", "tag_id"), now=now)
        links.run(
            (ids[i], tag_ids[t]) for i, r in enumerate(rows) if r[4] for t in r[4].split("、")
        )


def _raw_bulk_create(path: Path, village) -> None:
    """The same read and rows as ``_raw``, written with Django's ``bulk_create``."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from bangfu.registry.models import Person, Tag

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    tag_ids = dict(Tag.objects.values_list("name", "pk"))
    through = Person.tags.through
    with transaction.atomic():
        persons = Person.objects.bulk_create(
            Person(name=r[0], id_number=r[1], phone=r[2], org_id=village.pk) for r in rows
        )
        through.objects.bulk_create(
            through(person_id=p.pk, tag_id=tag_ids[t])
            for p, r in zip(persons, rows, strict=True)
            if r[4]
            for t in r[4].split("、")
        )


# -- the driver -----------------------------------------------------------------------------------


class Databases:
    """A fresh, migrated database for each stage process: a copy of a migrated SQLite file, or a
    PostgreSQL database created from a migrated template."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder, self.url, self.made = folder, url, []
        self.template = self._new("template")
        run_child(["--stage", "migrate"], self.env(self.template))
        if self.url:
            self._sql(f'ALTER DATABASE "{self.template}" WITH is_template true')

    def env(self, target: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
        env |= {"DJANGO_SETTINGS_MODULE": "bangfu.settings", "BANGFU_DEBUG": "false"}
        env["BANGFU_DATA_DIR"] = str(self.folder / "data" / target)
        (self.folder / "data" / target).mkdir(parents=True, exist_ok=True)
        if self.url:
            env["BANGFU_DATABASE_URL"] = self.url.rsplit("/", 1)[0] + "/" + target
        return env

    def fresh(self, name: str) -> dict[str, str]:
        target = self._new(name, template=self.template)
        if not self.url:
            source = self.folder / "data" / self.template
            (self.folder / "data" / target).mkdir(parents=True, exist_ok=True)
            for file in source.glob("bangfu.sqlite3*"):
                shutil.copy(file, self.folder / "data" / target / file.name)
        return self.env(target)

    def _new(self, name: str, template: str | None = None) -> str:
        target = f"bangfu_bench_{name}_{len(self.made)}".replace("-", "_")
        if self.url:
            self._sql(f'DROP DATABASE IF EXISTS "{target}"')
            self._sql(
                f'CREATE DATABASE "{target}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        self.made.append(target)
        return target

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(statement)

    def drop(self, env: dict[str, str]) -> None:
        """Drop a stage's database once measured (a PostgreSQL one; SQLite's go with the
        folder)."""
        if self.url:
            self._sql(f'DROP DATABASE IF EXISTS "{env["BANGFU_DATABASE_URL"].rsplit("/", 1)[1]}"')
        else:
            shutil.rmtree(env["BANGFU_DATA_DIR"], ignore_errors=True)

    def drop_all(self) -> None:
        if self.url:
            for name in reversed(self.made):
                if name == self.template:
                    self._sql(f'ALTER DATABASE "{name}" WITH is_template false')
                self._sql(f'DROP DATABASE IF EXISTS "{name}"')


def run_child(extra: list[str], env: dict[str, str], *, sample_pss: bool = False) -> dict:
    """Run a stage process and return its JSON result; with ``sample_pss``, add ``pss_peak_mb``:
    the highest total PSS of the process and its children (the parsing helper), sampled from
    outside every 50 ms (reading a large process's PSS takes a few ms of CPU, so timed runs are
    not sampled)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, __file__, *extra], env=env, stdout=out, stderr=err, text=True
        )
        pss_peak = 0.0
        if sample_pss:
            while process.poll() is None:
                pss_peak = max(pss_peak, tree_pss_mb(process.pid))
                time.sleep(0.05)
        process.wait()
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(extra)}: failed\n{err.read()[-3000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    if sample_pss:
        result["pss_peak_mb"] = pss_peak
    return result


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants (shared pages counted once)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
                    break
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, ValueError):
            continue
        pending.extend(int(c) for c in children)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000, help="rows of the roster (20000)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed runs of bangfu and the raw paths (median)"
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=STAGES, help="leave a stage out (repeatable)"
    )
    parser.add_argument(
        "--no-memory-runs",
        action="append",
        default=[],
        choices=STAGES,
        help="no untimed PSS and tracemalloc runs for this stage (repeatable)",
    )
    parser.add_argument(
        "--database-url",
        help="run on PostgreSQL (postgres://user@host:port/any; needs CREATEDB) instead of SQLite",
    )
    parser.add_argument("--stage", choices=(*STAGES, "migrate"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage == "migrate":
        print(json.dumps(run_migrate()))
        return 0
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.file, args.rows, trace=args.trace)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="bangfu-bench-"))
    databases = None
    try:
        roster = folder / "persons.xlsx"
        started = time.perf_counter()
        generate(roster, args.rows)
        print(
            f"roster: {args.rows:,} rows, {roster.stat().st_size / 1e6:.1f} MB, "
            f"written in {time.perf_counter() - started:.1f} s (xlsxwriter)",
            flush=True,
        )
        databases = Databases(folder, args.database_url)
        stages = [s for s in STAGES if s not in args.skip]
        command = ["--file", str(roster), "--rows", str(args.rows)]

        def run(stage: str, *extra: str, sample_pss: bool = False) -> dict:
            env = databases.fresh(stage)
            try:
                return run_child(["--stage", stage, *command, *extra], env, sample_pss=sample_pss)
            finally:
                databases.drop(env)

        loads = [load_average()]
        timed: dict[str, list[dict]] = {stage: [] for stage in stages}
        # In rounds, so that any background load falls on every stage alike: each round times
        # every stage once (import-export in the first round only).
        for round_ in range(args.repeat):
            for stage in stages:
                if round_ == 0 or stage in TIMED_AGAIN:
                    timed[stage].append(run(stage))
                    print(f"  {stage}: {timed[stage][-1]['seconds']:.1f} s", flush=True)
        memory: dict[str, tuple[float, float]] = {}
        for stage in stages:
            if stage not in args.no_memory_runs:
                pss = run(stage, sample_pss=True)["pss_peak_mb"]
                traced = run(stage, "--trace")["traced_peak_mb"]
                memory[stage] = (pss, traced)
                print(f"  {stage}: peak PSS {pss:.0f} MB, tracemalloc peak {traced:.0f} MB")
        loads.append(load_average())
        report([summarise(timed[s], memory.get(s)) for s in stages], args, loads)
    finally:
        if databases:
            databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def summarise(runs: list[dict], memory: tuple[float, float] | None) -> dict:
    """The median time of a stage's timed runs, the highest RSS of any of them, and the figures
    of its untimed memory runs."""
    return {
        **runs[0],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "all_seconds": [r["seconds"] for r in runs],
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "rss_peak_mb": max(r["rss_peak_mb"] for r in runs),
        "rss_delta_mb": max(r["rss_peak_mb"] - r["rss_before_mb"] for r in runs),
        "helper_rss_peak_mb": max(r["helper_rss_peak_mb"] for r in runs),
        "rss_sum_mb": max(r["rss_peak_mb"] + r["helper_rss_peak_mb"] for r in runs),
        "pss_peak_mb": memory[0] if memory else None,
        "traced_peak_mb": memory[1] if memory else None,
    }


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def report(results: list[dict], args: argparse.Namespace, loads: list[str]) -> None:
    import django

    by = {r["stage"]: r for r in results}
    first = results[0]
    print()
    print(f"machine: {machine()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{first['vendor']} {first['database_version']}; load average before/after: "
        f"{loads[0]} / {loads[-1]}"
    )
    print(
        f"rows: {args.rows:,}; timed runs: "
        + ", ".join(f"{r['stage']} {len(r['all_seconds'])}" for r in results)
        + " (seconds: the median, and the range when several)"
    )
    print()
    print(
        "| path | rows | seconds | rows/s | CPU s | peak RSS MB (Δ) | helper peak RSS MB "
        "| peak PSS MB, all processes | tracemalloc peak MB | time ÷ bangfu's |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    bangfu = by.get("bangfu")
    for r in results:
        runs = r["all_seconds"]
        spread = f" ({min(runs):.2f}–{max(runs):.2f})" if len(runs) > 1 else ""
        helper = _mb(r["helper_rss_peak_mb"]) if r["helper_rss_peak_mb"] else "— (none)"
        ratio = f"{r['seconds'] / bangfu['seconds']:.2f}" if bangfu else "—"
        print(
            f"| {r['stage']} | {r['rows']:,} | {r['seconds']:.2f}{spread} | "
            f"{r['rows'] / r['seconds']:,.0f} | {r['cpu_seconds']:.2f} | "
            f"{r['rss_peak_mb']:.0f} ({r['rss_delta_mb']:+.0f}) | {helper} | "
            f"{_mb(r['pss_peak_mb'])} | {_mb(r['traced_peak_mb'])} | {ratio} |"
        )
    print()
    print(
        "seconds: wall time from reading the file to the commit; CPU s: user + system time of "
        "the importing process and its helper. Peak RSS: ru_maxrss of the importing process "
        "(Δ: its rise above the RSS just before the import); helper: ru_maxrss of the process "
        "that parses the rows while the importing process inserts them (the pages it shares "
        "with its parent are in both). Untimed runs: peak PSS of the process and its helper "
        "(shared pages counted once), sampled every 50 ms; tracemalloc: Python allocations of "
        "the importing process during the import."
    )
    if not bangfu:
        return
    print()
    print("goals for the bangfu importer:")
    ie, raw = by.get("import-export"), by.get("raw")
    if ie:
        times = ie["seconds"] / bangfu["seconds"]
        mark = "PASS" if times >= GOAL_VS_IMPORT_EXPORT else "FAIL"
        print(
            f"  [{mark}] at least {GOAL_VS_IMPORT_EXPORT:.0f}× the rows/s of "
            f"django-import-export: {times:.1f}×"
        )
    else:
        print("  [ -- ] at least 20× django-import-export: not measured in this run")
    if raw:
        times = bangfu["seconds"] / raw["seconds"]
        mark = "PASS" if times <= GOAL_VS_RAW else "FAIL"
        print(
            f"  [{mark}] within {GOAL_VS_RAW:.0f}× the time of the raw read + insert "
            f"(executemany): {times:.2f}× ({bangfu['seconds']:.2f} s against "
            f"{raw['seconds']:.2f} s)"
        )
    else:
        print("  [ -- ] within 2× the raw read + insert: not measured in this run")
    orm = by.get("raw-bulk-create")
    if orm:
        print(
            f"  [info] against the raw read + Django bulk_create (not the goal's floor): "
            f"{bangfu['seconds'] / orm['seconds']:.2f}× ({bangfu['seconds']:.2f} s against "
            f"{orm['seconds']:.2f} s)"
        )
    bound = bangfu["rss_sum_mb"]
    mark = "PASS" if bound < GOAL_PEAK_MB else "FAIL"
    pss = bangfu["pss_peak_mb"]
    print(
        f"  [{mark}] peak memory under {GOAL_PEAK_MB:.0f} MB: at most {bound:.0f} MB (peak RSS "
        f"of the importing process + peak RSS of its helper, shared pages counted twice)"
        + (f"; peak PSS of both {pss:.0f} MB" if pss is not None else "")
    )


if __name__ == "__main__":
    sys.exit(main())
