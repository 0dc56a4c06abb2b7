"""Pages of the organisation tree: browse (lazy-loaded with htmx), search, view, edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.accounts.selectors import user_list
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.orgs import services
from bangfu.orgs.forms import OrgForm
from bangfu.orgs.kinds import CHILD_DEFAULT, OrgKind
from bangfu.orgs.selectors import (
    org_admin_list,
    org_children,
    org_get,
    org_list,
    org_roots,
    org_search,
)


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _require_reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


@login_required
def tree(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    q = request.GET.get("q", "").strip()
    roots = list(org_roots(user=request.user).annotate(child_count=Count("children")))
    for root in roots:
        # The top level opens with its first level shown; deeper levels load on demand.
        root.loaded_children = org_children(user=request.user, org=root)  # type: ignore[attr-defined]
    context = {
        "q": q,
        "roots_expanded": roots,
        "results": org_search(user=request.user, text=q) if q else None,
        "can_create_root": scope_of(request.user).is_sysadmin,
    }
    if request.htmx and request.htmx.target == "org-search-results":  # search as you type
        return render(request, "orgs/tree.html#search-results", context)
    return render(request, "orgs/tree.html", context)


@login_required
def children(request: AuthedRequest, pk: int) -> HttpResponse:
    """The children of one unit, as a fragment the tree page inserts when a node is opened."""
    _require_reader(request)
    org = org_get(user=request.user, pk=pk)
    nodes = org_children(user=request.user, org=org)
    return render(request, "orgs/tree.html#children", {"nodes": nodes})


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    org = org_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    visible = org_list(user=request.user)
    context = {
        "org": org,
        "ancestors": [a for a in org.ancestors() if a in visible],
        "children": org_children(user=request.user, org=org),
        "subtree_count": visible.subtree(org, include_self=False).count(),
        "members": user_list(user=request.user).filter(org=org).order_by("username")[:100],
        "can_edit": scope.can_admin_org(org),
    }
    return render(request, "orgs/detail.html", context)


def _form_kwargs(request: AuthedRequest) -> dict:
    scope = scope_of(request.user)
    return {
        "parents": org_admin_list(user=request.user).order_by("path"),
        "allow_root": scope.is_sysadmin,
    }


@login_required
def create(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    initial: dict[str, object] = {}
    if request.GET.get("parent"):
        parent = org_get(user=request.user, pk=_int_or_404(request.GET["parent"]))
        initial["parent"] = parent.pk
        initial["kind"] = CHILD_DEFAULT.get(parent.kind, OrgKind.AGENCY)
    initial.setdefault("kind", OrgKind.COUNTY if scope.is_sysadmin else OrgKind.AGENCY)
    form = OrgForm(request.POST or None, initial=initial, **_form_kwargs(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = call_service(
            form,
            lambda: services.org_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                address=data["address"],
                contact_phone=data["contact_phone"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                sort_order=data["sort_order"] or 0,
                is_active=data["is_active"],
            ),
        )
        if org is not None:
            messages.success(request, _("已新增单位“%s”") % org.name)
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": None})


@login_required
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    org = org_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(org):
        raise Http404
    initial = {
        f: getattr(org, f)
        for f in (
            "code",
            "name",
            "kind",
            "address",
            "contact_phone",
            "longitude",
            "latitude",
            "sort_order",
            "is_active",
        )
    }
    initial["parent"] = org.parent_id
    kwargs = _form_kwargs(request)
    # The current parent stays selectable even where it lies above the editor's own subtree.
    if org.parent_id:
        kwargs["parents"] = (
            (kwargs["parents"] | org_list(user=request.user).filter(pk=org.parent_id))
            .distinct()
            .order_by("path")
        )
    form = OrgForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: services.org_update(
                actor=request.user,
                org=org,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                address=data["address"],
                contact_phone=data["contact_phone"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                sort_order=data["sort_order"] or 0,
                is_active=data["is_active"],
            ),
        )
        if done is not None:
            messages.success(request, _("已保存“%s”") % data["name"])
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": org})


@login_required
@require_POST
def delete(request: AuthedRequest, pk: int) -> HttpResponse:
    org = org_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(org):
        raise Http404
    parent_id = org.parent_id
    try:
        services.org_delete(actor=request.user, org=org)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("orgs:detail", pk=org.pk)
    messages.success(request, _("已删除单位“%s”") % org.name)
    if parent_id and org_list(user=request.user).filter(pk=parent_id).exists():
        return redirect("orgs:detail", pk=parent_id)
    return redirect("orgs:tree")
