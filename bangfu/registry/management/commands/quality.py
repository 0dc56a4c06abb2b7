"""`bangfu quality [--org CODE] [--check CODE ...] [--format json]`: the data-quality checks
(逻辑校验, docs/data-quality.md) over a unit's subtree from the command line (docs/cli.md).

Like ``bangfu report``, the command acts as the stand-in system administrator ``bangfu-cli``
unless ``--user USERNAME`` names an account, whose scope then applies; without ``--org`` it
checks everything the actor may read.

Findings are streamed: the checks yield them one at a time (``quality.iter_findings``), the
command looks up their keys (身份证号, 户编号, 编码) a batch at a time and writes them out, so
that a county of a million persons is checked without holding its findings. The text table
(counts first, then the findings) spools the findings to a temporary file while it counts."""

from __future__ import annotations

import datetime
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from bangfu.accounts.scope import scope_of
from bangfu.core.batching import placeholders
from bangfu.core.masking import mask_id_number
from bangfu.core.parsing import CellError, parse_date
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.registry import quality, selectors
from bangfu.registry.models import Household, Person
from bangfu.transfer.actors import BAD_ARGUMENTS, command_actor

# Findings whose keys are looked up together (one query per kind of record and batch; well
# under the 32,766 parameters SQLite allows, core/batching.py).
BATCH = 5000
# The text table keeps this much of the findings in memory before spooling them to disk.
SPOOL_BYTES = 8 * 1024 * 1024


def _codes(values: Iterable[str] | None) -> list[str] | None:
    """The check codes asked for ("P001 M011", "P001,M011", repeated --check), in declaration
    order; None for all. An unknown code stops the command with one line naming it."""
    if not values:
        return None
    asked = {part.strip().upper() for value in values for part in value.split(",") if part.strip()}
    if not asked:
        raise CommandError("--check: 没有给出检查编码", returncode=BAD_ARGUMENTS)
    unknown = sorted(asked - set(quality.CHECKS_BY_CODE))
    if unknown:
        raise CommandError(
            f"--check: 未知的检查编码 {', '.join(unknown)}; "
            f"可选: {', '.join(quality.CHECKS_BY_CODE)}",
            returncode=BAD_ARGUMENTS,
        )
    return [d.code for d in quality.CHECKS if d.code in asked]


def _day(text: str | None) -> datetime.date:
    if text is None:
        return timezone.localdate()
    try:
        day = parse_date(text)
    except CellError as exc:
        raise CommandError(f"--as-of: {exc}", returncode=BAD_ARGUMENTS) from None
    if day is None:
        raise CommandError("--as-of: 日期不能为空", returncode=BAD_ARGUMENTS)
    return day


class _Keys:
    """The interchange identifiers of findings: a person's (a member's, a helper's) 身份证号
    and name, a household's 户编号 and head, a unit's 编码 and name. ID numbers are masked
    where the actor may not reveal them (never for the stand-in system administrator)."""

    PERSON_SUBJECTS = {"person", "member", "helper"}

    def __init__(self, actor: Any) -> None:
        self.scope = scope_of(actor)

    def rows(self, findings: list[quality.Finding]) -> list[dict[str, Any]]:
        people: set[int] = set()
        households: set[int] = set()
        units: set[int] = set()
        for f in findings:
            if f.subject in self.PERSON_SUBJECTS:
                people.add(self._person_id(f))
            elif f.subject == "household":
                households.add(f.object_id)
            elif f.subject == "unit":
                units.add(f.object_id)
        person = _lookup(PERSON_SQL, people)
        household = _lookup(HOUSEHOLD_SQL, households)
        unit = _lookup(UNIT_SQL, units)
        hidden = self._hidden_orgs(
            {f.org_id for f in findings if f.subject in self.PERSON_SUBJECTS}
        )
        rows = []
        for f in findings:
            if f.subject in self.PERSON_SUBJECTS:
                key, name = person.get(self._person_id(f), ("", f.object_repr))
                if f.org_id in hidden:
                    key = mask_id_number(key)
            elif f.subject == "household":
                key, name = household.get(f.object_id, ("", ""))
            elif f.subject == "unit":
                key, name = unit.get(f.object_id, ("", f.object_repr))
            else:  # a kind of record the command does not know yet (a pairing …)
                key, name = str(f.object_id), f.object_repr
            rows.append(
                {
                    "check": f.code,
                    "title": f.title,
                    "kind": f.subject,
                    "key": key,
                    "name": name,
                    "message": f.message,
                }
            )
        return rows

    @staticmethod
    def _person_id(f: quality.Finding) -> int:
        return f.object_id if f.subject == "person" else (f.person_id or 0)

    def _hidden_orgs(self, org_ids: set[int | None]) -> set[int | None]:
        if self.scope.is_sysadmin:
            return set()
        paths = dict(
            Org.objects.filter(pk__in=[pk for pk in org_ids if pk]).values_list("pk", "path")
        )
        return {
            pk
            for pk in org_ids
            if pk not in paths or not any(paths[pk].startswith(p) for p in self.scope.reveal_paths)
        }


