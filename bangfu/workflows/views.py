"""Pages: the case list with deadlines, a new case, one case with its steps timeline, the next
action and send-back / cancel forms, a step's attachment; 回头看 campaigns: the list, open one,
one campaign with the households of its subtree to mark (in bulk), publish, the report.

Reads are scoped to the reader's subtree (404 outside); writes need an administrator of the
record's unit (404 otherwise); a step at a higher level is refused with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.orgs.models import Org
from bangfu.registry.models import Household
from bangfu.workflows import services
from bangfu.workflows.definitions import CaseKind, definition
from bangfu.workflows.forms import (
    CampaignForm,
    CaseForm,
    MarkForm,
    PublishForm,
    ReasonForm,
    SendBackForm,
    StepForm,
)
from bangfu.workflows.models import Campaign, CampaignStatus, Case, CaseStatus, Mark, StepRecord


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


def _cases(request: AuthedRequest) -> QuerySet[Case]:
    _reader(request)
    return Case.objects.filter(scope_of(request.user).read_q("org__path")).select_related(
        "household__head", "org"
    )


def _case(request: AuthedRequest, pk: int, *, admin: bool = False) -> Case:
    case = get_object_or_404(_cases(request), pk=pk)
    if admin and not scope_of(request.user).can_admin_org(case.org):
        raise Http404
    return case


def _campaigns(request: AuthedRequest) -> QuerySet[Campaign]:
    _reader(request)
    return Campaign.objects.filter(scope_of(request.user).read_q("org__path")).select_related("org")


def _campaign(request: AuthedRequest, pk: int, *, admin: bool = False) -> Campaign:
    campaign = get_object_or_404(_campaigns(request), pk=pk)
    if admin and not scope_of(request.user).can_admin_org(campaign.org):
        raise Http404
    return campaign


def _refuse(request: AuthedRequest, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


# -- cases -----------------------------------------------------------------------------------


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    cases = _cases(request)
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind in CaseKind.values:
        cases = cases.filter(kind=kind)
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases.order_by("deadline", "-opened_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workflows/case_list.html",
        {
            "page_obj": page,
            "kinds": CaseKind.choices,
            "statuses": CaseStatus.choices,
            "kind": kind,
            "status": status,
            "can_create": scope_of(request.user).is_admin,
        },
    )


@login_required
def case_new(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = (
            Household.objects.filter(scope.admin_q("org__path"))
            .select_related("org")
            .filter(code=form.cleaned_data["household"].strip())
            .first()
        )
        if household is None:
            form.add_error("household", _("没有找到您管理范围内的这个户编号"))
        else:
            case = call_service(
                form,
                lambda: services.case_open(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    household=household,
                    lead_date=form.cleaned_data["lead_date"],
                    notes=form.cleaned_data["notes"],
                ),
            )
            if case is not None:
                return redirect("workflows:case_detail", pk=case.pk)
    return render(request, "workflows/case_form.html", {"form": form})


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    spec = definition(case.kind)
    step = spec.step(case.step)
    done = {r.step for r in case.records.filter(sent_back=False)}
    earlier = spec.steps[: spec.index(case.step)]
    return render(
        request,
        "workflows/case_detail.html",
        {
            "case": case,
            "spec": spec,
            "step": step,
            "done_steps": done,
            "records": case.records.select_related("done_by").defer("attachment"),
            "can_act": case.is_active and services.may_do(request.user, case, step),
            "can_admin": case.is_active and scope_of(request.user).can_admin_org(case.org),
            "step_form": StepForm(),
            "send_back_form": SendBackForm(steps=earlier) if earlier else None,
            "cancel_form": ReasonForm(),
            "problems": _notice_problems(case, step),
        },
    )


def _notice_problems(case: Case, step) -> list[str]:
    from bangfu.publicity.services import finalise_problems

    if step.by_notice and case.notice is not None and case.is_active:
        return finalise_problems(case.notice)
    return []


@login_required
@require_POST
def case_step(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, admin=True)
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            upload = data.pop("attachment")
            attachment = services.Attachment.from_upload(upload) if upload else None
            services.step_complete(
                actor=request.user,
                case=case,
                attachment=attachment,
                date=data["date"],
                notes=data["notes"],
                signed_on=data["signed_on"],
                override_reason=data["override_reason"],
                objection_place=data["objection_place"],
                objection_contact=data["objection_contact"],
                notice_start=data["notice_start"],
                notice_end=data["notice_end"],
            )
            messages.success(request, _("已完成本环节"))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请检查填写的内容"))
    return redirect("workflows:case_detail", pk=case.pk)


@login_required
@require_POST
def case_send_back(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, admin=True)
    spec = definition(case.kind)
    form = SendBackForm(request.POST, steps=spec.steps)
    if form.is_valid():
        try:
            services.case_send_back(
                actor=request.user,
                case=case,
                reason=form.cleaned_data["reason"],
                to_step=form.cleaned_data["to_step"],
            )
            messages.success(request, _("已退回"))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请填写退回原因"))
    return redirect("workflows:case_detail", pk=case.pk)


@login_required
@require_POST
def case_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, admin=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.case_cancel(actor=request.user, case=case, reason=form.cleaned_data["reason"])
            messages.success(request, _("已撤销"))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请填写撤销原因"))
    return redirect("workflows:case_detail", pk=case.pk)


@login_required
def record_attachment(request: AuthedRequest, pk: int, record_pk: int) -> HttpResponse:
    case = _case(request, pk)
    record = get_object_or_404(StepRecord, case=case, pk=record_pk, attachment__isnull=False)
    response = HttpResponse(bytes(record.attachment or b""), content_type=record.attachment_type)
    response["Content-Disposition"] = f'attachment; filename="step-{record.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- 回头看 ----------------------------------------------------------------------------------


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    campaigns = _campaigns(request)
    return render(
        request,
        "workflows/campaign_list.html",
        {"campaigns": campaigns, "can_create": scope_of(request.user).is_admin},
    )


@login_required
def campaign_new(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = Org.objects.filter(code=form.cleaned_data["org"].strip()).first()
        if org is None or not scope.can_admin_org(org):
            form.add_error("org", _("没有找到您管理范围内的这个单位编码"))
        else:
            data = form.cleaned_data
            campaign = call_service(
                form,
                lambda: services.campaign_open(
                    actor=request.user,
                    org=org,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                ),
            )
            if campaign is not None:
                return redirect("workflows:campaign_detail", pk=campaign.pk)
    return render(request, "workflows/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    marks = {m.household_id: m for m in campaign.marks.all()}
    households = (
        Household.objects.filter(org__path__startswith=campaign.org.path)
        .exclude(status="")
        .select_related("org", "head")
        .order_by("org__path", "code")
    )
    page = Paginator(households, 100).get_page(request.GET.get("page"))
    for h in page:
        h.campaign_mark = marks.get(h.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "workflows/campaign_detail.html",
        {
            "campaign": campaign,
            "page_obj": page,
            "can_admin": scope_of(request.user).can_admin_org(campaign.org)
            and campaign.status == CampaignStatus.OPEN,
            "mark_form": MarkForm(),
            "publish_form": PublishForm(),
            "report": services.campaign_report(campaign),
        },
    )


@login_required
@require_POST
def campaign_mark(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, admin=True)
    form = MarkForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("households") if i.isdigit()]
    households = Household.objects.filter(
        pk__in=ids, org__path__startswith=campaign.org.path
    ).select_related("org")
    if form.is_valid():
        try:
            services.campaign_mark(
                actor=request.user,
                campaign=campaign,
                households=households,
                mark=form.cleaned_data["mark"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已标记 %d 户") % len(ids))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请选择核查结论"))
    return redirect("workflows:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, admin=True)
    form = PublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_publish(
                actor=request.user,
                campaign=campaign,
                objection_place=data["objection_place"],
                objection_contact=data["objection_contact"],
                start=data["start"],
                end=data["end"],
            )
            messages.success(request, _("剔除和新增名单已公示"))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请填写异议受理地点和受理人"))
    return redirect("workflows:campaign_detail", pk=campaign.pk)


@login_required
def campaign_report(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(
        request,
        "workflows/campaign_report.html",
        {"campaign": campaign, "report": services.campaign_report(campaign), "marks": Mark},
    )
