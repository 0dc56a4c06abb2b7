"""Reads of the audit log: a system administrator reads all of it, a unit administrator the
events of their subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import AuditEvent

if TYPE_CHECKING:
    from bangfu.accounts.models import User


def event_list(*, user: User) -> QuerySet[AuditEvent]:
    scope = scope_of(user)
    if scope.is_sysadmin:
        return AuditEvent.objects.all()
    if not scope.admin_paths:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(scope.admin_q("org_path"))


def event_get(*, user: User, pk: int) -> AuditEvent:
    try:
        return event_list(user=user).get(pk=pk)
    except (AuditEvent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
