"""Reads of the organisation tree, always through the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.orgs.models import Org, OrgQuerySet

if TYPE_CHECKING:
    from bangfu.accounts.models import User


def org_list(*, user: User) -> OrgQuerySet:
    """Every unit the user may see: their subtrees, and for a helper their own units."""
    scope = scope_of(user)
    if scope.is_sysadmin:
        return Org.objects.all()
    return Org.objects.filter(scope.read_q("path") | Q(pk__in=scope.helper_org_ids))


def org_admin_list(*, user: User) -> OrgQuerySet:
    """Every unit the user may change (and place children or users under)."""
    return Org.objects.filter(scope_of(user).admin_q("path"))


def org_get(*, user: User, pk: int) -> Org:
    """One visible unit, or 404 — the same answer for a missing and a forbidden one."""
    try:
        return org_list(user=user).get(pk=pk)
    except (Org.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def org_roots(*, user: User) -> QuerySet[Org]:
    """The top of what the user sees: the visible units whose parent is not visible."""
    visible = org_list(user=user)
    return visible.exclude(parent__in=visible).order_by("sort_order", "code")


def org_children(*, user: User, org: Org) -> QuerySet[Org]:
    return (
        org_list(user=user)
        .filter(parent=org)
        .annotate(child_count=Count("children"))
        .order_by("sort_order", "code")
    )


def org_search(*, user: User, text: str) -> QuerySet[Org]:
    """Units whose name, code or pinyin (full or initials) contains ``text``."""
    text = text.strip()
    qs = org_list(user=user)
    if not text:
        return qs.none()
    return qs.filter(
        Q(name__icontains=text) | Q(code__startswith=text) | Q(name_pinyin__icontains=text.lower())
    ).order_by("path")[:200]


def org_choices_for_admin(*, user: User) -> QuerySet[Org]:
    return org_admin_list(user=user).order_by("path")
