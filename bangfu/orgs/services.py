"""Changes to the organisation tree. Each runs in one transaction and writes its audit row."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.core.tree import child_path
from bangfu.orgs.geo import coordinate_problems, degrees
from bangfu.orgs.kinds import PLACE_KINDS, code_problem, parent_problem, significant_prefix
from bangfu.orgs.models import Org

if TYPE_CHECKING:
    from bangfu.accounts.models import User

AUDITED_FIELDS = (
    "code",
    "name",
    "kind",
    "parent",
    "address",
    "contact_phone",
    "longitude",
    "latitude",
    "is_active",
    "sort_order",
)


def _validate(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Org | None,
    instance: Org | None,
    longitude: Decimal | None = None,
    latitude: Decimal | None = None,
) -> None:
    errors: dict[str, list[str]] = coordinate_problems(longitude, latitude)
    if not name.strip():
        errors.setdefault("name", []).append(_("名称不能为空"))
    problem = code_problem(kind, code)
    if problem:
        errors.setdefault("code", []).append(problem)
    clash = Org.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        errors.setdefault("code", []).append(_("编码 %(code)s 已被其他单位使用") % {"code": code})
    problem = parent_problem(kind, parent.kind if parent else None)
    if problem:
        errors.setdefault("parent", []).append(problem)
    if parent is not None and instance is not None and parent.is_descendant_of(instance):
        errors.setdefault("parent", []).append(_("上级单位不能是本单位或其下属单位"))
    if (
        parent is not None
        and kind in PLACE_KINDS
        and parent.kind in PLACE_KINDS
        and not problem
        and not code_problem(kind, code)
    ):
        prefix = significant_prefix(parent.kind, parent.code)
        if not code.startswith(prefix):
            errors.setdefault("code", []).append(
                _(
                    "区划代码 %(code)s 不在上级“%(parent)s”(%(pcode)s) 的范围内, "
                    "应以 %(prefix)s 开头"
                )
                % {"code": code, "parent": parent.name, "pcode": parent.code, "prefix": prefix}
            )
    if errors:
        raise ValidationError(errors)


def _check_can_place(actor: User, parent: Org | None) -> None:
    scope = scope_of(actor)
    if parent is None:
        if not scope.is_sysadmin:
            raise PermissionDenied(_("只有系统管理员可以建立顶级单位"))
    elif not scope.can_admin_org(parent):
        raise PermissionDenied(_("无权在该单位下建立或移入单位"))


def org_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    parent: Org | None,
    address: str = "",
    contact_phone: str = "",
    sort_order: int = 0,
    is_active: bool = True,
    longitude: Decimal | None = None,
    latitude: Decimal | None = None,
) -> Org:
    code, name = code.strip(), name.strip()
    longitude, latitude = degrees(longitude), degrees(latitude)
    _check_can_place(actor, parent)
    _validate(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        instance=None,
        longitude=longitude,
        latitude=latitude,
    )
    with transaction.atomic():
        org = Org(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            address=address,
            contact_phone=contact_phone,
            longitude=longitude,
            latitude=latitude,
            sort_order=sort_order,
            is_active=is_active,
            depth=(parent.depth + 1) if parent else 0,
        )
        org.save()
        org.path = child_path(parent.path if parent else None, org.pk)
        org.save(update_fields=["path"])
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=org,
            after=snapshot(org, AUDITED_FIELDS),
            summary=_("新增单位 %s") % org.name,
        )
    return org


def org_update(
    *,
    actor: User,
    org: Org,
    code: str,
    name: str,
    kind: str,
    parent: Org | None,
    address: str = "",
    contact_phone: str = "",
    sort_order: int = 0,
    is_active: bool = True,
    longitude: Decimal | None = None,
    latitude: Decimal | None = None,
) -> Org:
    """Change a unit; moving it to another parent moves its whole subtree with it."""
    scope = scope_of(actor)
    if not scope.can_admin_org(org):
        raise PermissionDenied(_("无权修改该单位"))
    code, name = code.strip(), name.strip()
    longitude, latitude = degrees(longitude), degrees(latitude)
    if parent != org.parent:
        _check_can_place(actor, parent)
    _validate(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        instance=org,
        longitude=longitude,
        latitude=latitude,
    )
    for child in org.children.all():
        problem = parent_problem(child.kind, kind)
        if problem:
            raise ValidationError(
                {
                    "kind": [
                        _("下属单位“%(child)s”: %(problem)s")
                        % {"child": child.name, "problem": problem}
                    ]
                }
            )
    with transaction.atomic():
        locked = Org.objects.select_for_update().get(pk=org.pk)
        before = snapshot(locked, AUDITED_FIELDS)
        old_path, old_depth = locked.path, locked.depth
        for field, value in (
            ("code", code),
            ("name", name),
            ("kind", kind),
            ("parent", parent),
            ("address", address),
            ("contact_phone", contact_phone),
            ("longitude", longitude),
            ("latitude", latitude),
            ("sort_order", sort_order),
            ("is_active", is_active),
        ):
            setattr(locked, field, value)
        if parent != org.parent:
            locked.depth = (parent.depth + 1) if parent else 0
            locked.path = child_path(parent.path if parent else None, locked.pk)
        locked.save()
        if locked.path != old_path:
            # Re-root every descendant's path in one statement.
            Org.objects.subtree(Org(path=old_path), include_self=False).update(
                path=Concat(Value(locked.path), Substr("path", len(old_path) + 1)),
                depth=F("depth") - old_depth + locked.depth,
            )
        after = snapshot(locked, AUDITED_FIELDS)
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=locked,
                before=before,
                after=after,
                summary=_("修改单位 %s") % locked.name,
            )
    return locked


def org_delete(*, actor: User, org: Org) -> None:
    """Delete an empty unit. A unit with sub-units or users is deactivated instead."""
    if not scope_of(actor).can_admin_org(org):
        raise PermissionDenied(_("无权删除该单位"))
    if org.children.exists():
        raise ValidationError(_("“%s”还有下属单位, 不能删除; 可以停用") % org.name)
    if org.users.exists() or org.assignments.exists():
        raise ValidationError(_("“%s”还有用户或角色分配, 不能删除; 可以停用") % org.name)
    with transaction.atomic():
        before = snapshot(org, AUDITED_FIELDS)
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=org,
            org=org.parent,
            before=before,
            summary=_("删除单位 %s") % org.name,
        )
        org.delete()
