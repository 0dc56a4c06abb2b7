"""The summary tables behind the reports: the triggers mark every changed unit stale, whatever
code writes; a refresh recounts exactly the marked units and keeps marks it did not read; and
every report read from the summaries equals the same report read from the records, on random
data, at several levels of the tree, before and after changes (moves, deletions, edits)."""

from __future__ import annotations

import datetime
import random
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest

from bangfu.activities.models import Activity, ActivityLink
from bangfu.pairings.models import Pairing
from bangfu.registry.choices import Employment, Relation, Schooling, Status
from bangfu.registry.models import Household, Member, Person, StatusChange
from bangfu.registry.tests.factories import PersonFactory, household_with_members
from bangfu.reports import summaries
from bangfu.reports.base import Params
from bangfu.reports.models import (
    ACTIVITIES,
    COMPLIANCE,
    REACH,
    REGISTRY,
    ActivityTally,
    HouseholdTally,
    MemberTally,
    ReachSpan,
    ReachTally,
    StaleUnit,
    StatusEntryTally,
)
from bangfu.reports.reports import build
from bangfu.reports.tests.test_seed_scale import AS_OF, START, make

D = datetime.date


def _marks(part: str = REGISTRY) -> set[int]:
    return set(StaleUnit.objects.filter(part=part).values_list("org_id", flat=True))


@contextmanager
def _from_records():
    """The reports as they read the records (no reader's reach is whole subtrees)."""
    with (
        mock.patch.object(summaries, "reach", return_value=None),
        mock.patch.object(summaries, "whole_subtree", return_value=None),
    ):
        yield


def _both(kind: str, user, params: Params) -> tuple[dict, dict]:
    fast = build(kind, user=user, params=params).as_json()
    part = ACTIVITIES if kind == "activities" else REGISTRY
    assert not StaleUnit.objects.filter(part=part).exists()  # refreshed and read
    with _from_records():
        slow = build(kind, user=user, params=params).as_json()
    return fast, slow


# -- the triggers ---------------------------------------------------------------------------


def test_every_change_marks_its_unit(world):
    summaries.refresh_all()
    assert not StaleUnit.objects.exists()
    household = household_with_members(world.a1v, 2, statuses=[(D(2024, 1, 1), "assisting")])
    assert _marks() == {world.a1v.pk}
    summaries.refresh_all()

    # A move marks the unit it left and the one it joined.
    Household.objects.filter(pk=household.pk).update(org=world.b1)
    assert _marks() == {world.a1v.pk, world.b1.pk}
    summaries.refresh_all()

    # A member, a status step, a person's schooling: the unit of the household.
    person = PersonFactory(org=world.a1)
    assert _marks() == set()  # a new person belongs to no household yet
    Member.objects.create(household=household, person=person, relation=Relation.DAUGHTER)
    assert _marks() == {world.b1.pk}
    summaries.refresh_all()
    StatusChange.objects.create(household=household, status="exited", date=D(2024, 6, 1))
    assert _marks() == {world.b1.pk}
    summaries.refresh_all()
    Person.objects.filter(pk=person.pk).update(schooling=Schooling.SENIOR)
    assert _marks() == {world.b1.pk}
    summaries.refresh_all()
    Person.objects.filter(pk=person.pk).update(name="改名")  # not a field the reports count
    assert _marks() == set()
    Member.objects.filter(person=person).delete()
    assert _marks() == {world.b1.pk}
    summaries.refresh_all()
    Household.objects.filter(pk=household.pk).delete()
    assert _marks() == {world.b1.pk}
    summaries.refresh_all()
    assert not HouseholdTally.objects.filter(org=world.b1).exists()
    assert not StatusEntryTally.objects.filter(org=world.b1).exists()


def test_activities_mark_the_unit_that_did_them(world):
    scale = make(world)
    summaries.refresh_all()
    activity = Activity.objects.exclude(org=world.b1).first()
    assert activity is not None and scale.org("甲镇") is not None
    Activity.objects.filter(pk=activity.pk).update(org=world.b1)
    assert _marks(ACTIVITIES) == {activity.org_id, world.b1.pk}
    assert _marks(REGISTRY) == set()
    summaries.refresh_all()
    assert ActivityTally.objects.filter(org=world.b1).get().n == 1


