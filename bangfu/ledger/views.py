"""Ledger pages: the list with its filters and the posting of ticked drafts, one entry with its
reversal and history, entering and changing drafts, reversing (and correcting) posted entries,
the totals, and the 专项台帐 workbook.

Reads go through the selectors (an entry outside the user's reach is answered 404, as one that
does not exist); writes through the services, which check that the user administers the unit
that keeps the entry."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import AuditEvent
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.ledger import services
from bangfu.ledger.export import export_ledger
from bangfu.ledger.filters import EntryFilter, TotalsFilter, filtered
from bangfu.ledger.forms import (
    EntryForm,
    PostForm,
    ReverseForm,
    initial_from,
    program_categories,
    recipient_choices,
    resolve_recipient,
)
from bangfu.ledger.models import LedgerEntry, Status
from bangfu.ledger.selectors import entry_get, entry_list, totals
from bangfu.orgs.selectors import org_admin_list, org_list
from bangfu.pairings.selectors import program_list
from bangfu.programs.models import Program
from bangfu.registry.selectors import helper_list, household_list, person_list

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BY_CHOICES = [
    ("category", gettext_lazy("类别")),
    ("source", gettext_lazy("来源")),
    ("recipient", gettext_lazy("受助对象")),
    ("org", gettext_lazy("台帐单位")),
    ("month", gettext_lazy("月份")),
    ("program", gettext_lazy("项目")),
]


# -- who may do what -------------------------------------------------------------------------


def _reader(request: AuthedRequest) -> None:
    """Readers of a unit's ledger, and helpers (who see the entries of their own activities)."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _unit_reader(request: AuthedRequest) -> None:
    """Readers of a unit's ledger (the export and its audit row are theirs)."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


def _keeper(request: AuthedRequest) -> None:
    if not scope_of(request.user).is_admin:
        raise Http404


def _keeper_of(request: AuthedRequest, entry: LedgerEntry) -> None:
    if not scope_of(request.user).can_admin_org(entry.org):
        raise Http404


def _kept_programs(request: AuthedRequest) -> QuerySet[Program]:
    """Programs whose organiser the user administers: those they enter entries for."""
    scope = scope_of(request.user)
    return program_list(user=request.user).filter(scope.admin_q("org__path")).order_by("-start")


def _next(request: AuthedRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# -- the list --------------------------------------------------------------------------------


def _entry_filter(request: AuthedRequest, cls: type[EntryFilter] | type[TotalsFilter]) -> Any:
    return cls(
        request.GET or None,
        queryset=entry_list(user=request.user),
        orgs=org_list(user=request.user).order_by("path"),
        programs=program_list(user=request.user).order_by("-start"),
    )


@login_required
def entry_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    filterset = _entry_filter(request, EntryFilter)
    page = Paginator(filtered(filterset), 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    postable = {e.pk for e in page if e.status == Status.DRAFT and scope.can_admin_org(e.org)}
    context = {
        "filter": filterset,
        "page_obj": page,
        "postable": postable,
        "post_form": PostForm(),
        "can_keep": scope.is_admin,
        "can_export": scope.is_sysadmin or bool(scope.read_paths),
    }
    template = "ledger/entry_list.html#results" if request.htmx else "ledger/entry_list.html"
    return render(request, template, context)


# -- one entry -------------------------------------------------------------------------------


@login_required
def entry_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    entry = entry_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    can_keep = scope.can_admin_org(entry.org)
    reversed_by = LedgerEntry.objects.filter(reverses=entry).first()
    history = AuditEvent.objects.filter(
        object_type="ledger.ledgerentry", object_id=str(entry.pk)
    ).order_by("at", "id")
    reversible = can_keep and entry.is_posted and not entry.is_reversal and reversed_by is None
    return render(
        request,
        "ledger/entry_detail.html",
        {
            "entry": entry,
            "reversed_by": reversed_by,
            "history": history,
            "can_keep": can_keep,
            "post_form": PostForm() if can_keep and not entry.is_posted else None,
            "reverse_form": ReverseForm() if reversible else None,
        },
    )


def _entry_form(
    request: AuthedRequest,
    *,
    data: Any,
    initial: dict[str, Any],
    program: Program | None,
    with_org: bool,
) -> EntryForm:
    form = EntryForm(
        data,
        initial=initial,
        programs=_kept_programs(request),
        orgs=org_admin_list(user=request.user).order_by("path") if with_org else None,
        source_orgs=org_list(user=request.user).order_by("path"),
        helpers=helper_list(user=request.user).order_by("person__name_sort", "id"),
        recipients=recipient_choices(program),
    )
    # Choosing the program reloads the form with its categories and beneficiaries.
    form.fields["program"].widget.attrs.update(
        {
            "hx-get": request.path,
            "hx-include": "closest form",
            "hx-target": "#entry-form",
            "hx-swap": "outerHTML",
        }
    )
    return form


def _chosen_program(request: AuthedRequest, value: Any) -> Program | None:
    if not value:
        return None
    return _kept_programs(request).filter(pk=value).first() if str(value).isdigit() else None


def _recipient(request: AuthedRequest, form: EntryForm) -> dict[str, Any]:
    return resolve_recipient(
        form.cleaned_data.get("recipient") or "",
        form.cleaned_data.get("recipient_code") or "",
        households=household_list(user=request.user),
        persons=person_list(user=request.user),
        orgs=org_list(user=request.user),
    )


def _form_page(
    request: AuthedRequest, form: EntryForm, program: Program | None, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "program": program,
        "categories": program_categories(program, _kept_programs(request)),
        **extra,
    }
    template = "ledger/entry_form.html#form" if request.htmx else "ledger/entry_form.html"
    return render(request, template, context)


@login_required
def entry_new(request: AuthedRequest) -> HttpResponse:
    """A new draft. ``?from=<pk>`` prefills it from an entry (the correction after a reversal);
    the program's select reloads the form (htmx) with that program's categories and
    beneficiaries, keeping what was typed."""
    _keeper(request)
    source: LedgerEntry | None = None
    initial: dict[str, Any] = {}
    if request.GET.get("from"):
        source = entry_get(user=request.user, pk=request.GET["from"])
        initial = initial_from(source)
        initial["note"] = (_("更正 %(n)s: %(note)s") % {"n": source.number, "note": source.note})[
            :500
        ]
    if request.method == "GET" and request.htmx:
        initial = {k: v for k, v in request.GET.items() if v}
    raw_program = request.POST.get("program") if request.method == "POST" else None
    program = _chosen_program(request, raw_program or initial.get("program"))
    form = _entry_form(
        request,
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        program=program,
        with_org=True,
    )
    if request.method == "POST" and form.is_valid():

        def create() -> LedgerEntry:
            values = form.service_values(_recipient(request, form))
            org = form.cleaned_data.get("org") or (program.org if program else None)
            if org is None:
                raise ValidationError(
                    {"org": [_("请选择台帐单位, 或选择项目 (记入项目主办单位的台帐)")]}
                )
            return services.entry_create(actor=request.user, org=org, **values)

        entry = call_service(form, create)
        if entry is not None:
            messages.success(request, _("已录入草稿 %s, 审批后入账") % entry.number)
            if "again" in request.POST:
                return redirect("ledger:entry_new")
            return redirect("ledger:entry_detail", pk=entry.pk)
    return _form_page(request, form, program, correcting=source, entry=None)


@login_required
def entry_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = entry_get(user=request.user, pk=pk)
    _keeper_of(request, entry)
    if entry.is_posted:
        messages.error(request, _("记录 %s 已入账, 不能修改; 请用“冲销”更正") % entry.number)
        return redirect("ledger:entry_detail", pk=entry.pk)
    initial = initial_from(entry)
    if request.method == "GET" and request.htmx:
        initial = {k: v for k, v in request.GET.items() if v}
    raw_program = request.POST.get("program") if request.method == "POST" else None
    program = _chosen_program(request, raw_program or initial.get("program"))
    form = _entry_form(
        request,
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        program=program,
        with_org=False,
    )
    if request.method == "POST" and form.is_valid():

        def update() -> LedgerEntry:
            values = form.service_values(_recipient(request, form))
            return services.entry_update(actor=request.user, entry=entry, **values)

        if call_service(form, update) is not None:
            messages.success(request, _("已保存草稿 %s") % entry.number)
            return redirect("ledger:entry_detail", pk=entry.pk)
    return _form_page(request, form, program, correcting=None, entry=entry)


@login_required
@require_POST
def entry_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = entry_get(user=request.user, pk=pk)
    _keeper_of(request, entry)
    number = entry.number
    try:
        services.entry_delete(actor=request.user, entry=entry)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("ledger:entry_detail", pk=entry.pk)
    messages.success(request, _("已删除草稿 %s") % number)
    return redirect("ledger:entry_list")


@login_required
@require_POST
def entry_post(request: AuthedRequest) -> HttpResponse:
    """Post the ticked drafts (``entry``, one or many) with the approver's name: all or none."""
    _keeper(request)
    back = _next(request, reverse("ledger:entry_list"))
    raw = request.POST.getlist("entry")
    ids = {int(x) for x in raw if x.isdigit()}
    if len(ids) != len(set(raw)):
        raise Http404
    if not ids:
        messages.error(request, _("请先勾选要入账的草稿"))
        return redirect(back)
    entries = list(entry_list(user=request.user).filter(pk__in=ids).order_by("number"))
    if len(entries) != len(ids):
        raise Http404
    form = PostForm(request.POST)
    form.is_valid()
    try:
        n = services.entry_post(
            actor=request.user,
            entries=entries,
            approver=str(request.POST.get("approver") or ""),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _("没有入账任何记录: %s") % _errors(exc))
    else:
        messages.success(request, _("已入账 %d 条记录") % n)
    return redirect(back)


