"""`bangfu import KIND FILE [--dry-run] [--format json] [--user USERNAME]` (interchange.md).

All or nothing: every row is validated first; with any error nothing is written. Exit status 0
when there is no error (warnings do not count), 1 when there are errors (nothing was written), 2
for a wrong argument (unknown kind, missing file, unknown user). ``--format json`` prints exactly
one JSON object ``{"kind", "rows", "created", "updated", "errors": [{"row", "column",
"message"}], "warnings": [...], "ignored_columns": [header, ...]}``; the text output prints the
columns not used and every warning too, on success, on failure and in a dry run
(docs/import-export.md, "Command line").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.transfer.actors import BAD_ARGUMENTS, command_actor
from bangfu.transfer.checks import checks_after_import
from bangfu.transfer.importers import ImportResult, run_import
from bangfu.transfer.kinds import UnknownKind, get_kind, kind_names
from bangfu.transfer.mappings import MapOptionError, parse_map_options, unmatched_map_options
from bangfu.transfer.reader import SUFFIXES, Sheet

DESCRIPTION = "导入一个标准表 (Excel 或 CSV), 全部导入或全部不导入 (import a standard sheet)"


class Command(BaseCommand):
    help = DESCRIPTION
    # Django's system checks (`bangfu check`) load every URL and view first: 0.5 s and 30 MB
    # before an import, in this process and in the helper forked from it (docs/performance.md).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="数据类型: " + ", ".join(kind_names()))
        parser.add_argument("file", help="Excel (.xlsx/.xls/.ods) 或 CSV 文件")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告将新增和更新的条数, 不写入"
        )
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=("text", "json"),
            default="text",
            help=(
                "json: 输出一个 JSON 对象 "
                "{kind, rows, created, updated, errors, warnings, ignored_columns}"
            ),
        )
        parser.add_argument(
            "--user", help="以该账号的身份和权限范围导入 (默认: 系统管理员 bangfu-cli)"
        )
        parser.add_argument(
            "--map",
            dest="column_map",
            action="append",
            default=[],
            metavar="原列名=标准列名",
            help="把文件中的一列按该标准列读取 (可重复); “原列名=” 表示该列不导入",
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: str,
        dry_run: bool,
        output_format: str,
        user: str | None,
        column_map: list[str] | None = None,
        **options: Any,
    ) -> None:
        try:
            spec = get_kind(kind)
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=BAD_ARGUMENTS) from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在: {file}", returncode=BAD_ARGUMENTS)
        if path.suffix.lower() not in SUFFIXES:
            raise CommandError(
                f"不支持的文件类型 {path.suffix or '—'}, 应为 {', '.join(SUFFIXES)}",
                returncode=BAD_ARGUMENTS,
            )
        actor = command_actor(user)
        if not scope_of(actor).is_admin:
            raise CommandError(f"用户 {user} 不是管理员, 不能导入", returncode=BAD_ARGUMENTS)
        try:  # --map: docs/import-export.md, "Column mapping"
            mapping = parse_map_options(spec, column_map or [])

            def checked(plain: Sheet) -> dict[str, str]:
                unmatched_map_options(plain, mapping)  # once the file's header is read
                return mapping

            result = run_import(
                spec, path, actor=actor, dry_run=dry_run, mapping=checked if mapping else None
            )
        except MapOptionError as exc:
            raise CommandError(str(exc), returncode=BAD_ARGUMENTS) from None
        if output_format == "json":
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._report(result, str(spec.label))
            if result.ok and not result.dry_run:
                self._quality(result)
        if result.errors:
            raise CommandError(f"{len(result.errors)} 处错误, 没有导入任何数据", returncode=1)

    def _quality(self, result: ImportResult) -> None:
        """The data-quality checks over what was written: a summary and the first findings."""
        report = checks_after_import(result)
        if report is None:
            return
        counts = report.severity_counts
        self.stdout.write(
            f"逻辑校验: 错误 {counts['error']} 个, 警告 {counts['warning']} 个, "
            f"提示 {counts['info']} 个"
        )
        for finding in report.findings[:20]:
            self.stdout.write(f"  [{finding.code}] {finding.object_repr}: {finding.message}")
        if report.total > 20:
            self.stdout.write(f"  … 共 {report.total} 个, 在“数据质量”页查看全部")

    def _report(self, result: ImportResult, label: str) -> None:
        name = result.file_name
        if result.ok:
            counts = (
                f"共 {result.rows} 行, 新增 {result.created} 条, 更新 {result.updated} 条, "
                f"{result.unchanged} 条没有变化"
            )
            if result.dry_run:
                self.stdout.write(f"检查通过 (试运行, 没有写入): {label} “{name}”: {counts}")
            else:
                self.stdout.write(self.style.SUCCESS(f"已导入{label} “{name}”: {counts}"))
            self._caveats(result)
            return
        self.stdout.write(
            f"导入失败: {label} “{name}” 共 {result.rows} 行, 有 {len(result.errors)} 处错误 "
            f"(涉及 {result.error_rows} 行), 没有导入任何数据:"
        )
        for error in result.errors:
            column = f" {error.column}" if error.column else ""
            self.stdout.write(f"第 {error.row} 行{column}: {error.message}")
        self._caveats(result)

    def _caveats(self, result: ImportResult) -> None:
        """The columns of the file that were not used, and every value accepted with a caveat."""
        if result.ignored:
            self.stdout.write(_("未使用的列: %s") % "、".join(result.ignored))
        if result.warnings:
            self.stdout.write(
                _("警告 %(n)d 处 (已按说明读取, 不影响导入):") % {"n": len(result.warnings)}
            )
            for warning in result.warnings:
                where = _("第 %(row)d 行") % {"row": warning.row}
                column = f" {warning.column}" if warning.column else ""
                self.stdout.write(f"{where}{column}: {warning.message}")
