"""Reads of the uploaded templates: which ones a user may manage, and which template applies to a
unit (its own, else its nearest ancestor's, else the platform's, else the built-in file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.core.tree import path_ids
from bangfu.documents.make_template import DEFAULT_TEMPLATE
from bangfu.documents.models import DocumentTemplate, Kind

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

DEFAULT_NAME = DEFAULT_TEMPLATE.name


def template_list(*, user: User) -> QuerySet[DocumentTemplate]:
    """Uploaded templates an administrator may download, replace or remove: the platform's
    (a system administrator's alone to change, readable by every administrator) and those of
    the units they administer."""
    scope = scope_of(user)
    qs = DocumentTemplate.objects.select_related("org", "uploaded_by").defer("content")
    if scope.is_sysadmin:
        return qs
    if not scope.is_admin:
        return qs.none()
    return qs.filter(Q(org__isnull=True) | scope.admin_q("org__path"))


def template_get(*, user: User, pk: Any) -> DocumentTemplate:
    try:
        return template_list(user=user).defer(None).get(pk=pk)
    except (DocumentTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_change(user: User, template: DocumentTemplate) -> bool:
    scope = scope_of(user)
    if template.org_id is None:
        return scope.is_sysadmin
    return template.org is not None and scope.can_admin_org(template.org)


@dataclass(frozen=True)
class Applied:
    """The template that applies to a unit: an upload, or the built-in file (``upload`` None)."""

    upload: DocumentTemplate | None

    @property
    def name(self) -> str:
        return self.upload.name if self.upload else DEFAULT_NAME

    @property
    def content(self) -> bytes:
        if self.upload is None:
            return default_template()
        return bytes(self.upload.content)


def default_template() -> bytes:
    return DEFAULT_TEMPLATE.read_bytes()


def template_for(org: Org, kind: str = Kind.SUMMARY) -> Applied:
    """The unit's own upload, else the nearest ancestor's, else the platform's, else the
    built-in file."""
    ids = path_ids(org.path)
    uploads = {
        t.org_id: t
        for t in DocumentTemplate.objects.filter(kind=kind).filter(
            Q(org_id__in=ids) | Q(org__isnull=True)
        )
    }
    for org_id in reversed(ids):
        if org_id in uploads:
            return Applied(uploads[org_id])
    return Applied(uploads.get(None))