@login_required
@require_POST
def entry_reverse(request: AuthedRequest, pk: int) -> HttpResponse:
    """Reverse a posted entry; with ``correct``, then open a new entry prefilled from it."""
    entry = entry_get(user=request.user, pk=pk)
    _keeper_of(request, entry)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("ledger:entry_detail", pk=entry.pk)
    try:
        reversal = services.entry_reverse(
            actor=request.user,
            entry=entry,
            reason=form.cleaned_data.get("reason") or "",
            date=form.cleaned_data.get("date"),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _("没有冲销: %s") % _errors(exc))
        return redirect("ledger:entry_detail", pk=entry.pk)
    messages.success(
        request, _("已冲销 %(n)s (冲销记录 %(r)s)") % {"n": entry.number, "r": reversal.number}
    )
    if "correct" in request.POST:
        return redirect(f"{reverse('ledger:entry_new')}?from={entry.pk}")
    return redirect("ledger:entry_detail", pk=reversal.pk)


# -- totals and the workbook ----------------------------------------------------------------


@login_required
def totals_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    filterset = _entry_filter(request, TotalsFilter)
    by = request.GET.get("by", "category")
    if by not in dict(BY_CHOICES):
        by = "category"
    result = totals(filtered(filterset), by=by)
    context = {
        "filter": filterset,
        "result": result,
        "by": by,
        "by_choices": BY_CHOICES,
        "by_label": dict(BY_CHOICES)[by],
        "has_income": any(row.income for row in result.rows),
    }
    template = "ledger/totals.html#results" if request.htmx else "ledger/totals.html"
    return render(request, template, context)


def _title(filterset: Any) -> str:
    """The workbook's title: 专项台帐 and what the filters chose."""
    parts = [_("专项台帐")]
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
    if data.get("org"):
        parts.append(data["org"].name)
    if data.get("program"):
        parts.append(data["program"].name)
    if data.get("category"):
        parts.append(data["category"])
    start, end = data.get("date_from"), data.get("date_to")
    if start or end:
        parts.append(
            _("%(s)s 至 %(e)s")
            % {"s": start.isoformat() if start else "", "e": end.isoformat() if end else ""}
        )
    return " · ".join(parts)


@login_required
def export_view(request: AuthedRequest) -> HttpResponseBase:
    """The 专项台帐 workbook, filtered like the list; posted entries only unless ``status``
    asks for drafts."""
    _unit_reader(request)
    filterset = _entry_filter(request, EntryFilter)
    qs = filtered(filterset)
    if not request.GET.get("status"):
        qs = qs.filter(status=Status.POSTED)
    file = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - streamed
    outcome = export_ledger(
        user=request.user,
        qs=qs,
        dest=file,  # type: ignore[arg-type]
        title=_title(filterset),
        filters=request.GET.urlencode()[:500],
    )
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=outcome.file_name, content_type=XLSX)
