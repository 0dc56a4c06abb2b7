"""The rules engine: windows (periods, semesters, lunar occasions, leap years), the exact
semantics on hand-made cases, and — property-based — the SQL evaluation against the plain-Python
reference on random pairings, activities, events and dates."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.activities.models import Activity, ActivityLink, LifeEvent
from bangfu.activities.services import activity_create, event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.compliance.engine import coverage_rows, evaluate, summary
from bangfu.compliance.reference import reference_from_db
from bangfu.compliance.windows import calendar_windows, occasion_date, periods_between
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.registry.models import Helper, Member
from bangfu.registry.tests.factories import PersonFactory, household_with_members

D = datetime.date


# -- windows ---------------------------------------------------------------------------------


def test_lunar_occasions_come_from_the_calendar_for_any_year():
    assert occasion_date("春节", 2025) == D(2025, 1, 29)
    assert occasion_date("春节", 2026) == D(2026, 2, 17)
    assert occasion_date("春节", 2028) == D(2028, 1, 26)
    assert occasion_date("中秋", 2026) == D(2026, 9, 25)
    assert occasion_date("春节", 2061) == D(2061, 1, 21)
    assert occasion_date("元旦", 2027) == D(2027, 1, 1)


def test_spring_festival_window_crosses_january_and_february():
    rule = {"kind": "calendar", "occasion": "春节", "before": 15, "after": 5}
    windows = calendar_windows(rule, D(2027, 6, 1), D(2028, 3, 1))
    assert [(w.start, w.end) for w in windows] == [(D(2028, 1, 11), D(2028, 1, 31))]
    new_year = {"kind": "calendar", "occasion": "元旦", "before": 15, "after": 5}
    (w,) = calendar_windows(new_year, D(2025, 12, 20), D(2025, 12, 31))
    assert (w.start, w.end, w.label) == (D(2025, 12, 17), D(2026, 1, 6), "2026年元旦")
    june = {"kind": "calendar", "month": 6}
    (m,) = calendar_windows(june, D(2026, 1, 1), D(2026, 12, 31))
    assert (m.start, m.end) == (D(2026, 6, 1), D(2026, 6, 30))


def test_periods_weeks_semesters_and_leap_years():
    weeks = periods_between("week", D(2025, 12, 30), D(2026, 1, 6))
    assert [(w.start, w.end) for w in weeks] == [
        (D(2025, 12, 29), D(2026, 1, 4)),
        (D(2026, 1, 5), D(2026, 1, 11)),
    ]
    semesters = periods_between("semester", D(2025, 7, 15), D(2026, 9, 2))
    assert [(w.start, w.end) for w in semesters] == [
        (D(2025, 2, 1), D(2025, 7, 31)),
        (D(2025, 9, 1), D(2026, 1, 31)),
        (D(2026, 2, 1), D(2026, 7, 31)),
        (D(2026, 9, 1), D(2027, 1, 31)),
    ]  # August is a holiday: no window
    months = periods_between("month", D(2028, 2, 1), D(2028, 2, 29))
    assert [(w.start, w.end) for w in months] == [(D(2028, 2, 1), D(2028, 2, 29))]
    years = periods_between("school_year", D(2026, 8, 31), D(2026, 9, 1))
    assert [(w.start, w.end) for w in years] == [
        (D(2025, 9, 1), D(2026, 8, 31)),
        (D(2026, 9, 1), D(2027, 8, 31)),
    ]


# -- the semantics on the six templates -----------------------------------------------------


@pytest.fixture
def world(world):
    return build_activity_world(world)


def _talk(world, day):
    return activity_create(
        actor=world.admin,
        program=world.programs["siyige"],
        type="谈心",
        date=day,
        pairings=[world.student_pairing],
        values={"theme": "学习", "content": "谈心记录"},
        today=D(2026, 12, 31),
    )


def test_monthly_talks_met_missed_due_and_later_periods_not_listed(world):
    program = world.programs["siyige"]
    _talk(world, D(2025, 9, 10))
    _talk(world, D(2025, 11, 3))
    result = [
        o
        for o in evaluate(program, D(2025, 11, 20), pairing_ids=[world.student_pairing.pk])
        if o.rule == "talk-monthly"
    ]
    assert [(o.start, o.status, o.done) for o in result] == [
        (D(2025, 9, 1), "met", 1),
        (D(2025, 10, 1), "missed", 0),
        (D(2025, 11, 1), "met", 1),
    ]
    # As of an earlier day the November talk does not count yet: the month is due.
    early = evaluate(program, D(2025, 11, 2), pairing_ids=[world.student_pairing.pk])
    november = [o for o in early if o.rule == "talk-monthly" and o.start == D(2025, 11, 1)]
    assert [(o.status, o.done) for o in november] == [("due", 0)]


def test_deleting_an_activity_changes_the_answer_at_once(world):
    program = world.programs["siyige"]
    talk = _talk(world, D(2025, 10, 8))

    def october():
        return next(
            o
            for o in evaluate(program, D(2025, 12, 1), pairing_ids=[world.student_pairing.pk])
            if o.rule == "talk-monthly" and o.start == D(2025, 10, 1)
        )

    assert october().status == "met"
    talk.delete()
    assert october().status == "missed"


def test_a_pairing_owes_only_windows_it_covers(world):
    program = world.programs["jingzhun"]
    # The pairings start on 2025-09-01: September's window is owed, August's is not.
    result = evaluate(program, D(2025, 10, 15), pairing_ids=[world.pairing.pk])
    monthly = [o.start for o in result if o.rule == "visit-monthly"]
    assert monthly == [D(2025, 9, 1), D(2025, 10, 1)]
    world.pairing.end = D(2025, 10, 20)
    world.pairing.save()
    result = evaluate(program, D(2025, 10, 15), pairing_ids=[world.pairing.pk])
    assert [o.start for o in result if o.rule == "visit-monthly"] == [D(2025, 9, 1)]


def test_five_must_visits_and_six_must_arrive(world):
    program = world.programs["kunnan"]
    pairing = world.worker_pairing
    member = world.worker.members.exclude(person=world.worker.head).first().person
    event_create(
        actor=world.admin, kind="生病住院", date=D(2026, 3, 10), person=member, today=D(2026, 12, 1)
    )
    event_create(
        actor=world.admin,
        kind="结婚",
        date=D(2026, 5, 2),
        household=world.worker,
        today=D(2026, 12, 1),
    )
    for day in (D(2026, 2, 10), D(2026, 3, 15)):  # spring festival; 5 days after the hospital
        activity_create(
            actor=world.helper,
            program=program,
            type="走访",
            date=day,
            pairings=[pairing],
            values={"content": "走访"},
            today=D(2026, 12, 1),
        )
    result = evaluate(program, D(2026, 5, 20), pairing_ids=[pairing.pk])
    by_rule = {(o.rule, o.start): o.status for o in result}
    assert by_rule[("spring-festival", D(2026, 2, 2))] == "met"  # 2026-02-17 − 15 days
    assert by_rule[("new-year", D(2025, 12, 17))] == "missed"
    assert by_rule[("labour-day", D(2026, 4, 16))] == "missed"  # May 1 − 15 … May 6
    events = sorted((o.start, o.end, o.status) for o in result if o.rule == "life-events")
    assert events == [
        (D(2026, 3, 10), D(2026, 3, 17), "met"),
        (D(2026, 5, 2), D(2026, 5, 9), "missed"),
    ]
    assert ("june-month", D(2026, 6, 1)) not in by_rule  # not started yet
    counts = summary(program, D(2026, 5, 20), pairing_ids=[pairing.pk])
    assert counts["life-events"] == {"met": 1, "missed": 1}


def test_semester_and_school_year_rules(world):
    program = world.programs["siyige"]
    activity_create(
        actor=world.admin,
        program=program,
        type="送温暖",
        date=D(2026, 1, 20),
        pairings=[world.student_pairing],
        values={"content": "冬衣"},
        today=D(2026, 12, 1),
    )
    result = evaluate(program, D(2026, 9, 5), pairing_ids=[world.student_pairing.pk])
    yearly = [(o.start, o.end, o.status) for o in result if o.rule == "warmth-yearly"]
    assert yearly == [
        (D(2025, 9, 1), D(2026, 8, 31), "met"),
        (D(2026, 9, 1), D(2027, 8, 31), "due"),
    ]
    visits = [(o.start, o.status) for o in result if o.rule == "visit-semester"]
    assert visits == [
        (D(2025, 9, 1), "missed"),
        (D(2026, 2, 1), "missed"),
        (D(2026, 9, 1), "due"),
    ]


def test_coverage_rows(world):
    from bangfu.registry.models import Tag

    left_behind, _ = Tag.objects.get_or_create(name="留守儿童")
    teacher_tag, _ = Tag.objects.get_or_create(name="教师")
    world.student.tags.add(left_behind)
    alone = PersonFactory(org=world.a1v)
    alone.tags.add(left_behind)
    world.teacher.person.tags.add(teacher_tag)
    idle = Helper.objects.create(person=PersonFactory(org=world.a1), org=world.a1, capacity=3)
    idle.person.tags.add(teacher_tag)
    rows = coverage_rows(world.programs["siyige"], D(2026, 3, 1))
    students = {r.subject: (r.actual, r.status) for r in rows if r.rule == "student-covered"}
    assert students == {world.student.id_number: (1, "met"), alone.id_number: (0, "missed")}
    teachers = {r.subject: (r.actual, r.status) for r in rows if r.rule == "teacher-min"}
    assert teachers == {
        world.teacher.person.id_number: (1, "met"),
        idle.person.id_number: (0, "missed"),
    }
    from bangfu.registry.models import Household

    Household.objects.filter(pk=world.household.pk).update(status="assisting")
    jz = coverage_rows(world.programs["jingzhun"], D(2026, 3, 1))
    covered = {r.subject: (r.actual, r.status) for r in jz if r.rule == "covered"}
    assert covered[world.household.code] == (1, "met")
    # Before the pairings started nobody was covered.
    early = coverage_rows(world.programs["jingzhun"], D(2025, 8, 1))
    assert {r.status for r in early if r.rule == "covered"} == {"missed"}


# -- property-based: SQL against the reference -----------------------------------------------

TYPES = ["走访", "慰问", "谈心"]
PERIOD = st.sampled_from(["week", "month", "quarter", "year", "semester", "school_year"])

RULE = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.just("periodic"),
            "period": PERIOD,
            "count": st.integers(1, 3),
            "types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("calendar"),
            "occasion": st.sampled_from(["元旦", "春节", "五一", "十一", "中秋"]),
            "before": st.integers(0, 20),
            "after": st.integers(0, 10),
            "types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("calendar"),
            "month": st.integers(1, 12),
            "types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("event"),
            "events": st.lists(
                st.sampled_from(["结婚", "丧事", "生病住院", "意外事故"]),
                min_size=1,
                max_size=3,
                unique=True,
            ),
            "within_days": st.integers(0, 20),
            "types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
        }
    ),
)


EVENT_KINDS = ["结婚", "丧事", "生病住院", "意外事故"]
EDGES = [(1, 1), (1, 31), (2, 1), (2, 28), (3, 1), (6, 30), (7, 31), (8, 31), (9, 1), (12, 31)]


@st.composite
def scenarios(draw):
    """A program of 1–3 random rules (often with an event rule), a span of up to two years,
    pairings that start and end mid-period or on edges, and activities dense enough to meet
    some windows, many of them around the events and on the edges of windows (month ends,
    semester edges, leap days). Rules come from hypothesis' strategies; the dates from a random
    generator it seeds, so that they are spread over the span rather than bunched at its start."""
    rng = draw(st.randoms(use_true_random=True))
    rules = draw(st.lists(RULE, min_size=1, max_size=3))
    if rng.random() < 0.6 and not any(r["kind"] == "event" for r in rules):
        rules.append(draw(RULE.filter(lambda r: r["kind"] == "event")))
    for i, rule in enumerate(rules):
        rule["code"] = f"r{i}"
        rule["name"] = f"r{i}"

    def edge(year):
        month, day = rng.choice(EDGES)
        if (month, day) == (2, 28) and year % 4 == 0 and rng.random() < 0.5:
            day = 29
        return D(year, month, day)

    program_start = rng.choice(
        [
            D(2023, 6, 1) + datetime.timedelta(days=rng.randint(0, 1400)),
            edge(rng.randint(2023, 2026)),
        ]
    )
    as_of = program_start + datetime.timedelta(days=rng.randint(0, 730))

    def in_span():
        if rng.random() < 0.6:
            return program_start + datetime.timedelta(days=rng.randint(-20, 760))
        return edge(rng.randint(program_start.year, as_of.year + 1)) + datetime.timedelta(
            days=rng.choice([-1, 0, 0, 0, 1])
        )

    pairings = []
    for _i in range(rng.randint(1, 6)):
        start = program_start if rng.random() < 0.4 else max(program_start, in_span())
        end = None if rng.random() < 0.5 else max(start, in_span())
        pairings.append((rng.randint(0, 5), start, end))
    events = []
    for _i in range(rng.randint(0, 8)):
        kinds = [k for r in rules if r["kind"] == "event" for k in r["events"]] or EVENT_KINDS
        kind = rng.choice(kinds) if rng.random() < 0.8 else "退休"
        day = (
            in_span()
            if rng.random() < 0.3
            else program_start
            + datetime.timedelta(days=rng.randint(0, max(0, (as_of - program_start).days)))
        )
        events.append((rng.randint(0, 5), kind, day))
    # Some pairings start on an event's day or end right at its window's end (or a day either
    # side), where a window is or is not covered.
    event_rules = [r for r in rules if r["kind"] == "event"]
    if events and event_rules:
        for i, (b, start, end) in enumerate(pairings):
            if rng.random() < 0.3:
                day = rng.choice(events)[2] + datetime.timedelta(days=rng.choice([-1, 0, 0, 1]))
                start = max(program_start, day)
            if rng.random() < 0.5:
                day = rng.choice(events)[2] + datetime.timedelta(
                    days=rng.choice(event_rules)["within_days"] + rng.choice([-1, 0, 0, 1])
                )
                end = max(start, day)
            elif end is not None:
                end = max(start, end)
            pairings[i] = (b, start, end)
    activities = []
    for _i in range(rng.randint(0, 60)):
        index = rng.randint(0, 5)
        types = [t for r in rules for t in r["types"]]
        type_ = rng.choice(types) if rng.random() < 0.8 else rng.choice(TYPES)
        if events and rng.random() < 0.4:
            day = rng.choice(events)[2] + datetime.timedelta(days=rng.randint(-1, 22))
        else:
            day = in_span()
        activities.append((index, type_, day))
    return program_start, as_of, rules, pairings, activities, events


@pytest.fixture
def pool(world):
    """Beneficiaries for the random pairings: two households of two members, and persons —
    two of whom are those households' members — so that events reach across."""
    h1 = household_with_members(world.a1v, 2, code="HP0001")
    h2 = household_with_members(world.a1v, 2, code="HP0002")
    m1 = Member.objects.filter(household=h1).exclude(person=h1.head).first().person
    m2 = Member.objects.filter(household=h2).exclude(person=h2.head).first().person
    loner = PersonFactory(org=world.a1v)
    helper = Helper.objects.create(person=PersonFactory(org=world.a1), org=world.a1, capacity=99)
    template = ProgramTemplate.objects.create(
        code="prop", name="性质测试", definition={"rules": []}
    )
    beneficiaries = [
        {"household": h1},
        {"household": h2},
        {"person": m1},
        {"person": m2},
        {"person": loner},
        {"person": h1.head},
    ]
    return world, helper, template, beneficiaries


