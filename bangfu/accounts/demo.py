"""Demo accounts: one or more per role, all with the demo password."""

from __future__ import annotations

from django.conf import settings

from bangfu.accounts.models import Role, RoleAssignment, User
from bangfu.accounts.services import role_assign, user_create
from bangfu.core.seeding import DemoContext

# username, name, phone, unit code, role, may reveal full numbers
ACCOUNTS = [
    ("xianban", "李建国", "13877101234", "LAX-FPB", Role.ORG_ADMIN, "450123", True),
    ("xuexiao", "黄秀英", "13977102345", "LAX-SYXX", Role.ORG_ADMIN, "LAX-SYXX", False),
    ("gonghui", "陈志强", "13607713456", "NNBUS-GH", Role.ORG_ADMIN, "NNBUS", False),
    ("nongwei", "梁海燕", "13878104567", "NN-NWH", Role.ORG_ADMIN, "NN-NWH", False),
    ("ganbu", "韦明", "13517715678", "LAX-FPB", Role.HELPER, "LAX-FPB", False),
    ("jiaoshi", "农丽萍", "18977106789", "LAX-SYXX", Role.HELPER, "LAX-SYXX", False),
    ("ducha", "梁文", "13768107890", "450123", Role.INSPECTOR, "450123", False),
]


def bootstrap_admin(ctx: DemoContext) -> User:
    """The demo's system administrator, created before any unit exists (it places the units)."""
    if "admin" in ctx.users:
        return ctx.users["admin"]
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", name="系统管理员")
        admin.set_password(settings.DEMO_PASSWORD)
        admin.save()
        ctx.count("用户")
    ctx.users["admin"] = admin
    if not RoleAssignment.objects.filter(user=admin, role=Role.SYSADMIN).exists():
        # Bootstrapping: the first system administrator cannot be granted by anyone else.
        admin._bangfu_scope = _sysadmin_scope(admin)  # type: ignore[attr-defined,union-attr]
    return admin


def _sysadmin_scope(admin: User):
    from bangfu.accounts.scope import Scope

    return Scope(user_id=admin.pk, is_sysadmin=True, roles=frozenset({Role.SYSADMIN}))


def seed(ctx: DemoContext) -> None:
    admin = bootstrap_admin(ctx)
    city = ctx.orgs["450100"]
    if admin.org_id is None:
        admin.org = city
        admin.save(update_fields=["org"])
    if not RoleAssignment.objects.filter(user=admin, role=Role.SYSADMIN).exists():
        role_assign(actor=admin, user=admin, org=city, role=Role.SYSADMIN)
        ctx.count("角色")
    ctx.accounts.append(("admin", str(Role.SYSADMIN.label), city.name))
    for username, name, phone, unit, role, role_unit, reveal in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=admin,
                username=username,
                name=name,
                org=ctx.orgs[unit],
                password=settings.DEMO_PASSWORD,
                phone=phone,
                must_change_password=False,
            )
            role_assign(
                actor=admin, user=user, org=ctx.orgs[role_unit], role=role, can_reveal=reveal
            )
            ctx.count("用户")
        ctx.users[username] = user
        ctx.accounts.append((username, str(Role(role).label), ctx.orgs[role_unit].name))
