"""pairings: 项目编码, 帮扶人, 帮扶对象, 开始日期, 结束日期 (+ 帮扶人姓名, 帮扶对象名称).

Who helps whom in a program, as the program's template says: 帮扶人 is the 身份证号 of a
registered helper (registry.Helper) or a unit's 编码; 帮扶对象 is a 户编号, a 身份证号 or a unit's
编码. A row is matched on program + helper + beneficiary + 开始日期: importing it again only
updates its 结束日期.

Every row is checked first with the rules of ``bangfu.pairings.services.pairing_create``
(:func:`pairing_problems`), counting the other rows of the file too (a helper's capacity, the
beneficiary's number of helpers); only a file without errors is written, each new pairing through
``pairing_create`` itself, inside the import's one transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import pairing_list
from bangfu.pairings.services import pairing_create
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person
from bangfu.transfer.importers import (
    MASKED_MESSAGE,
    Importer,
    bulk_update,
    fetch_in,
)
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import org_subtree_filter
from bangfu.transfer.kinds.programs import any_date
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import Column, Kind

END_REASON = "导入"

COLUMNS = (
    Column(
        "program",
        "项目编码",
        _lazy("帮扶项目的编码; 该项目须已建立"),
        required=True,
        synonyms=("项目编号", "项目代码", "帮扶项目编码"),
        text=True,
        width=18,
    ),
    Column(
        "helper",
        "帮扶人",
        _lazy("帮扶责任人的身份证号 (须已登记为帮扶责任人), 或帮扶单位的编码, 按项目模板"),
        required=True,
        synonyms=("帮扶人身份证号", "帮扶责任人身份证号", "帮扶责任人", "帮扶单位编码"),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "beneficiary",
        "帮扶对象",
        _lazy("户编号、身份证号或单位编码, 按项目模板; 须在项目的帮扶范围内"),
        required=True,
        synonyms=("帮扶对象编号", "帮扶对象身份证号", "帮扶户编号", "帮扶对象编码"),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "start",
        "开始日期",
        _lazy("结对开始日期, 在项目的起止日期之内"),
        required=True,
        date=True,
        synonyms=("结对日期", "结对开始日期", "起始日期"),
    ),
    Column(
        "end",
        "结束日期",
        _lazy("可不填; 填写则结对于该日结束"),
        date=True,
        synonyms=("结对结束日期", "截止日期"),
    ),
    Column(
        "helper_name",
        "帮扶人姓名",
        _lazy("仅供查看, 导入时不读取"),
        synonyms=("帮扶责任人姓名", "帮扶单位名称"),
        standard=False,
    ),
    Column(
        "beneficiary_name",
        "帮扶对象名称",
        _lazy("仅供查看, 导入时不读取"),
        synonyms=("帮扶对象姓名",),
        standard=False,
        width=20,
    ),
)


@dataclass
class Planned:
    """A pairing as the checks see it: on file or planned by an earlier row of the file."""

    helper: int | None  # Helper pk
    helper_org: int | None
    beneficiary: tuple[str, int]  # ("household" | "person" | "unit", pk)
    start: datetime.date
    end: datetime.date | None
    row: int | None = None  # the Excel row that plans it (None: on file)

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def overlaps(self, start: datetime.date, end: datetime.date | None) -> bool:
        return (end is None or self.start <= end) and (self.end is None or start <= self.end)


@dataclass
class Load:
    """The pairings that count against a new one: those on file active on its start day, and the
    rows of the file whose period overlaps its own."""

    on_file: list[Planned] = field(default_factory=list)
    in_file: list[Planned] = field(default_factory=list)

    def count(self, start: datetime.date, end: datetime.date | None) -> tuple[int, list[int]]:
        db = sum(1 for p in self.on_file if p.active_on(start))
        rows = [p.row for p in self.in_file if p.row is not None and p.overlaps(start, end)]
        return db, rows


def pairing_problems(
    *,
    program: Program,
    beneficiary_org: Org,
    start: datetime.date,
    end: datetime.date | None,
    helper: Helper | None,
    helper_tags: set[str],
    same_pair: tuple[int, list[int]],
    beneficiary_load: tuple[int, list[int]],
    helper_load: tuple[int, list[int]],
    row: int,
    unit: Org | None = None,
    who: str = "",
) -> list[tuple[str, str]]:
    """The problems (column key, message) ``pairing_create`` would raise for a new pairing, given
    what is on file and planned by the file's other rows; plus the template's required helper
    tags (四个一: 教师). ``beneficiary_org`` is the beneficiary's unit, ``unit`` the beneficiary
    itself when it is a unit. Writes nothing."""
    problems: list[tuple[str, str]] = []
    if not beneficiary_org.is_descendant_of(program.area):
        problems.append(
            (
                "beneficiary",
                _("%(who)s不在本项目的帮扶范围“%(area)s”内")
                % {"who": who, "area": program.area.name},
            )
        )
    if unit is not None:
        kinds = program.definition["beneficiary"].get("org_kinds") or []
        if kinds and unit.kind not in kinds:
            problems.append(
                (
                    "beneficiary",
                    _("“%(org)s”是%(kind)s, 该项目的帮扶对象应为 %(kinds)s")
                    % {"org": unit.name, "kind": unit.kind_label, "kinds": "、".join(kinds)},
                )
            )
    if program.end and start > program.end:
        problems.append(("start", _("开始日期晚于项目结束日期 %s") % program.end))
    if start < program.start:
        problems.append(("start", _("开始日期早于项目开始日期 %s") % program.start))
    if end is not None and end < start:
        problems.append(("end", _("结束日期早于开始日期")))
    if problems:
        return problems

    db, rows = same_pair
    if db:
        problems.append(("helper", _("该帮扶人与该对象已有进行中的结对")))
    elif rows:
        problems.append(
            ("helper", _("该帮扶人与该对象的结对与第 %s 行重复") % "、".join(map(str, rows)))
        )
    allowed = int(program.pairing_settings.get("helpers_per_beneficiary", 1))
    db, rows = beneficiary_load
    if db + len(rows) >= allowed:
        if rows:
            message = _(
                "本项目每个对象最多 %(max)s 个进行中的结对; 该对象已有 %(n)s 个, "
                "加上本文件第 %(rows)s 行超过上限"
            ) % {"max": allowed, "n": db, "rows": "、".join(map(str, [*rows, row]))}
        else:
            message = _(
                "该对象已有 %(n)s 个进行中的结对, 本项目每个对象最多 %(max)s 个; "
                "如需更换帮扶人请用“调整”"
            ) % {"n": db, "max": allowed}
        problems.append(("beneficiary", message))
    if helper is not None:
        name = helper.person.name
        required = program.definition["helper"].get("required_tags") or []
        if required and not helper_tags.intersection(required):
            problems.append(
                (
                    "helper",
                    _("%(name)s 没有标签 %(tags)s, 不能作为本项目的帮扶人")
                    % {"name": name, "tags": "、".join(required)},
                )
            )
        if not helper.is_active:
            problems.append(("helper", _("%s 已不在岗") % name))
        db, rows = helper_load
        if db + len(rows) >= helper.capacity:
            if rows:
                message = _(
                    "%(name)s 已有 %(n)s 个结对, 加上本文件第 %(rows)s 行超过最多帮扶数 %(cap)s"
                ) % {
                    "name": name,
                    "n": db,
                    "rows": "、".join(map(str, [*rows, row])),
                    "cap": helper.capacity,
                }
            else:
                message = _("%(name)s 已有 %(n)s 个结对, 达到最多帮扶数 %(cap)s") % {
                    "name": name,
                    "n": db,
                    "cap": helper.capacity,
                }
            problems.append(("helper", message))
    return problems


@dataclass
class NewPairing:
    program: Program
    start: datetime.date
    end: datetime.date | None
    helper: Helper | None = None
    helper_org: Org | None = None
    household: Household | None = None
    person: Person | None = None
    beneficiary_org: Org | None = None


def beneficiary_side(pairing: Pairing) -> tuple[str, int]:
    """What a pairing's beneficiary is, as a key: ("household" | "person" | "unit", id)."""
    if pairing.household_id:
        return ("household", pairing.household_id)
    if pairing.person_id:
        return ("person", pairing.person_id)
    return ("unit", pairing.beneficiary_org_id or 0)


