"""The data-quality checks (逻辑校验) run after every import, over what the import wrote.

Small imports are checked record by record: the persons, households and helpers written, with the
households those persons belong to and the members of those households (a check such as 户主与
配偶性别相同 needs the whole household). A large import writes its new records with consecutive
ids: it is checked over the runs of ids it wrote (a few ``BETWEEN`` conditions), in two threads,
without the checks every one of those records passed on the way in (``Importer.
validated_checks``): 身份证号无效 (P009; every kind reads an ID number with ``parse_id_number``,
the same GB 11643 rules) and, for a persons roster, 出生日期/性别与身份证号不符 (P002, P003: taken
from the number). Only when the ids are too scattered for that is a large import checked over
the subtree of the lowest unit that holds everything it wrote, with every check: the same answer
for those records, and more. docs/import-export.md, "Every real import is followed by the
data-quality checks"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from bangfu.core.batching import chunked
from bangfu.registry.models import Helper, Household, Member, Person
from bangfu.registry.quality import (
    CHECKS,
    QualityReport,
    run_checks,
    run_checks_for_org,
    run_checks_in_threads,
)
from bangfu.transfer.importers import ImportResult, lowest_common_unit

# Above this many written records, check id runs (or the subtree) instead of an id list.
ID_LIST_LIMIT = 5000
CHUNK = 900
RANGES = 400  # id ranges per statement (two parameters each)
CHECKED_RUNS = 400  # at most this many runs of ids in the condition of the checks' querysets


def id_ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    """The ids as runs of consecutive ids, (first, last) each, in order. A bulk import's new
    records have consecutive ids: 200,000 persons are one run."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs


def unit_paths(model: type[Person | Household | Helper], ids: Iterable[int]) -> set[str]:
    """The distinct paths of the units of these records: runs of consecutive ids as ranges, the
    others in IN lists, each statement returning distinct paths only (reading the path of every
    one of 200,000 persons by IN lists of 900 took 6 s on PostgreSQL; docs/performance.md)."""
    runs = id_ranges(ids)
    single = [first for first, last in runs if first == last]
    spans = [(first, last) for first, last in runs if first != last]
    paths: set[str] = set()
    queries = [Q(pk__in=chunk) for chunk in chunked(single, CHUNK)]
    for part in chunked(spans, RANGES):
        condition = Q()
        for first, last in part:
            condition |= Q(pk__range=(first, last))
        queries.append(condition)
    for condition in queries:
        rows = model.objects.filter(condition).order_by().values_list("org__path", flat=True)
        paths.update(rows.distinct())
    return paths


def runs_condition(ids: Iterable[int]) -> Q | None:
    """The ids as one condition of at most ``CHECKED_RUNS`` id runs (``pk BETWEEN first AND
    last``, or ``pk = id`` for a run of one); None when they make more runs than that."""
    runs = id_ranges(ids)
    if len(runs) > CHECKED_RUNS:
        return None
    condition = Q(pk__in=[])
    for first, last in runs:
        condition |= Q(pk=first) if first == last else Q(pk__range=(first, last))
    return condition


def validated_checks(result: ImportResult) -> frozenset[str]:
    """The checks every record this import wrote passed on the way in (its kind's importer's
    ``validated_checks``)."""
    from bangfu.transfer.kinds import get_kind

    return get_kind(result.kind).importer.validated_checks


def checks_after_import(result: ImportResult) -> QualityReport | None:
    """The checks over the records a finished import wrote; None when it wrote no registry
    records (an org sheet, or a dry run)."""
    written = result.written
    persons = set(written.get("persons", ()))
    households = set(written.get("households", ()))
    helpers = set(written.get("helpers", ()))
    if not (persons or households or helpers):
        return None
    if len(persons) + len(households) + len(helpers) > ID_LIST_LIMIT:
        conditions = [runs_condition(ids) for ids in (persons, households, helpers)]
        if all(condition is not None for condition in conditions):
            on_persons, on_households, on_helpers = conditions
            return run_checks_in_threads(
                persons=Person.objects.filter(on_persons),
                households=Household.objects.filter(on_households),
                helpers=Helper.objects.filter(on_helpers),
                codes=[d.code for d in CHECKS if d.code not in validated_checks(result)],
            )
        paths: set[str] = set()
        for model, ids in ((Person, persons), (Household, households), (Helper, helpers)):
            paths.update(unit_paths(model, ids))
        unit = lowest_common_unit(paths)
        return run_checks_for_org(unit) if unit is not None else None
    households |= set(
        Member.objects.filter(person_id__in=persons).values_list("household_id", flat=True)
    )
    persons |= set(
        Member.objects.filter(household_id__in=households).values_list("person_id", flat=True)
    )
    helpers |= set(Helper.objects.filter(person_id__in=persons).values_list("pk", flat=True))
    return run_checks(
        persons=Person.objects.filter(pk__in=persons),
        households=Household.objects.filter(pk__in=households),
        helpers=Helper.objects.filter(pk__in=helpers),
    )
