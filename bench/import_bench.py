#!/usr/bin/env python
"""Benchmark of the persons import: bangfu's importer against the physical limit of reading the
sheet and writing its rows, today's raw load into the real tables, and django-import-export.

    .venv/bin/python bench/import_bench.py [--rows 200000] [--repeat 3] [--skip STAGE]
                                           [--no-memory-runs STAGE] [--database-url postgres://…]

Generates a persons roster (.xlsx, the standard sheet: 姓名, 身份证号, 联系电话, 所属组织编码,
标签) of N rows with valid, distinct ID numbers and tags on a third of the rows (xlsxwriter), then
imports that one file several ways, in one run on one machine, each in its own process on its own
fresh database of the same kind (SQLite in WAL mode as the project configures it, in a temporary
folder; or PostgreSQL with ``--database-url``: one new database per process, named after the
URL's database, ``<name>_bench_<stage>_<n>``), copied from one migrated beforehand that holds the
county, township and village of the roster and the tags 党员 and 教师. Every process runs with
``BANGFU_DEBUG=false``, as production does.

- ``limit``: the physical limit, which the goal is judged against. python-calamine reads the
  sheet, one ``executemany`` (``COPY`` on PostgreSQL) writes the cells as they are into a plain
  table with the columns of ``registry_person`` and only a unique index on the ID number (the
  other columns get what bangfu's write gives them when the sheet has no value: empty text, the
  import's time), a second writes the tag links into a plain table with the columns of the link
  table, in one transaction. No other index, no foreign key, no trigger;
- ``raw``: today's raw path, the same read and cells into the real tables (their indexes,
  foreign keys and the summary tables' triggers), with the statements bangfu's write uses
  (``BulkInsert``), the new ids read back for the tag links. What any bulk load into bangfu's
  tables costs, shown to see what the tables themselves cost above the limit;
- ``bangfu``: ``bangfu.transfer.importers.run_import("persons", …)`` in a process that has loaded
  its modules, pypinyin's dictionaries and the region codes before the clock starts, as a running
  server has: every cell parsed and checked, duplicates and references looked up in bulk, pinyin
  keys, the persons, their tags and one audit event written in one transaction (on a machine with
  two cores, a forked helper process parses the rows while this one inserts them);
- ``bangfu-cli``: ``bangfu import persons FILE`` end to end, from starting the process to its exit:
  Django starting, the import as above, the data-quality checks over what it wrote and the output;
- ``import-export``: django-import-export with a default ModelResource for Person (fields mapped
  to the Chinese headers, 所属组织编码 through a ForeignKeyWidget on the code, 标签 through a
  ManyToManyWidget), reading the file with tablib. Its bulk mode is not used: it cannot write
  many-to-many fields (the tags). Runs once (it is slow: skip it at 200,000 rows);
- ``raw-bulk-create``: the read and rows of ``raw`` written the ordinary Django way, for
  reference: ``Person`` objects and tag links with ``bulk_create`` in one transaction.

Each stage but ``bangfu-cli`` is timed from reading the file to the commit; ``bangfu-cli`` from
starting the process to its exit. Each is checked afterwards (N persons and the expected tag
links in its database; for bangfu, bangfu-cli and import-export, pinyin keys as ``Person.save``
computes them). ``--repeat`` times every stage but import-export several times, in rounds so that
background load falls on all alike (the median is shown). Memory, in untimed runs per stage: the
peak RSS of the importing process and of its helper and the peak PSS of both (shared pages
counted once), sampled from outside every 50 ms, and the peak of Python allocations during the
import (``tracemalloc``, which slows Python down; not for ``bangfu-cli``). The goals are checked
on the figures printed. Not a test: ``bench/`` is outside pytest's ``testpaths``.
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
    MemorySampler,
    load_average,
    machine,
    rss_peak_mb,
    setup_django,
)

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("limit", "raw", "bangfu", "bangfu-cli", "import-export", "raw-bulk-create")
TIMED_AGAIN = tuple(s for s in STAGES if s != "import-export")  # what --repeat repeats
IN_PROCESS = tuple(s for s in STAGES if s != "bangfu-cli")  # timed inside the stage process
VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤单"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红玉梅林春雪"
GOAL_VS_IMPORT_EXPORT = 20.0  # at least this many times django-import-export's rows per second
GOAL_VS_LIMIT = 2.0  # bangfu import, end to end: at most this many times the limit's time
GOAL_PEAK_MB = 500.0  # peak RSS of the importing process plus its helper


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


def run_prepare() -> dict:
    """The template database: migrated, with the roster's county, township and village and the
    two tags."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org
    from bangfu.registry.models import Tag

    call_command("migrate", verbosity=0)
    parent = None
    for code, kind in (("450123", "county"), ("450123100", "township"), (VILLAGE, "village")):
        org = Org.objects.create(code=code, name=code, kind=kind, parent=parent)
        org.path = child_path(parent.path if parent else None, org.pk)
        org.depth = parent.depth + 1 if parent else 0
        org.save(update_fields=["path", "depth"])
        parent = org
    for name in ("党员", "教师"):
        Tag.objects.get_or_create(name=name)
    connection.close()
    return {"prepared": True}


