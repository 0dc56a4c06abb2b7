"""`bangfu createadmin`: the first system administrator of a new installation (and its top unit
when the tree is still empty). Later administrators are created in the browser."""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bangfu.accounts.models import Role, User
from bangfu.accounts.scope import Scope
from bangfu.accounts.services import role_assign, user_create
from bangfu.orgs.kinds import OrgKind
from bangfu.orgs.models import Org
from bangfu.orgs.services import org_create


class Command(BaseCommand):
    help = "新建系统管理员账号 (create a system administrator account)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True, help="账号")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument(
            "--org-code", required=True, help="所属单位编码; 单位不存在时新建为顶级单位"
        )
        parser.add_argument("--org-name", help="新建顶级单位时的名称")
        parser.add_argument(
            "--org-kind",
            default=OrgKind.COUNTY,
            choices=OrgKind.values,
            help="新建顶级单位时的类型, 默认 county",
        )
        parser.add_argument("--phone", default="", help="手机号")

    def handle(
        self,
        *args,
        username: str,
        name: str,
        org_code: str,
        org_name: str | None,
        org_kind: str,
        phone: str,
        **options,
    ) -> None:
        password = os.environ.get("BANGFU_ADMIN_PASSWORD") or self._prompt()
        # Bootstrapping: nobody can grant the first administrator their role, so the command
        # acts with a system administrator's reach of its own; every change is still audited.
        system = User(username="bangfu-cli", name="命令行")
        system._bangfu_scope = Scope(user_id=None, is_sysadmin=True)  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                org = Org.objects.filter(code=org_code).first()
                if org is None:
                    if not org_name:
                        raise CommandError(f"单位 {org_code} 不存在: 用 --org-name 给出名称以新建")
                    org = org_create(
                        actor=system, code=org_code, name=org_name, kind=org_kind, parent=None
                    )
                user = user_create(
                    actor=system,
                    username=username,
                    name=name,
                    org=org,
                    password=password,
                    phone=phone,
                    must_change_password=False,
                )
                role_assign(actor=system, user=user, org=org, role=Role.SYSADMIN)
        except ValidationError as exc:
            messages = (
                [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("; ".join(messages)) from None
        self.stdout.write(self.style.SUCCESS(f"已新建系统管理员 {username} ({org.name})"))

    def _prompt(self) -> str:
        if not os.isatty(0):
            raise CommandError("请通过环境变量 BANGFU_ADMIN_PASSWORD 提供密码")
        first = getpass.getpass("密码: ")
        if first != getpass.getpass("再次输入密码: "):
            raise CommandError("两次输入的密码不一致")
        return first
