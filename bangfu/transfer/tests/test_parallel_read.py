"""A large persons roster is parsed by a forked helper process while the importing process
inserts what it has parsed so far (``Importer.read_rows``, ``PersonImporter._insert_early``).
Here the thresholds are lowered so that a small sheet takes that path: the outcome must be that
of one process, rows written early must go when a later row has an error, and the importing
process must take over when the helper fails."""

from __future__ import annotations

import os

import pytest

from bangfu.audit.models import AuditEvent
from bangfu.core.pinyin import pinyin_key, pinyin_sort_key
from bangfu.registry.models import Person
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer import importers
from bangfu.transfer.importers import Importer, run_import
from bangfu.transfer.kinds import persons
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"
OTHER_COUNTY = "450124100"  # outside unit_admin's reach
HEADERS = ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"]
ROWS = 40


@pytest.fixture
def splits(monkeypatch):
    """Small sheets are read by two processes, in parts of 3 records; the split rows chosen."""
    monkeypatch.setattr(importers, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(persons, "PART_ROWS", 3)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    chosen: list[int | None] = []
    split_row = Importer._split_row

    def spy(self, upper_share):
        chosen.append(split_row(self, upper_share))
        return chosen[-1]

    monkeypatch.setattr(Importer, "_split_row", spy)
    return chosen


def roster(n: int = ROWS) -> list[list[object]]:
    names = ["张伟", "单丽", "欧阳明", "李娜", "王芳"]
    tags = ["党员、教师", "党员", None]
    return [[names[i % 5], new_id(i), f"138{i:08d}", VILLAGE, tags[i % 3]] for i in range(n)]


def one_process(monkeypatch, path, actor):
    with monkeypatch.context() as m:
        m.setattr(importers, "PARALLEL_MIN_ROWS", 10**9)
        return run_import("persons", path, actor=actor)


def state() -> tuple:
    return (
        list(Person.objects.order_by("pk").values_list("id_number", "name", "phone")),
        Person.tags.through.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_clean_roster_is_written_in_row_order(world, tmp_path, splits):
    rows = roster()
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    result = run_import("persons", path, actor=world.unit_admin)
    assert splits and splits[0] is not None  # read by two processes
    assert result.as_json() == {
        "kind": "persons",
        "rows": ROWS,
        "created": ROWS,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
    }
    people = list(Person.objects.order_by("pk"))
    assert [p.id_number for p in people] == [r[1] for r in rows]  # the file's order
    assert sorted(result.written["persons"]) == [p.pk for p in people]
    for person, row in zip(people, rows, strict=True):
        assert (person.name, person.phone, person.org.code) == (row[0], row[2], VILLAGE)
        assert person.name_pinyin == pinyin_key(person.name, person_name=True)
        assert person.name_sort == pinyin_sort_key(person.name, person_name=True)
        assert sorted(t.name for t in person.tags.all()) == sorted(
            (row[4] or "").split("、") if row[4] else []
        )
    assert AuditEvent.objects.filter(action="import").count() == 1


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda rows: rows[35].__setitem__(1, rows[35][1][:-1] + "0"), id="check digit"
        ),
        pytest.param(lambda rows: rows[37].__setitem__(1, rows[2][1]), id="repeated ID number"),
        pytest.param(lambda rows: rows[30].__setitem__(3, OTHER_COUNTY), id="unit out of reach"),
        pytest.param(lambda rows: rows[1].__setitem__(2, "12345"), id="bad phone at the top"),
    ],
)
def test_an_error_below_leaves_nothing_written(world, tmp_path, monkeypatch, splits, spoil):
    rows = roster()
    spoil(rows)
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    before = state()
    expected = one_process(monkeypatch, path, world.unit_admin)
    assert expected.errors and state() == before
    result = run_import("persons", path, actor=world.unit_admin)
    assert splits[-1] is not None
    assert result.as_json() == expected.as_json()
    assert (result.created, result.updated) == (0, 0)
    assert state() == before  # what was inserted early is gone


def test_persons_on_file_further_down_are_updated(world, tmp_path, splits):
    rows = roster()
    on_file = PersonFactory(id_number=rows[33][1], name=rows[33][0], org=world.a1v, phone="")
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    result = run_import("persons", path, actor=world.unit_admin)
    assert splits[-1] is not None
    assert (result.created, result.updated, result.errors) == (ROWS - 1, 1, [])
    on_file.refresh_from_db()
    assert on_file.phone == rows[33][2]
    assert Person.objects.count() == ROWS


def test_the_importing_process_takes_over_when_the_helper_fails(
    world, tmp_path, monkeypatch, splits
):
    rows = roster()
    rows[20][1] = "450123"  # an error in rows the helper never sends
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, HEADERS, rows)
    expected = one_process(monkeypatch, path, world.unit_admin)
    helper = Importer._helper

    def failing(self, parse, split, sender):
        """Send two parts, then fail."""

        def parts(rows_):
            for count, part in enumerate(parse(rows_)):
                if count == 2:
                    raise RuntimeError("the helper broke")
                yield part

        helper(self, parts, split, sender)

    monkeypatch.setattr(Importer, "_helper", failing)
    result = run_import("persons", path, actor=world.unit_admin)
    assert splits[-1] is not None
    assert result.as_json() == expected.as_json()
    assert Person.objects.count() == 0

    rows[20][1] = new_id(20)
    plain_xlsx(path, HEADERS, rows)
    result = run_import("persons", path, actor=world.unit_admin)
    assert (result.created, result.errors) == (ROWS, [])
    assert list(Person.objects.order_by("pk").values_list("id_number", flat=True)) == [
        r[1] for r in rows
    ]