# Key look-ups in plain SQL: the ORM's ``pk__in`` prepares each of 5,000 parameters one by one,
# which cost as much as the checks themselves over 800,000 findings.
# Table names from the models and placeholders only (noqa: S608).
PERSON_SQL = (
    f"SELECT p.id, p.id_number, p.name FROM {Person._meta.db_table} p WHERE p.id IN ({{ids}})"  # noqa: S608
)
HOUSEHOLD_SQL = (
    f"SELECT h.id, h.code, COALESCE(p.name, '') FROM {Household._meta.db_table} h "  # noqa: S608
    f"LEFT JOIN {Person._meta.db_table} p ON p.id = h.head_id WHERE h.id IN ({{ids}})"
)
UNIT_SQL = f"SELECT o.id, o.code, o.name FROM {Org._meta.db_table} o WHERE o.id IN ({{ids}})"  # noqa: S608


def _lookup(sql: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    """id → (key, name) for ``ids`` (at most a batch: well within the parameter limits)."""
    if not ids:
        return {}
    values = sorted(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=placeholders(values)), values)
        return {pk: (key or "", name or "") for pk, key, name in cursor.fetchall()}


def _batches(findings: Iterator[quality.Finding]) -> Iterator[list[quality.Finding]]:
    while batch := list(islice(findings, BATCH)):
        yield batch


class Command(BaseCommand):
    help = (
        "数据质量检查 (逻辑校验): 在单位及其下属范围内运行检查, 列出每条问题 "
        "(run the data-quality checks on a subtree)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="单位编码 (含下属), 默认为可查看的全部")
        parser.add_argument(
            "--check",
            dest="checks",
            nargs="+",
            action="extend",
            metavar="CODE",
            help="只运行这些检查, 如 --check P001 M011 (默认全部; 编码见 docs/data-quality.md)",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
        parser.add_argument("--as-of", help="按这一天计算年龄和“当年”, 如 2026-06-30 (默认今天)")
        parser.add_argument("--user", help="以该账号的权限范围检查 (默认: 系统管理员 bangfu-cli)")

    def handle(
        self,
        *args: Any,
        org: str | None,
        checks: list[str] | None,
        format: str,
        as_of: str | None,
        user: str | None,
        **options: Any,
    ) -> None:
        codes = _codes(checks)
        day = _day(as_of)
        actor = command_actor(user)
        scope = scope_of(actor)
        if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
            raise CommandError(f"用户 {user} 无权查看任何单位的数据", returncode=BAD_ARGUMENTS)
        unit = None
        if org:
            unit = Org.objects.filter(code=org).first()
            if unit is None or not scope.can_read_org(unit):
                raise CommandError(f"--org: 单位编码 {org} 不存在", returncode=BAD_ARGUMENTS)
        persons = selectors.person_list(user=actor)
        households = selectors.household_list(user=actor)
        helpers = selectors.helper_list(user=actor)
        if unit is not None:
            subtree = prefix_q("org__path", unit.path)
            persons, households, helpers = (
                persons.filter(subtree),
                households.filter(subtree),
                helpers.filter(subtree),
            )
        report = quality.QualityReport(today=day)
        findings = quality.iter_findings(
            persons=persons,
            households=households,
            helpers=helpers,
            codes=codes,
            today=day,
            report=report,
            links=False,
        )
        keys = _Keys(actor)
        batches = (keys.rows(batch) for batch in _batches(findings))
        if format == "json":
            self._json(unit, batches)
        else:
            self._text(unit, batches, report)

    def _json(self, unit: Org | None, batches: Iterator[list[dict[str, Any]]]) -> None:
        """One JSON object, written a batch at a time as the findings come (interchange:
        bangfu quality)."""
        head = json.dumps(unit.code if unit else None, ensure_ascii=False)
        self.stdout.write(f'{{"org": {head}, "findings": [', ending="")
        separator = "\n"
        for rows in batches:
            text = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
            self.stdout.write(separator + text, ending="")
            separator = ",\n"
        self.stdout.write("\n]}")

    def _text(
        self,
        unit: Org | None,
        batches: Iterator[list[dict[str, Any]]],
        report: quality.QualityReport,
    ) -> None:
        """Counts per check first, then the findings (spooled while they are counted)."""
        counts: Counter[str] = Counter()
        severities: Counter[str] = Counter()
        with tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8"
        ) as spool:
            for rows in batches:
                for row in rows:
                    counts[row["check"]] += 1
                    severities[quality.CHECKS_BY_CODE[row["check"]].severity] += 1
                    line = "\t".join(
                        [row["check"], row["key"] or "-", row["name"] or "-", row["message"]]
                    )
                    spool.write(line.replace("\n", " ") + "\n")
            where = f"{unit.code} {unit.name}" if unit else "全部"
            self.stdout.write(
                f"数据质量检查 ({where}, {report.today.isoformat()}): 共 {sum(counts.values())} "
                f"个问题 (错误 {severities['error']}, 警告 {severities['warning']}, "
                f"提示 {severities['info']})"
            )
            self.stdout.write("")
            self.stdout.write("检查\t标题\t严重程度\t数量")
            for code in report.ran:
                d = quality.CHECKS_BY_CODE[code]
                self.stdout.write(f"{code}\t{d.title}\t{d.severity_label}\t{counts[code]}")
            for skipped in report.skipped:
                self.stdout.write(f"{skipped.code}\t{skipped.title}\t未运行: {skipped.reason}\t-")
            if counts:
                self.stdout.write("")
                self.stdout.write("检查\t身份证号/户编号/编码\t姓名\t问题")
                self._copy(spool)

    def _copy(self, spool: IO[str]) -> None:
        spool.seek(0)
        for line in spool:
            self.stdout.write(line, ending="")
