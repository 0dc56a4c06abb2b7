"""Plans (帮扶计划): the common plan of a program (共性) and a pairing's personal plan (个性), their
measures checked against the program's definition, the plans made from the templates' targets,
the period windows, progress counted from activities (unknown until the activities app exists),
the pages, and who may reach each URL."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from bangfu.accounts.tests.factories import RoleFactory, UserFactory
from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, check, matrix
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings import plans
from bangfu.pairings.models import Plan, PlanMeasure
from bangfu.pairings.plan_views import MeasureForm
from bangfu.pairings.plans import (
    Window,
    common_plan_from_template,
    count_activities,
    current_window,
    measure_add,
    measure_progress,
    measure_remove,
    measure_update,
    period_window,
    plan_save,
    window_label,
)
from bangfu.pairings.services import pairing_create
from bangfu.programs.models import ProgramTemplate
from bangfu.programs.services import load_builtin_templates, program_create
from bangfu.registry.models import Helper
from bangfu.registry.tests.factories import PersonFactory, household_with_members

D = datetime.date
START = D(2025, 9, 1)
JINGZHUN_TYPES = [
    "产业",
    "就业",
    "公益岗位",
    "金融",
    "健康",
    "教育",
    "义务教育保障",
    "住房安全保障",
    "饮水安全保障",
    "综合保障",
    "搬迁",
    "社会帮扶",
    "基础设施",
]


# -- the URLs, inside the pairings namespace until the project includes them there ----------


# -- the world -------------------------------------------------------------------------------


def _person(org, name):
    person = PersonFactory(org=org)
    person.name = name
    person.save()
    return person


def _program(world, code, name, org):
    return program_create(
        actor=world.admin,
        code=f"P-{code}",
        name=name,
        template=ProgramTemplate.objects.get(code=code),
        org=org,
        area=world.a,
        start=D(2025, 1, 1),
    )


@pytest.fixture
def world(world):
    """County A's programs from three templates, each with one pairing from 2025-09-01:
    精准扶贫一对一 organised by 甲县扶贫办 (the helper persona's cadre for a household of 甲村),
    城乡学校结对 (甲县实验小学 for 甲村小学) and 四个一 (陈老师 for 黄小明); and the common plan of
    精准扶贫一对一 with one measure."""
    load_builtin_templates()
    admin = world.admin
    jingzhun = _program(world, "jingzhun", "甲县精准扶贫一对一", world.a_office)
    chengxiang = _program(world, "chengxiang", "甲县城乡学校结对", world.a)
    siyige = _program(world, "siyige", "甲县四个一", world.a)
    household = household_with_members(world.a1v, 2, code="H450123009")
    cadre = Helper.objects.create(
        person=_person(world.a1, "李帮扶"), org=world.a1, user=world.helper, capacity=10
    )
    teacher = Helper.objects.create(person=_person(world.a1, "陈老师"), org=world.a1, capacity=10)
    urban = OrgFactory(name="甲县实验小学", kind="school", parent=world.a)
    rural = OrgFactory(name="甲村小学", kind="school", parent=world.a1v)
    pairing = pairing_create(
        actor=admin, program=jingzhun, start=START, helper=cadre, household=household
    )
    plan_save(actor=admin, program=jingzhun, goals="两年内稳定增收")
    measure = measure_add(
        actor=admin,
        program=jingzhun,
        measure_type="产业",
        description="发展养殖",
        responsible="李帮扶",
    )
    world.extra.update(
        program=jingzhun,
        chengxiang=chengxiang,
        siyige=siyige,
        pairing=pairing,
        measure=measure,
        household=household,
        school_pairing=pairing_create(
            actor=admin, program=chengxiang, start=START, helper_org=urban, beneficiary_org=rural
        ),
        student_pairing=pairing_create(
            actor=admin,
            program=siyige,
            start=START,
            helper=teacher,
            person=_person(world.a1v, "黄小明"),
        ),
    )
    return world


def _village_admin(world):
    """An administrator of 甲村 only: the pairing's unit, not the program's organiser."""
    user = UserFactory(username="villageadmin", name="甲村管理员", org=world.a1v)
    RoleFactory(user=user, org=world.a1v, role="org_admin")
    return user


# ==========================================================================================
# Period windows
# ==========================================================================================

DEFAULT = plans.DEFAULT_SEMESTERS
W = Window


def test_week_runs_monday_to_sunday_across_the_new_year():
    assert period_window("week", D(2025, 12, 31)) == W(D(2025, 12, 29), D(2026, 1, 4))
    assert period_window("week", D(2026, 1, 4)) == W(D(2025, 12, 29), D(2026, 1, 4))
    assert period_window("week", D(2026, 1, 5)) == W(D(2026, 1, 5), D(2026, 1, 11))
    assert period_window("week", D(2027, 1, 1)) == W(D(2026, 12, 28), D(2027, 1, 3))
    # A week holding the leap day.
    assert period_window("week", D(2024, 2, 29)) == W(D(2024, 2, 26), D(2024, 3, 3))
    assert window_label("week", W(D(2025, 12, 29), D(2026, 1, 4))) == (
        "2026年第1周 (12-29 — 01-04)"
    )


def test_months_quarters_and_years_are_calendar_ones_with_leap_years():
    assert period_window("month", D(2024, 2, 10)) == W(D(2024, 2, 1), D(2024, 2, 29))
    assert period_window("month", D(2025, 2, 10)) == W(D(2025, 2, 1), D(2025, 2, 28))
    assert period_window("month", D(2000, 2, 29)) == W(D(2000, 2, 1), D(2000, 2, 29))
    assert period_window("month", D(2100, 2, 1)) == W(D(2100, 2, 1), D(2100, 2, 28))
    assert period_window("month", D(2025, 12, 31)) == W(D(2025, 12, 1), D(2025, 12, 31))
    assert period_window("quarter", D(2026, 3, 31)) == W(D(2026, 1, 1), D(2026, 3, 31))
    assert period_window("quarter", D(2026, 4, 1)) == W(D(2026, 4, 1), D(2026, 6, 30))
    assert period_window("quarter", D(2026, 12, 31)) == W(D(2026, 10, 1), D(2026, 12, 31))
    assert period_window("year", D(2024, 2, 29)) == W(D(2024, 1, 1), D(2024, 12, 31))
    assert window_label("month", W(D(2026, 3, 1), D(2026, 3, 31))) == "2026年3月"
    assert window_label("quarter", W(D(2026, 4, 1), D(2026, 6, 30))) == "2026年第2季度"
    assert window_label("year", W(D(2026, 1, 1), D(2026, 12, 31))) == "2026年"


def test_default_semesters_at_their_edges_and_the_summer_between():
    first = W(D(2025, 9, 1), D(2026, 1, 31))
    second = W(D(2026, 2, 1), D(2026, 7, 31))
    assert period_window("semester", D(2025, 9, 1)) == first
    assert period_window("semester", D(2026, 1, 31)) == first
    assert period_window("semester", D(2026, 2, 1)) == second
    assert period_window("semester", D(2026, 7, 31)) == second
    # August is the summer holiday: no semester holds it; the page shows the one just ended.
    assert period_window("semester", D(2026, 8, 1)) is None
    assert period_window("semester", D(2026, 8, 31)) is None
    assert current_window("semester", D(2026, 8, 31)) == second
    assert period_window("semester", D(2026, 9, 1)) == W(D(2026, 9, 1), D(2027, 1, 31))
    # Leap years change nothing at the edges: 第二学期 of 2024 still starts on Feb 1.
    assert period_window("semester", D(2024, 2, 29)) == W(D(2024, 2, 1), D(2024, 7, 31))
    assert window_label("semester", first) == "2025—2026学年第一学期"
    assert window_label("semester", second) == "2025—2026学年第二学期"


def test_the_school_year_runs_from_september_to_august():
    assert period_window("school_year", D(2026, 8, 31)) == W(D(2025, 9, 1), D(2026, 8, 31))
    assert period_window("school_year", D(2026, 9, 1)) == W(D(2026, 9, 1), D(2027, 8, 31))
    assert period_window("school_year", D(2026, 1, 1)) == W(D(2025, 9, 1), D(2026, 8, 31))
    leap = period_window("school_year", D(2024, 2, 29))
    assert leap == W(D(2023, 9, 1), D(2024, 8, 31))
    assert (leap.end - leap.start).days + 1 == 366
    assert window_label("school_year", leap) == "2023—2024学年"


def test_a_program_s_own_semesters_with_a_leap_day_end():
    """Semesters 09-01 — 02-29 and 03-01 — 08-31: in a common year the first ends on Feb 28."""
    own = [
        {"name": "上学期", "start": "09-01", "end": "02-29"},
        {"name": "下学期", "start": "03-01", "end": "08-31"},
    ]
    assert period_window("semester", D(2025, 2, 28), own) == W(D(2024, 9, 1), D(2025, 2, 28))
    assert period_window("semester", D(2024, 2, 29), own) == W(D(2023, 9, 1), D(2024, 2, 29))
    assert period_window("semester", D(2025, 3, 1), own) == W(D(2025, 3, 1), D(2025, 8, 31))
    assert period_window("semester", D(2025, 8, 31), own) == W(D(2025, 3, 1), D(2025, 8, 31))
    assert period_window("school_year", D(2025, 8, 31), own) == W(D(2024, 9, 1), D(2025, 8, 31))
    assert window_label("semester", W(D(2025, 3, 1), D(2025, 8, 31)), own) == (
        "2024—2025学年下学期"
    )


def test_a_school_year_starting_in_spring_follows_the_first_semester():
    own = [
        {"name": "春季学期", "start": "03-01", "end": "07-15"},
        {"name": "秋季学期", "start": "09-01", "end": "01-15"},
    ]
    assert period_window("school_year", D(2026, 2, 28), own) == W(D(2025, 3, 1), D(2026, 2, 28))
    assert period_window("school_year", D(2024, 3, 1), own) == W(D(2024, 3, 1), D(2025, 2, 28))
    assert period_window("semester", D(2026, 1, 10), own) == W(D(2025, 9, 1), D(2026, 1, 15))
    assert period_window("semester", D(2026, 2, 10), own) is None


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="fortnight"):
        period_window("fortnight", D(2026, 1, 1))


DAYS = st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31))
WHOLE = ("week", "month", "quarter", "year", "school_year")
ONE = datetime.timedelta(days=1)


def _is_partition_cell(period, day, semesters=None):
    """``day``'s window holds it, every day of it has the same window, and the days just
    outside belong to the windows next to it: each day lies in exactly one window."""
    window = period_window(period, day, semesters)
    assert window is not None and window.holds(day)
    assert period_window(period, window.start, semesters) == window
    assert period_window(period, window.end, semesters) == window
    before = period_window(period, window.start - ONE, semesters)
    after = period_window(period, window.end + ONE, semesters)
    assert before is None or before.end == window.start - ONE
    assert after is None or after.start == window.end + ONE


@given(day=DAYS, period=st.sampled_from(WHOLE))
def test_every_day_lies_in_exactly_one_window(day, period):
    _is_partition_cell(period, day)


@given(day=DAYS, period=st.sampled_from(WHOLE))
def test_windows_of_consecutive_days_are_equal_or_adjacent(day, period):
    today, tomorrow = period_window(period, day), period_window(period, day + ONE)
    assert today == tomorrow or tomorrow.start == today.end + ONE


@given(day=DAYS)
def test_default_semesters_hold_every_day_but_august_once(day):
    window = period_window("semester", day)
    if day.month == 8:
        assert window is None
        assert current_window("semester", day) == period_window("semester", D(day.year, 7, 31))
        return
    _is_partition_cell("semester", day)
    tomorrow = period_window("semester", day + ONE)
    assert tomorrow is None or tomorrow == window or tomorrow.start == window.end + ONE
    school_year = period_window("school_year", day)
    assert school_year.start <= window.start and window.end <= school_year.end


# Two semesters covering the whole year, from two start days picked in a common year; each
# ends the day before the other starts (as written in a leap year, so 03-01 gives 02-29).
STARTS = st.lists(
    st.dates(min_value=D(2023, 1, 1), max_value=D(2023, 12, 31)),
    min_size=2,
    max_size=2,
    unique=True,
)


def _calendar(starts):
    a, b = sorted(starts)

    def end_before(start):
        return (D(2024, start.month, start.day) - ONE).strftime("%m-%d")

    return [
        {"name": "一", "start": a.strftime("%m-%d"), "end": end_before(b)},
        {"name": "二", "start": b.strftime("%m-%d"), "end": end_before(a)},
    ]


@given(day=DAYS, starts=STARTS)
def test_semesters_covering_the_year_hold_every_day_exactly_once(day, starts):
    semesters = _calendar(starts)
    _is_partition_cell("semester", day, semesters)
    _is_partition_cell("school_year", day, semesters)
    holding = [
        s
        for s in semesters
        for year in (day.year - 1, day.year)
        if plans._month_day(s["start"], year)
        <= day
        <= plans._month_day(s["end"], year if s["end"] >= s["start"] else year + 1)
    ]
    assert len(holding) == 1


# ==========================================================================================
# Models and services
# ==========================================================================================


def test_one_common_plan_per_program_and_one_personal_plan_per_pairing(world):
    assert Plan.objects.filter(program=world.program, pairing__isnull=True).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(program=world.program)
    Plan.objects.create(program=world.program, pairing=world.pairing)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(program=world.program, pairing=world.pairing)


def test_plan_save_creates_then_updates_with_audit_rows(world):
    plan = plan_save(
        actor=world.unit_admin, program=world.program, pairing=world.pairing, goals=" 稳定增收 "
    )
    assert plan.pairing == world.pairing and plan.goals == "稳定增收"
    again = plan_save(
        actor=world.unit_admin, program=world.program, pairing=world.pairing, goals="翻新住房"
    )
    assert again.pk == plan.pk and again.goals == "翻新住房"
    events = AuditEvent.objects.filter(object_type="pairings.plan", object_id=str(plan.pk))
    assert [e.action for e in events.order_by("id")] == ["create", "update", "update"]
    last = events.order_by("id").last()
    assert last.before == {"goals": "稳定增收"} and last.after == {"goals": "翻新住房"}
    assert last.org_path == world.pairing.org.path
    # Saving the same goals again writes nothing.
    plan_save(
        actor=world.unit_admin, program=world.program, pairing=world.pairing, goals="翻新住房"
    )
    assert events.count() == 3


def test_a_pairing_of_another_program_is_refused(world):
    with pytest.raises(ValidationError) as err:
        plan_save(actor=world.admin, program=world.chengxiang, pairing=world.pairing, goals="x")
    assert "甲县城乡学校结对" in err.value.message_dict["pairing"][0]


def test_measure_type_must_be_one_of_the_program_s_and_the_message_lists_them(world):
    with pytest.raises(ValidationError) as err:
        measure_add(
            actor=world.admin, program=world.program, measure_type="旅游", description="办农家乐"
        )
    message = err.value.message_dict["measure_type"][0]
    assert "措施类型" in message and "“旅游”" in message
    assert "、".join(JINGZHUN_TYPES) in message
    for kind in JINGZHUN_TYPES:
        measure_add(
            actor=world.admin, program=world.program, measure_type=kind, description=f"{kind}措施"
        )
    assert world.program.plans.get(pairing=None).measures.count() == 1 + 13
    # A school pairing's types are its own.
    with pytest.raises(ValidationError) as err:
        measure_add(
            actor=world.admin, program=world.chengxiang, measure_type="产业", description="x"
        )
    assert (
        "教研共建、课堂互访、干部挂职、资源共享、课题研究"
        in (err.value.message_dict["measure_type"][0])
    )


def test_each_field_s_problem_is_named(world):
    def problems(**fields):
        with pytest.raises(ValidationError) as err:
            measure_add(actor=world.admin, program=world.chengxiang, **fields)
        return err.value.message_dict

    assert "措施内容不能为空" in problems(measure_type="教研共建")["description"][0]
    none = problems(description="研讨")["measure_type"][0]
    assert "请选择措施类型" in none and "教研共建" in none
    wrong = problems(description="x", activity_type="跳舞")["activity_type"][0]
    assert "活动类型“跳舞”未在本项目中定义" in wrong and "研讨、听课、反思" in wrong
    assert (
        "不小于 1"
        in problems(description="x", activity_type="研讨", target_count=0)["target_count"][0]
    )
    assert (
        "请选择计数周期或截止日期"
        in problems(description="x", activity_type="研讨", target_count=2)["period"][0]
    )
    assert (
        "请选择计入的活动类型"
        in problems(description="x", measure_type="教研共建", target_count=2, period="semester")[
            "activity_type"
        ][0]
    )
    assert (
        "请填写目标次数"
        in problems(description="x", activity_type="研讨", period="semester")["target_count"][0]
    )
    bad_period = problems(description="x", activity_type="研讨", target_count=2, period="day")
    assert "计数周期“day”无效" in bad_period["period"][0] and "学期" in bad_period["period"][0]
    both = problems(
        description="x",
        activity_type="研讨",
        target_count=2,
        period="semester",
        due_date=D(2026, 6, 30),
    )
    assert "只能选一个" in both["due_date"][0]
    assert (
        "责任人"
        in problems(description="x", measure_type="教研共建", responsible="长" * 101)[
            "responsible"
        ][0]
    )
    with pytest.raises(TypeError):
        measure_add(actor=world.admin, program=world.chengxiang, colour="red")


def test_a_target_by_a_due_date(world):
    measure = measure_add(
        actor=world.admin,
        program=world.chengxiang,
        pairing=world.school_pairing,
        measure_type="课题研究",
        description="共同研究课题结题",
        activity_type="研讨",
        target_count=3,
        due_date=D(2026, 6, 30),
    )
    assert measure.plan.pairing == world.school_pairing
    assert plans.target_text(measure, "教研研讨") == "2026-06-30 前 3 次 (教研研讨)"


@pytest.mark.parametrize("persona", ["inspector", "outsider", "helper"])
def test_readers_and_outsiders_may_not_change_plans(world, persona):
    actor = world.users[persona]
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        plan_save(actor=actor, program=world.program, goals="x")
    with pytest.raises(PermissionDenied):
        plan_save(actor=actor, program=world.program, pairing=world.pairing, goals="x")
    with pytest.raises(PermissionDenied):
        measure_add(actor=actor, program=world.program, measure_type="产业", description="x")
    with pytest.raises(PermissionDenied):
        measure_update(actor=actor, measure=world.measure, description="y")
    with pytest.raises(PermissionDenied):
        measure_remove(actor=actor, measure=world.measure)
    with pytest.raises(PermissionDenied):
        common_plan_from_template(actor=actor, program=world.program)
    assert AuditEvent.objects.count() == before
    assert PlanMeasure.objects.filter(pk=world.measure.pk).exists()


def test_the_pairing_s_unit_admin_edits_the_personal_plan_only(world):
    village = _village_admin(world)
    measure = measure_add(
        actor=village,
        program=world.program,
        pairing=world.pairing,
        measure_type="住房安全保障",
        description="危房改造",
    )
    assert measure.plan.pairing == world.pairing
    with pytest.raises(PermissionDenied, match="帮扶计划"):
        measure_add(actor=village, program=world.program, measure_type="产业", description="x")
    with pytest.raises(PermissionDenied):
        measure_update(actor=village, measure=world.measure, description="y")


def test_update_and_remove_are_audited(world):
    measure = world.measure
    measure_update(actor=world.admin, measure=measure, description="发展生猪养殖", order=5)
    measure.refresh_from_db()
    assert measure.description == "发展生猪养殖" and measure.measure_type == "产业"
    assert measure.order == 5 and measure.responsible == "李帮扶"
    update = AuditEvent.objects.filter(
        object_type="pairings.planmeasure", object_id=str(measure.pk), action="update"
    ).get()
    assert update.before["description"] == "发展养殖"
    assert update.after["description"] == "发展生猪养殖"
    pk = measure.pk
    measure_remove(actor=world.admin, measure=measure)
    assert not PlanMeasure.objects.filter(pk=pk).exists()
    removed = AuditEvent.objects.get(
        object_type="pairings.planmeasure", object_id=str(pk), action="delete"
    )
    assert removed.before["description"] == "发展生猪养殖"
    assert removed.org_path == world.program.org.path
    assert "删除措施" in removed.summary


def test_measures_are_added_last_in_order(world):
    second = measure_add(
        actor=world.admin, program=world.program, measure_type="就业", description="外出务工"
    )
    assert second.order == world.measure.order + 1
    plan = world.program.plans.get(pairing=None)
    assert [m.description for m in plan.measures.all()] == ["发展养殖", "外出务工"]


# -- the common plan from the template's targets ---------------------------------------------


def _targets(plan):
    return [
        (m.description, m.activity_type, m.target_count, m.period, m.measure_type)
        for m in plan.measures.exclude(activity_type="")
    ]


def test_common_plan_of_jingzhun_and_its_thirteen_measure_types(world):
    plan, added = common_plan_from_template(actor=world.admin, program=world.program)
    assert added == 1
    assert _targets(plan) == [("每月至少入户走访一次", "走访", 1, "month", "")]
    assert plan.goals == "两年内稳定增收"  # kept
    form = MeasureForm(program=world.program)
    assert [v for v, _label in form.fields["measure_type"].choices][1:] == JINGZHUN_TYPES


def test_common_plan_of_chengxiang_is_the_seed_s_counts_and_idempotent(world):
    program = world.chengxiang
    plan, added = common_plan_from_template(actor=world.admin, program=program)
    assert added == 3
    assert _targets(plan) == [
        ("每学期研讨 2 次", "研讨", 2, "semester", ""),
        ("每学期互相听课 4 次", "听课", 4, "semester", ""),
        ("每学期反思心得 4 篇", "反思", 4, "semester", ""),
    ]
    events = AuditEvent.objects.filter(
        object_type="pairings.planmeasure",
        action="create",
        object_id__in=[str(m.pk) for m in plan.measures.all()],
    )
    assert events.count() == 3 and all(e.org_path == program.org.path for e in events)
    again, added = common_plan_from_template(actor=world.admin, program=program)
    assert again.pk == plan.pk and added == 0 and plan.measures.count() == 3
    # An office that asks for three seminars keeps its own count on a second run.
    seminar = plan.measures.get(activity_type="研讨")
    measure_update(actor=world.admin, measure=seminar, target_count=3)
    common_plan_from_template(actor=world.admin, program=program)
    assert plan.measures.get(activity_type="研讨").target_count == 3
    assert plan.measures.count() == 3


def test_common_plan_of_siyige_counts_per_month_semester_and_school_year(world):
    plan, added = common_plan_from_template(actor=world.admin, program=world.siyige)
    assert added == 3
    assert _targets(plan) == [
        ("每月谈心一次", "谈心", 1, "month", ""),
        ("每学期上门看望一次", "家访", 1, "semester", ""),
        ("每学年送温暖一次", "送温暖", 1, "school_year", ""),
    ]


def test_a_target_naming_its_measure_type_keeps_it(world):
    definition = dict(world.chengxiang.definition)
    definition["plan_targets"] = [
        {
            "activity": "研讨",
            "count": 2,
            "per": "semester",
            "label": "研讨",
            "measure_type": "教研共建",
        },
        {
            "activity": "听课",
            "count": 4,
            "per": "semester",
            "label": "听课",
            "measure_type": "旅游",
        },
    ]
    world.chengxiang.definition = definition
    world.chengxiang.save()
    plan, _added = common_plan_from_template(actor=world.admin, program=world.chengxiang)
    assert [m.measure_type for m in plan.measures.all()] == ["教研共建", ""]


# ==========================================================================================
# Progress
# ==========================================================================================


def _school_measure(world, **fields):
    plan, _added = common_plan_from_template(actor=world.admin, program=world.chengxiang)
    measure = plan.measures.get(activity_type="研讨")
    if fields:
        measure = measure_update(actor=world.admin, measure=measure, **fields)
    return measure


def test_progress_is_counted_from_recorded_activities(world):
    from bangfu.activities.services import activity_create

    assert count_activities(world.school_pairing, ["研讨"], START, D(2026, 1, 31)) == 0
    measure = _school_measure(world)
    progress = measure_progress(measure, pairing=world.school_pairing, day=D(2025, 11, 15))
    assert progress.status == "due" and progress.done == 0 and progress.required == 2
    assert progress.window == (D(2025, 9, 1), D(2026, 1, 31))
    assert progress.label == "2025—2026学年第一学期"
    for day in (D(2025, 10, 9), D(2025, 11, 20), D(2026, 2, 3)):
        activity_create(
            actor=world.admin,
            program=world.chengxiang,
            type="研讨",
            date=day,
            pairings=[world.school_pairing],
            values={"theme": "课堂教学研讨"},
            today=D(2026, 3, 1),
        )
    # Only activities dated on or before the day count, and only inside the window.
    assert measure_progress(measure, pairing=world.school_pairing, day=D(2025, 11, 15)).done == 1
    met = measure_progress(measure, pairing=world.school_pairing, day=D(2026, 1, 10))
    assert met.status == "met" and met.done == 2
    assert count_activities(world.school_pairing, ["研讨"], START, D(2026, 1, 31)) == 2
    described = measure_progress(world.measure, pairing=world.pairing, day=D(2025, 11, 15))
    assert described.status == "unknown" and described.done is None
    assert described.reason == "未设定计数目标"


@pytest.fixture
def counted(monkeypatch):
    """count_activities answering a fixed number, remembering what it was asked."""
    calls = []
    answer = {"n": 0}

    def fake(pairing, types, start, end):
        calls.append((pairing.pk, tuple(types), start, end))
        return answer["n"]

    monkeypatch.setattr(plans, "count_activities", fake)
    return answer, calls


def test_open_window_is_due_until_met(world, counted):
    answer, calls = counted
    measure = _school_measure(world)
    day = D(2025, 11, 15)
    answer["n"] = 1
    progress = measure_progress(measure, pairing=world.school_pairing, day=day)
    assert (progress.done, progress.required, progress.status) == (1, 2, "due")
    # Only activities dated on or before the day count.
    assert calls[-1] == (world.school_pairing.pk, ("研讨",), D(2025, 9, 1), day)
    answer["n"] = 2
    assert measure_progress(measure, pairing=world.school_pairing, day=day).status == "met"


def test_closed_window_is_met_or_missed(world, counted):
    answer, calls = counted
    measure = _school_measure(world)
    # In the summer holiday the semester just ended is shown, and it is over.
    day = D(2026, 8, 10)
    answer["n"] = 1
    progress = measure_progress(measure, pairing=world.school_pairing, day=day)
    assert progress.window == (D(2026, 2, 1), D(2026, 7, 31))
    assert progress.status == "missed"
    assert calls[-1][2:] == (D(2026, 2, 1), D(2026, 7, 31))
    answer["n"] = 5
    assert measure_progress(measure, pairing=world.school_pairing, day=day).status == "met"


def test_a_due_date_target_before_and_after_the_date(world, counted):
    answer, _calls = counted
    measure = _school_measure(world, period="", due_date=D(2026, 6, 30))
    answer["n"] = 1
    before = measure_progress(measure, pairing=world.school_pairing, day=D(2026, 6, 1))
    assert before.status == "due" and before.window == (START, D(2026, 6, 30))
    after = measure_progress(measure, pairing=world.school_pairing, day=D(2026, 7, 5))
    assert after.status == "missed"
    answer["n"] = 2
    assert measure_progress(measure, pairing=world.school_pairing, day=D(2026, 7, 5)).status == (
        "met"
    )


def test_a_pairing_that_does_not_cover_the_window_does_not_owe_it(world, counted):
    answer, _calls = counted
    measure = _school_measure(world)
    world.school_pairing.start = D(2025, 10, 8)
    answer["n"] = 0
    progress = measure_progress(measure, pairing=world.school_pairing, day=D(2026, 2, 10))
    # 第二学期 is covered whole: owed.
    assert progress.status == "due"
    late = measure_progress(measure, pairing=world.school_pairing, day=D(2025, 12, 1))
    assert late.status == "unknown" and "未覆盖整个周期" in late.reason
    answer["n"] = 2
    assert measure_progress(measure, pairing=world.school_pairing, day=D(2025, 12, 1)).status == (
        "met"
    )


def test_aliases_of_the_activity_type_are_counted_too(world, counted):
    _answer, calls = counted
    plan, _added = common_plan_from_template(actor=world.admin, program=world.siyige)
    visit = plan.measures.get(activity_type="家访")
    measure_progress(visit, pairing=world.student_pairing, day=D(2026, 3, 1))
    assert set(calls[-1][1]) == {"家访", "上门看望"}
    warmth = plan.measures.get(activity_type="送温暖")
    progress = measure_progress(warmth, pairing=world.student_pairing, day=D(2026, 3, 1))
    assert progress.window == (D(2025, 9, 1), D(2026, 8, 31))
    assert progress.label == "2025—2026学年"


def test_a_monthly_target_for_a_household(world, counted):
    answer, _calls = counted
    plan, _added = common_plan_from_template(actor=world.admin, program=world.program)
    visit = plan.measures.get(activity_type="走访")
    answer["n"] = 0
    progress = measure_progress(visit, pairing=world.pairing, day=D(2026, 2, 28))
    assert progress.window == (D(2026, 2, 1), D(2026, 2, 28)) and progress.status == "due"
    assert progress.label == "2026年2月"


# ==========================================================================================
# Pages
# ==========================================================================================

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


def _html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_common_plan_page_for_an_administrator(world, client):
    client.force_login(world.unit_admin)
    url = reverse("pairings:program_plan", kwargs={"program_pk": world.chengxiang.pk})
    html = _html(client.get(url))
    assert "按模板生成共性计划" in html and "每学期研讨 2 次" in html  # the template's targets
    assert INLINE_SCRIPT.search(html) is None and " style=" not in html
    response = client.post(url, {"action": "template"})
    assert response.status_code == 302 and response["Location"] == url
    html = _html(client.get(url))
    assert html.count('data-measure="') == 3
    assert "每学期 2 次 (教研研讨)" in html and "已按模板生成 3 条共性措施" in html


def test_goals_are_saved_from_the_page(world, client):
    client.force_login(world.admin)
    url = reverse("pairings:program_plan", kwargs={"program_pk": world.program.pk})
    assert client.post(url, {"action": "goals", "goals": "年内脱贫"}).status_code == 302
    assert world.program.plans.get(pairing=None).goals == "年内脱贫"


def test_adding_a_measure_plain_and_through_htmx(world, client):
    client.force_login(world.admin)
    url = reverse("pairings:pairing_plan", kwargs={"pk": world.pairing.pk})
    data = {"action": "add", "add-measure_type": "教育", "add-description": "子女助学"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    plan = world.pairing.plans.get()
    assert [m.description for m in plan.measures.all()] == ["子女助学"]
    data["add-description"] = "技能培训"
    fragment = _html(client.post(url, data, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div class="card" id="plan-measures">')
    assert "<html" not in fragment and "已添加措施: 技能培训" in fragment
    assert "技能培训" in fragment and "子女助学" in fragment
    # Problems come back in the fragment, beside their fields.
    bad = {"action": "add", "add-description": "x", "add-activity_type": "走访"}
    bad["add-target_count"] = "2"
    fragment = _html(client.post(url, bad, HTTP_HX_REQUEST="true"))
    assert "请选择计数周期或截止日期" in fragment
    assert plan.measures.count() == 2
    # Without htmx the whole page comes back with the problem.
    page = _html(client.post(url, bad))
    assert "<html" in page and "请选择计数周期或截止日期" in page


def test_removing_a_measure_plain_and_through_htmx(world, client):
    client.force_login(world.admin)
    one = measure_add(
        actor=world.admin,
        program=world.program,
        pairing=world.pairing,
        measure_type="金融",
        description="小额信贷",
    )
    two = measure_add(
        actor=world.admin,
        program=world.program,
        pairing=world.pairing,
        measure_type="健康",
        description="家庭医生签约",
    )
    remove = reverse("pairings:plan_measure_remove", kwargs={"pk": one.pk})
    fragment = _html(client.post(remove, HTTP_HX_REQUEST="true"))
    assert 'id="plan-measures"' in fragment and "已删除措施: 小额信贷" in fragment
    assert "家庭医生签约" in fragment
    response = client.post(reverse("pairings:plan_measure_remove", kwargs={"pk": two.pk}))
    assert response["Location"] == reverse("pairings:pairing_plan", kwargs={"pk": world.pairing.pk})
    assert not PlanMeasure.objects.filter(pk__in=[one.pk, two.pk]).exists()
    # A common measure goes back to the program's page.
    response = client.post(reverse("pairings:plan_measure_remove", kwargs={"pk": world.measure.pk}))
    assert response["Location"] == reverse(
        "pairings:program_plan", kwargs={"program_pk": world.program.pk}
    )
    assert client.get(remove, HTTP_HX_REQUEST="true").status_code == 405


def test_editing_a_measure(world, client):
    client.force_login(world.admin)
    url = reverse("pairings:program_plan", kwargs={"program_pk": world.program.pk})
    html = _html(client.get(url, {"edit": world.measure.pk}))
    assert 'id="edit-measure"' in html and 'value="发展养殖"' in html
    data = {
        "action": "update",
        "measure": world.measure.pk,
        "edit-measure_type": "产业",
        "edit-description": "发展种植",
        "edit-responsible": "王书记",
    }
    assert client.post(url, data).status_code == 302
    world.measure.refresh_from_db()
    assert world.measure.description == "发展种植" and world.measure.responsible == "王书记"
    data["edit-measure_type"] = "旅游"
    html = _html(client.post(url, data))
    assert 'id="edit-measure"' in html
    # A measure of another plan is not editable from this page.
    other = measure_add(
        actor=world.admin,
        program=world.program,
        pairing=world.pairing,
        measure_type="金融",
        description="x",
    )
    data.update(measure=other.pk, **{"edit-measure_type": "产业"})
    assert client.post(url, data).status_code == 404
    assert client.post(url, {"action": "dance"}).status_code == 400


def test_personal_plan_page_shows_common_then_personal_with_progress(world, client):
    common_plan_from_template(actor=world.admin, program=world.program)
    measure_add(
        actor=world.admin,
        program=world.program,
        pairing=world.pairing,
        measure_type="就业",
        description="推荐到县城务工",
        activity_type="帮扶",
        target_count=2,
        due_date=D(2026, 12, 31),
    )
    client.force_login(world.helper)
    url = reverse("pairings:pairing_plan", kwargs={"pk": world.pairing.pk})
    html = _html(client.get(url, {"day": "2026-03-10"}))
    common_at, personal_at = html.index('id="common-plan"'), html.index('id="plan-measures"')
    assert common_at < personal_at
    assert html.index("每月至少入户走访一次") < common_at + html[common_at:].index(
        'id="plan-measures"'
    )
    assert "发展养殖" in html and "推荐到县城务工" in html and "两年内稳定增收" in html
    assert "活动记录尚未启用" not in html
    assert html.count('<strong data-testid="done">0</strong> / 1') == 1  # 每月走访
    assert "2026年3月" in html
    # A reader sees no forms.
    assert 'name="action"' not in html and "删除" not in html
    assert INLINE_SCRIPT.search(html) is None and " style=" not in html


def test_personal_plan_page_with_counted_activities(world, client, counted):
    answer, _calls = counted
    common_plan_from_template(actor=world.admin, program=world.program)
    answer["n"] = 1
    client.force_login(world.inspector)
    url = reverse("pairings:pairing_plan", kwargs={"pk": world.pairing.pk})
    html = _html(client.get(url, {"day": "2026-03-10"}))
    assert '<strong data-testid="done">1</strong> / 1' in html and "已完成" in html


def test_helper_of_another_pairing_and_outsider_get_404(world, client):
    client.force_login(world.helper)
    url = reverse("pairings:pairing_plan", kwargs={"pk": world.school_pairing.pk})
    assert client.get(url).status_code == 404
    client.force_login(world.outsider)
    for name, kwargs in (
        ("pairing_plan", {"pk": world.pairing.pk}),
        ("program_plan", {"program_pk": world.program.pk}),
        ("plan_measure_remove", {"pk": world.measure.pk}),
    ):
        method = client.post if name == "plan_measure_remove" else client.get
        assert method(reverse(f"pairings:{name}", kwargs=kwargs)).status_code == 404


def test_the_pairing_unit_admin_sees_forms_on_the_personal_plan_only(world, client):
    client.force_login(_village_admin(world))
    personal = _html(client.get(reverse("pairings:pairing_plan", kwargs={"pk": world.pairing.pk})))
    assert 'value="add"' in personal
    # 甲村's administrator does not read the program (organised by 甲县扶贫办 for the county),
    # so its common plan is not theirs to see, let alone change.
    common = client.get(reverse("pairings:program_plan", kwargs={"program_pk": world.program.pk}))
    assert common.status_code == 404


# ==========================================================================================
# Who may reach what
# ==========================================================================================

READ = {"admin": 200, "unit_admin": 200, "inspector": 200, "helper": 200}
WRITE = {"admin": 302, "unit_admin": 302, "inspector": 404, "helper": 404}

CASES = [
    UrlCase("program_plan", expect=READ, kwargs=lambda w: {"program_pk": w.program.pk}),
    UrlCase(
        "program_plan",
        method="post",
        expect=WRITE,
        kwargs=lambda w: {"program_pk": w.program.pk},
        data=lambda w: {"action": "goals", "goals": "稳定增收"},
    ),
    UrlCase("pairing_plan", expect=READ, kwargs=lambda w: {"pk": w.pairing.pk}),
    UrlCase(
        "pairing_plan",
        method="post",
        expect=WRITE,
        kwargs=lambda w: {"pk": w.pairing.pk},
        data=lambda w: {"action": "add", "add-measure_type": "教育", "add-description": "助学"},
    ),
    UrlCase(
        "plan_measure_remove",
        method="post",
        expect=WRITE,
        kwargs=lambda w: {"pk": w.measure.pk},
    ),
]


def test_every_plan_url_has_a_case():
    from bangfu.pairings import plan_urls

    assert {p.name for p in plan_urls.urlpatterns} == {c.name for c in CASES}


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "pairings", case, persona)


def test_measure_texts_for_documents_list_common_then_personal(world):
    measure_add(
        actor=world.admin,
        program=world.program,
        pairing=world.pairing,
        measure_type="教育",
        description="子女助学",
    )
    assert plans.measure_texts(world.pairing) == ["产业: 发展养殖 (负责: 李帮扶)", "教育: 子女助学"]
    common_plan_from_template(actor=world.admin, program=world.program)
    assert plans.measure_texts(world.pairing)[1] == "常规: 每月至少入户走访一次 (每月 1 次 (走访))"
