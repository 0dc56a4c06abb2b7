"""`bangfu report KIND`: the reports of docs/reports.md on the command line, so that offices can
schedule them (interchange: the command line).

``status`` keeps its contract: households and persons by status as of a date (``--as-of``,
required), and entries into each status within a range, for any subtree. The other kinds
(``qiqing``, ``activities``, ``villages``, ``compliance``) take ``--from``/``--to`` (default: from
1 January of the as-of year) and ``--as-of`` (default: ``--to``, else today).

``--format text|json`` prints; ``--format xlsx|pdf|docx --output FILE`` writes the file and
records an export in the audit log. The command acts as the stand-in system administrator
``bangfu-cli`` unless ``--user USERNAME`` names an account, whose scope then applies."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bangfu.accounts.scope import scope_of
from bangfu.core.parsing import CellError, parse_date
from bangfu.orgs.models import Org
from bangfu.registry.choices import Status
from bangfu.reports.base import Params, Report
from bangfu.reports.reports import FORMATS, KINDS, build
from bangfu.transfer.actors import command_actor


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
    help = "输出报表 (print or write a report): " + ", ".join(
        f"{k.name} — {k.title}" for k in KINDS.values()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="报表种类: " + ", ".join(KINDS))
        parser.add_argument("--org", help="单位编码 (含下属), 默认全部")
        parser.add_argument(
            "--as-of", help="截至日期, 如 2025-12-31 (status 必填; 其他默认为 --to 或今天)"
        )
        parser.add_argument("--from", dest="date_from", help="起始日期")
        parser.add_argument("--to", dest="date_to", help="截止日期")
        parser.add_argument(
            "--format", choices=("text", "json", *FORMATS), default="text", help="输出格式"
        )
        parser.add_argument("--output", help="xlsx、pdf、docx 写入的文件")
        parser.add_argument("--user", help="以该账号的权限范围生成 (默认: 系统管理员 bangfu-cli)")

    def handle(
        self,
        *args,
        kind: str,
        org: str | None,
        as_of: str | None,
        date_from: str | None,
        date_to: str | None,
        format: str,
        output: str | None,
        user: str | None,
        **options,
    ) -> None:
        if kind not in KINDS:
            raise CommandError(f"未知报表 {kind}; 可选: {', '.join(KINDS)}")
        if kind == "status" and as_of is None:
            raise CommandError("status 报表需要 --as-of 截至日期")
        if format in FORMATS and not output:
            raise CommandError(f"--format {format} 需要 --output 文件名")
        actor = command_actor(user)
        unit = None
        if org:
            unit = Org.objects.filter(code=org).first()
            if unit is None or not scope_of(actor).can_read_org(unit):
                raise CommandError(f"--org: 单位编码 {org} 不存在")
        start, end = _date(date_from, "--from"), _date(date_to, "--to")
        if start and end and start > end:
            raise CommandError("--from 晚于 --to")
        day = _date(as_of, "--as-of") or end or timezone.localdate()
        params = Params(org=unit, as_of=day, date_from=start, date_to=end)
        report = build(kind, user=actor, params=params)
        if format == "json":
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        elif format == "text":
            self._text(report)
        else:
            from bangfu.reports.views import audit_export, file_name, render_file

            data = render_file(report, format)
            Path(output or "").write_bytes(data)
            audit_export(actor=actor, report=report, fmt=format, name=file_name(report, format))
            self.stdout.write(f"已写入 {output} ({len(data)} 字节)")

    def _text(self, report: Report) -> None:
        self.stdout.write(report.sentence)
        if report.kind == "status":
            self._status_table(report)
            return
        for table in report.tables:
            self.stdout.write("")
            self.stdout.write(f"[{table.title}]")
            self.stdout.write("\t".join(["项目", *map(str, table.columns)]))
            for line in table.lines:
                values = ["" if v is None else str(v) for v in line.values]
                self.stdout.write("\t".join([line.label, *values]))

    def _status_table(self, report: Report) -> None:
        """The original layout of ``bangfu report status``."""
        data = report.extra
        ranged = "from" in data
        head = f"{'状态':<6}{'户':>8}{'人':>8}" + (f"{'期间进入户':>10}{'人':>8}" if ranged else "")
        self.stdout.write(head)
        for _value, label in Status.choices:
            f, e = data["by_status"][str(label)], data["entries"][str(label)]
            line = f"{label:<6}{f['households']:>8}{f['persons']:>8}"
            if ranged:
                line += f"{e['households']:>10}{e['persons']:>8}"
            self.stdout.write(line)
