"""The compliance report and the dashboard's compliance chart read the summary tables' compliance
rows (obligations per unit, rule, window and helper; coverage subjects and spans): for all six
program templates — monthly, weekly, semester and school-year periods, occasions, the visiting
month, life events — every figure equals the same report counted from the records, for every
subtree, ranges and days (a day before the last activity, whose open windows need the records;
a day after today), before and after changes made behind the services' back."""

from __future__ import annotations

import datetime
import random
from typing import Any
from unittest import mock

from bangfu.activities.models import Activity, ActivityLink, LifeEvent
from bangfu.compliance.engine import rule_types
from bangfu.compliance.tests.test_coverage_counts import world  # noqa: F401 (the fixture)
from bangfu.pairings.models import Pairing
from bangfu.registry.models import Member
from bangfu.reports import summaries
from bangfu.reports.base import Params
from bangfu.reports.models import COMPLIANCE, DutyTally, StaleUnit
from bangfu.reports.reports import build
from bangfu.reports.tests.test_summaries import _from_records

D = datetime.date
FIRST = D(2025, 9, 1)


def _activities(w: Any, rng: random.Random) -> None:
    """Random activities of the rules' types for every pairing, from the start of the programs
    to a day in 2026, and life events on the households and persons of the 困难职工 pairings."""
    for program in w.programs.values():
        types = sorted({t for r in program.rules for t in rule_types(program, r)})
        for pairing in Pairing.objects.filter(program=program):
            for _i in range(rng.randint(0, 14)):
                day = FIRST + datetime.timedelta(days=rng.randint(-20, 320))
                kind = rng.choice(types)
                activity = Activity.objects.create(
                    program=program,
                    type=kind,
                    date=day,
                    helper=pairing.helper,
                    helper_org=pairing.helper_org,
                    org=pairing.helper.org if pairing.helper else pairing.helper_org,
                )
                ActivityLink.objects.create(
                    activity=activity,
                    pairing=pairing,
                    program=program,
                    type=kind,
                    date=day,
                    household=pairing.household,
                    person=pairing.person,
                    beneficiary_org=pairing.beneficiary_org,
                )
    kunnan = w.programs["kunnan"]
    kinds = [k for r in kunnan.rules if r.get("kind") == "event" for k in r["events"]]
    for pairing in Pairing.objects.filter(program=kunnan).exclude(household=None):
        member = Member.objects.filter(household=pairing.household).first()
        for _i in range(3):
            day = FIRST + datetime.timedelta(days=rng.randint(0, 300))
            subject = {"household": pairing.household} if rng.random() < 0.5 else {}
            if not subject and member is not None:
                subject = {"person": member.person}
            if subject:
                LifeEvent.objects.create(
                    kind=rng.choice(kinds), date=day, org=pairing.org, **subject
                )


def _cases(w: Any) -> list[Params]:
    roots = [w.a, w.a1, w.a1v, w.a2, w.a2v, w.a_office]
    spans = [
        (FIRST, D(2026, 6, 30), D(2026, 6, 30)),  # after every activity
        (D(2025, 10, 1), D(2025, 12, 31), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31)),  # a day to come
        (FIRST, D(2026, 3, 15), D(2026, 3, 15)),  # activities after it: read from the records
    ]
    return [
        Params(org=root, as_of=as_of, date_from=first, date_to=last)
        for root in roots
        for first, last, as_of in spans
    ]


def _compare(w: Any, user: Any) -> int:
    """Every case's report from the summaries equals the one from the records; the number of
    cases that were read from the summaries."""
    from bangfu.reports.dashboard import compliance

    summed = 0
    for params in _cases(w):
        with mock.patch.object(summaries, "duties", wraps=summaries.duties) as duties:
            fast = build("compliance", user=user, params=params).as_json()
        summed += bool(duties.called)
        assert not StaleUnit.objects.filter(part=COMPLIANCE).exists()
        with _from_records():
            slow = build("compliance", user=user, params=params).as_json()
        assert fast == slow, (params.org.name, params.start, params.as_of)
        fast_chart = compliance(user, params.org, params.as_of).option
        with _from_records():
            assert compliance(user, params.org, params.as_of).option == fast_chart
    return summed


