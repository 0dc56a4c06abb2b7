"""The data-quality checks (逻辑校验) run after every import, over what the import wrote.

Small imports are checked record by record: the persons, households and helpers written, with the
households those persons belong to and the members of those households (a check such as 户主与
配偶性别相同 needs the whole household). A large import is checked over the subtree of the lowest
unit that holds everything it wrote: the same answer for those records, in set-based queries
instead of a long list of ids."""

from __future__ import annotations

from bangfu.core.batching import chunked
from bangfu.registry.models import Helper, Household, Member, Person
from bangfu.registry.quality import QualityReport, run_checks, run_checks_for_org
from bangfu.transfer.importers import ImportResult, lowest_common_unit

# Above this many written records, check the subtree instead of an id list.
ID_LIST_LIMIT = 5000
CHUNK = 900


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
        paths: set[str] = set()
        for model, ids in ((Person, persons), (Household, households), (Helper, helpers)):
            for chunk in chunked(sorted(ids), CHUNK):
                paths.update(model.objects.filter(pk__in=chunk).values_list("org__path", flat=True))
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
