"""`bangfu notify [--date DATE] [--dry-run] [--org CODE] [--enqueue]`: build and send the day's
digests (docs/notifications.md). Run it from cron every morning; running it again the same day
sends only what failed before."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bangfu.core.parsing import CellError, parse_date
from bangfu.orgs.models import Org


class Command(BaseCommand):
    help = "每日提醒: 生成并发送每名帮扶责任人的每日待办 (build and send the daily digests)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="日期, 如 2026-06-30; 默认今天")
        parser.add_argument("--org", help="只处理该单位 (编码) 及其下级单位的帮扶责任人")
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示将生成和发送的内容, 不保存也不发送"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列, 由 bangfu db_worker 执行"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(
        self,
        *args: Any,
        date: str | None,
        org: str | None,
        dry_run: bool,
        enqueue: bool,
        format: str,
        **options: Any,
    ) -> None:
        day = timezone.localdate()
        if date:
            try:
                parsed = parse_date(date)
            except CellError as exc:
                raise CommandError(f"--date: {exc}") from None
            if parsed is not None:
                day = parsed
        unit = None
        if org:
            unit = Org.objects.filter(code=org).first()
            if unit is None:
                raise CommandError(f"--org: 单位编码 {org} 不存在")
        if enqueue:
            if dry_run:
                raise CommandError("--enqueue 与 --dry-run 不能同时使用")
            from bangfu.notifications.tasks import send_daily_digests

            result = send_daily_digests.enqueue(date=day.isoformat(), org=org)
            self.stdout.write(f"已放入任务队列 (task {result.id}), 由 bangfu db_worker 执行")
            return

        from bangfu.notifications.services import run_daily

        report = run_daily(day, org=unit, dry_run=dry_run)
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            for line in report.lines:
                self.stdout.write(line)
            self.stdout.write(report.summary)
        for error in report.errors:
            self.stderr.write(error)
