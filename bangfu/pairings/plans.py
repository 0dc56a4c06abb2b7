"""Plans (帮扶计划): a program's common plan (共性计划) and each pairing's personal plan (个性计划),
their measures, and the progress of each measure counted from recorded activities.

Three parts, in this order:

- **Periods.** :func:`period_window` gives the window (first and last day, both included) of a
  period that holds a day: weeks run Monday to Sunday; months, quarters and years are calendar
  ones; semesters and the school year come from the program's ``semesters`` (default 第一学期
  09-01 — 01-31, 第二学期 02-01 — 07-31, 学年 09-01 — 08-31). Pure functions, so that two people
  (and the tests) compute the same windows.
- **Progress.** :func:`measure_progress` counts the activities of a measure's type for a pairing
  in the current window and says met / due / missed, as the domain rules say. Activities are
  recorded by ``bangfu.activities`` (:func:`count_activities` reads its links); should that app
  be absent the status is "unknown" (「活动记录尚未启用」): no number is ever invented.
- **Reads and writes.** Selectors scoped through the pairing selectors, and services that check
  the actor administers the program's organiser or the pairing's unit, run in one transaction
  and write their audit rows inside it.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.pairings.models import Pairing, Plan, PlanMeasure
from bangfu.pairings.selectors import pairing_list, program_list
from bangfu.programs.definition import PERIOD_LABELS, PERIODS
from bangfu.programs.models import Program

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

ONE_DAY = datetime.timedelta(days=1)

# The seed's school calendar, used where a program names no semesters of its own.
DEFAULT_SEMESTERS: tuple[dict[str, str], ...] = (
    {"name": "第一学期", "start": "09-01", "end": "01-31"},
    {"name": "第二学期", "start": "02-01", "end": "07-31"},
)

Status = Literal["met", "due", "missed", "unknown"]

# ==========================================================================================
# Periods
# ==========================================================================================


class Window(NamedTuple):
    """The days a target is counted over: ``start`` to ``end``, both included."""

    start: datetime.date
    end: datetime.date

    def holds(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _month_day(text: str, year: int) -> datetime.date:
    """``"MM-DD"`` in ``year``; a day past the month's end (02-29 in a common year) is the
    month's last day, so that every year has the date."""
    month, day = (int(part) for part in text.split("-"))
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _semesters(semesters: Sequence[Mapping[str, Any]] | None) -> Sequence[Mapping[str, Any]]:
    return semesters or DEFAULT_SEMESTERS


def _semester_window(
    day: datetime.date, semesters: Sequence[Mapping[str, Any]]
) -> tuple[Window, str] | None:
    """The semester holding ``day`` and its name, or None in a holiday between semesters. A
    semester whose end comes before its start in the year (09-01 — 01-31) ends the next year."""
    for semester in semesters:
        start_text, end_text = str(semester["start"]), str(semester["end"])
        for year in (day.year - 1, day.year):
            start = _month_day(start_text, year)
            end = _month_day(end_text, year if end_text >= start_text else year + 1)
            if start <= day <= end:
                return Window(start, end), str(semester.get("name", ""))
    return None


def _school_year_window(day: datetime.date, semesters: Sequence[Mapping[str, Any]]) -> Window:
    """The school year holding ``day``: from the first semester's start to the day before that
    date a year later (default 09-01 — 08-31)."""
    first = str(semesters[0]["start"]) if semesters else "09-01"
    start = _month_day(first, day.year)
    if start > day:
        start = _month_day(first, day.year - 1)
    return Window(start, _month_day(first, start.year + 1) - ONE_DAY)


