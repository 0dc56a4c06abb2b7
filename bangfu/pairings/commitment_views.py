"""Pages of the commitment letters (双承诺): download either side's letter as Word or PDF,
record the day a side signed, and the list of pairings still missing a signed letter more than
30 days after they started.

Every pairing is fetched through :func:`pairing_get`, so a pairing outside the user's scope is a
404 exactly like one that does not exist. Readers (inspectors, a helper for their own pairings)
may download and see the list; only administrators may record a signing, which the pairing
service checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bangfu.audit.models import Action
from bangfu.audit.services import audit_personal_view
from bangfu.core.http import AuthedRequest
from bangfu.pairings.commitments import (
    SIDES,
    SIGN_WITHIN_DAYS,
    PdfUnavailable,
    chinese_date,
    letter_docx,
    letter_pdf,
    letter_title,
    may_sign,
    unsigned_pairings,
)
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import pairing_get, program_list
from bangfu.pairings.services import pairing_sign
from bangfu.programs.models import Program

NAMESPACE = "pairings"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def _side(side: str) -> str:
    if side not in SIDES:
        raise Http404
    return side


def _side_title(pairing: Pairing, side: str) -> str:
    if side == "helper":
        return letter_title(side, "person" if pairing.helper_id else "unit")
    return letter_title(side, "")


def _filename(pairing: Pairing, side: str, extension: str) -> str:
    name = f"{_side_title(pairing, side)}_{pairing.helper_name}_{pairing.beneficiary_name}"
    return f"{UNSAFE_IN_FILENAME.sub('', name)}.{extension}"


def _download(
    request: AuthedRequest, pairing: Pairing, side: str, data: bytes, *, kind: str
) -> HttpResponse:
    """The file as an attachment, after writing the export's audit event (names of a
    household or a person are personal data)."""
    label = "Word" if kind == "docx" else "PDF"
    audit_personal_view(
        actor=request.user,
        obj=pairing,
        action=Action.EXPORT,
        summary=_("导出%(title)s (%(format)s) %(pairing)s")
        % {"title": _side_title(pairing, side), "format": label, "pairing": pairing},
    )
    response = HttpResponse(data, content_type=DOCX_TYPE if kind == "docx" else "application/pdf")
    disposition = content_disposition_header(True, _filename(pairing, side, kind))
    response["Content-Disposition"] = disposition or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def commitment_docx(request: AuthedRequest, pk: int, side: str) -> HttpResponse:
    """One side's letter as a Word file, to edit or print."""
    side = _side(side)
    pairing = pairing_get(user=request.user, pk=pk)
    return _download(request, pairing, side, letter_docx(pairing, side), kind="docx")


@login_required
@require_GET
def commitment_pdf(request: AuthedRequest, pk: int, side: str) -> HttpResponse:
    """One side's letter as PDF; where WeasyPrint's system libraries are missing, a page that
    says so (and offers the Word file) instead of a server error."""
    side = _side(side)
    pairing = pairing_get(user=request.user, pk=pk)
    try:
        data = letter_pdf(pairing, side)
    except PdfUnavailable as exc:
        context = {"pairing": pairing, "side": side, "message": str(exc)}
        return render(request, "pairings/commitment_unavailable.html", context, status=503)
    return _download(request, pairing, side, data, kind="pdf")


class SignForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("签订日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请填写正确的日期, 如 2026-03-01")},
    )


def _back(request: AuthedRequest) -> str:
    """Where to go after signing: ``next`` if it is a path of this site, else the list."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not target.startswith(("//", "/\\"))
    ):
        return target
    return reverse(f"{NAMESPACE}:commitments_unsigned")


@login_required
@require_POST
def commitment_sign(request: AuthedRequest, pk: int, side: str) -> HttpResponse:
    """Record the day one side signed its letter (default today; a future day is refused)."""
    side = _side(side)
    pairing = pairing_get(user=request.user, pk=pk)
    if not may_sign(request.user, pairing):
        raise Http404
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_back(request))
    day = form.cleaned_data["date"] or timezone.localdate()
    try:
        pairing_sign(actor=request.user, pairing=pairing, side=side, day=day)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(
            request,
            _("未记录: %(errors)s (%(day)s)")
            % {"errors": " ".join(exc.messages), "day": chinese_date(day)},
        )
    else:
        messages.success(
            request,
            _("已记录 %(pairing)s 的%(title)s于 %(day)s 签订")
            % {
                "pairing": pairing,
                "title": _side_title(pairing, side),
                "day": chinese_date(day),
            },
        )
    return redirect(_back(request))


class UnsignedFilter(forms.Form):
    program = forms.ModelChoiceField(
        label=gettext_lazy("项目"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部项目"),
    )

    def __init__(self, *args, programs: QuerySet[Program], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


@dataclass
class UnsignedRow:
    pairing: Pairing
    days: int
    missing: list[tuple[str, str]]  # (side, letter title) of each letter not yet signed
    sides: list[tuple[str, str]]  # (side, letter title) of both letters, for the downloads
    can_sign: bool


@login_required
@require_GET
def commitments_unsigned(request: AuthedRequest) -> HttpResponse:
    """Pairings in the user's scope that started more than 30 days ago and still miss a signed
    letter: days since the start, which side is missing, both letters to download, and a sign
    form per missing side for administrators. Filtered by program."""
    today = timezone.localdate()
    programs = program_list(user=request.user).order_by("-start", "code")
    form = UnsignedFilter(request.GET or None, programs=programs)
    qs = unsigned_pairings(user=request.user, day=today)
    if form.is_valid() and form.cleaned_data.get("program"):
        qs = qs.filter(program=form.cleaned_data["program"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = []
    for pairing in page:
        sides = [(side, _side_title(pairing, side)) for side in SIDES]
        signed = {"helper": pairing.helper_signed_on, "beneficiary": pairing.beneficiary_signed_on}
        rows.append(
            UnsignedRow(
                pairing=pairing,
                days=(today - pairing.start).days,
                missing=[(side, title) for side, title in sides if signed[side] is None],
                sides=sides,
                can_sign=may_sign(request.user, pairing),
            )
        )
    context = {
        "filter_form": form,
        "page_obj": page,
        "rows": rows,
        "today": today,
        "within_days": SIGN_WITHIN_DAYS,
    }
    return render(request, "pairings/commitment_unsigned.html", context)
