"""Pairing pages: the list with its filters and bulk actions, a new pairing, one pairing with
its history, ending and transferring, and the coverage of every program in scope."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.activities.services import may_log
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.core.idnumber import normalise_id_number
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list
from bangfu.pairings import services
from bangfu.pairings.forms import EndForm, PairingForm, TransferForm
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import (
    beneficiary_pool,
    coverage,
    helper_pool,
    pairing_get,
    pairing_list,
    program_get,
    program_list,
)
from bangfu.programs.models import Program
from bangfu.registry.models import Household, Person


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _manager_of(request: AuthedRequest, program: Program) -> None:
    if not scope_of(request.user).can_admin_org(program.org):
        raise Http404


def _manager_of_pairing(request: AuthedRequest, pairing: Pairing) -> None:
    scope = scope_of(request.user)
    if not (scope.can_admin_org(pairing.program.org) or scope.can_admin_org(pairing.org)):
        raise Http404


def _beneficiary_choices(program: Program) -> list[tuple[str, str]]:
    """The program's pool, those without a helper first (at most 1,000 in the list)."""
    kind = program.beneficiary_kind
    today = timezone.localdate()
    active = Pairing.objects.filter(program=program).active_on(today)
    pool = beneficiary_pool(program)
    if kind == "household":
        paired = set(active.values_list("household_id", flat=True))
        rows = [
            (f"h{h.pk}", f"{h.code} {h.head.name if h.head else ''}", h.pk in paired)
            for h in pool.select_related("head").order_by("code")[:1000]
        ]
    elif kind == "person":
        paired = set(active.values_list("person_id", flat=True))
        rows = [
            (f"p{p.pk}", f"{p.name} · {p.org.name}", p.pk in paired)
            for p in pool.select_related("org").order_by("name_sort")[:1000]
        ]
    else:
        paired = set(active.values_list("beneficiary_org_id", flat=True))
        rows = [
            (f"o{u.org_id}", f"{u.org.name} ({u.org.code})", u.org_id in paired)
            for u in pool.select_related("org").order_by("org__path")[:1000]
        ]
    rows.sort(key=lambda r: r[2])
    return [(value, label + (_(" (已结对)") if done else "")) for value, label, done in rows]


def _resolve_beneficiary(program: Program, choice: str, code: str) -> dict[str, Any]:
    """The beneficiary picked from the list (h12, p34, o56) or typed as 户编号 / 身份证号 / 编码."""
    kind = program.beneficiary_kind
    try:
        if choice:
            prefix, pk = choice[0], int(choice[1:])
            if kind == "household" and prefix == "h":
                return {"household": beneficiary_pool(program).get(pk=pk)}
            if kind == "person" and prefix == "p":
                return {"person": Person.objects.get(pk=pk)}
            if kind == "unit" and prefix == "o":
                return {"beneficiary_org": Org.objects.get(pk=pk)}
        code = code.strip()
        if kind == "household":
            return {"household": Household.objects.get(code=code)}
        if kind == "person":
            return {"person": Person.objects.get(id_number=normalise_id_number(code))}
        return {"beneficiary_org": Org.objects.get(code=code)}
    except (Household.DoesNotExist, Person.DoesNotExist, Org.DoesNotExist, ValueError):
        raise ValidationError(
            {"beneficiary_code": [_("找不到帮扶对象 “%s”") % (code or choice)]}
        ) from None


@login_required
def pairing_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    qs = pairing_list(user=request.user)
    programs = program_list(user=request.user).order_by("-start")
    program = None
    if request.GET.get("program"):
        program = program_get(user=request.user, pk=request.GET["program"])
        qs = qs.filter(program=program)
    state = request.GET.get("state", "active")
    today = timezone.localdate()
    if state == "active":
        qs = qs.active_on(today)
    elif state == "ended":
        qs = qs.filter(end__lt=today)
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(helper__person__name__icontains=text)
            | Q(helper_org__name__icontains=text)
            | Q(household__code__icontains=text)
            | Q(household__head__name__icontains=text)
            | Q(person__name__icontains=text)
            | Q(beneficiary_org__name__icontains=text)
            | Q(helper__person__name_pinyin__icontains=text.lower())
            | Q(person__name_pinyin__icontains=text.lower())
        )
    page = Paginator(qs.order_by("program", "-start", "id"), 50).get_page(request.GET.get("page"))
    transfer = None
    if program is not None and scope_of(request.user).can_admin_org(program.org):
        transfer = TransferForm(
            program=program,
            helpers=helper_pool(program),
            helper_orgs=org_list(user=request.user).order_by("path"),
        )
    return render(
        request,
        "pairings/pairing_list.html",
        {
            "page_obj": page,
            "programs": programs,
            "program": program,
            "state": state,
            "q": text,
            "end_form": EndForm(),
            "transfer_form": transfer,
            "can_manage": program is not None and scope_of(request.user).can_admin_org(program.org),
        },
    )


