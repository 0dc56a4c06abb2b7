"""Report pages: the list of reports, one page per report with its filters (unit, range, as-of
day), and its Excel, Word and PDF files. Readers of a subtree only (administrators, unit
administrators, inspectors); a unit they do not read is 404, as one that does not exist."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.http import AuthedRequest
from bangfu.orgs.models import Org
from bangfu.pairings.commitments import PdfUnavailable
from bangfu.reports.base import Params, Report, reader
from bangfu.reports.forms import ReportForm
from bangfu.reports.reports import FORMATS, KINDS, build
from bangfu.transfer.importers import lowest_common_unit

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _readable_orgs(request: AuthedRequest) -> Any:
    scope = scope_of(request.user)
    if scope.is_sysadmin:
        return Org.objects.all().order_by("path")
    return Org.objects.filter(scope.read_q("path")).order_by("path")


def _params(request: AuthedRequest) -> tuple[ReportForm, Params]:
    """The form and what it asks for. An org that is unknown or not read is 404."""
    if not reader(request.user):
        raise Http404
    orgs = _readable_orgs(request)
    raw = request.GET.get("org", "")
    if raw and not orgs.filter(pk=raw if raw.isdigit() else -1).exists():
        raise Http404
    form = ReportForm(request.GET or None, orgs=orgs)
    data = form.cleaned_data if form.is_valid() else {}
    org = data.get("org")
    scope = scope_of(request.user)
    if org is None and not scope.is_sysadmin and len(scope.read_paths) == 1:
        org = orgs.filter(path=next(iter(scope.read_paths))).first()
    end = data.get("date_to")
    as_of = data.get("as_of") or end or timezone.localdate()
    return form, Params(org=org, as_of=as_of, date_from=data.get("date_from"), date_to=end)


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    if not reader(request.user):
        raise Http404
    return render(request, "reports/index.html", {"kinds": list(KINDS.values())})


def _page(request: AuthedRequest, kind: str) -> HttpResponse:
    form, params = _params(request)
    report = build(kind, user=request.user, params=params)
    query = urlencode({k: v for k, v in request.GET.items() if v})
    formats = [("xlsx", _("导出 Excel")), ("docx", _("导出 Word")), ("pdf", _("打印 PDF"))]
    return render(
        request,
        "reports/report.html",
        {"report": report, "form": form, "kind": kind, "query": query, "formats": formats},
    )


def page_view(kind: str):  # type: ignore[no-untyped-def]
    @login_required
    def view(request: AuthedRequest) -> HttpResponse:
        return _page(request, kind)

    view.__name__ = f"{kind}_view"
    return view


def file_name(report: Report, fmt: str) -> str:
    p = report.params
    place = p.org.code if p.org else "all"
    return f"{report.kind}-{place}-{p.start:%Y%m%d}-{p.end:%Y%m%d}.{fmt}"


def render_file(report: Report, fmt: str) -> bytes:
    if fmt == "xlsx":
        from bangfu.reports.xlsx import report_xlsx

        return report_xlsx(report)
    if fmt == "pdf":
        from bangfu.reports.pdf import report_pdf

        return report_pdf(report)
    from bangfu.reports.word import report_docx

    return report_docx(report)


def audit_export(*, actor: Any, report: Report, fmt: str, name: str) -> None:
    """One audit event per report file that leaves the system (inside its own transaction)."""
    scope = scope_of(actor)
    org = report.params.org or (None if scope.is_sysadmin else lowest_common_unit(scope.read_paths))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.EXPORT,
            org=org,
            object_type=f"reports.{report.kind}",
            object_repr=name,
            summary=_("导出报表 %(title)s (%(fmt)s)") % {"title": report.title, "fmt": fmt},
            after={
                "kind": report.kind,
                "format": fmt,
                "org": report.params.org.code if report.params.org else None,
                "from": report.params.start.isoformat(),
                "to": report.params.end.isoformat(),
                "as_of": report.params.as_of.isoformat(),
                "file": name,
            },
        )


@login_required
def export(request: AuthedRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404
    _form, params = _params(request)
    report = build(kind, user=request.user, params=params)
    name = file_name(report, fmt)
    try:
        data = render_file(report, fmt)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    audit_export(actor=request.user, report=report, fmt=fmt, name=name)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """数据看板: charts of the subtree (the reader's unit, or one they pick)."""
    from bangfu.reports.dashboard import charts

    form, params = _params(request)
    return render(
        request,
        "reports/dashboard.html",
        {"form": form, "org": params.org, "charts": charts(request.user, params.org, params.as_of)},
    )
