"""Searching the audit log by person, object and date."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from bangfu.accounts.scope import scope_of
from bangfu.audit.filters import AuditEventFilter
from bangfu.audit.selectors import event_get, event_list
from bangfu.core.http import AuthedRequest


@login_required
def event_list_view(request: AuthedRequest) -> HttpResponse:
    if not scope_of(request.user).can_read_audit:
        raise Http404
    filterset = AuditEventFilter(request.GET or None, queryset=event_list(user=request.user))
    qs = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(qs.select_related("actor"), 50).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page_obj": page}
    if request.htmx:
        return render(request, "audit/list.html#results", context)
    return render(request, "audit/list.html", context)


@login_required
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_get(user=request.user, pk=pk)
    return render(request, "audit/detail.html", {"event": event})