@login_required
def pairing_create(request: AuthedRequest) -> HttpResponse:
    program = program_get(
        user=request.user, pk=request.GET.get("program") or request.POST.get("program")
    )
    _manager_of(request, program)
    form = PairingForm(
        request.POST or None,
        program=program,
        helpers=helper_pool(program),
        helper_orgs=org_list(user=request.user).order_by("path"),
        beneficiaries=_beneficiary_choices(program),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> Pairing:
            side = _resolve_beneficiary(
                program, data.get("beneficiary") or "", data.get("beneficiary_code") or ""
            )
            return services.pairing_create(
                actor=request.user,
                program=program,
                start=data["start"],
                helper=data.get("helper"),
                helper_org=data.get("helper_org"),
                **side,
            )

        pairing = call_service(form, create)
        if pairing is not None:
            messages.success(request, _("已结对: %s") % pairing)
            if "again" in request.POST:
                return redirect(f"{reverse('pairings:pairing_create')}?program={program.pk}")
            return redirect("pairings:pairing_detail", pk=pairing.pk)
    return render(request, "pairings/pairing_form.html", {"form": form, "program": program})


@login_required
def pairing_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    pairing = pairing_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    can_manage = scope.can_admin_org(pairing.program.org) or scope.can_admin_org(pairing.org)
    history = []
    cursor: Pairing | None = pairing
    while cursor is not None and cursor.replaces_id:
        cursor = Pairing.objects.filter(pk=cursor.replaces_id).first()
        if cursor:
            history.append(cursor)
    later = getattr(pairing, "replaced_by", None) if hasattr(pairing, "replaced_by") else None
    program = pairing.program
    return render(
        request,
        "pairings/pairing_detail.html",
        {
            "sides": [
                ("helper", _("帮扶人承诺书"), pairing.helper_signed_on),
                ("beneficiary", _("帮扶对象承诺书"), pairing.beneficiary_signed_on),
            ],
            "pairing": pairing,
            "history": history,
            "later": later,
            "can_manage": can_manage,
            "can_log": pairing.end is None and may_log(request.user, pairing),
            "end_form": EndForm() if can_manage and pairing.end is None else None,
            "transfer_form": TransferForm(
                program=program,
                helpers=helper_pool(program),
                helper_orgs=org_list(user=request.user).order_by("path"),
            )
            if can_manage and pairing.end is None
            else None,
        },
    )


@login_required
@require_POST
def pairing_end(request: AuthedRequest, pk: int) -> HttpResponse:
    pairing = pairing_get(user=request.user, pk=pk)
    _manager_of_pairing(request, pairing)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(
                actor=request.user,
                pairing=pairing,
                end=form.cleaned_data["end"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已结束结对"))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("pairings:pairing_detail", pk=pairing.pk)


@login_required
@require_POST
def pairing_transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    pairing = pairing_get(user=request.user, pk=pk)
    _manager_of_pairing(request, pairing)
    program = pairing.program
    form = TransferForm(
        request.POST,
        program=program,
        helpers=helper_pool(program),
        helper_orgs=org_list(user=request.user).order_by("path"),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = services.pairing_transfer(
                actor=request.user,
                pairing=pairing,
                day=data["day"],
                reason=data["reason"],
                helper=data.get("helper"),
                helper_org=data.get("helper_org"),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已调整帮扶人: %s") % new)
            return redirect("pairings:pairing_detail", pk=new.pk)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("pairings:pairing_detail", pk=pairing.pk)


@login_required
@require_POST
def pairings_bulk(request: AuthedRequest) -> HttpResponse:
    """End, or move to one new helper, the ticked pairings of a program: all or none."""
    program = program_get(user=request.user, pk=request.POST.get("program"))
    _manager_of(request, program)
    ids = [int(x) for x in request.POST.getlist("pairing") if x.isdigit()]
    chosen = list(pairing_list(user=request.user).filter(program=program, pk__in=ids))
    back = f"{reverse('pairings:pairing_list')}?program={program.pk}"
    if not chosen:
        messages.error(request, _("请先勾选结对"))
        return redirect(back)
    try:
        if request.POST.get("action") == "end":
            form = EndForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            n = services.pairings_end_many(
                actor=request.user,
                pairings=chosen,
                end=form.cleaned_data["end"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已结束 %s 个结对") % n)
        else:
            tform = TransferForm(
                request.POST,
                program=program,
                helpers=helper_pool(program),
                helper_orgs=org_list(user=request.user).order_by("path"),
            )
            if not tform.is_valid():
                raise ValidationError([e for errs in tform.errors.values() for e in errs])
            data = tform.cleaned_data
            moved = services.pairings_transfer_many(
                actor=request.user,
                pairings=chosen,
                day=data["day"],
                reason=data["reason"],
                helper=data.get("helper"),
                helper_org=data.get("helper_org"),
            )
            messages.success(request, _("已将 %s 个结对调整给新的帮扶人") % len(moved))
    except ValidationError as exc:
        messages.error(request, _("没有做任何修改: %s") % " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect(back)


@login_required
def coverage_view(request: AuthedRequest) -> HttpResponse:
    """不漏一户、不丢一人: per program, the pool, who has no helper (overdue first), helpers below
    the minimum and over capacity."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404
    programs = program_list(user=request.user).filter(is_active=True).order_by("-start")
    if request.GET.get("program"):
        programs = (
            programs.filter(pk=request.GET["program"])
            if request.GET["program"].isdigit()
            else programs.none()
        )
    rows = [coverage(p) for p in programs[:50]]
    return render(
        request,
        "pairings/coverage.html",
        {
            "rows": rows,
            "single": bool(request.GET.get("program")),
            "all_programs": program_list(user=request.user).filter(is_active=True),
        },
    )