def test_refresh_keeps_marks_it_did_not_read(world, monkeypatch):
    """A change committed while a refresh recounts (its mark carries another transaction id)
    stays marked for the next refresh."""
    household_with_members(world.a1v, 1)
    real = summaries._recount_registry

    def recount_during_a_change(units):
        real(units)
        StaleUnit.objects.create(part=REGISTRY, org_id=world.a1v.pk, xact=99)

    monkeypatch.setattr(summaries, "_recount_registry", recount_during_a_change)
    assert summaries.refresh(REGISTRY) == 1
    kept = StaleUnit.objects.filter(part=REGISTRY).values_list("org_id", "xact")
    assert list(kept) == [(world.a1v.pk, 99)]


def test_rebuild_recounts_everything(world):
    household_with_members(world.a1v, 3, statuses=[(D(2024, 1, 1), "assisting")])
    summaries.refresh_all()
    HouseholdTally.objects.update(households=7)  # damaged by hand
    MemberTally.objects.all().delete()
    assert summaries.rebuild() == {REGISTRY: 1, ACTIVITIES: 0, REACH: 1, COMPLIANCE: 1}
    row = HouseholdTally.objects.get()
    assert (row.households, row.persons) == (1, 3)
    assert sum(MemberTally.objects.values_list("n", flat=True)) == 3


# -- the reports: summaries equal records ---------------------------------------------------


def _random_registry(world, rng: random.Random) -> None:
    """Households with re-entries into a status (some inside the report's range), members of
    every relation, and sons and daughters born on both sides of the 16-year cutoff."""
    orgs = [world.a1v, world.a1, world.b1, world.a_office]
    for _ in range(80):
        steps = []
        day = D(2023, 1, 1)
        for _s in range(rng.choice([0, 1, 2, 3, 4, 5])):
            day += datetime.timedelta(days=rng.choice([0, 0, 20, 90, 200]))
            steps.append((day, rng.choice([Status.ASSISTING, Status.PROPOSED_EXIT])))
        household = household_with_members(rng.choice(orgs), rng.randint(0, 4), statuses=steps)
        Household.objects.filter(pk=household.pk).update(
            main_cause=rng.choice(["", "illness", "disability", "education"]),
            difficulty=rng.choice(["", "deep", "general"]),
        )
        for member in Member.objects.filter(household=household).exclude(relation="head"):
            Member.objects.filter(pk=member.pk).update(
                relation=rng.choice([Relation.SON, Relation.DAUGHTER, Relation.SPOUSE])
            )
            born = rng.choice([None, D(2009, 6, 30), D(2009, 7, 1), D(2009, 1, 1), D(2008, 12, 31)])
            Person.objects.filter(pk=member.person_id).update(
                birth_date=born,
                schooling=rng.choice(["", Schooling.SENIOR, Schooling.NOT_IN_SCHOOL]),
                employment=rng.choice(["", Employment.UNEMPLOYED, Employment.NONE]),
            )


def test_registry_reports_equal_the_records(world):
    _random_registry(world, random.Random(11))
    as_of = D(2025, 6, 30)  # the 16-year cutoff is 2009-06-30
    entered_twice = 0
    for org in (None, world.a, world.a1, world.a1v, world.b1):
        for date_from, date_to in ((D(2023, 3, 15), as_of), (None, as_of), (D(2024, 1, 1), None)):
            params = Params(org=org, as_of=as_of, date_from=date_from, date_to=date_to)
            for kind in ("status", "qiqing"):
                fast, slow = _both(kind, world.admin, params)
                assert fast == slow, (kind, org, date_from, date_to)
            if org is None and date_from == D(2023, 3, 15):
                entries = build("status", user=world.admin, params=params).extra["entries"]
                steps = StatusChange.objects.filter(date__gte=date_from, date__lte=as_of)
                entered_twice = steps.count() - sum(e["households"] for e in entries.values())
    # The data has households entering the same status twice within the range, counted once.
    assert entered_twice > 0
    # A unit administrator reads the same figures as the records give them.
    params = Params(org=world.a1, as_of=as_of, date_from=D(2024, 1, 1), date_to=as_of)
    fast, slow = _both("qiqing", world.unit_admin, params)
    assert fast == slow
    grown = build("qiqing", user=world.admin, params=params).table("children_work").total
    assert grown is not None and grown.values[0] > 0