@dataclass
class Parties:
    """The programs, helpers and beneficiaries the rows of a sheet name (by code and number)."""

    programs: dict[str, Program]
    helpers: dict[str, Helper]
    persons: dict[str, Person]
    households: dict[str, Household]


class PartyImporter(Importer):
    """An importer whose rows name a program, a helper (身份证号 or unit 编码) and a beneficiary
    (户编号, 身份证号 or 编码): the pairings and the activities sheets."""

    def _number(self, row: Row, key: str, text: str) -> str:
        """An ID number in the cell (checked), or "" after recording the error."""
        try:
            return parse_id_number(text, today=self.today).number
        except IdNumberError as exc:
            self.fail(row, key, str(exc))
            return ""

    def load_parties(
        self,
        rows: list[tuple[Row, dict[str, Any]]],
        *,
        on_program: Callable[[Row, dict[str, Any], Program], None] | None = None,
    ) -> Parties:
        """Look up, with one query per kind, what the rows' cells name by their programs'
        kinds; a row naming an unknown program is failed. ``on_program`` checks more of a row
        once its program is known. Checked ID numbers replace the cells in ``rows``."""
        programs = {
            p.code: p
            for p in fetch_in(
                Program.objects.select_related("org", "area"),
                "code",
                [d["program"] for _r, d in rows],
            )
        }
        helper_numbers, person_numbers, codes, household_codes = set(), set(), set(), set()
        for row, data in rows:
            program = programs.get(data["program"])
            if program is None:
                if data["program"]:
                    self.fail(
                        row, "program", _("项目编码 %s 不存在, 请先导入项目") % data["program"]
                    )
                continue
            if on_program is not None:
                on_program(row, data, program)
            if not self.ok(row):
                continue
            if program.helper_kind == "person":
                data["helper"] = self._number(row, "helper", data["helper"])
                helper_numbers.add(data["helper"])
            else:
                codes.add(data["helper"])
            kind = program.beneficiary_kind
            if kind == "person":
                data["beneficiary"] = self._number(row, "beneficiary", data["beneficiary"])
                person_numbers.add(data["beneficiary"])
            elif kind == "household":
                household_codes.add(data["beneficiary"])
            else:
                codes.add(data["beneficiary"])
        helpers = {
            h.person.id_number: h
            for h in fetch_in(
                Helper.objects.select_related("person", "org"),
                "person__id_number",
                helper_numbers - {""},
            )
        }
        persons = {
            p.id_number: p
            for p in fetch_in(
                Person.objects.select_related("org"), "id_number", person_numbers - {""}
            )
        }
        households = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org", "head"), "code", household_codes
            )
        }
        self.load_orgs(codes)
        return Parties(programs, helpers, persons, households)