def test_compliance_report_equals_the_records(world):  # noqa: F811 (the fixture)
    _activities(world, random.Random(7))
    cases = len(_cases(world))
    summed = _compare(world, world.admin)
    # Most cases are read from the summaries; the day with later activities is not.
    assert cases // 2 < summed < cases
    report = build("compliance", user=world.admin, params=_cases(world)[0]).as_json()
    assert "达标率" in str(report) and DutyTally.objects.exists()
    total = next(t for t in report["tables"] if t["key"] == "units")["rows"][-1]["values"]
    assert total[0] and total[1]  # met and missed: the comparison is not of empty reports

    # Changes behind the services' back: links moved and deleted, a pairing ended and moved to
    # another unit, an event deleted.
    links = list(ActivityLink.objects.order_by("pk")[:40])
    for link in links[:20]:
        ActivityLink.objects.filter(pk=link.pk).update(date=link.date + datetime.timedelta(days=40))
    ActivityLink.objects.filter(pk__in=[link.pk for link in links[20:]]).delete()
    pairing = Pairing.objects.filter(program=world.programs["jingzhun"]).order_by("pk").first()
    Pairing.objects.filter(pk=pairing.pk).update(end=D(2026, 2, 10), org=world.a2v)
    LifeEvent.objects.order_by("pk").first().delete()
    _compare(world, world.admin)
    # A program's own edit fires no trigger on its units' rows: its digest catches it.
    program = world.programs["siyige"]
    for rule in program.definition["rules"]:
        if rule.get("period") == "month":
            rule["count"] = 2
    program.save(update_fields=["definition"])
    _compare(world, world.admin)


def test_a_helper_reads_their_own_pairings_from_the_records(world):  # noqa: F811
    _activities(world, random.Random(3))
    params = _cases(world)[0]
    with mock.patch.object(summaries, "duties", wraps=summaries.duties) as duties:
        build("compliance", user=world.helper, params=params)
    assert not duties.called


def _marks() -> set[int]:
    return set(StaleUnit.objects.filter(part=COMPLIANCE).values_list("org_id", flat=True))


def test_changes_mark_the_units_they_touch(world):  # noqa: F811
    from bangfu.registry.models import Helper, Tag

    summaries.refresh(COMPLIANCE)
    assert not _marks()
    pairing = Pairing.objects.filter(program=world.programs["jingzhun"], helper__isnull=False)
    pairing = pairing.exclude(helper__org=world.a1v).order_by("pk").first()
    # A pairing: its unit, its household's, its helper's.
    Pairing.objects.filter(pk=pairing.pk).update(end=D(2026, 1, 31))
    assert _marks() == {pairing.org_id, pairing.household.org_id, pairing.helper.org_id}
    summaries.refresh(COMPLIANCE)
    # A link: its pairing's unit.
    activity = Activity.objects.create(
        program=pairing.program,
        type="走访",
        date=D(2025, 10, 9),
        helper=pairing.helper,
        org=pairing.helper.org,
    )
    ActivityLink.objects.create(
        activity=activity,
        pairing=pairing,
        program=pairing.program,
        type="走访",
        date=D(2025, 10, 9),
        household=pairing.household,
    )
    assert _marks() == {pairing.org_id}
    summaries.refresh(COMPLIANCE)
    # A life event on a household: the units of its pairings, in every program.
    event = LifeEvent.objects.create(
        kind="生病住院", date=D(2025, 11, 2), org=pairing.org, household=pairing.household
    )
    units = set(
        Pairing.objects.filter(household=pairing.household).values_list("org_id", flat=True)
    )
    assert _marks() == units
    summaries.refresh(COMPLIANCE)
    event.delete()
    assert _marks() == units
    summaries.refresh(COMPLIANCE)
    # A helper's capacity, a tag on a helper's person: the helper's unit (and the person's).
    helper = Helper.objects.get(person__name="帮扶二")
    Helper.objects.filter(pk=helper.pk).update(capacity=1)
    assert _marks() == {helper.org_id}
    summaries.refresh(COMPLIANCE)
    helper.person.tags.add(Tag.objects.get_or_create(name="教师")[0])
    assert _marks() == {helper.org_id, helper.person.org_id}


def test_a_new_year_moves_the_windows_on(world):  # noqa: F811
    from django.utils import timezone

    from bangfu.reports.models import ComplianceState

    summaries.refresh(COMPLIANCE)
    today = timezone.localdate()
    program = world.programs["jingzhun"]
    state = ComplianceState.objects.get(program_id=program.pk)
    assert state.horizon == D(today.year + 1, 12, 31)
    assert summaries.refresh(COMPLIANCE) == 0
    # A day past the windows listed is read from the records.
    assert summaries.duties_hold(program, D(today.year + 1, 12, 31))
    assert not summaries.duties_hold(program, D(today.year + 2, 1, 1))
    with mock.patch.object(timezone, "localdate", return_value=D(today.year + 1, 1, 2)):
        assert summaries.refresh(COMPLIANCE) > 0  # every unit of every program recounted
    state.refresh_from_db()
    assert state.horizon == D(today.year + 2, 12, 31)
    assert summaries.duties_hold(program, D(today.year + 2, 1, 1))
