"""Reads of user accounts through the reader's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.models import RoleAssignment, User
from bangfu.accounts.scope import scope_of

if TYPE_CHECKING:
    pass


def user_list(*, user: User) -> QuerySet[User]:
    """Accounts the user may see: those placed in a unit of their read scope (and themselves)."""
    scope = scope_of(user)
    if scope.is_sysadmin:
        qs = User.objects.all()
    elif scope.read_paths:
        qs = User.objects.filter(scope.read_q("org__path") | Q(pk=user.pk))
    else:
        qs = User.objects.filter(pk=user.pk)
    return qs.select_related("org")


def user_admin_list(*, user: User) -> QuerySet[User]:
    """Accounts the user may change."""
    scope = scope_of(user)
    if scope.is_sysadmin:
        return User.objects.all()
    return User.objects.filter(scope.admin_q("org__path")).exclude(assignments__role="sysadmin")


def user_get(*, user: User, pk: int) -> User:
    try:
        return user_list(user=user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assignment_list(*, user: User, of: User) -> QuerySet[RoleAssignment]:
    return of.assignments.select_related("org").order_by("org__path", "role")


def assignment_get(*, user: User, pk: int) -> RoleAssignment:
    """A role assignment whose user the reader may see, or 404."""
    visible = user_list(user=user)
    try:
        return RoleAssignment.objects.select_related("org", "user").get(pk=pk, user__in=visible)
    except (RoleAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
