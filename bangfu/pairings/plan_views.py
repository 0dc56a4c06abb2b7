"""Plan pages (帮扶计划): a program's common plan (共性计划) and a pairing's personal plan
(个性计划).

Both pages show the plan's goals and measures; the pairing's page also shows the common plan's
measures (read-only, 共性) above its own (个性), each with its progress in the current window.
Readers (inspectors, the pairing's helper) see them; administrators of the program's organiser
(or, for a personal plan, of the pairing's unit) change them. The objects come through the
scoped selectors, so an outsider gets 404 as for an object that does not exist.

Adding and removing a measure work through htmx (the measures part of the page is swapped) and
as plain POSTs that redirect back to the page without JavaScript."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.accounts.scope import scope_of
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.pairings import plans
from bangfu.pairings.models import Pairing, PlanMeasure
from bangfu.pairings.selectors import pairing_get, program_get
from bangfu.programs.definition import PERIOD_LABELS, PERIODS
from bangfu.programs.models import Program

TEMPLATE = "pairings/plan_detail.html"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# -- forms -----------------------------------------------------------------------------------


class GoalsForm(forms.Form):
    goals = forms.CharField(
        label=gettext_lazy("帮扶目标"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("如: 年内实现稳定增收; 本学期被帮扶学校教学水平明显提升"),
    )


class MeasureForm(forms.Form):
    """A measure: its type and content, and optionally a target counted from one activity type
    per period or by a date. The choices are the program's own; the service checks again."""

    measure_type = forms.ChoiceField(label=gettext_lazy("措施类型"), required=False)
    description = forms.CharField(label=gettext_lazy("措施内容"), max_length=500)
    activity_type = forms.ChoiceField(
        label=gettext_lazy("计入的活动类型"),
        required=False,
        help_text=gettext_lazy("该类活动记录计入完成数"),
    )
    target_count = forms.IntegerField(label=gettext_lazy("目标次数"), required=False, min_value=1)
    period = forms.ChoiceField(label=gettext_lazy("计数周期"), required=False)
    due_date = forms.DateField(label=gettext_lazy("或截止日期"), required=False, widget=DATE)
    responsible = forms.CharField(label=gettext_lazy("责任人"), required=False, max_length=100)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [str(t) for t in program.definition.get("measure_types", [])]
        self.fields["measure_type"].choices = [  # type: ignore[attr-defined]
            ("", _("常规要求 (按活动计数)")),
            *[(k, k) for k in kinds],
        ]
        self.fields["activity_type"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(str(t["code"]), str(t.get("name") or t["code"])) for t in program.activity_types],
        ]
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(p, _("每%s") % PERIOD_LABELS[p]) for p in PERIODS],
        ]

    def values(self) -> dict[str, Any]:
        """The cleaned fields as the measure services take them."""
        data = self.cleaned_data
        return {
            "measure_type": data.get("measure_type") or "",
            "description": data.get("description") or "",
            "activity_type": data.get("activity_type") or "",
            "target_count": data.get("target_count"),
            "period": data.get("period") or "",
            "due_date": data.get("due_date"),
            "responsible": data.get("responsible") or "",
        }


def _initial(measure: PlanMeasure) -> dict[str, Any]:
    return {name: getattr(measure, name) for name in plans.MEASURE_FIELDS}


# -- helpers ---------------------------------------------------------------------------------


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _can_edit(request: AuthedRequest, program: Program, pairing: Pairing | None) -> bool:
    scope = scope_of(request.user)
    if scope.can_admin_org(program.org):
        return True
    return pairing is not None and scope.can_admin_org(pairing.org)


def _day(request: AuthedRequest) -> datetime.date:
    """The day progress is computed as of: ``?day=YYYY-MM-DD`` to look back, else today."""
    try:
        return datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _page_url(program: Program, pairing: Pairing | None) -> str:
    if pairing is not None:
        return reverse("pairings:pairing_plan", kwargs={"pk": pairing.pk})
    return reverse("pairings:program_plan", kwargs={"program_pk": program.pk})


def _context(
    request: AuthedRequest, program: Program, pairing: Pairing | None, **extra: Any
) -> dict[str, Any]:
    """Everything the page and its measures fragment show."""
    day = _day(request)
    can_edit = _can_edit(request, program, pairing)
    common = plans.common_plan(program)
    plan = common if pairing is None else plans.personal_plan(pairing)
    context: dict[str, Any] = {
        "program": program,
        "pairing": pairing,
        "plan": plan,
        "common": common,
        "common_rows": plans.measure_rows(common, pairing=pairing, day=day) if pairing else [],
        "rows": plans.measure_rows(plan, pairing=pairing, day=day),
        "day": day,
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "page_url": _page_url(program, pairing),
        "targets": program.definition.get("plan_targets", []) if pairing is None else [],
        "measure_types": program.definition.get("measure_types", []),
    }
    if can_edit:
        context["goals_form"] = GoalsForm(initial={"goals": plan.goals if plan else ""})
        context["add_form"] = MeasureForm(program=program, prefix="add")
        edit = request.GET.get("edit", "")
        if edit.isdigit() and plan is not None:
            measure = plan.measures.filter(pk=int(edit)).first()
            if measure is not None:
                context["edit_measure"] = measure
                context["edit_form"] = MeasureForm(
                    program=program, prefix="edit", initial=_initial(measure)
                )
    context.update(extra)
    return context


