"""Pages of Excel import and export.

Import (administrators only: ``Scope.is_admin``): upload a file → a dry run shows what would be
created and updated, or every error with a link to the marked error workbook → 确认导入 imports
the same stored upload, validated again. Columns the kind does not use can be mapped to its
fields on the preview (``mapping``); the choice is saved for the user's unit and the file's layout
and applied to the next upload with the same headers (docs/import-export.md, "Column mapping").
Export and templates (any reader: administrators and
inspectors): the kind's sheet for the records the user may see, masked unless unmasking is asked
for and permitted. Everyone else gets 404, as for a page that does not exist.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import Scope, scope_of
from bangfu.core.http import AuthedRequest
from bangfu.orgs.selectors import org_list
from bangfu.transfer.blanks import template_name, write_template
from bangfu.transfer.checks import checks_after_import
from bangfu.transfer.errors import error_workbook, error_workbook_name
from bangfu.transfer.exporters import export_kind, may_read
from bangfu.transfer.forms import MappingForm, UploadForm
from bangfu.transfer.importers import ImportResult, run_import
from bangfu.transfer.kinds import UnknownKind, all_kinds, get_kind
from bangfu.transfer.mappings import (
    applied,
    describe,
    home_unit,
    mapping_for,
    mapping_forget,
    mapping_problems,
    mapping_save,
)
from bangfu.transfer.reader import Sheet
from bangfu.transfer.spec import Kind
from bangfu.transfer.uploads import (
    Upload,
    forget_upload,
    get_upload,
    save_upload,
    set_upload_mapping,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 200  # errors listed on the page; the error workbook has all of them
EXPORT_PARAMS_DROPPED = ("kind", "unmask", "csrfmiddlewaretoken")


def _reader(request: AuthedRequest) -> Scope:
    scope = scope_of(request.user)
    if not may_read(scope):
        raise Http404
    return scope


def _importer(request: AuthedRequest) -> Scope:
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    return scope


def _kind_or_404(name: str | None) -> Kind:
    try:
        return get_kind(name or "")
    except UnknownKind:
        raise Http404 from None


def _context(request: AuthedRequest, scope: Scope, **extra: Any) -> dict[str, Any]:
    visible = org_list(user=request.user)
    top = visible.order_by("depth").values_list("depth", flat=True).first()
    units = (
        visible.filter(depth__lte=(top or 0) + 2).order_by("path")[:500] if top is not None else []
    )
    return {
        "kinds": all_kinds(),
        "can_import": scope.is_admin,
        "can_unmask": scope.is_sysadmin or bool(scope.reveal_paths),
        "units": units,
        "form": extra.pop("form", None) or (UploadForm() if scope.is_admin else None),
        **extra,
    }


def _preview(
    request: AuthedRequest, scope: Scope, upload: Upload, result: ImportResult, **extra: Any
) -> HttpResponse:
    context = _context(
        request,
        scope,
        upload=upload,
        result=result,
        kind=get_kind(upload.kind),
        errors=result.errors[:ERRORS_SHOWN],
        more_errors=max(0, len(result.errors) - ERRORS_SHOWN),
        # values accepted with a caveat (a year kept as a year …), docs/import-export.md
        warnings=result.warnings[:ERRORS_SHOWN],
        more_warnings=max(0, len(result.warnings) - ERRORS_SHOWN),
        **extra,
    )
    if request.htmx:
        return render(request, "transfer/index.html#importer", context)
    return render(request, "transfer/index.html", context)


class _Reading:
    """What a reading of an upload needs beside the result: the file's header as the kind alone
    reads it (``plain``, for the column mapping), seen while ``run_import`` reads the file, which
    then reads it with the mapping ``choose(plain)`` returns — one reading of the file."""

    def __init__(self, choose: Any) -> None:
        self.plain: Sheet | None = None
        self.choose = choose

    def __call__(self, plain: Sheet) -> dict[str, str]:
        self.plain = plain
        return dict(self.choose(plain))


def _column_mapping(
    request: AuthedRequest,
    upload: Upload,
    plain: Sheet | None,
    *,
    form: MappingForm | None = None,
    notice: str = "",
) -> dict[str, Any] | None:
    """The column-mapping part of the preview: the file's unused columns with their drop-downs,
    the mapping the upload is read with and where it came from (``notice``: "saved" — applied
    from an earlier upload, "chosen" — just saved, "forgotten" — just deleted). None when every
    column of the file is used (or no header was found): there is nothing to map."""
    kind = get_kind(upload.kind)
    if plain is None or not plain.header_row:
        return None
    if form is None:
        form = MappingForm(sheet=plain, current=upload.mapping)
    if not form.headers:
        return None
    in_effect = applied(plain, upload.mapping)
    return {
        "form": form,
        "applied": describe(kind, in_effect),
        "notice": notice,
        "saved": mapping_for(user=request.user, kind=kind.name, layout=plain.layout),
        "home": home_unit(request.user),
        "undecided": form.undecided,
        # shown unfolded on an error in it or after forgetting (and, by the template, while a
        # column is undecided and the file has errors)
        "open": bool(form.errors or notice == "forgotten"),
    }


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The import and export page: the kinds, their templates, the upload and export forms."""
    scope = _reader(request)
    return render(request, "transfer/index.html", _context(request, scope))


