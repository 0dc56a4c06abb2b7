"""`bangfu demo`: migrate, load the demo data set and serve it on http://127.0.0.1:8000."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "建库、导入演示数据并启动 (set up the demo and serve it)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只建库和导入, 不启动")

    def handle(self, *args, addrport: str, no_serve: bool, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("演示模式不能在 BANGFU_ENV=production 下运行")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        if no_serve:
            return
        self.stdout.write(
            self.style.SUCCESS(f"\n结对帮扶管理平台已启动: http://{addrport}/  (Ctrl+C 停止)\n")
        )
        call_command("runserver", addrport, use_reloader=False)
