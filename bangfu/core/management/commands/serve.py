"""`bangfu serve`: the production server (gunicorn) with the settings from BANGFU_* variables."""

from __future__ import annotations

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bangfu.core.env import env_int


class Command(BaseCommand):
    help = "以生产方式 (gunicorn) 启动平台 (run the production server)"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("BANGFU_BIND", "127.0.0.1:8000"),
            help="监听地址, 默认 BANGFU_BIND 或 127.0.0.1:8000",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("BANGFU_WORKERS", 3, minimum=1),
            help="工作进程数, 默认 BANGFU_WORKERS 或 3",
        )
        parser.add_argument("--timeout", type=int, default=120, help="请求超时秒数")
        parser.add_argument("--migrate", action="store_true", help="启动前先升级数据库")
        parser.add_argument("--collectstatic", action="store_true", help="启动前先收集静态文件")

    def handle(
        self,
        *args,
        bind: str,
        workers: int,
        timeout: int,
        migrate: bool,
        collectstatic: bool,
        **options,
    ) -> None:
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        if migrate:
            call_command("migrate", interactive=False, verbosity=1)
        if collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        if settings.PRODUCTION and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError(
                f"静态文件尚未收集到 {settings.STATIC_ROOT}: 先执行 bangfu collectstatic --noinput "
                "或加 --collectstatic"
            )
        call_command("check", deploy=settings.PRODUCTION, fail_level="ERROR")
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        argv = [
            gunicorn,
            "bangfu.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "--forwarded-allow-ips",
            "127.0.0.1",
            # Several instances may run on one host under a user with no home directory.
            "--no-control-socket",
        ]
        self.stdout.write(f"bangfu: gunicorn on http://{bind} ({workers} workers)")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606  (replace this process: signals reach gunicorn)