def test_reports_follow_changes_without_a_refresh(world):
    rng = random.Random(5)
    _random_registry(world, rng)
    as_of = D(2025, 6, 30)
    params = Params(org=world.a, as_of=as_of, date_from=D(2024, 1, 1), date_to=as_of)
    before = build("qiqing", user=world.admin, params=params).as_json()
    # Changes made behind the services' back, as a script or the shell would.
    household = Household.objects.filter(org=world.a1v).first()
    assert household is not None
    Household.objects.filter(pk=household.pk).update(org=world.b1, main_cause="disability")
    Person.objects.filter(memberships__household__org=world.a1).update(
        schooling=Schooling.NOT_IN_SCHOOL, birth_date=D(2000, 1, 1)
    )
    Member.objects.filter(household__org=world.a_office).delete()
    for kind in ("status", "qiqing"):
        fast, slow = _both(kind, world.admin, params)
        assert fast == slow, kind
    assert build("qiqing", user=world.admin, params=params).as_json() != before


def test_status_before_the_last_step_reads_the_history(world):
    _random_registry(world, random.Random(3))
    last = max(StatusChange.objects.values_list("date", flat=True))
    params = Params(org=None, as_of=last - datetime.timedelta(days=30))
    summaries.refresh_all()
    assert (
        summaries.status_figures([""], as_of=params.as_of, org=None, date_from=None, date_to=None)
        is None
    )
    fast, slow = _both("status", world.admin, params)
    assert fast == slow


def test_activity_report_equals_the_records(world):
    scale = make(world)
    for org in (world.a, scale.org("甲镇"), scale.org("丁镇")):
        for date_from in (START, D(2024, 3, 17)):
            params = Params(org=org, as_of=AS_OF, date_from=date_from, date_to=AS_OF)
            fast, slow = _both("activities", world.admin, params)
            assert fast == slow, (org, date_from)
    # Reversing an activity's posted ledger entry takes its 元 out at once.
    from bangfu.ledger.models import LedgerEntry
    from bangfu.ledger.services import entry_reverse

    params = Params(org=world.a, as_of=AS_OF, date_from=START, date_to=AS_OF)
    money = build("activities", user=world.admin, params=params).table("type").total
    entry = LedgerEntry.objects.filter(
        status="posted", activity__date__gte=START, amount__gt=0
    ).first()
    assert entry is not None and money is not None
    entry_reverse(actor=world.admin, entry=entry, reason="对象有误", date=entry.date)
    fast, slow = _both("activities", world.admin, params)
    assert fast == slow
    after_reversal = build("activities", user=world.admin, params=params).table("type").total
    assert after_reversal is not None
    assert after_reversal.values[3] == money.values[3] - entry.amount
    # Deleting activities is seen at once.
    params = Params(org=world.a, as_of=AS_OF, date_from=START, date_to=AS_OF)
    before = build("activities", user=world.admin, params=params).table("type").total
    Activity.objects.filter(date__gte=START, type="走访").order_by("pk")[:1].get().delete()
    after = build("activities", user=world.admin, params=params).table("type").total
    assert before is not None and after is not None
    assert after.values[0] == before.values[0] - 1


def test_command_refreshes_and_rebuilds(world):
    import json
    from io import StringIO

    from django.core.management import call_command

    household_with_members(world.a1v, 2)
    household_with_members(world.b1, 1)
    out = StringIO()
    call_command("summaries", format="json", stdout=out)
    units = {REGISTRY: 2, ACTIVITIES: 0, REACH: 2, COMPLIANCE: 2}
    assert json.loads(out.getvalue())["units"] == units
    assert not StaleUnit.objects.exists()
    out = StringIO()
    call_command("summaries", stdout=out)
    assert "户籍 0 个单位" in out.getvalue()
    HouseholdTally.objects.all().delete()
    call_command("summaries", rebuild=True, stdout=StringIO())
    assert sum(HouseholdTally.objects.values_list("persons", flat=True)) == 3


