#!/usr/bin/env python
"""Benchmark of the persons import: bangfu's importer against django-import-export and a raw load.

    .venv/bin/python bench/import_bench.py [--rows 200000] [--skip import-export]

Generates a persons roster (.xlsx, the standard sheet: 姓名, 身份证号, 联系电话, 所属组织编码,
标签) of N rows with valid, distinct ID numbers (xlsxwriter), then imports the same file three
ways, each in its own process on its own throw-away SQLite database (``BANGFU_DATA_DIR`` under a
temporary folder, set before ``django.setup()``, migrated first and not timed):

- ``bangfu``: ``bangfu.transfer.importers.run_import`` (read with calamine, every cell parsed and
  checked, duplicates and references looked up in bulk, bulk_create, one audit event);
- ``import-export``: django-import-export with a default ModelResource for Person (fields mapped
  to the Chinese headers, 所属组织编码 through a ForeignKeyWidget on the code, 标签 through a
  ManyToManyWidget; no bulk, no skip_diff), reading the file with tablib;
- ``raw``: calamine read + bulk_create, with no validation at all (the floor).

Each prints the wall time of the import (including reading the file), rows per second and the
peak resident memory of its process (``ru_maxrss``; "Δ" is the rise during the import). Not a
test: ``bench/`` is outside pytest's ``testpaths``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("bangfu", "import-export", "raw")
VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤单"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红玉梅林春雪"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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
        tags = "党员、教师" if i % 5 == 0 else "党员" if i % 3 == 0 else ""
        row = i + 1
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, first17 + id_check_digit(first17))
        sheet.write_string(row, 2, str(13800000000 + i))
        sheet.write_string(row, 3, VILLAGE)
        if tags:
            sheet.write_string(row, 4, tags)
    workbook.close()


# -- one stage, in its own process ----------------------------------------------------------------


def run_stage(stage: str, path: Path, rows: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    if "BANGFU_DATA_DIR" not in os.environ:
        raise SystemExit("BANGFU_DATA_DIR must be set for a stage (a throw-away folder)")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bangfu.core.tree import child_path
    from bangfu.orgs.models import Org
    from bangfu.registry.models import Person, Tag

    parents = None
    for code, kind in (("450123", "county"), ("450123100", "township"), (VILLAGE, "village")):
        org = Org.objects.create(code=code, name=code, kind=kind, parent=parents)
        org.path = child_path(parents.path if parents else None, org.pk)
        org.depth = parents.depth + 1 if parents else 0
        org.save(update_fields=["path", "depth"])
        parents = org
    village = parents
    for name in ("党员", "教师"):
        Tag.objects.get_or_create(name=name)

    importer = {"bangfu": _bangfu, "import-export": _import_export, "raw": _raw}[stage]
    before = rss_mb()
    started = time.perf_counter()
    importer(path, village)
    seconds = time.perf_counter() - started
    peak = rss_mb()
    count = Person.objects.count()
    if count != rows:
        raise SystemExit(f"{stage}: {count} persons in the database, expected {rows}")
    return {
        "stage": stage,
        "rows": rows,
        "seconds": seconds,
        "peak_mb": peak,
        "delta_mb": peak - before,
    }


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
    from python_calamine import CalamineWorkbook

    from bangfu.registry.models import Person

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    Person.objects.bulk_create(
        (Person(name=r[0], id_number=str(r[1]), phone=str(r[2]), org=village) for r in rows),
        batch_size=1000,
    )


# -- the driver -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=20000, help="rows of the roster (default 20000)"
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=STAGES, help="leave a stage out (repeatable)"
    )
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage:
        print(json.dumps(run_stage(args.stage, args.file, args.rows)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="bangfu-bench-"))
    try:
        roster = folder / "persons.xlsx"
        started = time.perf_counter()
        generate(roster, args.rows)
        print(
            f"roster: {args.rows} rows, {roster.stat().st_size / 1e6:.1f} MB, "
            f"written in {time.perf_counter() - started:.1f} s (xlsxwriter)"
        )
        results = []
        for stage in STAGES:
            if stage in args.skip:
                continue
            env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
            env["BANGFU_DATA_DIR"] = str(folder / stage)
            env["DJANGO_SETTINGS_MODULE"] = "bangfu.settings"
            command = [sys.executable, __file__, "--stage", stage, "--file", str(roster)]
            done = subprocess.run(
                [*command, "--rows", str(args.rows)], env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                print(f"{stage}: failed\n{done.stderr[-3000:]}", file=sys.stderr)
                return 1
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  {stage}: {results[-1]['seconds']:.1f} s", flush=True)
        report(results)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def report(results: list[dict]) -> None:
    base = next((r for r in results if r["stage"] == "bangfu"), results[0])
    print()
    print(f"| path | rows | seconds | rows/s | peak RSS MB | Δ RSS MB | time vs {base['stage']} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        rate = r["rows"] / r["seconds"] if r["seconds"] else float("inf")
        ratio = r["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        print(
            f"| {r['stage']} | {r['rows']} | {r['seconds']:.1f} | {rate:,.0f} | "
            f"{r['peak_mb']:.0f} | {r['delta_mb']:.0f} | {ratio:.2f}× |"
        )


if __name__ == "__main__":
    sys.exit(main())