def period_window(
    period: str, day: datetime.date, semesters: Sequence[Mapping[str, Any]] | None = None
) -> Window | None:
    """The window of ``period`` that holds ``day``. None only for a semester when ``day`` falls
    in a holiday between semesters (with the default calendar: August). ``semesters`` are the
    program's (``[{"name", "start": "MM-DD", "end": "MM-DD"}, …]``); empty means the default."""
    if period == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Window(start, start + datetime.timedelta(days=6))
    if period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Window(day.replace(day=1), day.replace(day=last))
    if period == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        last = calendar.monthrange(day.year, first + 2)[1]
        return Window(datetime.date(day.year, first, 1), datetime.date(day.year, first + 2, last))
    if period == "year":
        return Window(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
    if period == "semester":
        found = _semester_window(day, _semesters(semesters))
        return found[0] if found else None
    if period == "school_year":
        return _school_year_window(day, _semesters(semesters))
    raise ValueError(f"unknown period {period!r}; one of {', '.join(PERIODS)}")


def current_window(
    period: str, day: datetime.date, semesters: Sequence[Mapping[str, Any]] | None = None
) -> Window:
    """The window holding ``day`` or, in a holiday between semesters, the semester that ended
    last before it: in the summer the page shows how the past semester went."""
    window = period_window(period, day, semesters)
    cursor = day
    while window is None:
        cursor -= ONE_DAY
        window = period_window(period, cursor, semesters)
    return window


def window_label(
    period: str, window: Window, semesters: Sequence[Mapping[str, Any]] | None = None
) -> str:
    """A window's name as people say it: 2026年3月, 2026年第1季度, 2025—2026学年第一学期."""
    start = window.start
    if period == "week":
        iso = start.isocalendar()
        return _("%(y)s年第%(w)s周 (%(a)s — %(b)s)") % {
            "y": iso.year,
            "w": iso.week,
            "a": start.strftime("%m-%d"),
            "b": window.end.strftime("%m-%d"),
        }
    if period == "month":
        return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}
    if period == "quarter":
        return _("%(y)s年第%(q)s季度") % {"y": start.year, "q": (start.month - 1) // 3 + 1}
    if period == "year":
        return _("%(y)s年") % {"y": start.year}
    calendar_ = _semesters(semesters)
    school_year = _school_year_window(start, calendar_)
    years = _("%(a)s—%(b)s学年") % {"a": school_year.start.year, "b": school_year.end.year}
    if period == "school_year":
        return years
    if period == "semester":
        found = _semester_window(start, calendar_)
        return f"{years}{found[1]}" if found else years
    return f"{window.start:%Y-%m-%d} — {window.end:%Y-%m-%d}"


# ==========================================================================================
# Progress
# ==========================================================================================


@dataclass(frozen=True)
class Progress:
    """A measure's progress for one pairing as of a day: ``done`` of ``required`` activities in
    ``window``; ``status`` met / due (window still open) / missed (window closed short) /
    unknown, with the ``reason`` when unknown; ``label`` names the window."""

    done: int | None
    required: int | None
    window: Window | None
    status: Status
    reason: str = ""
    label: str = ""


def count_activities(
    pairing: Pairing, types: Iterable[str], start: datetime.date, end: datetime.date
) -> int | None:
    """How many activities of ``types`` were recorded for ``pairing`` dated ``start`` to
    ``end`` (both included); None while the activities app is not installed.

    The one place progress reads activity records: the links of ``bangfu.activities`` (one per
    activity and pairing served, with the activity's type and date)."""
    if not apps.is_installed("bangfu.activities"):
        return None
    link = apps.get_model("activities", "ActivityLink")
    return int(
        link._default_manager.filter(
            pairing=pairing, type__in=list(types), date__gte=start, date__lte=end
        ).count()
    )


def activity_codes(program: Program, code: str) -> tuple[str, ...]:
    """A type code and the other names it goes by in the program (家访 = 上门看望)."""
    for item in program.activity_types:
        if item.get("code") == code:
            aliases = [a for a in item.get("aliases", []) if isinstance(a, str) and a != code]
            return (code, *aliases)
    return (code,)


def program_semesters(program: Program) -> list[dict[str, Any]]:
    return list(program.definition.get("semesters") or DEFAULT_SEMESTERS)


def measure_progress(measure: PlanMeasure, *, pairing: Pairing, day: datetime.date) -> Progress:
    """The progress of ``measure`` (of the pairing's personal plan or the program's common plan)
    for ``pairing`` as of ``day``.

    The window is the period holding ``day`` (or the semester just ended, in a holiday), or for
    a deadline the pairing's start to ``due_date``. Only activities dated on or before ``day``
    count. A window closed before ``day`` is met or missed; one still open is met or due. A
    pairing that does not cover the whole window does not owe it: short of the target it is
    "unknown" with the reason, as the domain rule says (an obligation is owed only if the
    pairing is active on every day of its window)."""
    required = measure.target_count
    if not measure.activity_type or required is None:
        return Progress(None, required, None, "unknown", _("未设定计数目标"))
    program = pairing.program
    semesters = program_semesters(program)
    if measure.period:
        window = current_window(measure.period, day, semesters)
        label = window_label(measure.period, window, semesters)
    elif measure.due_date:
        if measure.due_date < pairing.start:
            return Progress(None, required, None, "unknown", _("截止日期早于结对开始日期"))
        window = Window(pairing.start, measure.due_date)
        label = _("%(a)s 至 %(b)s") % {"a": window.start, "b": window.end}
    else:
        return Progress(None, required, None, "unknown", _("未设定计数周期或截止日期"))
    if day < window.start:
        return Progress(0, required, window, "unknown", _("尚未开始"), label)
    done = count_activities(
        pairing, activity_codes(program, measure.activity_type), window.start, min(window.end, day)
    )
    if done is None:
        return Progress(None, required, window, "unknown", _("活动记录尚未启用"), label)
    if done >= required:
        return Progress(done, required, window, "met", "", label)
    if pairing.start > window.start or (pairing.end is not None and pairing.end < window.end):
        reason = _("结对未覆盖整个周期, 本期不作要求")
        return Progress(done, required, window, "unknown", reason, label)
    status: Status = "missed" if window.end < day else "due"
    return Progress(done, required, window, status, "", label)


# ==========================================================================================
# Reads
# ==========================================================================================


def common_plan(program: Program) -> Plan | None:
    return Plan.objects.filter(program=program, pairing__isnull=True).first()


def personal_plan(pairing: Pairing) -> Plan | None:
    return Plan.objects.filter(pairing=pairing).first()


def measure_list(*, user: User) -> Any:
    """Measures the user may see: of the pairings they see, and of the common plans of the
    programs they see."""
    return PlanMeasure.objects.select_related("plan__program", "plan__pairing").filter(
        Q(plan__pairing__in=pairing_list(user=user).values("pk"))
        | Q(plan__pairing__isnull=True, plan__program__in=program_list(user=user).values("pk"))
    )


def measure_get(*, user: User, pk: Any) -> PlanMeasure:
    try:
        return measure_list(user=user).get(pk=pk)
    except (PlanMeasure.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def target_text(measure: PlanMeasure, activity_name: str = "") -> str:
    """The target in words: 每学期 2 次 (研讨), 2026-06-30 前 3 次 (走访)."""
    if measure.target_count is None:
        return ""
    what = activity_name or measure.activity_type
    if measure.period:
        unit = PERIOD_LABELS.get(measure.period, measure.period)
        return _("每%(p)s %(n)s 次 (%(t)s)") % {"p": unit, "n": measure.target_count, "t": what}
    if measure.due_date:
        return _("%(d)s 前 %(n)s 次 (%(t)s)") % {
            "d": measure.due_date,
            "n": measure.target_count,
            "t": what,
        }
    return _("%(n)s 次 (%(t)s)") % {"n": measure.target_count, "t": what}


@dataclass(frozen=True)
class MeasureRow:
    """A measure as a page lists it: its target in words and, for a pairing, its progress."""

    measure: PlanMeasure
    activity_name: str
    target: str
    progress: Progress | None


def measure_rows(
    plan: Plan | None, *, pairing: Pairing | None = None, day: datetime.date
) -> list[MeasureRow]:
    """The plan's measures in order, each with its progress for ``pairing`` (if given)."""
    if plan is None:
        return []
    names = {str(t.get("code")): str(t.get("name", "")) for t in plan.program.activity_types}
    rows = []
    for measure in plan.measures.all():
        name = names.get(measure.activity_type, measure.activity_type)
        progress = measure_progress(measure, pairing=pairing, day=day) if pairing else None
        rows.append(MeasureRow(measure, name, target_text(measure, name), progress))
    return rows


def measure_texts(pairing: Pairing) -> list[str]:
    """The pairing's measures in words, common ones first then its own (产业: 发展养殖 (负责:
    李帮扶)): for documents such as the commitment letters, which list 帮扶措施."""
    texts = []
    for plan in (common_plan(pairing.program), personal_plan(pairing)):
        if plan is None:
            continue
        for measure in plan.measures.all():
            text = str(measure)
            target = target_text(measure)
            if target:
                text += f" ({target})"
            if measure.responsible:
                text += _(" (负责: %s)") % measure.responsible
            texts.append(text)
    return texts


# ==========================================================================================
# Writes
# ==========================================================================================

MEASURE_FIELDS = (
    "measure_type",
    "description",
    "activity_type",
    "target_count",
    "period",
    "due_date",
    "responsible",
    "order",
)


def _may_manage_plan(actor: User, program: Program, pairing: Pairing | None) -> None:
    """The common plan is the organiser's; a personal plan is also the pairing's unit's (the
    same rule as for the pairing itself)."""
    scope = scope_of(actor)
    if scope.can_admin_org(program.org):
        return
    if pairing is not None and scope.can_admin_org(pairing.org):
        return
    raise PermissionDenied(_("无权管理该项目的帮扶计划"))


def _org_of(plan: Plan) -> Org:
    return plan.pairing.org if plan.pairing is not None else plan.program.org


def _measure_record(measure: PlanMeasure) -> dict[str, Any]:
    return {
        "plan": measure.plan_id,
        "measure_type": measure.measure_type,
        "description": measure.description,
        "activity_type": measure.activity_type,
        "target_count": measure.target_count,
        "period": measure.period,
        "due_date": measure.due_date.isoformat() if measure.due_date else None,
        "responsible": measure.responsible,
        "order": measure.order,
    }


def _clean_measure(program: Program, data: dict[str, Any]) -> dict[str, Any]:
    """The measure's fields checked against the program's definition; every problem names its
    field, and a wrong choice lists the allowed ones."""
    errors: dict[str, list[str]] = {}
    allowed_types = [str(t) for t in program.definition.get("measure_types", [])]
    codes = [str(t.get("code")) for t in program.activity_types]
    measure_type = str(data.get("measure_type") or "").strip()
    description = str(data.get("description") or "").strip()
    activity_type = str(data.get("activity_type") or "").strip()
    period = str(data.get("period") or "").strip()
    responsible = str(data.get("responsible") or "").strip()
    target = data.get("target_count")
    due_date = data.get("due_date")
    order = data.get("order") or 0
    kinds = "、".join(allowed_types) or _("(本项目未定义措施类型)")
    if measure_type and measure_type not in allowed_types:
        errors["measure_type"] = [
            _("措施类型“%(v)s”不是本项目的措施类型, 可选: %(ok)s")
            % {"v": measure_type, "ok": kinds}
        ]
    elif not measure_type and not activity_type:
        errors["measure_type"] = [_("请选择措施类型 (可选: %s), 或选择计入的活动类型") % kinds]
    if not description:
        errors["description"] = [_("措施内容不能为空")]
    elif len(description) > 500:
        errors["description"] = [_("措施内容最多 500 字, 现有 %s 字") % len(description)]
    if activity_type and activity_type not in codes:
        errors["activity_type"] = [
            _("活动类型“%(v)s”未在本项目中定义, 可选: %(ok)s")
            % {"v": activity_type, "ok": "、".join(codes)}
        ]
    if target is not None and (
        not isinstance(target, int) or isinstance(target, bool) or target < 1
    ):
        errors["target_count"] = [_("目标次数应为不小于 1 的整数, 实际为 %s") % target]
    elif target is not None and not activity_type:
        errors.setdefault("activity_type", []).append(_("有目标次数时, 请选择计入的活动类型"))
    elif target is not None and not period and due_date is None:
        errors["period"] = [_("有目标次数时, 请选择计数周期或截止日期")]
    if period and period not in PERIODS:
        labels = "、".join(f"{PERIOD_LABELS[p]} ({p})" for p in PERIODS)
        errors["period"] = [_("计数周期“%(v)s”无效, 可选: %(ok)s") % {"v": period, "ok": labels}]
    elif period and target is None:
        errors["target_count"] = [_("按周期计数时, 请填写目标次数")]
    if due_date is not None and not isinstance(due_date, datetime.date):
        errors["due_date"] = [_("截止日期应为日期")]
    elif period and due_date is not None:
        errors["due_date"] = [_("计数周期和截止日期只能选一个")]
    if len(responsible) > 100:
        errors["responsible"] = [_("责任人最多 100 字")]
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        errors["order"] = [_("顺序应为不小于 0 的整数")]
    if errors:
        raise ValidationError(errors)
    return {
        "measure_type": measure_type,
        "description": description,
        "activity_type": activity_type,
        "target_count": target,
        "period": period,
        "due_date": due_date,
        "responsible": responsible,
        "order": order,
    }


def _check_pairing(program: Program, pairing: Pairing | None) -> None:
    if pairing is not None and pairing.program_id != program.pk:
        raise ValidationError({"pairing": [_("该结对不属于项目“%s”") % program.name]})


def _plan_for(*, actor: User, program: Program, pairing: Pairing | None) -> Plan:
    """The plan, created (and audited) if it does not exist yet; inside the caller's
    transaction."""
    plan = Plan.objects.filter(program=program, pairing=pairing).first()
    if plan is not None:
        return plan
    plan = Plan.objects.create(program=program, pairing=pairing)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=plan,
        org=_org_of(plan),
        after={"goals": plan.goals},
        summary=_("新建%s") % plan,
    )
    return plan


def plan_save(*, actor: User, program: Program, pairing: Pairing | None = None, goals: str) -> Plan:
    """Set the goals of the program's common plan (``pairing`` None) or of a pairing's personal
    plan, creating the plan if needed."""
    _check_pairing(program, pairing)
    _may_manage_plan(actor, program, pairing)
    goals = goals.strip()
    if len(goals) > 5000:
        raise ValidationError({"goals": [_("帮扶目标最多 5000 字, 现有 %s 字") % len(goals)]})
    with transaction.atomic():
        plan = _plan_for(actor=actor, program=program, pairing=pairing)
        if plan.goals == goals:
            return plan
        before = {"goals": plan.goals}
        plan.goals = goals
        plan.save(update_fields=["goals", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=plan,
            org=_org_of(plan),
            before=before,
            after={"goals": goals},
            summary=_("修改%s的帮扶目标") % plan,
        )
    return plan


def measure_add(
    *, actor: User, program: Program, pairing: Pairing | None = None, **fields: Any
) -> PlanMeasure:
    """Add a measure to the common plan (``pairing`` None) or to the pairing's personal plan,
    creating the plan if needed; it goes last unless ``order`` is given. ``fields`` are those of
    :data:`MEASURE_FIELDS`."""
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown measure fields: {sorted(unknown)}")
    _check_pairing(program, pairing)
    _may_manage_plan(actor, program, pairing)
    data = _clean_measure(program, fields)
    with transaction.atomic():
        plan = _plan_for(actor=actor, program=program, pairing=pairing)
        if not fields.get("order"):
            last = plan.measures.aggregate(n=Max("order"))["n"]
            data["order"] = (last or 0) + 1
        measure = PlanMeasure.objects.create(plan=plan, **data)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=measure,
            org=_org_of(plan),
            after=_measure_record(measure),
            summary=_("%(plan)s新增措施: %(m)s") % {"plan": plan, "m": measure},
        )
    return measure


def measure_update(*, actor: User, measure: PlanMeasure, **changes: Any) -> PlanMeasure:
    """Change any of :data:`MEASURE_FIELDS` of a measure; the others keep their values."""
    unknown = set(changes) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown measure fields: {sorted(unknown)}")
    plan = measure.plan
    _may_manage_plan(actor, plan.program, plan.pairing)
    current = {name: getattr(measure, name) for name in MEASURE_FIELDS}
    data = _clean_measure(plan.program, {**current, **changes})
    with transaction.atomic():
        before = _measure_record(measure)
        for name, value in data.items():
            setattr(measure, name, value)
        measure.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=measure,
            org=_org_of(plan),
            before=before,
            after=_measure_record(measure),
            summary=_("%(plan)s修改措施: %(m)s") % {"plan": plan, "m": measure},
        )
    return measure