def test_reach_figures_equal_the_records(world):
    """七清's 帮扶工作 — paired households on the day, activities, 户次 and households reached in
    the range — with activities that reached households of two townships, households with
    overlapping and ended pairings, and ranges starting on and within a month."""
    scale = make(world)
    towns = [scale.org("甲镇"), scale.org("丁镇")]
    far = list(Pairing.objects.filter(household__org__path__startswith=towns[1].path)[:12])
    near = Activity.objects.filter(
        org__path__startswith=towns[0].path, date__gte=START, type="走访"
    ).order_by("pk")[:12]
    for activity, pairing in zip(near, far, strict=True):
        ActivityLink.objects.create(
            activity=activity,
            pairing=pairing,
            program=activity.program,
            type=activity.type,
            date=activity.date,
            household=pairing.household,
        )
    for pairing in Pairing.objects.exclude(household=None).order_by("pk")[:30:3]:
        pairing.pk = None
        pairing.start = pairing.start + datetime.timedelta(days=40)
        pairing.end = pairing.start + datetime.timedelta(days=400)
        pairing.save()
    # Money given to a unit, not a household: no household's 七清 counts it.
    from bangfu.ledger.models import LedgerEntry

    given = LedgerEntry.objects.filter(status="posted", household__isnull=False).first()
    assert given is not None
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                org=given.org,
                program=given.program,
                category=given.category,
                date=given.date,
                amount=Decimal("9999.00"),
                status="posted",
                approver=given.approver,
                posted_at=given.posted_at,
                source_kind=given.source_kind,
                source_org=given.source_org,
                recipient_org=towns[0],
            )
        ]
    )
    assert summaries.refresh_all()[REACH] > 0
    assert ReachSpan.objects.exists()
    for org in (None, world.a, *towns, scale.org("甲村")):
        for date_from in (START, D(2024, 3, 17), D(2024, 7, 1)):
            for as_of in (AS_OF, D(2024, 8, 20)):
                params = Params(org=org, as_of=as_of, date_from=date_from, date_to=as_of)
                fast, slow = _both("qiqing", world.admin, params)
                assert fast == slow, (org, date_from, as_of)
    # The twelve activities that reached both townships are on both townships' rows of the
    # summary, and count once in the county.
    from django.db.models import Sum

    summed = ReachTally.objects.filter(date__gte=START, date__lte=AS_OF).aggregate(
        n=Sum("activities")
    )
    report = build("qiqing", user=world.admin, params=Params(world.a, AS_OF, START, AS_OF))
    lines = {line.label: line.values[0] for line in report.table("assistance").lines}
    assert summed["n"] - lines["期间帮扶活动 (次)"] == 12


def test_helpers_table_names_helpers_up_to_a_limit(world, monkeypatch):
    from bangfu.reports.kinds import activities as kind

    make(world)
    params = Params(org=world.a, as_of=AS_OF, date_from=START, date_to=AS_OF)
    named = build("activities", user=world.admin, params=params).table("helpers")
    assert len(named.parts) > 2
    monkeypatch.setattr(kind, "HELPER_LINES", 2)
    capped = build("activities", user=world.admin, params=params).table("helpers")
    assert [line.label for line in capped.lines] == ["未逐人列出", "合计"]
    assert capped.total is not None and named.total is not None
    assert capped.total.values[0] == named.total.values[0]
    assert "不逐人列出" in capped.note


def test_a_locked_database_makes_the_report_read_the_records(world, monkeypatch):
    """On SQLite a long import holds the write lock; a report that cannot refresh the
    summaries then reads the records (on PostgreSQL refreshes wait their turn instead)."""
    from django.db import OperationalError, connection

    household_with_members(world.a1v, 2, statuses=[(D(2024, 1, 1), "assisting")])
    params = Params(org=world.a, as_of=D(2024, 6, 30), date_from=D(2024, 1, 1))
    expected = build("status", user=world.admin, params=params).as_json()
    household_with_members(world.a1v, 3, statuses=[(D(2024, 2, 1), "assisting")])

    def locked(part):
        raise OperationalError("database is locked")

    monkeypatch.setattr(summaries, "refresh", locked)
    if connection.vendor != "sqlite":
        with pytest.raises(OperationalError):
            build("status", user=world.admin, params=params)
        return
    report = build("status", user=world.admin, params=params).as_json()
    assert report != expected  # the new household is counted: read from the records
    assert report["by_status"]["帮扶中"] == {"households": 2, "persons": 5}
    assert StaleUnit.objects.filter(part=REGISTRY).exists()  # nothing was refreshed


def test_dashboard_equals_the_records(world):
    """The dashboard's trend, unit comparison, causes and status flow read the summaries; each
    chart equals the one drawn from the records."""
    from bangfu.reports.dashboard import charts

    scale = make(world)
    for root in (None, world.a, scale.org("甲镇")):
        fast = [(c.key, c.option, c.empty) for c in charts(world.admin, root, AS_OF)]
        with _from_records():
            slow = [(c.key, c.option, c.empty) for c in charts(world.admin, root, AS_OF)]
        assert fast == slow, root
        assert not any(empty for key, _o, empty in fast if key != "compliance"), root