@login_required
@require_POST
def upload(request: AuthedRequest) -> HttpResponse:
    """Store the upload and show the dry run: counts, or every error."""
    scope = _importer(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _context(request, scope, form=form)
        if request.htmx:
            return render(request, "transfer/index.html#importer", context)
        return render(request, "transfer/index.html", context)
    stored = save_upload(request, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"])
    notice = ""

    def saved_mapping(plain: Sheet) -> dict[str, str]:
        """A mapping saved for this layout by the user's unit is applied (and said so)."""
        nonlocal stored, notice
        saved = mapping_for(user=request.user, kind=stored.kind, layout=plain.layout)
        if saved is not None:
            columns = applied(plain, saved.columns)
            problems = mapping_problems(plain, columns)  # a field the kind now matches itself
            columns = {h: k for h, k in columns.items() if h not in problems}
            if columns:
                stored, notice = set_upload_mapping(request, stored, columns), "saved"
        return stored.mapping

    reading = _Reading(saved_mapping)
    result = run_import(
        stored.kind,
        stored.path,
        actor=request.user,
        dry_run=True,
        file_name=stored.name,
        mapping=reading,
    )
    colmap = _column_mapping(request, stored, reading.plain, notice=notice)
    return _preview(request, scope, stored, result, colmap=colmap)


@login_required
@require_POST
def mapping(request: AuthedRequest, token: str) -> HttpResponse:
    """Map the upload's unused columns (or forget the saved mapping), save the choice for the
    user's unit and the file's layout, and show the dry run of the file read with it."""
    scope = _importer(request)
    stored = get_upload(request, token)
    form: MappingForm | None = None
    notice = ""

    def chosen_mapping(plain: Sheet) -> dict[str, str]:
        """Save (or forget) the choice, once the file's header is known; read the file with it."""
        nonlocal stored, form, notice
        if request.POST.get("forget"):
            saved = mapping_for(user=request.user, kind=stored.kind, layout=plain.layout)
            if saved is not None:
                mapping_forget(actor=request.user, mapping=saved)
            stored, notice = set_upload_mapping(request, stored, {}), "forgotten"
            return stored.mapping
        form = MappingForm(request.POST, sheet=plain, current=stored.mapping)
        if form.is_valid():
            try:
                mapping_save(actor=request.user, sheet=plain, columns=form.columns)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                had = bool(stored.mapping)
                stored = set_upload_mapping(request, stored, form.columns)
                notice = "chosen" if form.columns else ("forgotten" if had else "")
                form = None
        return stored.mapping

    reading = _Reading(chosen_mapping)
    result = run_import(
        stored.kind,
        stored.path,
        actor=request.user,
        dry_run=True,
        file_name=stored.name,
        mapping=reading,
    )
    colmap = _column_mapping(request, stored, reading.plain, form=form, notice=notice)
    return _preview(request, scope, stored, result, colmap=colmap)


@login_required
def error_file(request: AuthedRequest, token: str) -> HttpResponse:
    """The user's sheet with the bad cells marked (validated afresh, so it is never stale)."""
    _importer(request)
    stored = get_upload(request, token)
    result = run_import(
        stored.kind,
        stored.path,
        actor=request.user,
        dry_run=True,
        file_name=stored.name,
        mapping=stored.mapping,
    )
    data = error_workbook(
        stored.path,
        result.errors,
        header_row=result.header_row,
        file_name=stored.name,
        warnings=result.warnings,
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = _attachment(error_workbook_name(stored.name))
    return response


@login_required
@require_POST
def confirm(request: AuthedRequest, token: str) -> HttpResponse:
    """Import the stored upload for real; it is validated again first (all or nothing)."""
    scope = _importer(request)
    stored = get_upload(request, token)
    reading = _Reading(lambda plain: stored.mapping)
    result = run_import(
        stored.kind, stored.path, actor=request.user, file_name=stored.name, mapping=reading
    )
    if not result.ok:
        colmap = _column_mapping(request, stored, reading.plain)
        return _preview(request, scope, stored, result, colmap=colmap)
    forget_upload(request, token)
    return _preview(request, scope, stored, result, done=True, quality=checks_after_import(result))


@login_required
@require_POST
def discard(request: AuthedRequest, token: str) -> HttpResponse:
    _importer(request)
    get_upload(request, token)
    forget_upload(request, token)
    messages.info(request, _("已放弃本次导入, 上传的文件已删除"))
    return redirect("transfer:index")


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=name) or "attachment"


@login_required
def template(request: AuthedRequest) -> HttpResponseBase:
    """The blank standard template of ``?kind=``."""
    _reader(request)
    kind = _kind_or_404(request.GET.get("kind"))
    file = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - streamed
    write_template(kind, file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=template_name(kind), content_type=XLSX)


@login_required
def export(request: AuthedRequest) -> HttpResponseBase:
    """``?kind=`` with the list's filters (``org`` …); ``unmask=1`` is honoured only when the
    user may reveal the numbers of every exported row."""
    _reader(request)
    kind = _kind_or_404(request.GET.get("kind"))
    params = {
        key: str(value)
        for key, value in request.GET.items()
        if key not in EXPORT_PARAMS_DROPPED and value
    }
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{kind.label}-{stamp}.xlsx"
    file = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - streamed
    export_kind(
        kind,
        user=request.user,
        dest=file,
        unmask=request.GET.get("unmask") == "1",
        params=params,
        file_name=name,
    )
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX)