def _definition(rules):
    return {
        "code": "prop",
        "name": "性质测试",
        "helper": {"kind": "person", "label": "帮扶人"},
        "beneficiary": {"kind": "household", "label": "户"},
        "pairing": {
            "helpers_per_beneficiary": 9,
            "min_per_helper": 0,
            "max_per_helper": 99,
            "assign_within_days": 30,
        },
        "activity_types": [{"code": t, "name": t, "counts": "households"} for t in TYPES],
        "rules": rules,
    }


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_sql_evaluation_equals_the_reference(pool, scenario):
    world, helper, template, beneficiaries = pool
    program_start, as_of, rules, pairing_specs, activity_specs, event_specs = scenario
    with transaction.atomic():
        program = Program.objects.create(
            code="PROP",
            name="性质测试",
            template=template,
            org=world.a,
            area=world.a,
            start=program_start,
            definition=_definition(rules),
        )
        pairings = [
            Pairing.objects.create(
                program=program,
                helper=helper,
                org=world.a1v,
                start=start,
                end=end,
                **beneficiaries[b],
            )
            for b, start, end in pairing_specs
        ]
        for index, type_, day in activity_specs:
            if index >= len(pairings):
                continue
            pairing = pairings[index]
            activity = Activity.objects.create(
                program=program, type=type_, date=day, helper=helper, org=world.a1
            )
            ActivityLink.objects.create(
                activity=activity, pairing=pairing, program=program, type=type_, date=day
            )
        for b, kind, day in event_specs:
            subject = beneficiaries[b]
            LifeEvent.objects.get_or_create(org=world.a1v, kind=kind, date=day, **subject)
        engine = evaluate(program, as_of)
        expected = reference_from_db(program, as_of)
        transaction.set_rollback(True)
    assert [(o.key, o.required, o.done, o.status) for o in engine] == [
        (o.key, o.required, o.done, o.status) for o in expected
    ]
