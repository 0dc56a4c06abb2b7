"""Registry pages: persons, households (一户一档), status history, 一人多户, helpers, unit
beneficiaries and the dynamic-management figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_personal_view
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.orgs.selectors import org_admin_list, org_list
from bangfu.registry import services
from bangfu.registry.filters import HouseholdFilter, PersonFilter
from bangfu.registry.forms import (
    HelperForm,
    HouseholdEditForm,
    HouseholdForm,
    IncomeForm,
    IndicatorForm,
    MemberForm,
    PersonForm,
    StatusChangeForm,
    StatusReportForm,
)
from bangfu.registry.models import Member, Person
from bangfu.registry.selectors import (
    helper_get,
    helper_list,
    household_get,
    household_list,
    multi_household_persons,
    person_get,
    person_list,
    status_figures,
    unit_beneficiary_get,
    unit_beneficiary_list,
)

PERSON_EDIT_FIELDS = (
    "org",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "health",
    "schooling",
    "labour",
    "employment",
    "notes",
    "education",
    "grade",
    "document_type",
    "disability_category",
    "disability_level",
)


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


def _reader_or_helper(request: AuthedRequest) -> None:
    """Readers of a subtree, and helpers, whose selectors show their own beneficiaries only."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _writer_of(request: AuthedRequest, org: Any) -> None:
    if not scope_of(request.user).can_admin_org(org):
        raise Http404


def _admin(request: AuthedRequest) -> None:
    if not scope_of(request.user).is_admin:
        raise Http404


def _page(request: AuthedRequest, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _form_page(request: AuthedRequest, form, *, title: str, back: str, crumbs=()) -> HttpResponse:
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "back": back, "crumbs": crumbs},
    )


# -- persons ---------------------------------------------------------------------------------


@login_required
def person_list_view(request: AuthedRequest) -> HttpResponse:
    _reader_or_helper(request)
    filterset = PersonFilter(
        request.GET or None,
        queryset=person_list(user=request.user).prefetch_related("tags"),
        orgs=org_list(user=request.user).order_by("path"),
    )
    qs = filterset.qs if filterset.is_bound else filterset.queryset
    context = {"filter": filterset, "page_obj": _page(request, qs)}
    template = "registry/person_list.html#results" if request.htmx else "registry/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader_or_helper(request)
    person = person_get(user=request.user, pk=pk)
    audit_personal_view(actor=request.user, obj=person, summary=_("查看人员 %s") % person.name)
    scope = scope_of(request.user)
    memberships = person.memberships.select_related("household", "household__org")
    context = {
        "person": person,
        "memberships": memberships,
        "can_edit": scope.can_admin_org(person.org),
        "can_reveal": scope.can_reveal_in(person.org) and bool(person.id_number or person.phone),
        "helper": getattr(person, "helper", None) if hasattr(person, "helper") else None,
    }
    return render(request, "registry/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_reveal_in(person.org):
        raise Http404
    audit_personal_view(
        actor=request.user,
        obj=person,
        action=Action.REVEAL,
        summary=_("查看 %s 的完整身份证号和电话") % person.name,
    )
    return render(
        request, "registry/person_detail.html#identity", {"person": person, "revealed": True}
    )


def _person_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: data.get(k) or ""
        for k in (
            "name",
            "id_number",
            "phone",
            "sex",
            "health",
            "schooling",
            "labour",
            "employment",
            "notes",
        )
    } | {
        "birth_date": data.get("birth_date"),
        "tags": data.get("tags") or [],
        # the national fields: NULL when not given (docs/registry.md)
        **{
            k: data.get(k) or None
            for k in (
                "education",
                "grade",
                "document_type",
                "disability_category",
                "disability_level",
            )
        },
    }