def measure_remove(*, actor: User, measure: PlanMeasure) -> None:
    """Remove a measure from its plan; the audit row keeps what it was."""
    plan = measure.plan
    _may_manage_plan(actor, plan.program, plan.pairing)
    with transaction.atomic():
        record = _measure_record(measure)
        pk, text = measure.pk, str(measure)
        measure.delete()
        audit_record(
            actor=actor,
            action=Action.DELETE,
            object_type="pairings.planmeasure",
            object_id=str(pk),
            object_repr=text,
            org=_org_of(plan),
            before=record,
            summary=_("%(plan)s删除措施: %(m)s") % {"plan": plan, "m": text},
        )


def common_plan_from_template(*, actor: User, program: Program) -> tuple[Plan, int]:
    """Create the common plan's measures from the definition's ``plan_targets`` (每学期研讨 2
    次 …): one measure per target, counted from that activity type per that period. Idempotent:
    a target whose activity type and period the plan already has a measure for is skipped (an
    office that changed the count keeps its own). Returns the plan and how many were added."""
    _may_manage_plan(actor, program, None)
    targets = [t for t in program.definition.get("plan_targets", []) if isinstance(t, dict)]
    allowed_types = program.definition.get("measure_types", [])
    added = 0
    with transaction.atomic():
        plan = _plan_for(actor=actor, program=program, pairing=None)
        have = {(m.activity_type, m.period) for m in plan.measures.all()}
        for target in targets:
            key = (str(target.get("activity", "")), str(target.get("per", "")))
            if key in have:
                continue
            activity = key[0]
            kind = target.get("measure_type", "")
            measure_add(
                actor=actor,
                program=program,
                measure_type=kind if kind in allowed_types else "",
                description=str(target.get("label") or activity),
                activity_type=activity,
                target_count=target.get("count"),
                period=key[1],
            )
            have.add(key)
            added += 1
    return plan, added
