"""Account changes: creating users, placing them in units with roles, passwords. Each is one
transaction with its audit row; the actor's scope bounds what they may do."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.accounts.models import Role, RoleAssignment, User
from bangfu.accounts.scope import forget_scope, scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.orgs.models import Org

USER_FIELDS = ("username", "name", "phone", "email", "org", "is_active")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{2,150}")


def normalise_phone(phone: str) -> str:
    return phone.strip().replace(" ", "").replace("－", "-")


def _validate_user(*, username: str, name: str, phone: str, instance: User | None) -> None:
    errors: dict[str, list[str]] = {}
    if not USERNAME.fullmatch(username):
        errors["username"] = [_("账号只能由字母、数字和 _ . @ - 组成, 2 至 150 位")]
    else:
        clash = User.objects.filter(username__iexact=username)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["username"] = [_("账号 %s 已存在") % username]
    if not name.strip():
        errors["name"] = [_("姓名不能为空")]
    if phone and not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        errors["phone"] = [_("手机号应为 11 位手机号码或带区号的固定电话")]
    if errors:
        raise ValidationError(errors)


def _check_manages(actor: User, user: User) -> None:
    """An administrator manages the accounts of their subtree, but never a system administrator
    unless they are one."""
    if not scope_of(actor).is_sysadmin and user.assignments.filter(role=Role.SYSADMIN).exists():
        raise PermissionDenied(_("无权管理系统管理员账号"))
    _check_admin_of(actor, user.org)


def _check_admin_of(actor: User, org: Org | None) -> None:
    scope = scope_of(actor)
    if org is None:
        if not scope.is_sysadmin:
            raise PermissionDenied(_("请选择所属单位"))
    elif not scope.can_admin_org(org):
        raise PermissionDenied(_("无权管理该单位的用户"))


def user_create(
    *,
    actor: User,
    username: str,
    name: str,
    org: Org | None,
    password: str,
    phone: str = "",
    email: str = "",
    must_change_password: bool = True,
    role: str | None = None,
    can_reveal: bool = False,
) -> User:
    """Create an account in ``org``; with ``role``, place it there with that role in the same
    transaction, so that no account is left half set up."""
    username, phone = username.strip(), normalise_phone(phone)
    if org is None and not scope_of(actor).is_sysadmin:
        raise ValidationError({"org": [_("请选择所属单位")]})
    _check_admin_of(actor, org)
    _validate_user(username=username, name=name, phone=phone, instance=None)
    user = User(
        username=username,
        name=name.strip(),
        phone=phone,
        email=email.strip(),
        org=org,
        must_change_password=must_change_password,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=user,
            org=org,
            after=snapshot(user, USER_FIELDS),
            summary=_("新增用户 %s") % user,
        )
        if role:
            if org is None:
                raise ValidationError({"org": [_("分配角色须选择所属单位")]})
            role_assign(actor=actor, user=user, org=org, role=role, can_reveal=can_reveal)
    return user


def user_update(
    *,
    actor: User,
    user: User,
    name: str,
    org: Org | None,
    phone: str = "",
    email: str = "",
    is_active: bool = True,
) -> User:
    phone = normalise_phone(phone)
    _check_manages(actor, user)
    if org != user.org:
        _check_admin_of(actor, org)
    if user.pk == actor.pk and not is_active:
        raise ValidationError({"is_active": [_("不能停用自己的账号")]})
    _validate_user(username=user.username, name=name, phone=phone, instance=user)
    with transaction.atomic():
        before = snapshot(user, USER_FIELDS)
        user.name, user.org, user.phone, user.email, user.is_active = (
            name.strip(),
            org,
            phone,
            email.strip(),
            is_active,
        )
        user.save()
        after = snapshot(user, USER_FIELDS)
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=user,
                org=org,
                before=before,
                after=after,
                summary=_("修改用户 %s") % user,
            )
    return user


def user_set_password(
    *, actor: User, user: User, password: str, must_change: bool | None = None
) -> None:
    """Set a password: an administrator resetting someone's, or a user changing their own."""
    if actor.pk != user.pk:
        _check_manages(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = (actor.pk != user.pk) if must_change is None else must_change
        user.save(update_fields=["password", "must_change_password"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=user,
            org=user.org,
            after={"password": "******"},
            summary=_("修改密码 %s") % user if actor.pk == user.pk else _("重置密码 %s") % user,
        )


def role_assign(
    *, actor: User, user: User, org: Org, role: str, can_reveal: bool = False
) -> RoleAssignment:
    scope = scope_of(actor)
    if user.org_id:
        _check_manages(actor, user)
    _check_admin_of(actor, org)
    if role == Role.SYSADMIN and not scope.is_sysadmin:
        raise PermissionDenied(_("只有系统管理员可以授予系统管理员角色"))
    if role not in Role.values:
        raise ValidationError({"role": [_("未知角色 %s") % role]})
    if RoleAssignment.objects.filter(user=user, org=org, role=role).exists():
        raise ValidationError({"role": [_("该用户在“%s”已有此角色") % org.name]})
    with transaction.atomic():
        assignment = RoleAssignment.objects.create(
            user=user, org=org, role=role, can_reveal=can_reveal and role != Role.HELPER
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=assignment,
            org=org,
            after={
                "user": user.username,
                "org": org.code,
                "role": role,
                "can_reveal": assignment.can_reveal,
            },
            summary=_("授予 %(user)s 在 %(org)s 的角色 %(role)s")
            % {"user": user, "org": org.name, "role": assignment.get_role_display()},
        )
    forget_scope(user)
    return assignment


def role_remove(*, actor: User, assignment: RoleAssignment) -> None:
    scope = scope_of(actor)
    _check_admin_of(actor, assignment.org)
    if assignment.role == Role.SYSADMIN:
        if not scope.is_sysadmin:
            raise PermissionDenied(_("只有系统管理员可以撤销系统管理员角色"))
        others = RoleAssignment.objects.filter(role=Role.SYSADMIN, user__is_active=True).exclude(
            pk=assignment.pk
        )
        if not others.exists():
            raise ValidationError(_("这是最后一个系统管理员, 不能撤销"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=assignment,
            org=assignment.org,
            before={
                "user": assignment.user.username,
                "org": assignment.org.code,
                "role": assignment.role,
                "can_reveal": assignment.can_reveal,
            },
            summary=_("撤销 %(user)s 在 %(org)s 的角色 %(role)s")
            % {
                "user": assignment.user,
                "org": assignment.org.name,
                "role": assignment.get_role_display(),
            },
        )
        assignment.delete()
    forget_scope(assignment.user)