def run_stage(stage: str, path: Path, rows: int, *, trace: bool) -> dict:
    setup_django()
    import tracemalloc

    from bangfu.orgs.models import Org

    village = Org.objects.get(code=VILLAGE)
    importer = {
        "limit": _limit,
        "raw": _raw,
        "bangfu": _bangfu,
        "import-export": _import_export,
        "raw-bulk-create": _raw_bulk_create,
    }[stage]
    warm_up()
    if stage == "limit":
        _limit_tables()
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
    return {
        **verify(stage, rows),
        "seconds": seconds,
        "rss_peak_mb": peak,
        "rss_before_mb": before,
        "helper_rss_peak_mb": helper_peak,
        "cpu_seconds": cpu,
        "traced_peak_mb": traced,
    }


def verify(stage: str, rows: int) -> dict:
    """Check what the stage wrote: N persons and the expected tag links (in the plain tables for
    ``limit``), and for the importers some persons' pinyin keys; the database's name and
    version."""
    from django.db import connection

    from bangfu.registry.models import Person

    if stage == "limit":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {LIMIT_PERSONS}")  # noqa: S608
            (count,) = cursor.fetchone()
            cursor.execute(f"SELECT COUNT(*) FROM {LIMIT_LINKS}")  # noqa: S608
            (links,) = cursor.fetchone()
    else:
        count = Person.objects.count()
        links = Person.tags.through.objects.count()
    if count != rows or links != expected_links(rows):
        raise SystemExit(
            f"{stage}: {count} persons and {links} tag links in the database, "
            f"expected {rows} and {expected_links(rows)}"
        )
    if stage in ("bangfu", "bangfu-cli", "import-export"):  # as Person.save computes them
        from bangfu.core.pinyin import pinyin_key, pinyin_sort_key

        for person in Person.objects.order_by("?")[:50]:
            key = pinyin_key(person.name, person_name=True)
            sort = pinyin_sort_key(person.name, person_name=True)
            if (person.name_pinyin, person.name_sort) != (key, sort):
                raise SystemExit(f"{stage}: wrong pinyin keys for {person.name}")
    return {
        "stage": stage,
        "rows": rows,
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


LIMIT_PERSONS, LIMIT_LINKS = "bench_limit_person", "bench_limit_person_tags"


def _limit_tables() -> None:
    """The plain tables of ``limit`` (made before the clock starts): the columns of the persons
    and link tables, no constraint, and one unique index on the ID number."""
    from django.db import connection

    from bangfu.registry.models import Person

    with connection.cursor() as cursor:
        for plain, model in ((LIMIT_PERSONS, Person), (LIMIT_LINKS, Person.tags.through)):
            table = model._meta.db_table
            if connection.vendor == "postgresql":  # (LIKE copies NOT NULL, not keys or indexes)
                cursor.execute(f"CREATE TABLE {plain} (LIKE {table})")
            else:
                cursor.execute(f"CREATE TABLE {plain} AS SELECT * FROM {table} WHERE 0")  # noqa: S608
        cursor.execute(f"CREATE UNIQUE INDEX {LIMIT_PERSONS}_id ON {LIMIT_PERSONS} (id_number)")


def _plain_insert(table: str, columns: list[str], rows) -> None:
    """One executemany (COPY on PostgreSQL) of these rows into a plain table."""
    from django.db import connection

    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _limit(path: Path, village) -> None:
    """The physical limit: the cells as they are into the plain tables, ids given in row order
    (nothing read back), in one transaction."""
    from django.db import transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from bangfu.registry.models import Person, Tag
    from bangfu.transfer.importers import BulkInsert

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    tag_ids = dict(Tag.objects.values_list("name", "pk"))
    now = timezone.now()
    given = ("name", "id_number", "phone", "org_id")
    persons = BulkInsert(Person, given, now=now)  # (for the other columns' values only)
    constants = persons.constants
    with transaction.atomic():
        _plain_insert(
            LIMIT_PERSONS,
            ["id", *persons.columns],
            ((i, r[0], r[1], r[2], village.pk, *constants) for i, r in enumerate(rows, 1)),
        )
        _plain_insert(
            LIMIT_LINKS,
            ["id", "person_id", "tag_id"],
            (
                (n, person, tag)
                for n, (person, tag) in enumerate(
                    (
                        (i, tag_ids[t])
                        for i, r in enumerate(rows, 1)
                        if r[4]
                        for t in r[4].split("、")
                    ),
                    1,
                )
            ),
        )


def _raw(path: Path, village) -> None:
    """Today's raw path: the cells as they are into the real tables, no parsing or checking."""
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


def run_verify(rows: int) -> dict:
    setup_django()
    return verify("bangfu-cli", rows)


# -- the driver -----------------------------------------------------------------------------------


class Databases:
    """A fresh database for each stage process, copied from a prepared template: a copy of a
    SQLite file, or a PostgreSQL database created from a template database. PostgreSQL databases
    are named after the one ``--database-url`` names (``<name>_bench_<what>_<n>``)."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder, self.url, self.made = folder, url, []
        self.prefix = (url.rsplit("/", 1)[1].split("?")[0] if url else "bangfu") + "_bench"
        self.template = self._new("template")
        run_child(["--stage", "prepare"], self.env(self.template))
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
            for file in source.iterdir():
                if file.is_file():
                    shutil.copy(file, self.folder / "data" / target / file.name)
        return self.env(target)

    def _new(self, name: str, template: str | None = None) -> str:
        target = f"{self.prefix}_{name}_{len(self.made)}".replace("-", "_")
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
        """Drop a stage's database once measured."""
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


def run_child(
    command: list[str], env: dict[str, str], *, sample: bool = False, script: bool = True
) -> dict:
    """Run a process (this script with ``command``, or ``command`` itself) and return what it
    printed last as JSON (with ``script``), with the wall time from its start to its exit
    (``wall_seconds``) and its CPU time with its helper's (``process_cpu_seconds``); with
    ``sample``, its memory sampled from outside every 50 ms (reading a large process's PSS takes
    a few ms of CPU, so timed runs are not sampled)."""
    argv = [sys.executable, __file__, *command] if script else command
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        sampler = MemorySampler(process.pid) if sample else None
        while True:  # (os.wait4: the rusage of the process and of the helper it waited for)
            if sampler:
                sampler.sample()
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if sampler else 0)
            if pid:
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        code = process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"{' '.join(command)}: failed ({code})\n{err.read()[-3000:]}")
        text = out.read().strip()
    result = json.loads(text.splitlines()[-1]) if script else {"output": text}
    result["wall_seconds"] = wall
    result["process_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    if sampler:
        result |= {
            "pss_peak_mb": sampler.pss_peak_mb,
            "sampled_rss_mb": sampler.root_rss_mb,
            "sampled_helper_rss_mb": sampler.helpers_rss_mb,
        }
    return result


def bangfu_command() -> list[str]:
    """``bangfu`` as installed next to this Python (the console script), else ``-m``."""
    script = Path(sys.executable).parent / "bangfu"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bangfu.cli"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000, help="rows of the roster (20000)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed runs of each stage but import-export (median)"
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=STAGES, help="leave a stage out (repeatable)"
    )
    parser.add_argument(
        "--no-memory-runs",
        action="append",
        default=[],
        choices=STAGES,
        help="no untimed memory runs for this stage (repeatable)",
    )
    parser.add_argument(
        "--database-url",
        help="run on PostgreSQL (postgres://user@host:port/name; needs CREATEDB; the bench's "
        "databases are named name_bench_…) instead of SQLite",
    )
    parser.add_argument("--stage", choices=(*STAGES, "prepare", "verify"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage == "prepare":
        print(json.dumps(run_prepare()))
        return 0
    if args.stage == "verify":
        print(json.dumps(run_verify(args.rows)))
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

        def run(stage: str, *extra: str, sample: bool = False) -> dict:
            env = databases.fresh(stage)
            try:
                if stage in IN_PROCESS:
                    return run_child(["--stage", stage, *command, *extra], env, sample=sample)
                cli = [*bangfu_command(), "import", "persons", str(roster)]
                result = run_child(cli, env, sample=sample, script=False)
                if "已导入人员" not in result["output"]:
                    raise SystemExit(f"bangfu-cli: unexpected output {result['output'][:500]}")
                checked = run_child(["--stage", "verify", *command], env)
                return {
                    **checked,
                    **result,
                    "seconds": result["wall_seconds"],
                    "cpu_seconds": result["process_cpu_seconds"],
                    "traced_peak_mb": None,
                }
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
                    print(f"  {stage}: {timed[stage][-1]['seconds']:.2f} s", flush=True)
        memory: dict[str, dict] = {}
        for stage in stages:
            if stage in args.no_memory_runs:
                continue
            sampled = run(stage, sample=True)
            traced = run(stage, "--trace")["traced_peak_mb"] if stage in IN_PROCESS else None
            memory[stage] = {
                "pss": sampled["pss_peak_mb"],
                "rss": sampled["sampled_rss_mb"],
                "helper": sampled["sampled_helper_rss_mb"],
                "traced": traced,
            }
            print(
                f"  {stage}: peak RSS {sampled['sampled_rss_mb']:.0f} MB + helper "
                f"{sampled['sampled_helper_rss_mb']:.0f} MB, peak PSS "
                f"{sampled['pss_peak_mb']:.0f} MB"
                + (f", tracemalloc peak {traced:.0f} MB" if traced is not None else ""),
                flush=True,
            )
        loads.append(load_average())
        report([summarise(timed[s], memory.get(s)) for s in stages], args, loads)
    finally:
        if databases:
            databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def summarise(runs: list[dict], memory: dict | None) -> dict:
    """The median time of a stage's timed runs and the figures of its untimed memory run (the
    in-process stages' own ru_maxrss figures of the timed runs when there was none)."""
    in_process = runs[0]["stage"] in IN_PROCESS
    return {
        **runs[0],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "all_seconds": [r["seconds"] for r in runs],
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "rss_mb": memory["rss"]
        if memory
        else max(r["rss_peak_mb"] for r in runs)
        if in_process
        else None,
        "helper_rss_mb": memory["helper"]
        if memory
        else max(r["helper_rss_peak_mb"] for r in runs)
        if in_process
        else None,
        "pss_peak_mb": memory["pss"] if memory else None,
        "traced_peak_mb": memory["traced"] if memory else None,
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
        f"{loads[0]} / {loads[-1]}; {datetime.datetime.now():%Y-%m-%d %H:%M}"
    )
    print(
        f"rows: {args.rows:,}; timed runs: "
        + ", ".join(f"{r['stage']} {len(r['all_seconds'])}" for r in results)
        + " (seconds: the median, and the range when several)"
    )
    print()
    print(
        "| path | seconds | rows/s | CPU s | process s, start to exit | peak RSS MB, importer "
        "+ helper | peak PSS MB | tracemalloc peak MB | time ÷ limit |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    limit = by.get("limit")
    for r in results:
        runs = r["all_seconds"]
        spread = f" ({min(runs):.2f}–{max(runs):.2f})" if len(runs) > 1 else ""
        helper = f" + {r['helper_rss_mb']:.0f}" if r["helper_rss_mb"] else " + 0"
        rss = "—" if r["rss_mb"] is None else f"{r['rss_mb']:.0f}{helper}"
        ratio = f"{r['seconds'] / limit['seconds']:.2f}" if limit else "—"
        print(
            f"| {r['stage']} | {r['seconds']:.2f}{spread} | {r['rows'] / r['seconds']:,.0f} | "
            f"{r['cpu_seconds']:.2f} | {r['wall_seconds']:.2f} | {rss} | "
            f"{_mb(r['pss_peak_mb'])} | {_mb(r['traced_peak_mb'])} | {ratio} |"
        )
    print()
    print(
        "seconds: from reading the file to the commit, except bangfu-cli: from starting "
        "`bangfu import persons FILE` to its exit. CPU s: user + system time of the importing "
        "process and its helper (bangfu-cli: the whole command). process s: the stage's process "
        "from start to exit (Django's start, the untimed setup and the checks after it included). "
        "Peak RSS: each process's own peak (VmHWM, sampled in an untimed run; the pages the "
        "helper shares with its parent are in both); peak PSS: of the process and its helper, "
        "each shared page counted once; tracemalloc: Python allocations of the importing process "
        "during the import (untimed run)."
    )
    print()
    print("goals:")
    ie, cli, bangfu = by.get("import-export"), by.get("bangfu-cli"), by.get("bangfu")
    if ie and bangfu:
        times = ie["seconds"] / bangfu["seconds"]
        mark = "PASS" if times >= GOAL_VS_IMPORT_EXPORT else "FAIL"
        print(
            f"  [{mark}] at least {GOAL_VS_IMPORT_EXPORT:.0f}× the rows/s of "
            f"django-import-export: {times:.1f}×"
        )
    if limit and cli:
        times = cli["seconds"] / limit["seconds"]
        mark = "PASS" if times <= GOAL_VS_LIMIT else "FAIL"
        print(
            f"  [{mark}] `bangfu import persons` end to end within {GOAL_VS_LIMIT:.0f}× the "
            f"physical limit (read + insert into plain tables): {times:.2f}× "
            f"({cli['seconds']:.2f} s against {limit['seconds']:.2f} s)"
        )
    else:
        print("  [ -- ] bangfu import end to end within 2× the limit: not measured in this run")
    if limit and bangfu:
        print(
            f"  [info] the import alone (in a running process): "
            f"{bangfu['seconds'] / limit['seconds']:.2f}× the limit ({bangfu['seconds']:.2f} s)"
        )
    raw = by.get("raw")
    if limit and raw:
        print(
            f"  [info] today's raw path into the real tables: "
            f"{raw['seconds'] / limit['seconds']:.2f}× the limit ({raw['seconds']:.2f} s)"
        )
    for stage in ("bangfu-cli", "bangfu"):
        r = by.get(stage)
        if r is None or r["rss_mb"] is None:
            continue
        total = r["rss_mb"] + (r["helper_rss_mb"] or 0)
        mark = "PASS" if total < GOAL_PEAK_MB else "FAIL"
        pss = r["pss_peak_mb"]
        print(
            f"  [{mark}] {stage}: peak memory under {GOAL_PEAK_MB:.0f} MB: {total:.0f} MB "
            f"(peak RSS of the importing process + of its helper, shared pages counted twice)"
            + (f"; peak PSS of both {pss:.0f} MB" if pss is not None else "")
        )


if __name__ == "__main__":
    sys.exit(main())
