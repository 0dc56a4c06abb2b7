"""The bulk write path of a large import (docs/performance.md, "Import of a persons roster"):
``BulkInsert`` marks the units of what it inserted stale as the summary tables' triggers say
(on SQLite the known row triggers set aside and their marks made once, ``summaries.bulk_insert``;
statement triggers on PostgreSQL), a conflict still fails the insert,
the helper process waits while the importing process is behind (at most ``QUEUED_PARTS`` parts
wait in memory), and the units an import wrote to are found from runs of ids."""

from __future__ import annotations

import os
import queue

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bangfu.registry.models import Helper, Household, Person, Tag
from bangfu.registry.tests.factories import PersonFactory
from bangfu.reports import summaries
from bangfu.reports.models import COMPLIANCE, StaleUnit
from bangfu.transfer import importers
from bangfu.transfer.checks import id_ranges, unit_paths
from bangfu.transfer.importers import BulkInsert, Importer, ids_of_new, last_id, run_import
from bangfu.transfer.kinds import persons
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db(transaction=False)
VILLAGE = "450123100201"
HEADERS = ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"]


def marks() -> set[int]:
    return set(StaleUnit.objects.filter(part=COMPLIANCE).values_list("org_id", flat=True))


def insert_persons(rows: list[tuple[int, str, str]]) -> list[int]:
    before = last_id(Person)
    BulkInsert(Person, ("org_id", "name", "id_number"), now=timezone.now()).run(rows)
    return ids_of_new(Person, "id_number", [r[2] for r in rows], after=before)


def test_bulk_inserts_mark_the_units_of_their_rows(world):
    helper_person = PersonFactory(org=world.a1)
    Helper.objects.create(person=helper_person, org=world.b1, capacity=3)
    summaries.refresh_all()
    assert marks() == set()

    with transaction.atomic():
        ids = insert_persons(
            [(world.a1v.pk, f"人{i}", new_id(500 + i)) for i in range(30)]
            + [(world.b1.pk, "乙", new_id(600))]
        )
    assert len(ids) == 31
    assert marks() == {world.a1v.pk, world.b1.pk}  # each unit once, however many rows
    summaries.refresh_all()

    tag = Tag.objects.create(name="党员")
    links = BulkInsert(Person.tags.through, ("person_id", "tag_id"), now=timezone.now())
    with transaction.atomic():
        links.run([(helper_person.pk, tag.pk)])
    # The tagged person's unit, and the unit of their helper record.
    assert marks() == {world.a1.pk, world.b1.pk}


