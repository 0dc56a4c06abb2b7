"""Each metric on the known data set (factories.py), the score of a helper recomputed by hand
from its breakdown, and the ranking."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.assessment import metrics
from bangfu.assessment.metrics import Context
from bangfu.assessment.models import ProgressRecord
from bangfu.assessment.periods import current_key, window
from bangfu.assessment.scoring import Score, compute, rank, scale
from bangfu.assessment.services import scheme_save
from bangfu.assessment.tests.factories import TODAY, build_assessment_world
from bangfu.compliance.engine import evaluate

D = datetime.date
YEAR = window("year", "2026")


@pytest.fixture
def world(world):
    return build_assessment_world(world)


def _ctx(world, kind="helpers", programs=("jingzhun", "kunnan"), subjects=None):
    if subjects is None:
        subjects = [world.cadre, world.cadre2]
    paths = {s.pk: (s.org.path if kind == "helpers" else s.path) for s in subjects}
    return Context(
        kind=kind,
        subjects=paths,
        window=YEAR,
        today=TODAY,
        programs=[world.programs[p] for p in programs],
        root=world.a,
    ).load()


def _raw(values):
    return {k: v.raw for k, v in values.items()}


def test_periods():
    assert (YEAR.start, YEAR.end) == (D(2026, 1, 1), D(2026, 12, 31))
    first = window("semester", "2025-2026-1")
    assert (first.start, first.end, first.label) == (
        D(2025, 9, 1),
        D(2026, 1, 31),
        "2025-2026学年第一学期",
    )
    assert (window("semester", "2025-2026-2").start, window("semester", "2025-2026-2").end) == (
        D(2026, 2, 1),
        D(2026, 7, 31),
    )
    assert current_key("semester", D(2026, 10, 1)) == "2026-2027-1"
    with pytest.raises(ValueError):
        window("semester", "2025-2027-1")


def test_activity_metrics(world):
    ctx = _ctx(world)
    c, c2 = world.cadre.pk, world.cadre2.pk
    # Three visits to both households together and one to the worker household; the visit of
    # December 2025 is outside the year.
    assert _raw(metrics.activities_count(ctx)) == {c: 4, c2: 1}
    assert _raw(metrics.household_visits(ctx)) == {c: 7, c2: 1}
    assert _raw(metrics.person_times(ctx))[c2] >= 0


def test_aid_exits_objections(world):
    ctx = _ctx(world)
    c, c2 = world.cadre.pk, world.cadre2.pk
    assert _raw(metrics.aid_amount_wan(ctx)) == {c: Decimal("0.50"), c2: Decimal("0.00")}
    # 王干部's household exited in 2025: not this year.
    assert _raw(metrics.exits(ctx)) == {c: 1, c2: 0}
    assert _raw(metrics.objections_upheld(ctx)) == {c: 0, c2: 0}


def test_objections_count_zero_without_publicity(world, monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: False if name == "bangfu.publicity" else real(name)
    )
    values = metrics.objections_upheld(_ctx(world))
    assert {v.raw for v in values.values()} == {0}
    assert "公示模块未启用" in values[world.cadre.pk].detail


def test_objections_upheld_from_publicity(world):
    from django.apps import apps

    if not apps.is_installed("bangfu.publicity"):
        pytest.skip("publicity is not installed")
    Notice = apps.get_model("publicity", "Notice")
    Item = apps.get_model("publicity", "NoticeItem")
    Objection = apps.get_model("publicity", "Objection")
    notice = Notice.objects.create(
        kind="exit",
        org=world.a1v,
        title="拟脱贫户公示",
        start=D(2026, 10, 1),
        end=D(2026, 10, 7),
        objection_place="村委会",
        objection_contact="张主任",
    )
    item = Item.objects.create(
        notice=notice,
        position=1,
        subject_kind="household",
        household=world.household2,
        display_name="某户",
    )
    at = datetime.datetime(2026, 10, 9, 10, tzinfo=datetime.UTC)
    for result in ("upheld", "rejected"):
        Objection.objects.create(
            notice=notice,
            item=item,
            channel="paper",
            content="收入不实",
            result=result,
            handled_at=at,
        )
    assert _raw(metrics.objections_upheld(_ctx(world))) == {world.cadre.pk: 1, world.cadre2.pk: 0}


def test_compliance_rate_is_the_engines(world):
    ctx = _ctx(world)
    got = metrics.compliance_rate(ctx)[world.cadre.pk]
    met = missed = 0
    for code in ("jingzhun", "kunnan"):
        ids = [p.pk for p in world.programs[code].pairings.filter(helper=world.cadre)]
        for o in evaluate(world.programs[code], D(2026, 12, 31), pairing_ids=ids):
            if YEAR.start <= o.end <= YEAR.end and o.status != "due":
                met += o.status == "met"
                missed += o.status == "missed"
    expected = (
        (Decimal(met) * 100 / (met + missed)).quantize(Decimal("0.1")) if met + missed else None
    )
    assert got.raw == expected
    assert got.detail == f"完成 {met} 项, 未完成 {missed} 项"


def test_coverage_rate(world):
    values = metrics.coverage_rate(_ctx(world))
    for v in values.values():
        assert v.raw is None or Decimal(0) <= v.raw <= Decimal(100)


def test_progress_improved(world):
    ctx = _ctx(world, programs=("siyige",), subjects=[world.teacher])
    assert _raw(metrics.progress_improved(ctx)) == {world.teacher.pk: 1}
    # A worse grade later in the year: the latest comparison decides for that record only,
    # the student still improved once in the year.
    ProgressRecord.objects.create(
        person=world.student,
        org=world.student.org,
        course="语文",
        term="2026春",
        recorded_on=D(2026, 7, 5),
        level="good",
    )
    ProgressRecord.objects.create(
        person=world.student,
        org=world.student.org,
        course="语文",
        term="2026秋",
        recorded_on=D(2026, 12, 20),
        level="pass",
    )
    values = metrics.progress_improved(ctx)
    assert values[world.teacher.pk].raw == 1
    assert values[world.teacher.pk].detail == "可比较 1 人, 进步 1 人"


def test_village_income_growth(world):
    ctx = _ctx(
        world, kind="units", programs=("baocun", "jingzhun"), subjects=[world.a1v, world.a_office]
    )
    values = metrics.village_income_growth(ctx)
    # 10,000 → 11,500 元: +15 %; the office helping the village gets the village's growth.
    assert values[world.a1v.pk].raw == Decimal("15.0")
    assert values[world.a_office.pk].raw == Decimal("15.0")
    assert values[world.a1v.pk].detail == "2025 年 10000.00 元 → 2026 年 11500.00 元"


def test_score_of_a_helper_recomputed_by_hand(world):
    result = compute(world.scheme, world.a, YEAR, today=TODAY)
    row = next(r for r in result.rows if r.subject_id == world.cadre.pk)
    lines = {line.code: line for line in row.lines}
    # The raw values, from the records.
    assert lines["visits"].raw == 7
    assert lines["aid"].raw == Decimal("0.50")
    assert lines["exits"].raw == 1
    assert lines["objections"].raw == 0
    # The points, by the scalings written in the scheme, worked out by hand:
    assert lines["visits"].points == Decimal("70.00")  # linear 0 → 10: 7 / 10 × 100
    assert lines["aid"].points == Decimal("25.00")  # linear 0 → 2 万元: 0.5 / 2 × 100
    assert lines["exits"].points == Decimal("80.00")  # steps: 1 household → 80
    assert lines["objections"].points == Decimal("100.00")  # lower is better: 0 → 100
    # The contributions and the score: Σ weight × points / 100.
    by_hand = (
        Decimal(40) * 70 / 100
        + Decimal(20) * 25 / 100
        + Decimal(25) * 80 / 100
        + Decimal(15) * 100 / 100
    )
    assert by_hand == Decimal(68)
    assert row.total == by_hand
    assert sum(line.weight * line.points / 100 for line in row.lines) == row.total
    assert [line.contribution for line in row.lines] == [
        Decimal("28.00"),
        Decimal("5.00"),
        Decimal("20.00"),
        Decimal("15.00"),
    ]
    assert all(line.link for line in row.lines if line.metric != "objections_upheld")


def test_ranking(world):
    result = compute(world.scheme, world.a, YEAR, today=TODAY)
    assert [(r.name, r.rank, r.total) for r in result.rows] == [
        ("李帮扶", 1, Decimal("68.00")),
        ("王干部", 2, Decimal("19.00")),
    ]
    # A subtree without the helpers' units scores nobody.
    assert compute(world.scheme, world.a_office, YEAR, today=TODAY).rows == []
    rows = [
        Score(1, "乙", "", total=Decimal(80)),
        Score(2, "甲", "", total=Decimal(90)),
        Score(3, "丙", "", total=Decimal(80)),
        Score(4, "丁", "", total=Decimal(10)),
    ]
    assert [(r.name, r.rank) for r in rank(rows)] == [("甲", 1), ("丙", 2), ("乙", 2), ("丁", 4)]


def test_unit_scheme_for_villages(world):
    scheme = scheme_save(
        actor=world.admin,
        org=world.a,
        name="2026年村级考核",
        subject="units",
        period="year",
        programs=[],
        definition={
            "org_kinds": ["village"],
            "indicators": [
                {
                    "code": "growth",
                    "name": "收入增长",
                    "weight": 60,
                    "metric": "village_income_growth",
                    "scaling": {"kind": "linear", "low": 0, "high": 20},
                },
                {
                    "code": "visits",
                    "name": "走访户次",
                    "weight": 40,
                    "metric": "household_visits",
                    "scaling": {"kind": "linear", "low": 0, "high": 20},
                },
            ],
        },
    )
    result = compute(scheme, world.a, YEAR, today=TODAY)
    assert [r.name for r in result.rows] == ["甲村"]
    row = result.rows[0]
    growth, visits = row.lines
    assert growth.points == Decimal("75.00") and growth.contribution == Decimal("45.00")
    assert visits.raw == 8  # every visit to the village's households
    assert row.total == growth.contribution + visits.contribution


def test_scale_edges():
    lower = {"direction": "lower", "scaling": {"kind": "linear", "low": 0, "high": 4}}
    assert scale(lower, Decimal(1)) == Decimal("75.00")
    assert scale(lower, Decimal(9)) == Decimal("0.00")
    assert scale({"scaling": {"kind": "percent"}}, Decimal("101")) == Decimal("100.00")
    assert scale({"scaling": {"kind": "percent"}}, None) == Decimal("0.00")
    steps = {"scaling": {"kind": "steps", "steps": [[1, 50], [3, 100]]}}
    assert [scale(steps, Decimal(v)) for v in (0, 1, 2, 3)] == [0, 50, 50, 100]
