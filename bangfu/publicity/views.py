"""公示 pages. Staff: the list, a new notice from a selection, one notice with its lines and
objections (and the forms that act on them), publish, finalise, the printable PDF. The public:
``/p/<token>/``, the notice without login, with a short objection form.

Reads go through the selectors (a notice outside the reader's subtree is 404); writes through
the services. A write by someone who does not administer the notice's unit is 404 too."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import AuditEvent
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.core.middleware import client_ip
from bangfu.ledger.models import Direction, LedgerEntry
from bangfu.ledger.models import Status as EntryStatus
from bangfu.ledger.selectors import entry_list
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_admin_list
from bangfu.pairings.commitments import PdfUnavailable
from bangfu.publicity import services
from bangfu.publicity.forms import (
    CorrectForm,
    FinaliseForm,
    HandleForm,
    NoticeForm,
    PaperObjectionForm,
    PublicObjectionForm,
    RemoveForm,
    SelectionForm,
)
from bangfu.publicity.kinds import KINDS, get_kind
from bangfu.publicity.models import Channel, Notice, NoticeStatus, Result
from bangfu.publicity.pdf import notice_pdf
from bangfu.publicity.selectors import (
    item_get,
    may_read,
    notice_get,
    notice_list,
    objection_get,
    public_items,
    public_notice,
)
from bangfu.registry.models import Household
from bangfu.registry.selectors import household_list


def _reader(request: AuthedRequest) -> None:
    if not may_read(request.user):
        raise Http404


def _admin_of(request: AuthedRequest, notice: Notice) -> None:
    if not scope_of(request.user).can_admin_org(notice.org):
        raise Http404


def public_url(request: HttpRequest, notice: Notice) -> str:
    return request.build_absolute_uri(reverse("public:notice", args=[notice.token]))


# -- the list --------------------------------------------------------------------------------


@login_required
def notice_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    notices = notice_list(user=request.user)
    status = request.GET.get("status") or ""
    if status in NoticeStatus.values:
        notices = notices.filter(status=status)
    kind = request.GET.get("kind") or ""
    if kind in KINDS:
        notices = notices.filter(kind=kind)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "publicity/notice_list.html",
        {
            "page_obj": page,
            "statuses": NoticeStatus.choices,
            "kinds": [(k, str(v.label)) for k, v in KINDS.items()],
            "status": status,
            "kind": kind,
            "can_create": scope_of(request.user).is_admin,
        },
    )


# -- a new notice from a selection -----------------------------------------------------------


def _unit(request: AuthedRequest, code: str) -> Org | None:
    if not code:
        return None
    return org_admin_list(user=request.user).filter(code=code.strip()).first()


def _candidates(request: AuthedRequest, selection: SelectionForm) -> QuerySet[Any] | None:
    """What the selection finds among the records the user administers."""
    if not selection.is_valid():
        return None
    data = selection.cleaned_data
    spec = get_kind(data["kind"])
    assert spec is not None
    scope = scope_of(request.user)
    unit = _unit(request, data["unit"])
    if data["unit"] and unit is None:
        selection.add_error("unit", _("找不到您管理的单位 %s") % data["unit"])
        return None
    if spec.source == "entries":
        entries = (
            entry_list(user=request.user)
            .filter(scope.admin_q("org__path"))
            .filter(status=EntryStatus.DRAFT, direction=Direction.OUT, amount__isnull=False)
            .exclude(household=None, person=None, recipient_org=None)
        )
        if unit is not None:
            entries = entries.filter(org__path__startswith=unit.path)
        if data["category"]:
            entries = entries.filter(category=data["category"].strip())
        if data["date_from"]:
            entries = entries.filter(date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(date__lte=data["date_to"])
        return entries.order_by("date", "pk")[:500]
    allowed = list(spec.moves)
    if data["status"]:
        allowed = [s for s in allowed if s == data["status"]]
    households = household_list(user=request.user).filter(scope.admin_q("org__path"))
    households = households.filter(status__in=allowed)
    if unit is not None:
        households = households.filter(org__path__startswith=unit.path)
    return households.order_by("org__path", "code")[:500]


@login_required
def notice_new(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    selection = SelectionForm(request.GET or {"kind": "exit"})
    candidates = _candidates(request, selection)
    kind = selection.cleaned_data.get("kind") if selection.is_valid() else None
    spec = get_kind(kind or "exit")
    assert spec is not None
    orgs = org_admin_list(user=request.user).order_by("path")
    initial = {
        "start": timezone.localdate(),
        "conditions": spec.conditions,
        "procedure": spec.procedure,
        "org": _unit(request, request.GET.get("unit", "")) or request.user.org,
    }
    form = NoticeForm(request.POST or None, orgs=orgs, initial=initial)
    picked: set[int] = set()
    if request.method == "POST":
        picked = {int(p) for p in request.POST.getlist("pick") if p.isdigit()}
        if candidates is None:
            raise Http404
        if form.is_valid():
            chosen = [c for c in candidates if c.pk in picked]

            def create() -> Notice:
                if spec.source == "entries":
                    items = services.items_from_entries(
                        entries=[c for c in chosen if isinstance(c, LedgerEntry)]
                    )
                else:
                    items = services.items_from_households(
                        kind=spec.key, households=[c for c in chosen if isinstance(c, Household)]
                    )
                data = form.cleaned_data
                return services.notice_create(
                    actor=request.user,
                    kind=spec.key,
                    org=data["org"],
                    title=data["title"],
                    items=items,
                    start=data["start"],
                    end=data["end"],
                    conditions=data["conditions"],
                    procedure=data["procedure"],
                    objection_place=data["objection_place"],
                    objection_contact=data["objection_contact"],
                )

            notice = call_service(form, create)
            if notice is not None:
                messages.success(request, _("公示草稿已建立, 核对后发布"))
                return redirect("publicity:notice_detail", pk=notice.pk)
    else:
        picked = {c.pk for c in candidates} if candidates is not None else set()
    return render(
        request,
        "publicity/notice_form.html",
        {
            "selection": selection,
            "form": form,
            "spec": spec,
            "candidates": candidates,
            "picked": picked,
        },
    )


# -- one notice ------------------------------------------------------------------------------


def _detail_context(request: AuthedRequest, notice: Notice, **forms: Any) -> dict[str, Any]:
    can_admin = scope_of(request.user).can_admin_org(notice.org)
    items = notice.items.select_related("household", "person", "subject_org").order_by("position")
    on_list = notice.items.filter(removed_at=None).order_by("position")
    objections = notice.objections.select_related("item", "handled_by", "recorded_by")
    editable = can_admin and notice.status != NoticeStatus.FINALISED
    context = {
        "notice": notice,
        "items": items,
        "objections": objections,
        "can_admin": can_admin,
        "editable": editable,
        "public_url": public_url(request, notice),
        "problems": services.finalise_problems(notice)
        if notice.status == NoticeStatus.PUBLISHED
        else [],
        "history": AuditEvent.objects.filter(
            object_type="publicity.notice", object_id=str(notice.pk)
        ).order_by("at")[:100],
        "blocking": {o.pk for o in objections if o.blocks},
    }
    if editable:
        context.update(
            paper_form=forms.get("paper_form") or PaperObjectionForm(items=on_list, prefix="paper")
            if notice.status == NoticeStatus.PUBLISHED
            else None,
            handle_form=forms.get("handle_form") or HandleForm(items=on_list, prefix="handle"),
            finalise_form=forms.get("finalise_form") or FinaliseForm(),
            remove_form=RemoveForm(),
            correct_form_errors=forms.get("correct_errors"),
        )
    return context


@login_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    notice = notice_get(user=request.user, pk=pk)
    return render(request, "publicity/notice_detail.html", _detail_context(request, notice))


def _refuse(request: AuthedRequest, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


@login_required
@require_POST
def notice_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    try:
        services.notice_publish(actor=request.user, notice=notice)
        messages.success(
            request, _("已发布, 公示期 %(s)s 至 %(e)s") % {"s": notice.start, "e": notice.end}
        )
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def notice_finalise(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    form = FinaliseForm(request.POST)
    if form.is_valid():
        try:
            services.notice_finalise(
                actor=request.user, notice=notice, approver=form.cleaned_data["approver"]
            )
            messages.success(request, _("公示期满, 已公告并执行名单所列决定"))
        except (ValidationError, PermissionDenied) as exc:
            _refuse(request, exc)
    else:
        messages.error(request, _("请检查审批人"))
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
def notice_pdf_view(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    notice = notice_get(user=request.user, pk=pk)
    try:
        data = notice_pdf(notice, public_url=public_url(request, notice))
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@login_required
@require_POST
def item_remove(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    item = item_get(notice=notice, pk=item_pk)
    try:
        services.item_remove(actor=request.user, item=item, reason=request.POST.get("reason", ""))
        messages.success(request, _("已将 %s 移出名单") % item.display_name)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def item_correct(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    item = item_get(notice=notice, pk=item_pk)
    form = CorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("publicity:notice_detail", pk=notice.pk)
    data = form.cleaned_data
    try:
        services.item_correct(
            actor=request.user,
            item=item,
            note=data["note"],
            display_name=data["display_name"],
            village=data["village"],
            amount=data["amount"],
        )
        messages.success(request, _("已更正 %s") % item.display_name)
    except (ValidationError, PermissionDenied) as exc:
        _refuse(request, exc)
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def objection_new(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    on_list = notice.items.filter(removed_at=None)
    form = PaperObjectionForm(request.POST, items=on_list, prefix="paper")
    if form.is_valid():
        data = form.cleaned_data
        received = None
        if data["received_on"]:
            received = timezone.make_aware(
                datetime.datetime.combine(data["received_on"], datetime.time(9))
            )
        made = call_service(
            form,
            lambda: services.objection_receive(
                notice=notice,
                channel=Channel.PAPER,
                actor=request.user,
                content=data["content"],
                contact=data["contact"],
                item=data["item"],
                received_at=received,
            ),
        )
        if made is not None:
            messages.success(request, _("已登记书面异议"))
            return redirect("publicity:notice_detail", pk=notice.pk)
    context = _detail_context(request, notice, paper_form=form)
    return render(request, "publicity/notice_detail.html", context, status=400)


@login_required
@require_POST
def objection_handle(request: AuthedRequest, pk: int, objection_pk: int) -> HttpResponse:
    notice = notice_get(user=request.user, pk=pk)
    _admin_of(request, notice)
    objection = objection_get(notice=notice, pk=objection_pk)
    on_list = notice.items.filter(removed_at=None)
    form = HandleForm(request.POST, items=on_list, prefix="handle")
    if form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: services.objection_handle(
                actor=request.user,
                objection=objection,
                result=data["result"],
                handling=data["handling"],
                item=data["item"],
            ),
        )
        if done is not None:
            if done.result == Result.UPHELD:
                messages.warning(request, _("异议成立: 请更正或移出所涉对象后再公告"))
            else:
                messages.success(request, _("已记录处理结果"))
            return redirect("publicity:notice_detail", pk=notice.pk)
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("publicity:notice_detail", pk=notice.pk)


# -- the public page -------------------------------------------------------------------------


def public_notice_view(request: HttpRequest, token: str) -> HttpResponse:
    """The notice as the village sees it, without login: names and villages only (amounts on
    money lists), the conditions, procedure, period and where to object; during the period, a
    short objection form (limited per address and hour, no captcha)."""
    notice = public_notice(token)
    rows = public_items(notice)
    is_open = notice.is_open_on()
    form = PublicObjectionForm(request.POST or None, rows=rows) if is_open else None
    status = 200
    if request.method == "POST":
        if form is None:
            status = 400
        elif form.is_valid():
            data = form.cleaned_data
            on_list = list(notice.items.filter(removed_at=None).order_by("position"))
            position = data["item"]
            item = on_list[position - 1] if position and 0 < position <= len(on_list) else None
            made = call_service(
                form,
                lambda: services.objection_receive(
                    notice=notice,
                    channel=Channel.WEB,
                    content=data["content"],
                    contact=data["contact"],
                    item=item,
                    ip=client_ip(request),
                ),
            )
            if made is not None:
                return redirect(reverse("public:notice", args=[token]) + "?sent=1")
            status = 400
        else:
            status = 400
    response = render(
        request,
        "publicity/public_notice.html",
        {
            "notice": notice,
            "rows": rows,
            "form": form,
            "is_open": is_open,
            "sent": request.GET.get("sent") == "1",
            "finalised": notice.status == NoticeStatus.FINALISED,
        },
        status=status,
    )
    # The site's Referrer-Policy (same-origin) keeps the token out of other sites' logs;
    # "no-referrer" would make Chromium send "Origin: null" with the form, failing CSRF.
    response["X-Robots-Tag"] = "noindex"
    return response
