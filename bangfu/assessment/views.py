"""考核评比 pages: schemes and their JSON editor, the scores of a subtree and period (ranking,
breakdown, .xlsx), exemplars, and the 进步档案 of a helper's students."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.assessment import periods, selectors, services
from bangfu.assessment.forms import ExemplarForm, ProgressForm, SchemeForm
from bangfu.assessment.models import Scheme
from bangfu.assessment.scoring import Scores, compute
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_admin_list
from bangfu.pairings.selectors import program_list
from bangfu.registry.models import Helper
from bangfu.transfer.exporters import WORKBOOK_OPTIONS, neutralise

EXAMPLE = {
    "indicators": [
        {
            "code": "compliance",
            "name": "走访完成率",
            "weight": 50,
            "metric": "compliance_rate",
            "direction": "higher",
            "scaling": {"kind": "linear", "low": 60, "high": 100},
        },
        {
            "code": "visits",
            "name": "走访户次",
            "weight": 30,
            "metric": "household_visits",
            "direction": "higher",
            "scaling": {"kind": "linear", "low": 0, "high": 24},
        },
        {
            "code": "objections",
            "name": "公示异议成立",
            "weight": 20,
            "metric": "objections_upheld",
            "direction": "lower",
            "scaling": {"kind": "steps", "steps": [[0, 100], [1, 50], [2, 0]]},
        },
    ]
}


def _reader(request: AuthedRequest) -> None:
    if not selectors.is_reader(request.user):
        raise Http404


@login_required
def scheme_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    schemes = selectors.scheme_list(user=request.user).order_by("-is_active", "org__path", "name")
    page = Paginator(schemes, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/scheme_list.html",
        {"page_obj": page, "can_create": scope_of(request.user).is_admin},
    )


def _scheme_form(request: AuthedRequest, scheme: Scheme | None) -> HttpResponse:
    orgs = org_admin_list(user=request.user).order_by("path")
    programs = program_list(user=request.user).order_by("-is_active", "code")
    initial: dict[str, Any] = {"definition": json.dumps(EXAMPLE, ensure_ascii=False, indent=2)}
    if scheme is not None:
        initial = {
            "name": scheme.name,
            "org": scheme.org,
            "subject": scheme.subject,
            "period": scheme.period,
            "programs": list(scheme.programs.all()),
            "description": scheme.description,
            "is_active": scheme.is_active,
            "definition": json.dumps(scheme.definition, ensure_ascii=False, indent=2),
        }
    form = SchemeForm(request.POST or None, initial=initial, orgs=orgs, programs=programs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = call_service(
            form,
            lambda: services.scheme_save(
                actor=request.user,
                org=data["org"],
                name=data["name"],
                subject=data["subject"],
                period=data["period"],
                definition=data["definition"],
                programs=data["programs"],
                description=data["description"],
                is_active=data["is_active"],
                scheme=scheme,
            ),
        )
        if saved is not None:
            messages.success(request, _("已保存考核方案“%s”") % saved.name)
            return redirect("assessment:scores", pk=saved.pk)
    return render(request, "assessment/scheme_form.html", {"form": form, "scheme": scheme})


@login_required
def scheme_create(request: AuthedRequest) -> HttpResponse:
    if not scope_of(request.user).is_admin:
        raise Http404
    return _scheme_form(request, None)


@login_required
def scheme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(scheme.org):
        raise Http404
    return _scheme_form(request, scheme)


def _scores(request: AuthedRequest, pk: int, *, links: bool = True) -> Scores:
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    today = timezone.localdate()
    key = request.GET.get("period") or periods.current_key(scheme.period, today)
    try:
        window = periods.window(scheme.period, key)
    except ValueError:
        raise Http404 from None
    root = selectors.scores_root(user=request.user, scheme=scheme, org_pk=request.GET.get("org"))
    return compute(scheme, root, window, today=today, links=links)


@login_required
def scores(request: AuthedRequest, pk: int) -> HttpResponse:
    result = _scores(request, pk)
    scheme = result.scheme
    marked = {
        (f"h{e.helper_id}" if e.helper_id else f"u{e.unit_id}")
        for e in scheme.exemplars.filter(period=result.window.key)
    }
    today = timezone.localdate()
    return render(
        request,
        "assessment/scores.html",
        {
            "result": result,
            "scheme": scheme,
            "periods": periods.choices(scheme.period, today),
            "roots": selectors.root_choices(user=request.user, scheme=scheme),
            "can_mark": scope_of(request.user).can_admin_org(scheme.org),
            "can_edit": scope_of(request.user).can_admin_org(scheme.org),
            "marked": marked,
        },
    )


@login_required
def scores_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    result = _scores(request, pk, links=False)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})
    sheet = workbook.add_worksheet(_("考核得分"))
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F3F5", "border": 1})
    title = f"{result.scheme.name} · {result.root.name} · {result.window.label}"
    sheet.write_string(0, 0, neutralise(title), workbook.add_format({"bold": True}))
    sheet.write_string(
        1, 0, _("截至 %s, 得分 = Σ 权重 × 指标得分 / 100") % result.as_of.isoformat()
    )
    header = [_("名次"), _("姓名/单位"), _("所属单位"), _("总分")]
    for ind in result.indicators:
        name = f"{ind['name']} ({ind['weight']})"
        header += [f"{name} {_('数值')}", f"{name} {_('得分')}", f"{name} {_('加权')}"]
    for col, text in enumerate(header):
        sheet.write_string(3, col, neutralise(text), bold)
    sheet.set_column(1, 2, 18)
    for r, row in enumerate(result.rows, start=4):
        sheet.write_number(r, 0, row.rank)
        sheet.write_string(r, 1, neutralise(row.name))
        sheet.write_string(r, 2, neutralise(row.unit_name))
        sheet.write_number(r, 3, float(row.total))
        for i, line in enumerate(row.lines):
            col = 4 + 3 * i
            if line.raw is None:
                sheet.write_string(r, col, "—")
            else:
                sheet.write_number(r, col, float(line.raw))
            sheet.write_number(r, col + 1, float(line.points))
            sheet.write_number(r, col + 2, float(line.contribution))
    sheet.freeze_panes(4, 2)
    with transaction.atomic():
        workbook.close()
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            obj=result.scheme,
            org=result.root,
            summary=_("导出考核得分 %(scheme)s %(period)s (%(n)s 条)")
            % {"scheme": result.scheme.name, "period": result.window.label, "n": len(result.rows)},
        )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"考核得分-{result.window.key}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def exemplar_create(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    if not scope.can_admin_org(scheme.org):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    key = params.get("period", "")
    try:
        window = periods.window(scheme.period, key)
    except ValueError:
        raise Http404 from None
    helper: Helper | None = None
    unit: Org | None = None
    subject_id = params.get("subject", "")
    try:
        if scheme.subject == "helpers":
            helper = Helper.objects.select_related("person", "org").get(pk=subject_id)
            place = helper.org
        else:
            unit = Org.objects.get(pk=subject_id)
            place = unit
    except (Helper.DoesNotExist, Org.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not place.path.startswith(scheme.org.path) or not scope.can_read_org(place):
        raise Http404
    form = ExemplarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        exemplar = call_service(
            form,
            lambda: services.exemplar_mark(
                actor=request.user,
                scheme=scheme,
                period=key,
                title=form.cleaned_data["title"],
                write_up=form.cleaned_data["write_up"],
                helper=helper,
                unit=unit,
            ),
        )
        if exemplar is not None:
            messages.success(request, _("已评为典型: %s") % exemplar.subject_name)
            return redirect("assessment:exemplar_list")
    name = helper.person.name if helper is not None else unit.name if unit is not None else ""
    return render(
        request,
        "assessment/exemplar_form.html",
        {
            "form": form,
            "scheme": scheme,
            "window": window,
            "name": name,
            "subject_id": subject_id,
        },
    )


@login_required
def exemplar_list_view(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404
    qs = selectors.exemplar_list(user=request.user)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    labels = {}
    for e in page:
        try:
            labels[e.pk] = periods.window(e.scheme.period, e.period).label
        except ValueError:
            labels[e.pk] = e.period
    rows = [(e, labels[e.pk], scope.can_admin_org(e.scheme.org)) for e in page]
    return render(request, "assessment/exemplar_list.html", {"page_obj": page, "rows": rows})


@login_required
@require_POST
def exemplar_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    exemplar = selectors.exemplar_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(exemplar.scheme.org):
        raise Http404
    services.exemplar_unmark(actor=request.user, exemplar=exemplar)
    messages.success(request, _("已撤销典型"))
    return redirect("assessment:exemplar_list")


@login_required
def progress(request: AuthedRequest) -> HttpResponse:
    """The 进步档案: a helper records the grades of their own students; readers look them up."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404
    persons = selectors.own_students(user=request.user).order_by("name_sort")
    may_record = scope.is_sysadmin or bool(scope.admin_paths) or persons.exists()
    form = ProgressForm(request.POST or None, persons=persons) if may_record else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            record = call_service(
                form,
                lambda: services.progress_record(
                    actor=request.user,
                    person=data["person"],
                    course=data["course"],
                    term=data["term"],
                    recorded_on=data["recorded_on"],
                    score=data["score"],
                    level=data["level"] or "",
                    note=data["note"],
                ),
            )
            if record is not None:
                messages.success(request, _("已记录 %s") % record)
                return redirect("assessment:progress")
    qs = selectors.progress_list(user=request.user).order_by("-recorded_on", "-id")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(person__name__contains=q)
    helper = request.GET.get("helper")
    if helper and helper.isdigit():
        qs = qs.filter(person__in=_students_of(int(helper)))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "assessment/progress.html", {"form": form, "page_obj": page, "q": q})


def _students_of(helper_id: int) -> Any:
    from bangfu.pairings.models import Pairing
    from bangfu.registry.models import Member, Person

    own = Pairing.objects.filter(helper_id=helper_id)
    return Person.objects.filter(pk__in=own.values("person_id")) | Person.objects.filter(
        pk__in=Member.objects.filter(household__in=own.values("household_id")).values("person_id")
    )
