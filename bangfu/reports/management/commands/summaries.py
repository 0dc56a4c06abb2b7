"""`bangfu summaries [--rebuild] [--format json]`: bring the reports' summary tables up to date
now (docs/reports.md, "Summary tables"). Reports do it themselves before they read; run this
after a large import or a restore so that the first report does not pay for it, or with
``--rebuild`` to recount every unit from the records."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bangfu.reports import summaries


class Command(BaseCommand):
    help = "统计汇总表: 重新统计有变动的单位 (refresh the reports' summary tables)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="全部单位从记录重新统计 (recount every unit)"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, rebuild: bool, format: str, **options: Any) -> None:
        started = time.perf_counter()
        counted = summaries.rebuild() if rebuild else summaries.refresh_all()
        seconds = round(time.perf_counter() - started, 3)
        if format == "json":
            self.stdout.write(json.dumps({"units": counted, "seconds": seconds}))
            return
        self.stdout.write(
            f"已重新统计: 户籍 {counted['registry']} 个单位, "
            f"帮扶活动 {counted['activities']} 个单位, 帮扶工作 {counted['reach']} 个单位, "
            f"合规与覆盖 {counted['compliance']} 个单位 ({seconds} 秒)"
        )