def sqlite_triggers(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's row triggers")
def test_on_sqlite_the_row_triggers_are_back_after_a_bulk_insert(world):
    before = sqlite_triggers("registry_person")
    assert "reports_stale_compliance_registry_person_insert" in before
    with transaction.atomic():
        insert_persons([(world.a1v.pk, "甲", new_id(800))])
    assert sqlite_triggers("registry_person") == before
    summaries.refresh_all()
    PersonFactory(org=world.b1)  # an ordinary insert: marked by the trigger
    assert marks() == {world.b1.pk}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's row triggers")
def test_on_sqlite_a_trigger_it_does_not_know_keeps_every_trigger(world):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bulk_seen (person_id integer)")
        cursor.execute(
            "CREATE TRIGGER bulk_seen_insert AFTER INSERT ON registry_person "
            "BEGIN INSERT INTO bulk_seen VALUES (NEW.id); END"
        )
    summaries.refresh_all()
    with transaction.atomic():
        ids = insert_persons([(world.a1v.pk, f"人{i}", new_id(900 + i)) for i in range(3)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_id FROM bulk_seen ORDER BY person_id")
        assert [row[0] for row in cursor.fetchall()] == ids
    assert marks() == {world.a1v.pk}


def test_a_conflicting_row_still_fails_the_insert(world):
    taken = new_id(700)
    PersonFactory(org=world.a1v, id_number=taken)
    count = Person.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_persons([(world.a1v.pk, "甲", new_id(701)), (world.a1v.pk, "乙", taken)])
    assert Person.objects.count() == count  # the transaction undid the row before it


@pytest.fixture
def two_processes(monkeypatch):
    """Small sheets read by two processes in parts of 3 records, with room for one part."""
    monkeypatch.setattr(importers, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(importers, "QUEUED_PARTS", 1)
    monkeypatch.setattr(persons, "PART_ROWS", 3)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    waiting: list[int] = []

    class Recorded(queue.Queue):
        def put(self, item, block=True, timeout=None):
            super().put(item, block, timeout)
            waiting.append(self.qsize())

    monkeypatch.setattr(importers.queue, "Queue", Recorded)
    return waiting


def test_the_helper_waits_while_the_importing_process_is_behind(
    world, tmp_path, monkeypatch, two_processes
):
    rows = [
        ["张伟", new_id(i), f"138{i:08d}", VILLAGE, "党员" if i % 2 else None] for i in range(60)
    ]
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    split = Importer._split_row
    chosen: list[int | None] = []
    monkeypatch.setattr(
        Importer, "_split_row", lambda self, share: chosen.append(split(self, share)) or chosen[-1]
    )
    insert = persons.PersonImporter._insert_early

    def slow(self, parts):
        import time

        time.sleep(0.02)  # the helper parses faster than this process inserts
        insert(self, parts)

    monkeypatch.setattr(persons.PersonImporter, "_insert_early", slow)

    result = run_import("persons", path, actor=world.unit_admin)

    assert chosen and chosen[0] is not None  # read by two processes
    assert (result.created, result.errors) == (60, [])
    assert two_processes and max(two_processes) <= 1  # never more than one part waiting
    people = list(Person.objects.order_by("pk").values_list("id_number", "phone"))
    assert people == [(r[1], r[2]) for r in rows]  # the file's order, every row
    assert Person.tags.through.objects.count() == 30


def test_units_written_to_are_found_from_runs_of_ids(world):
    assert id_ranges([9, 1, 2, 3, 5, 10, 12]) == [(1, 3), (5, 5), (9, 10), (12, 12)]
    assert id_ranges([]) == []
    a = [p.pk for p in PersonFactory.create_batch(3, org=world.a1v)]
    between = PersonFactory(org=world.a).pk  # not written: its unit is not one of them
    b = PersonFactory(org=world.b1).pk
    written = {*a, b}
    assert id_ranges(written) == [(a[0], a[2]), (b, b)] and a[2] < between < b
    assert unit_paths(Person, written) == {world.a1v.path, world.b1.path}
    assert unit_paths(Person, set(a)) == {world.a1v.path}
    assert unit_paths(Household, set()) == set()


def sqlite_indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's DDL in a transaction")
def test_a_first_load_sets_secondary_indexes_aside_and_builds_them_again(
    world, tmp_path, monkeypatch
):
    monkeypatch.setattr(importers, "INDEXES_ASIDE_MIN_ROWS", 5)
    persons_before = sqlite_indexes("registry_person")
    links_before = sqlite_indexes("registry_person_tags")
    assert "registry_person_org_name" in persons_before  # (a secondary index to set aside)
    seen: list[dict[str, str]] = []
    write = persons.PersonImporter.write

    def looking(self):  # what the table has while the import writes
        write(self)
        seen.append(sqlite_indexes("registry_person"))

    monkeypatch.setattr(persons.PersonImporter, "write", looking)
    rows = [["张伟", new_id(1000 + i), None, VILLAGE, "党员"] for i in range(12)]
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)

    result = run_import("persons", path, actor=world.unit_admin)

    assert (result.created, result.errors) == (12, [])
    # While writing, only the unique index was left; after it, every index as it was.
    assert seen and set(seen[0]) == {"registry_one_person_per_id"}
    assert sqlite_indexes("registry_person") == persons_before
    assert sqlite_indexes("registry_person_tags") == links_before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchall() == [("ok",)]
    # The rebuilt index answers: the persons of the village in name order.
    assert Person.objects.filter(org=world.a1v).count() == 12


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's DDL in a transaction")
def test_a_failed_load_leaves_the_indexes_as_they_were(world, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "INDEXES_ASIDE_MIN_ROWS", 5)
    before = sqlite_indexes("registry_person")

    def broken(self):
        raise IntegrityError("written meanwhile")

    monkeypatch.setattr(persons.PersonImporter, "write", broken)
    rows = [["张伟", new_id(1100 + i), None, VILLAGE, None] for i in range(12)]
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    count = Person.objects.count()

    result = run_import("persons", path, actor=world.unit_admin)

    assert result.errors and Person.objects.count() == count
    assert sqlite_indexes("registry_person") == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's DDL in a transaction")
def test_a_load_smaller_than_the_table_keeps_its_indexes(world, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "INDEXES_ASIDE_MIN_ROWS", 5)
    for i in range(20):
        PersonFactory(org=world.a1v, id_number=new_id(1200 + i))
    seen: list[dict[str, str]] = []
    write = persons.PersonImporter.write

    def looking(self):
        write(self)
        seen.append(sqlite_indexes("registry_person"))

    monkeypatch.setattr(persons.PersonImporter, "write", looking)
    rows = [["张伟", new_id(1300 + i), None, VILLAGE, None] for i in range(6)]
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)

    assert run_import("persons", path, actor=world.unit_admin).created == 6
    assert "registry_person_org_name" in seen[0]  # 6 rows into a table of 20+: left alone
