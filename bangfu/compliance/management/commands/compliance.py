"""`bangfu compliance --program CODE --as-of DATE [--format json]`: every obligation owed as of
the date, with its window and status, the coverage rules, and a summary (interchange: the
command line). Helpers and beneficiaries are named by the identifiers of the import sheets:
a helper by 身份证号 (or a unit's 编码), a beneficiary by 户编号, 身份证号 or 编码."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bangfu.compliance.engine import coverage_rows, evaluate_iter
from bangfu.core.parsing import CellError, parse_date
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program


def identifiers(program: Program) -> dict[int, tuple[str, str]]:
    """pairing id → (helper, beneficiary) as the import sheets name them."""
    rows = Pairing.objects.filter(program=program).values_list(
        "id",
        "helper__person__id_number",
        "helper_org__code",
        "household__code",
        "person__id_number",
        "beneficiary_org__code",
    )
    return {
        pk: (helper or helper_org or "", household or person or unit or "")
        for pk, helper, helper_org, household, person, unit in rows.iterator(chunk_size=10000)
    }


class Command(BaseCommand):
    help = "合规检查: 截至某日每个结对应完成的事项及其状态 (obligations owed as of a date)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="项目编码")
        parser.add_argument("--as-of", required=True, help="截至日期, 如 2026-06-30")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, program: str, as_of: str, format: str, **options: Any) -> None:
        found = Program.objects.filter(code=program).first()
        if found is None:
            raise CommandError(f"--program: 项目编码 {program} 不存在")
        try:
            day = parse_date(as_of)
        except CellError as exc:
            raise CommandError(f"--as-of: {exc}") from None
        if day is None:
            raise CommandError("--as-of: 日期不能为空")
        names = identifiers(found)
        summary: Counter[str] = Counter({"met": 0, "missed": 0, "due": 0})
        obligations: list[dict[str, Any]] = []
        for o in evaluate_iter(found, day):
            summary[o.status] += 1
            helper, beneficiary = names.get(o.pairing_id, ("", ""))
            obligations.append(
                {
                    "pairing": o.pairing_id,
                    "helper": helper,
                    "beneficiary": beneficiary,
                    "rule": o.rule,
                    "start": o.start.isoformat(),
                    "end": o.end.isoformat(),
                    "required": o.required,
                    "done": o.done,
                    "status": o.status,
                }
            )
        obligations.sort(key=lambda r: (r["pairing"], r["rule"], r["start"], r["end"]))
        coverage: list[dict[str, Any]] = [
            {
                "rule": row.rule,
                "subject": row.subject,
                "required": row.required,
                "actual": row.actual,
                "status": row.status,
            }
            for row in coverage_rows(found, day)
        ]
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "program": found.code,
                        "as_of": day.isoformat(),
                        "obligations": obligations,
                        "coverage": coverage,
                        "summary": dict(summary),
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            f"{found.code} {found.name} 截至 {day}: 已完成 {summary['met']}, "
            f"未完成 {summary['missed']}, 待完成 {summary['due']}"
        )
        by_rule: dict[str, Counter[str]] = {}
        for row in obligations:
            by_rule.setdefault(str(row["rule"]), Counter())[str(row["status"])] += 1
        names_of = {str(r.get("code")): str(r.get("name", "")) for r in found.rules}
        for rule, counts in by_rule.items():
            self.stdout.write(
                f"  {names_of.get(rule, rule)}: 已完成 {counts['met']}, 未完成 {counts['missed']}, "
                f"待完成 {counts['due']}"
            )
        missed_cover = Counter(str(row["rule"]) for row in coverage if row["status"] == "missed")
        for rule, n in missed_cover.items():
            self.stdout.write(f"  {names_of.get(rule, rule)}: {n} 项未达到")