@login_required
def person_create(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    form = PersonForm(request.POST or None, orgs=org_admin_list(user=request.user).order_by("path"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = call_service(
            form,
            lambda: services.person_create(
                actor=request.user, org=data["org"], **_person_kwargs(data)
            ),
        )
        if person:
            messages.success(request, _("已登记 %s") % person.name)
            return redirect("registry:person_detail", pk=person.pk)
    return _form_page(request, form, title=_("登记人员"), back=reverse("registry:person_list"))


@login_required
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_get(user=request.user, pk=pk)
    _writer_of(request, person.org)
    initial = {f: getattr(person, f) for f in PERSON_EDIT_FIELDS}
    initial["org"] = person.org_id
    initial["tags"] = "、".join(t.name for t in person.tags.all())
    form = PersonForm(
        request.POST or None,
        initial=initial,
        orgs=org_admin_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = _person_kwargs(data) | {"org": data["org"]}
        done = call_service(
            form, lambda: services.person_update(actor=request.user, person=person, **fields)
        )
        if done:
            messages.success(request, _("已保存 %s") % person.name)
            return redirect("registry:person_detail", pk=person.pk)
    back = reverse("registry:person_detail", args=[person.pk])
    return _form_page(request, form, title=_("编辑 %s") % person.name, back=back)


# -- households ------------------------------------------------------------------------------


def _find_or_create_person(
    request: AuthedRequest, *, org: Any, id_number: str = "", **fields: Any
) -> Person:
    """The registered person with this ID number (one ID is one person), or a new one."""
    if id_number:
        try:
            number = parse_id_number(id_number).number
        except IdNumberError as exc:
            raise ValidationError({"id_number": [str(exc)]}) from None
        existing = Person.objects.filter(id_number=number).first()
        if existing is not None:
            if not scope_of(request.user).can_admin_org(existing.org):
                raise ValidationError(
                    {"id_number": [_("身份证号 %s 已登记在其他单位, 请联系其所在单位") % number]}
                )
            return existing
    return services.person_create(actor=request.user, org=org, id_number=id_number, **fields)


@login_required
def household_list_view(request: AuthedRequest) -> HttpResponse:
    _reader_or_helper(request)
    filterset = HouseholdFilter(
        request.GET or None,
        queryset=household_list(user=request.user).annotate(size=Count("members")).order_by("code"),
        orgs=org_list(user=request.user).order_by("path"),
    )
    qs = filterset.qs if filterset.is_bound else filterset.queryset
    context = {"filter": filterset, "page_obj": _page(request, qs)}
    template = (
        "registry/household_list.html#results" if request.htmx else "registry/household_list.html"
    )
    return render(request, template, context)


@login_required
def household_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader_or_helper(request)
    household = household_get(user=request.user, pk=pk)
    audit_personal_view(actor=request.user, obj=household, summary=_("查看一户一档 %s") % household)
    scope = scope_of(request.user)
    members = (
        household.members.select_related("person")
        .prefetch_related(Prefetch("person__tags"))
        .order_by("id")
    )
    can_edit = scope.can_admin_org(household.org)
    context = {
        "household": household,
        "members": members,
        "history": household.history.select_related("recorded_by").order_by("date", "id"),
        "incomes": household.incomes.all(),
        "can_edit": can_edit,
        "can_reveal": scope.can_reveal_in(household.org),
        "status_form": StatusChangeForm(current=household.status) if can_edit else None,
        "ancestors": [a for a in household.org.ancestors()],
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_POST
def household_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_reveal_in(household.org):
        raise Http404
    audit_personal_view(
        actor=request.user,
        obj=household,
        action=Action.REVEAL,
        summary=_("查看 %s 全体成员的完整身份证号和电话") % household,
    )
    members = household.members.select_related("person").order_by("id")
    return render(
        request,
        "registry/household_detail.html#members",
        {
            "household": household,
            "members": members,
            "revealed": True,
            "can_edit": scope_of(request.user).can_admin_org(household.org),
        },
    )


@login_required
def household_create(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    form = HouseholdForm(
        request.POST or None, orgs=org_admin_list(user=request.user).order_by("path")
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create():
            with transaction.atomic():
                head = _find_or_create_person(
                    request,
                    org=data["org"],
                    name=data["head_name"],
                    id_number=data["head_id_number"],
                    phone=data["head_phone"],
                )
                return services.household_create(
                    actor=request.user,
                    code=data["code"],
                    org=data["org"],
                    head=head,
                    main_cause=data["main_cause"],
                    other_causes=data["other_causes"],
                    difficulty=data["difficulty"],
                    identified_on=data["identified_on"],
                    housing_safe=data["housing_safe"],
                    water_safe=data["water_safe"],
                    address=data["address"],
                    status=data["status"],
                )

        household = call_service(form, create)
        if household:
            messages.success(request, _("已建档 %s") % household)
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(request, form, title=_("新建户档案"), back=reverse("registry:household_list"))


@login_required
def household_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, pk=pk)
    _writer_of(request, household.org)
    initial = {
        "org": household.org_id,
        "main_cause": household.main_cause,
        "other_causes": household.other_cause_list,
        "difficulty": household.difficulty,
        "identified_on": household.identified_on,
        "address": household.address,
        "housing_safe": {True: "true", False: "false"}.get(household.housing_safe, ""),  # type: ignore[arg-type]
        "water_safe": {True: "true", False: "false"}.get(household.water_safe, ""),  # type: ignore[arg-type]
    }
    form = HouseholdEditForm(
        request.POST or None,
        initial=initial,
        orgs=org_admin_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            k: data[k]
            for k in (
                "org",
                "main_cause",
                "other_causes",
                "difficulty",
                "identified_on",
                "housing_safe",
                "water_safe",
                "address",
            )
        }
        done = call_service(
            form,
            lambda: services.household_update(actor=request.user, household=household, **fields),
        )
        if done:
            messages.success(request, _("已保存 %s") % household)
            return redirect("registry:household_detail", pk=household.pk)
    back = reverse("registry:household_detail", args=[household.pk])
    return _form_page(request, form, title=_("编辑户档案 %s") % household, back=back)


@login_required
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, pk=pk)
    _writer_of(request, household.org)
    form = MemberForm(
        request.POST or None,
        initial={"org": household.org_id},
        orgs=org_admin_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def add():
            with transaction.atomic():
                fields = _person_kwargs(data)
                person = _find_or_create_person(request, org=data["org"], **fields)
                return services.member_add(
                    actor=request.user,
                    household=household,
                    person=person,
                    relation=data["relation"],
                )

        member = call_service(form, add)
        if member:
            messages.success(request, _("已添加成员 %s") % member.person.name)
            return redirect("registry:household_detail", pk=household.pk)
    back = reverse("registry:household_detail", args=[household.pk])
    return _form_page(request, form, title=_("添加家庭成员 · %s") % household, back=back)


@login_required
@require_POST
def member_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        member = Member.objects.select_related("household", "person").get(
            pk=pk, household__in=household_list(user=request.user)
        )
    except (Member.DoesNotExist, ValueError):
        raise Http404 from None
    _writer_of(request, member.household.org)
    services.member_remove(actor=request.user, member=member)
    messages.success(request, _("已将 %s 移出该户") % member.person.name)
    return redirect("registry:household_detail", pk=member.household_id)


@login_required
@require_POST
def status_add(request: AuthedRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, pk=pk)
    _writer_of(request, household.org)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        change = call_service(
            form,
            lambda: services.status_change(
                actor=request.user,
                household=household,
                status=data["status"],
                date=data["date"],
                reason=data["reason"],
                decided_by=data["decided_by"],
            ),
        )
        if change:
            messages.success(request, _("状态已变更为“%s”") % change.get_status_display())
            return redirect("registry:household_detail", pk=household.pk)
    for error in [e for errs in form.errors.values() for e in errs]:
        messages.error(request, str(error))
    return redirect("registry:household_detail", pk=household.pk)


@login_required
def income_add(request: AuthedRequest, pk: int) -> HttpResponse:
    household = household_get(user=request.user, pk=pk)
    _writer_of(request, household.org)
    form = IncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form, lambda: services.income_set(actor=request.user, household=household, **data)
        )
        if done:
            messages.success(request, _("已登记 %s 年收入") % data["year"])
            return redirect("registry:household_detail", pk=household.pk)
    back = reverse("registry:household_detail", args=[household.pk])
    return _form_page(request, form, title=_("登记年度收入 · %s") % household, back=back)


# -- 一人多户 -----------------------------------------------------------------------------------


@login_required
def duplicates(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    persons = multi_household_persons(user=request.user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Member.objects.select_related("household__head", "household__org"),
        )
    )
    scope = scope_of(request.user)
    return render(
        request, "registry/duplicates.html", {"persons": persons[:500], "can_merge": scope.is_admin}
    )


@login_required
@require_POST
def household_merge(request: AuthedRequest) -> HttpResponse:
    keep = household_get(user=request.user, pk=request.POST.get("keep"))
    drop = household_get(user=request.user, pk=request.POST.get("drop"))
    try:
        services.household_merge(actor=request.user, keep=keep, drop=drop)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("registry:duplicates")
    messages.success(
        request, _("已将 %(drop)s 并入 %(keep)s") % {"drop": drop.code, "keep": keep.code}
    )
    return redirect("registry:household_detail", pk=keep.pk)


# -- dynamic management ----------------------------------------------------------------------


@login_required
def status_report(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    form = StatusReportForm(request.GET or None, orgs=org_list(user=request.user).order_by("path"))
    data = form.cleaned_data if form.is_valid() else {}
    as_of = form.as_of_or_today()
    figures = status_figures(
        households=household_list(user=request.user),
        as_of=as_of,
        org=data.get("org"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    from bangfu.registry.choices import Status

    rows = [
        (value, label, figures.by_status[value], figures.entries[value])
        for value, label in Status.choices
    ]
    return render(
        request,
        "registry/status_report.html",
        {
            "form": form,
            "figures": figures,
            "rows": rows,
            "ranged": bool(data.get("date_from") or data.get("date_to")),
        },
    )


# -- helpers and unit beneficiaries ----------------------------------------------------------


@login_required
def helper_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    filterset = PersonFilter(
        request.GET or None,
        queryset=person_list(user=request.user),
        orgs=org_list(user=request.user).order_by("path"),
    )
    helpers = helper_list(user=request.user).order_by("person__name_sort")
    if filterset.is_bound and filterset.is_valid():
        helpers = helpers.filter(person__in=filterset.qs)
    return render(
        request,
        "registry/helper_list.html",
        {"filter": filterset, "page_obj": _page(request, helpers)},
    )


@login_required
def helper_create(request: AuthedRequest, person_pk: int) -> HttpResponse:
    person = person_get(user=request.user, pk=person_pk)
    _writer_of(request, person.org)
    form = HelperForm(
        request.POST or None,
        initial={"org": person.org_id},
        orgs=org_admin_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        helper = call_service(
            form,
            lambda: services.helper_create(
                actor=request.user, person=person, org=data["org"], capacity=data["capacity"]
            ),
        )
        if helper:
            messages.success(request, _("已登记 %s 为帮扶责任人") % person.name)
            return redirect("registry:helper_list")
    back = reverse("registry:person_detail", args=[person.pk])
    return _form_page(request, form, title=_("登记帮扶责任人 · %s") % person.name, back=back)


@login_required
def helper_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    helper = helper_get(user=request.user, pk=pk)
    _writer_of(request, helper.org)
    form = HelperForm(
        request.POST or None,
        initial={"org": helper.org_id, "capacity": helper.capacity},
        orgs=org_admin_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: services.helper_update(
                actor=request.user, helper=helper, org=data["org"], capacity=data["capacity"]
            ),
        )
        if done:
            messages.success(request, _("已保存"))
            return redirect("registry:helper_list")
    return _form_page(
        request,
        form,
        title=_("编辑帮扶责任人 · %s") % helper.person.name,
        back=reverse("registry:helper_list"),
    )


@login_required
def unit_list(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    units = unit_beneficiary_list(user=request.user).order_by("org__path")
    return render(request, "registry/unit_list.html", {"page_obj": _page(request, units)})


@login_required
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    unit = unit_beneficiary_get(user=request.user, pk=pk)
    rows = unit.indicators.order_by("indicator", "year")
    table: dict[str, list] = {}
    previous: dict[str, Any] = {}
    for row in rows:
        growth = None
        before = previous.get(row.indicator)
        if before is not None and before.year == row.year - 1 and before.value:
            growth = (row.value - before.value) / before.value * 100
        table.setdefault(row.get_indicator_display(), []).append((row, growth))
        previous[row.indicator] = row
    can_edit = scope_of(request.user).can_admin_org(unit.org)
    form = IndicatorForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            done = call_service(
                form, lambda: services.indicator_set(actor=request.user, unit=unit, **data)
            )
            if done:
                messages.success(request, _("已保存指标"))
                return redirect("registry:unit_detail", pk=unit.pk)
    return render(
        request,
        "registry/unit_detail.html",
        {"unit": unit, "table": table, "form": form, "can_edit": can_edit},
    )


@login_required
def unit_create(request: AuthedRequest) -> HttpResponse:
    """Register a village, school or kindergarten as a beneficiary helped as a whole."""
    _admin(request)
    from bangfu.orgs.kinds import OrgKind
    from bangfu.registry.forms import UnitForm

    candidates = (
        org_admin_list(user=request.user)
        .filter(
            kind__in=[OrgKind.VILLAGE, OrgKind.COMMUNITY, OrgKind.SCHOOL, OrgKind.KINDERGARTEN],
            beneficiary__isnull=True,
        )
        .order_by("path")
    )
    form = UnitForm(request.POST or None, orgs=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = call_service(
            form,
            lambda: services.unit_beneficiary_create(
                actor=request.user, org=data["org"], notes=data["notes"]
            ),
        )
        if unit:
            messages.success(request, _("已登记 %s") % unit.org.name)
            return redirect("registry:unit_detail", pk=unit.pk)
    return _form_page(
        request, form, title=_("登记帮扶单位对象"), back=reverse("registry:unit_list")
    )


# -- data quality (逻辑校验) and income lines --------------------------------------------------


@login_required
def quality(request: AuthedRequest) -> HttpResponse:
    """Run the data-quality checks on demand over a subtree of the reader's scope."""
    from bangfu.core.tree import prefix_q
    from bangfu.registry.forms import QualityForm
    from bangfu.registry.quality import CHECKS, run_checks

    _reader(request)
    form = QualityForm(request.GET or None, orgs=org_list(user=request.user).order_by("path"))
    data = form.cleaned_data if form.is_valid() else {}
    persons, households, helpers = (
        person_list(user=request.user),
        household_list(user=request.user),
        helper_list(user=request.user),
    )
    if data.get("org"):
        subtree = prefix_q("org__path", data["org"].path)
        persons, households, helpers = (
            persons.filter(subtree),
            households.filter(subtree),
            helpers.filter(subtree),
        )
    codes = [data["code"]] if data.get("code") else None
    report = run_checks(persons=persons, households=households, helpers=helpers, codes=codes)
    findings = report.findings
    if data.get("severity"):
        findings = [f for f in findings if f.severity == data["severity"]]
    counts = report.counts
    summary = [(d, counts.get(d.code)) for d in CHECKS if codes is None or d.code in codes]
    context = {
        "form": form,
        "report": report,
        "summary": summary,
        "page_obj": Paginator(findings, 50).get_page(request.GET.get("page")),
    }
    return render(request, "registry/quality.html", context)


@login_required
def income_lines(request: AuthedRequest) -> HttpResponse:
    """The income lines (贫困线/监测线) per year and region that the checks compare with; a system
    administrator adds or changes them."""
    from bangfu.registry.forms import IncomeLineForm
    from bangfu.registry.models import IncomeLine

    _reader(request)
    scope = scope_of(request.user)
    form = IncomeLineForm(request.POST or None) if scope.is_sysadmin else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            done = call_service(form, lambda: services.income_line_set(actor=request.user, **data))
            if done:
                messages.success(request, _("已保存 %(year)s 年标准线") % {"year": data["year"]})
                return redirect("registry:income_lines")
    return render(
        request,
        "registry/income_lines.html",
        {"lines": IncomeLine.objects.order_by("-year", "region_prefix"), "form": form},
    )
