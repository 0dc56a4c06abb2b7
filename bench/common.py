"""What the benchmarks share: setting Django up, the throw-away databases they measure in, running
each stage in a fresh process, dropping and restoring indexes around a bulk load, and describing
the machine."""

# ruff: noqa: S608 (table names of the benchmarks themselves, not input)

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = next(
        int(line.split()[1]) / 2**20
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}; {cpu}), "
        f"{memory:.1f} GiB RAM, {platform.platform()}"
    )


def drop_indexes(cursor, pg: bool, big_tables: tuple[str, ...]) -> dict[str, list[str]]:
    """Drop the secondary indexes (and on PostgreSQL the foreign keys) of the bulk-loaded
    tables; return the statements that make them again."""
    tables = ", ".join(f"'{t}'" for t in big_tables)
    again: dict[str, list[str]] = {"indexes": [], "keys": []}
    if pg:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c "
            f"WHERE c.contype = 'f' AND c.conrelid::regclass::text IN ({tables})"
        )
        for table, name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again["keys"].append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            f"WHERE i.tablename IN ({tables}) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            f"WHERE type = 'index' AND tbl_name IN ({tables}) AND sql IS NOT NULL"
        )
    for name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        again["indexes"].append(definition)
    return again


def restore_indexes(cursor, pg: bool, dropped: dict[str, list[str]]) -> None:
    if pg:
        cursor.execute("SET maintenance_work_mem = '1GB'")
    for statement in dropped["indexes"] + dropped["keys"]:
        cursor.execute(statement)


class Target:
    """One throw-away database: a SQLite file in a temporary folder, or a new PostgreSQL
    database next to the one ``--database-url`` names."""

    def __init__(self, folder: Path, url: str | None, name: str) -> None:
        self.url = url
        self.name = name
        self.data = folder / ("pg" if url else "sqlite")
        self.data.mkdir(parents=True, exist_ok=True)
        if url:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}"')
            self._sql(f'CREATE DATABASE "{self.name}"')

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.url else "SQLite"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
        env |= {"DJANGO_SETTINGS_MODULE": "bangfu.settings", "BANGFU_DEBUG": "false"}
        env["BANGFU_DATA_DIR"] = str(self.data)
        if self.url:
            env["BANGFU_DATABASE_URL"] = self.url.rsplit("/", 1)[0] + "/" + self.name
        return env

    def size_mb(self) -> float:
        if not self.url:
            return sum(f.stat().st_size for f in self.data.glob("bangfu.sqlite3*")) / 2**20
        import psycopg

        with psycopg.connect(self.env()["BANGFU_DATABASE_URL"]) as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return row[0] / 2**20 if row else 0.0

    def _sql(self, statement: str) -> None:
        import psycopg

        assert self.url
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(statement)

    def drop(self) -> None:
        if self.url:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}"')


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (from /proc; those that ended are not listed)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return found


class MemorySampler:
    """Peak memory of a process tree, sampled from outside (every 50 ms by the caller): the
    highest total PSS of the tree (each shared page counted once, split between the processes
    that share it) and each process's own peak RSS (``VmHWM``, kept by the kernel, so a sample
    late in a process's life gives its true peak)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pss_peak_mb = 0.0
        self.hwm_mb: dict[int, float] = {}

    def sample(self) -> None:
        total = 0.0
        for pid in process_tree(self.pid):
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += _kib_field(rollup, "Pss:") / 1024
            hwm = _kib_field(status, "VmHWM:") / 1024
            self.hwm_mb[pid] = max(self.hwm_mb.get(pid, 0.0), hwm)
        self.pss_peak_mb = max(self.pss_peak_mb, total)

    @property
    def root_rss_mb(self) -> float:
        return self.hwm_mb.get(self.pid, 0.0)

    @property
    def helpers_rss_mb(self) -> float:
        """The peak RSS of the descendants (the import's parsing helper), added up."""
        return sum(mb for pid, mb in self.hwm_mb.items() if pid != self.pid)


def _kib_field(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name):
            return float(line.split()[1])
    return 0.0


def run_child(script: str, extra: list[str], env: dict[str, str]) -> dict:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.run(
            [sys.executable, script, *extra], env=env, stdout=out, stderr=err, check=False
        )
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(extra)}: failed\n{err.read()[-4000:]}")
        return json.loads(out.read().strip().splitlines()[-1])
