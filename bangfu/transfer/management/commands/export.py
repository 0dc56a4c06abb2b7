"""`bangfu export KIND FILE [--unmask] [--user USERNAME]` (interchange.md).

Writes the kind's standard sheet (.xlsx, or .csv by the file's name) from the records the actor
may see. ID numbers and phones are masked unless ``--unmask`` is given by an actor who may reveal
them for every row (refused otherwise). The export is recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bangfu.accounts.scope import scope_of
from bangfu.transfer.actors import BAD_ARGUMENTS, command_actor
from bangfu.transfer.exporters import export_kind, export_queryset, may_read, may_unmask
from bangfu.transfer.kinds import UnknownKind, get_kind, kind_names

DESCRIPTION = "导出一个标准表, 身份证号和电话默认遮蔽 (export a standard sheet, masked)"


class Command(BaseCommand):
    help = DESCRIPTION

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="数据类型: " + ", ".join(kind_names()))
        parser.add_argument("file", help="要写入的文件 (.xlsx 或 .csv)")
        parser.add_argument(
            "--unmask", action="store_true", help="导出完整的身份证号和电话 (须有查看权限)"
        )
        parser.add_argument(
            "--user", help="以该账号的身份和权限范围导出 (默认: 系统管理员 bangfu-cli)"
        )

    def handle(
        self, *args: Any, kind: str, file: str, unmask: bool, user: str | None, **options: Any
    ) -> None:
        try:
            spec = get_kind(kind)
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=BAD_ARGUMENTS) from None
        path = Path(file)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError(
                f"不支持的文件类型 {path.suffix or '—'}, 应为 .xlsx 或 .csv",
                returncode=BAD_ARGUMENTS,
            )
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在: {path.parent}", returncode=BAD_ARGUMENTS)
        actor = command_actor(user)
        scope = scope_of(actor)
        if not may_read(scope):
            raise CommandError(f"用户 {user} 无权查看任何单位的数据", returncode=BAD_ARGUMENTS)
        if unmask and not may_unmask(spec, export_queryset(spec, user=actor), scope):
            raise CommandError(f"用户 {user} 无权导出完整的身份证号和电话")
        outcome = export_kind(spec, user=actor, dest=path, unmask=unmask, fmt=fmt)
        how = (
            "身份证号和电话已遮蔽" if outcome.masked else "含完整号码" if spec.has_personal else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出{spec.label} {outcome.rows} 行到 {path}" + (f" ({how})" if how else "")
            )
        )
