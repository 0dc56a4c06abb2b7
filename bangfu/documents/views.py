"""Pages of the documents drafted from the records: the 工作总结 of a unit and period (a page
showing its figures and the Word download), the management of its template by administrators,
and the 帮扶手册 PDF of a household.

Readers of a subtree (administrators, inspectors) may draft a summary of any unit they read;
only administrators see the template pages. The handbook is open to whoever may open the
household (a helper for their own households); a household outside the scope is a 404, as for
one that does not exist. Every download holding personal data writes an audit row."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.forms import OrgChoiceField
from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_personal_view
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.documents import services
from bangfu.documents.handbook import PdfUnavailable, handbook_pdf, may_reveal
from bangfu.documents.models import DocumentTemplate
from bangfu.documents.selectors import (
    DEFAULT_NAME,
    default_template,
    may_change,
    template_for,
    template_get,
    template_list,
)
from bangfu.documents.summary import SPEC, build, period_label, summary_docx
from bangfu.documents.word import MAX_UPLOAD
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_admin_list
from bangfu.registry.selectors import household_get

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


def _admin(request: AuthedRequest) -> None:
    if not scope_of(request.user).is_admin:
        raise Http404


def _readable_orgs(request: AuthedRequest) -> Any:
    return Org.objects.filter(scope_of(request.user).read_q("path")).order_by("path")


def _file(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    name = UNSAFE_IN_FILENAME.sub("", filename)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


# -- 工作总结 ---------------------------------------------------------------------------------


class SummaryForm(forms.Form):
    org = OrgChoiceField(label=gettext_lazy("单位 (含下属)"), queryset=Org.objects.none())
    date_from = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE)
    date_to = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data


def _summary_form(request: AuthedRequest) -> SummaryForm:
    orgs = _readable_orgs(request)
    today = timezone.localdate()
    if request.GET:
        return SummaryForm(request.GET, orgs=orgs)
    first = orgs.first()
    initial = {
        "org": first.pk if first else None,
        "date_from": datetime.date(today.year, 1, 1),
        "date_to": today,
    }
    return SummaryForm(initial=initial, orgs=orgs)


@login_required
@require_GET
def summary_view(request: AuthedRequest) -> HttpResponse:
    """Choose a unit and a period; the figures the draft will hold, and the download."""
    _reader(request)
    form = _summary_form(request)
    context: dict[str, Any] = {"form": form, "is_admin": scope_of(request.user).is_admin}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        summary = build(
            user=request.user, org=data["org"], start=data["date_from"], end=data["date_to"]
        )
        context.update(
            summary=summary,
            template=template_for(data["org"]),
            query=request.GET.urlencode(),
        )
    return render(request, "documents/summary.html", context)


@login_required
@require_GET
def summary_download(request: AuthedRequest) -> HttpResponse:
    """The draft as a Word file, from the template that applies to the unit."""
    _reader(request)
    form = _summary_form(request)
    if not (form.is_bound and form.is_valid()):
        context = {"form": form, "is_admin": scope_of(request.user).is_admin}
        return render(request, "documents/summary.html", context)
    org, start, end = (
        form.cleaned_data["org"],
        form.cleaned_data["date_from"],
        form.cleaned_data["date_to"],
    )
    summary = build(user=request.user, org=org, start=start, end=end)
    data = summary_docx(summary, template_for(org).content)
    period = period_label(start, end)
    audit_personal_view(
        actor=request.user,
        obj=org,
        action=Action.EXPORT,
        summary=_("导出工作总结 %(org)s %(period)s") % {"org": org.name, "period": period},
    )
    return _file(data, f"{org.name}{period}结对帮扶工作总结.docx", DOCX_TYPE)


# -- templates ------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    org = OrgChoiceField(
        label=gettext_lazy("适用单位 (含下属)"),
        queryset=Org.objects.none(),
        required=False,
        empty_label=gettext_lazy("全平台通用"),
    )
    file = forms.FileField(
        label=gettext_lazy("模板文件 (.docx)"),
        help_text=gettext_lazy("Word 文档, 不超过 5 MB; 占位符须在下方列表中"),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )

    def __init__(self, *args: Any, orgs: Any, sysadmin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = orgs  # type: ignore[attr-defined]
        if not sysadmin:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]


def _template_form(request: AuthedRequest, *, bound: bool = False) -> TemplateForm:
    orgs = org_admin_list(user=request.user).order_by("path")
    sysadmin = scope_of(request.user).is_sysadmin
    if bound:
        return TemplateForm(request.POST, request.FILES, orgs=orgs, sysadmin=sysadmin)
    return TemplateForm(orgs=orgs, sysadmin=sysadmin)


def _templates_page(request: AuthedRequest, form: TemplateForm) -> HttpResponse:
    uploads = [(t, may_change(request.user, t)) for t in template_list(user=request.user)]
    context = {
        "form": form,
        "uploads": uploads,
        "default_name": DEFAULT_NAME,
        "example": "{{户数}}",
        "spec": SPEC,
        "tables": [(name, desc, cols) for name, (desc, cols) in SPEC.tables.items()],
    }
    return render(request, "documents/templates.html", context)


@login_required
@require_GET
def template_list_view(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    return _templates_page(request, _template_form(request))


@login_required
@require_POST
def template_upload(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    form = _template_form(request, bound=True)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error(
                "file", _("文件过大, 模板不能超过 %d MB。") % (MAX_UPLOAD // 1024 // 1024)
            )
        else:
            data = upload.read()
            done = call_service(
                form,
                lambda: services.template_upload(
                    actor=request.user, org=form.cleaned_data["org"], name=upload.name, data=data
                ),
            )
            if done is not None:
                messages.success(request, _("模板已上传: %s") % done)
                return redirect("documents:templates")
    # A service's plain ValidationError lands on the form as a whole; show it by the file.
    if form.non_field_errors() and not form.errors.get("file"):
        for error in form.non_field_errors():
            form.add_error("file", error)
        form.errors.pop("__all__", None)
    return _templates_page(request, form)


@login_required
@require_GET
def template_download(request: AuthedRequest, pk: int) -> HttpResponse:
    _admin(request)
    template = template_get(user=request.user, pk=pk)
    return _file(bytes(template.content), template.name, DOCX_TYPE)


@login_required
@require_GET
def template_default(request: AuthedRequest) -> HttpResponse:
    """The built-in template, to start an edit from."""
    _admin(request)
    return _file(default_template(), DEFAULT_NAME, DOCX_TYPE)


@login_required
@require_POST
def template_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _admin(request)
    template: DocumentTemplate = template_get(user=request.user, pk=pk)
    if not may_change(request.user, template):
        raise Http404
    try:
        services.template_remove(actor=request.user, template=template)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("模板已删除, 将使用上级单位或默认模板"))
    return redirect(reverse("documents:templates"))


# -- 帮扶手册 ---------------------------------------------------------------------------------


@login_required
@require_GET
def handbook(request: AuthedRequest, pk: int) -> HttpResponse:
    """The household's 帮扶手册 as PDF; numbers masked unless ``full=1`` is asked by someone
    who may reveal them in the household's unit (audited as a reveal)."""
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404
    household = household_get(user=request.user, pk=pk)
    full = request.GET.get("full") == "1" and may_reveal(request.user, household)
    try:
        data = handbook_pdf(user=request.user, household=household, full=full)
    except PdfUnavailable as exc:
        return render(
            request,
            "documents/unavailable.html",
            {"household": household, "message": str(exc)},
            status=503,
        )
    audit_personal_view(
        actor=request.user,
        obj=household,
        action=Action.REVEAL if full else Action.EXPORT,
        summary=(_("导出帮扶手册 (含完整号码) %s") if full else _("导出帮扶手册 %s")) % household,
    )
    return _file(data, f"帮扶手册_{household.code}.pdf", "application/pdf")
