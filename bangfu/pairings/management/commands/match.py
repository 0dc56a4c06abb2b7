"""`bangfu match --program CODE [--apply] [--format json] [--date DATE] [--user USERNAME]`.

Prints the suggested helpers for the program's unpaired beneficiaries (bangfu.pairings.matching:
one optimisation over all of them), each with its cost and explanation, and those left unmatched
with the reason; ``--apply`` creates all the suggested pairings, all or none. Helpers and
beneficiaries are named by the import sheets' identifiers (a person's 身份证号, a household's
户编号, a unit's 编码), unmasked: this is the administrators' command line, and every run is
recorded in the audit log as an export with the number of rows. By default the command acts as
the stand-in system administrator ``bangfu-cli`` (as ``bangfu createadmin`` does).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.parsing import CellError, parse_date
from bangfu.pairings.matching import MatchError, MatchResult, apply, match_day, suggest
from bangfu.programs.models import Program
from bangfu.transfer.actors import BAD_ARGUMENTS, command_actor

DESCRIPTION = "匹配建议: 为项目中未结对的对象推荐帮扶人, --apply 建立结对 (suggest helpers)"


def as_json(result: MatchResult, *, applied: int | None) -> dict[str, Any]:
    """The result in the command's JSON shape (docs/matching.md)."""
    return {
        "program": result.program.code,
        "date": result.day.isoformat(),
        "status": result.status,
        "suggestions": [
            {
                "helper": s.helper.ident,
                "helper_name": s.helper.name,
                "helper_id": s.helper.pk,
                "beneficiary": s.beneficiary.ident,
                "beneficiary_name": s.beneficiary.name,
                "cost": s.cost,
                "parts": {"distance": s.distance_cost, "fit": s.fit_cost, "load": s.load_cost},
                "steps": s.steps,
                "km": None if s.km is None else round(s.km, 3),
                "explanation": s.explanation,
            }
            for s in result.suggestions
        ],
        "unmatched": [
            {
                "beneficiary": u.beneficiary.ident,
                "beneficiary_name": u.beneficiary.name,
                "reason": u.reason,
            }
            for u in result.unmatched
        ],
        "total_cost": result.total_cost,
        "total_steps": result.total_steps,
        "total_km": round(result.total_km, 3),
        "beneficiaries": result.beneficiaries,
        "helpers_available": result.helpers_available,
        "slots": result.slots,
        "applied": applied,
    }


class Command(BaseCommand):
    help = DESCRIPTION

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="项目编码")
        parser.add_argument(
            "--apply",
            dest="do_apply",
            action="store_true",
            help="建立全部建议的结对 (全部建立或全部不建立)",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--date", help="计算日期, 也是新结对的开始日期; 默认今天 (项目尚未开始时为其开始日期)"
        )
        parser.add_argument("--user", help="以该账号的身份和权限运行 (默认: 系统管理员 bangfu-cli)")
        parser.add_argument(
            "--limit-candidates",
            type=int,
            default=20,
            help="共同标签 (如学科) 的候选帮扶人数, 默认 20",
        )

    def handle(
        self,
        *args: Any,
        program: str,
        do_apply: bool,
        format: str,
        date: str | None,
        user: str | None,
        limit_candidates: int,
        **options: Any,
    ) -> None:
        found = Program.objects.select_related("org").filter(code=program).first()
        if found is None:
            raise CommandError(f"--program: 项目编码 {program} 不存在", returncode=BAD_ARGUMENTS)
        day = self._day(date) or match_day(found)
        if limit_candidates < 1:
            raise CommandError("--limit-candidates 应为正整数", returncode=BAD_ARGUMENTS)
        actor = command_actor(user)
        if not scope_of(actor).can_admin_org(found.org):
            raise CommandError(
                f"用户 {user} 无权管理项目 {found.code} 的结对", returncode=BAD_ARGUMENTS
            )
        try:
            result = suggest(found, day=day, limit_candidates=limit_candidates)
        except MatchError as exc:
            raise CommandError(str(exc), returncode=BAD_ARGUMENTS) from None
        applied = None
        if do_apply:
            try:
                applied = len(apply(found, result.suggestions, actor=actor, start=day))
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise CommandError(f"未建立任何结对: {text}") from None
        rows = len(result.suggestions) + len(result.unmatched)
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=Action.EXPORT,
                org=found.org,
                object_type="pairings.match",
                object_id=str(found.pk),
                object_repr=found.code,
                summary=f"输出匹配建议 {len(result.suggestions)} 条、未能匹配 "
                f"{len(result.unmatched)} 条 (项目 {found.code}, 含完整身份证号)",
                after={
                    "program": found.code,
                    "rows": rows,
                    "suggestions": len(result.suggestions),
                    "unmatched": len(result.unmatched),
                    "format": format,
                    "applied": applied,
                },
            )
        if format == "json":
            self.stdout.write(json.dumps(as_json(result, applied=applied), ensure_ascii=False))
            return
        self._text(result, applied)

    def _day(self, text: str | None) -> datetime.date | None:
        if text is None:
            return None
        try:
            day = parse_date(text)
        except CellError as exc:
            raise CommandError(f"--date: {exc}", returncode=BAD_ARGUMENTS) from None
        if day is None:
            raise CommandError("--date: 日期不能为空", returncode=BAD_ARGUMENTS)
        return day

    def _text(self, result: MatchResult, applied: int | None) -> None:
        program = result.program
        self.stdout.write(
            f"{program.code} {program.name} · {result.day} · 待结对 {result.beneficiaries}, "
            f"有剩余名额的帮扶人 {result.helpers_available} (名额 {result.slots}) · "
            f"求解 {result.status}"
        )
        for s in result.suggestions:
            self.stdout.write(
                f"{s.beneficiary.name} ({s.beneficiary.ident}) ← {s.helper.name} "
                f"({s.helper.ident})  代价 {s.cost}  {s.explanation}"
            )
        for u in result.unmatched:
            self.stdout.write(f"未能匹配: {u.beneficiary.name} ({u.beneficiary.ident})  {u.reason}")
        self.stdout.write(
            f"建议 {len(result.suggestions)} 条, 总代价 {result.total_cost}, "
            f"总距离 {result.total_km:.1f} 公里 ({result.km_pairs} 条有坐标) / "
            f"{result.total_steps} 级, 未能匹配 {len(result.unmatched)}"
        )
        if applied is not None:
            self.stdout.write(self.style.SUCCESS(f"已建立 {applied} 个结对"))