class PairingImporter(PartyImporter):
    noun = "结对"

    def validate(self) -> None:
        rows: list[tuple[Row, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "program": self.text(row, "program", required=True, max_length=40, compact=True),
                "helper": self.text(row, "helper", required=True, compact=True),
                "beneficiary": self.text(row, "beneficiary", required=True, compact=True),
                "start": any_date(self, row, "start", required=True),
                "end": any_date(self, row, "end") if self.has("end") else None,
            }
            for column in ("helper", "beneficiary"):
                if "*" in data[column]:
                    self.fail(row, column, str(MASKED_MESSAGE))
            rows.append((row, data))
        # What each cell names, by the program's kinds.
        parties = self.load_parties(rows)
        programs, helpers = parties.programs, parties.helpers
        persons, households = parties.persons, parties.households
        tags: dict[int, set[str]] = defaultdict(set)
        for person_id, name in fetch_in(
            Person.tags.through.objects.values_list("person_id", "tag__name"),
            "person_id",
            [h.person_id for h in helpers.values()],
        ):
            tags[person_id].add(name)

        # Pairings on file that count: of the programs named, and of the helpers named.
        on_file: dict[tuple[Any, ...], Pairing] = {}
        by_beneficiary: dict[tuple[int, tuple[str, int]], Load] = defaultdict(Load)
        by_helper: dict[int, Load] = defaultdict(Load)
        for pairing in fetch_in(
            Pairing.objects.all(), "program_id", [p.pk for p in programs.values()]
        ):
            side = beneficiary_side(pairing)
            key = (
                pairing.program_id,
                pairing.helper_id,
                pairing.helper_org_id,
                side,
                pairing.start,
            )
            on_file[key] = pairing
            planned = Planned(
                pairing.helper_id, pairing.helper_org_id, side, pairing.start, pairing.end
            )
            by_beneficiary[(pairing.program_id, side)].on_file.append(planned)
        for pairing in fetch_in(
            Pairing.objects.all(), "helper_id", [h.pk for h in helpers.values()]
        ):
            planned = Planned(
                pairing.helper_id, None, beneficiary_side(pairing), pairing.start, pairing.end
            )
            by_helper[pairing.helper_id or 0].on_file.append(planned)

        self.new: list[NewPairing] = []
        self.changed: list[Pairing] = []
        seen: dict[Any, list[Row]] = defaultdict(list)
        for row, data in rows:
            if not self.ok(row):
                continue
            program = programs[data["program"]]
            resolved = self._resolve(row, program, data, helpers, persons, households)
            if resolved is None:
                continue
            helper, helper_org, target, side, org, who = resolved
            if not (self.may_admin(program.org) or self.may_admin(org)):
                self.refuse(row, "program", program.org)
                continue
            self.touch(org)
            start, end = data["start"], data["end"]
            key = (
                program.pk,
                helper.pk if helper else None,
                helper_org.pk if helper_org else None,
                side,
                start,
            )
            seen[key].append(row)
            if len(seen[key]) > 1:
                continue  # reported as a duplicate below
            existing = on_file.get(key)
            if existing is not None:
                if end is not None and end != existing.end:
                    if end < existing.start:
                        self.fail(row, "end", _("结束日期早于开始日期"))
                        continue
                    existing.end = end
                    existing.end_reason = existing.end_reason or END_REASON
                    self.changed.append(existing)
                    self.updated += 1
                continue
            same = [
                p
                for p in by_beneficiary[(program.pk, side)].on_file
                if p.helper == (helper.pk if helper else None)
                and p.helper_org == (helper_org.pk if helper_org else None)
            ]
            same_rows = [
                p
                for p in by_beneficiary[(program.pk, side)].in_file
                if p.helper == (helper.pk if helper else None)
                and p.helper_org == (helper_org.pk if helper_org else None)
            ]
            problems = pairing_problems(
                program=program,
                beneficiary_org=org,
                start=start,
                end=end,
                helper=helper,
                helper_tags=tags[helper.person_id] if helper else set(),
                same_pair=Load(same, same_rows).count(start, end),
                beneficiary_load=by_beneficiary[(program.pk, side)].count(start, end),
                helper_load=by_helper[helper.pk].count(start, end) if helper else (0, []),
                row=row.number,
                unit=target if side[0] == "unit" else None,
                who=who,
            )
            for column, message in problems:
                self.fail(row, column, message)
            if problems:
                continue
            planned = Planned(
                helper.pk if helper else None,
                helper_org.pk if helper_org else None,
                side,
                start,
                end,
                row.number,
            )
            by_beneficiary[(program.pk, side)].in_file.append(planned)
            if helper is not None:
                by_helper[helper.pk].in_file.append(planned)
            self.new.append(
                NewPairing(
                    program=program,
                    start=start,
                    end=end,
                    helper=helper,
                    helper_org=helper_org,
                    household=target if side[0] == "household" else None,
                    person=target if side[0] == "person" else None,
                    beneficiary_org=target if side[0] == "unit" else None,
                )
            )
            self.created += 1
        self.duplicates(
            "start",
            {" ".join(map(str, k)): v for k, v in seen.items()},
            shown=_("同一项目、帮扶人、帮扶对象和开始日期的结对"),
        )

    def _resolve(
        self,
        row: Row,
        program: Program,
        data: dict[str, Any],
        helpers: dict[str, Helper],
        persons: dict[str, Person],
        households: dict[str, Household],
    ) -> tuple[Helper | None, Org | None, Any, tuple[str, int], Org, str] | None:
        """(helper, helper_org, beneficiary, its side key, its unit, its name), or None after
        recording why not."""
        helper: Helper | None = None
        helper_org: Org | None = None
        if program.helper_kind == "person":
            helper = helpers.get(data["helper"])
            if helper is None:
                self.fail(row, "helper", _("身份证号 %s 不是已登记的帮扶责任人") % data["helper"])
        else:
            helper_org = self.orgs.get(data["helper"])
            if helper_org is None:
                self.fail(row, "helper", _("帮扶单位编码 %s 不存在") % data["helper"])
            elif not helper_org.is_active:
                self.fail(row, "helper", _("单位“%s”已停用") % helper_org.name)
                helper_org = None
        kind, text = program.beneficiary_kind, data["beneficiary"]
        target: Any = None
        if kind == "household":
            target = households.get(text)
            if target is None:
                self.fail(row, "beneficiary", _("户编号 %s 不存在") % text)
        elif kind == "person":
            target = persons.get(text)
            if target is None:
                self.fail(row, "beneficiary", _("身份证号 %s 尚未登记为人员") % text)
        else:
            target = self.orgs.get(text)
            if target is None:
                self.fail(row, "beneficiary", _("单位编码 %s 不存在") % text)
        if target is None or (helper is None and helper_org is None):
            return None
        if kind == "unit":
            return helper, helper_org, target, ("unit", target.pk), target, target.name
        who = str(target) if kind == "household" else target.name
        return helper, helper_org, target, (kind, target.pk), target.org, who

    def write(self) -> None:
        created: list[Pairing] = []
        for plan in self.new:
            try:
                pairing = pairing_create(
                    actor=self.actor,
                    program=plan.program,
                    start=plan.start,
                    helper=plan.helper,
                    helper_org=plan.helper_org,
                    household=plan.household,
                    person=plan.person,
                    beneficiary_org=plan.beneficiary_org,
                )
            except (ValidationError, PermissionDenied) as exc:
                # The data changed since the check: the whole import is rolled back.
                raise IntegrityError(str(exc)) from exc
            if plan.end is not None:
                pairing.end, pairing.end_reason = plan.end, END_REASON
                self.changed.append(pairing)
            created.append(pairing)
        bulk_update(Pairing, self.changed, ["end", "end_reason"])
        self.wrote("pairings", [*created, *self.changed])


def _row(pairing: Pairing) -> dict[str, Any]:
    if pairing.household_id:
        beneficiary = pairing.household.code if pairing.household else ""
    elif pairing.person_id:
        beneficiary = pairing.person.id_number if pairing.person else ""
    else:
        beneficiary = pairing.beneficiary_org.code if pairing.beneficiary_org else ""
    if pairing.helper_id and pairing.helper:
        helper = pairing.helper.person.id_number
    else:
        helper = pairing.helper_org.code if pairing.helper_org else ""
    return {
        "program": pairing.program.code,
        "helper": helper,
        "beneficiary": beneficiary,
        "start": pairing.start,
        "end": pairing.end,
        "helper_name": pairing.helper_name,
        "beneficiary_name": pairing.beneficiary_name,
    }


KIND = register(
    Kind(
        name="pairings",
        label=_lazy("结对"),
        description=_lazy("帮扶项目中谁帮扶谁, 按项目、帮扶人、帮扶对象和开始日期识别"),
        columns=COLUMNS,
        importer=PairingImporter,
        queryset=lambda user: pairing_list(user=user),
        prepare=lambda qs: qs.select_related(
            "program",
            "helper__person",
            "helper_org",
            "household__head",
            "person",
            "beneficiary_org",
        ).order_by("program__code", "start", "id"),
        row=_row,
        filters=org_subtree_filter("org__path"),
        notes=(
            _lazy(
                "遮蔽导出时, 帮扶人和帮扶对象两列整列遮蔽 (含单位编码和户编号), "
                "可看“帮扶人姓名”“帮扶对象名称”两列; 要导入回来, 请导出完整号码"
            ),
        ),
    )
)
