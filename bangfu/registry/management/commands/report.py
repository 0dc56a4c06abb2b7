"""`bangfu report status`: households and persons by status as of a date, and entries into
each status within a range, for any subtree (interchange: the command line)."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bangfu.core.parsing import CellError, parse_date
from bangfu.orgs.models import Org
from bangfu.registry.choices import Status
from bangfu.registry.models import Household
from bangfu.registry.selectors import status_figures

KINDS = ("status",)


def _date(text: str | None, option: str) -> datetime.date | None:
    if text is None:
        return None
    try:
        day = parse_date(text)
    except CellError as exc:
        raise CommandError(f"{option}: {exc}") from None
    if day is None:
        raise CommandError(f"{option}: 日期不能为空")
    return day


class Command(BaseCommand):
    help = "输出报表 (print a report); 目前: status — 动态管理户数人数"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="报表种类: " + ", ".join(KINDS))
        parser.add_argument("--org", help="单位编码 (含下属), 默认全部")
        parser.add_argument("--as-of", required=True, help="截至日期, 如 2025-12-31")
        parser.add_argument("--from", dest="date_from", help="变动起始日期")
        parser.add_argument("--to", dest="date_to", help="变动截止日期")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(
        self,
        *args,
        kind: str,
        org: str | None,
        as_of: str,
        date_from: str | None,
        date_to: str | None,
        format: str,
        **options,
    ) -> None:
        if kind not in KINDS:
            raise CommandError(f"未知报表 {kind}; 可选: {', '.join(KINDS)}")
        unit = None
        if org:
            unit = Org.objects.filter(code=org).first()
            if unit is None:
                raise CommandError(f"--org: 单位编码 {org} 不存在")
        day = _date(as_of, "--as-of") or timezone.localdate()
        start, end = _date(date_from, "--from"), _date(date_to, "--to")
        if start and end and start > end:
            raise CommandError("--from 晚于 --to")
        figures = status_figures(
            households=Household.objects.all(), as_of=day, org=unit, date_from=start, date_to=end
        )
        if format == "json":
            self.stdout.write(json.dumps(figures.as_json(), ensure_ascii=False))
            return
        self.stdout.write(figures.sentence())
        labels = dict(Status.choices)
        ranged = bool(start or end)
        head = f"{'状态':<6}{'户':>8}{'人':>8}" + (f"{'期间进入户':>10}{'人':>8}" if ranged else "")
        self.stdout.write(head)
        for status in Status.values:
            f, e = figures.by_status[status], figures.entries[status]
            line = f"{labels[status]:<6}{f.households:>8}{f.persons:>8}"
            if ranged:
                line += f"{e.households:>10}{e.persons:>8}"
            self.stdout.write(line)