def _handle_post(request: AuthedRequest, program: Program, pairing: Pairing | None) -> HttpResponse:
    """One of the page's forms: goals, add, update (edit) or, on the common plan, template."""
    if not _can_edit(request, program, pairing):
        raise Http404
    url = _page_url(program, pairing)
    action = request.POST.get("action", "")
    actor = request.user
    if action == "goals":
        goals = GoalsForm(request.POST)
        if goals.is_valid():
            done = call_service(
                goals,
                lambda: plans.plan_save(
                    actor=actor, program=program, pairing=pairing, goals=goals.cleaned_data["goals"]
                ),
            )
            if done is not None:
                messages.success(request, _("已保存帮扶目标"))
                return redirect(url)
        return render(request, TEMPLATE, _context(request, program, pairing, goals_form=goals))
    if action == "add":
        form = MeasureForm(request.POST, program=program, prefix="add")
        measure = None
        if form.is_valid():
            measure = call_service(
                form,
                lambda: plans.measure_add(
                    actor=actor, program=program, pairing=pairing, **form.values()
                ),
            )
        if request.htmx:
            extra: dict[str, Any] = {"add_form": form}
            if measure is not None:
                extra = {"notice": _("已添加措施: %s") % measure.description}
            return render(
                request, f"{TEMPLATE}#measures", _context(request, program, pairing, **extra)
            )
        if measure is not None:
            messages.success(request, _("已添加措施: %s") % measure.description)
            return redirect(url)
        return render(request, TEMPLATE, _context(request, program, pairing, add_form=form))
    if action == "update":
        plan = plans.common_plan(program) if pairing is None else plans.personal_plan(pairing)
        pk = request.POST.get("measure", "")
        target = plan.measures.filter(pk=int(pk)).first() if plan and pk.isdigit() else None
        if target is None:
            raise Http404
        form = MeasureForm(request.POST, program=program, prefix="edit")
        if form.is_valid():
            changed = call_service(
                form, lambda: plans.measure_update(actor=actor, measure=target, **form.values())
            )
            if changed is not None:
                messages.success(request, _("已修改措施: %s") % changed.description)
                return redirect(url)
        context = _context(request, program, pairing, edit_form=form, edit_measure=target)
        return render(request, TEMPLATE, context)
    if action == "template" and pairing is None:
        try:
            _plan, added = plans.common_plan_from_template(actor=actor, program=program)
        except PermissionDenied:
            raise Http404 from None
        if added:
            messages.success(request, _("已按模板生成 %s 条共性措施") % added)
        else:
            messages.info(request, _("模板中的目标均已在共性计划中, 没有新增"))
        return redirect(url)
    return HttpResponseBadRequest(_("未知的操作"))


# -- pages -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def program_plan(request: AuthedRequest, program_pk: int) -> HttpResponse:
    """The program's common plan (共性计划): goals and measures, generated from the template's
    targets with one button and adjusted by the organiser's administrators."""
    _reader(request)
    program = program_get(user=request.user, pk=program_pk)
    if request.method == "POST":
        return _handle_post(request, program, None)
    return render(request, TEMPLATE, _context(request, program, None))


@login_required
@require_http_methods(["GET", "POST"])
def pairing_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """A pairing's personal plan (个性计划) below the program's common measures, each with its
    progress in the current window."""
    _reader(request)
    pairing = pairing_get(user=request.user, pk=pk)
    if request.method == "POST":
        return _handle_post(request, pairing.program, pairing)
    return render(request, TEMPLATE, _context(request, pairing.program, pairing))


@login_required
@require_POST
def plan_measure_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """Remove a measure; through htmx the measures part of its page comes back, else a
    redirect to the page."""
    _reader(request)
    measure = plans.measure_get(user=request.user, pk=pk)
    plan = measure.plan
    program, pairing = plan.program, plan.pairing
    if not _can_edit(request, program, pairing):
        raise Http404
    text = measure.description
    try:
        plans.measure_remove(actor=request.user, measure=measure)
    except PermissionDenied:
        raise Http404 from None
    if request.htmx:
        context = _context(request, program, pairing, notice=_("已删除措施: %s") % text)
        return render(request, f"{TEMPLATE}#measures", context)
    messages.success(request, _("已删除措施: %s") % text)
    return redirect(_page_url(program, pairing))
