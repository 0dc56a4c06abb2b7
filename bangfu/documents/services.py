"""Uploading and removing a replacement template. The file is checked first (a Word .docx, of
reasonable size, whose placeholders are all known: ``word.check_template``); a new upload for a
unit that already has one replaces it. Each change writes its audit row in the same
transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.documents.models import DocumentTemplate, Kind
from bangfu.documents.summary import SPEC
from bangfu.documents.word import check_template

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

FIELDS = ("kind", "org", "name", "size", "placeholders")


def _may_manage(actor: User, org: Org | None) -> None:
    scope = scope_of(actor)
    if org is None and not scope.is_sysadmin:
        raise PermissionDenied(_("只有系统管理员可以设置全平台通用的模板"))
    if org is not None and not scope.can_admin_org(org):
        raise PermissionDenied(_("您不是该单位的管理员"))


def template_upload(
    *, actor: User, org: Org | None, name: str, data: bytes, kind: str = Kind.SUMMARY
) -> DocumentTemplate:
    """Store ``data`` as the template of ``org`` (None: the platform's), replacing any earlier
    one of that unit."""
    _may_manage(actor, org)
    found = check_template(name, data, SPEC)
    with transaction.atomic():
        template = (
            DocumentTemplate.objects.select_for_update(of=("self",))
            .filter(kind=kind, org=org)
            .first()
        )
        before = None
        if template is None:
            template = DocumentTemplate(kind=kind, org=org)
        else:
            before = {f: getattr(template, f if f != "org" else "org_id") for f in FIELDS}
        template.name = name[-200:]
        template.content = data
        template.size = len(data)
        template.placeholders = found
        template.uploaded_by = actor
        template.save()
        after = {f: getattr(template, f if f != "org" else "org_id") for f in FIELDS}
        audit_record(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=template,
            org=org,
            summary=_("上传工作总结模板 %(name)s (%(where)s)")
            % {"name": template.name, "where": org.name if org else _("全平台")},
            before=before,
            after=after,
        )
    return template


def template_remove(*, actor: User, template: DocumentTemplate) -> None:
    """Remove an upload: the unit falls back to its ancestor's, the platform's or the built-in
    template."""
    _may_manage(actor, template.org)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=template,
            org=template.org,
            summary=_("删除工作总结模板 %s") % template,
            before={f: getattr(template, f if f != "org" else "org_id") for f in FIELDS},
        )
        template.delete()
