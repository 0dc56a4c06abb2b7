"""activities: 项目编码, 帮扶人, 帮扶对象, 类型, 日期, 主题, 内容, 金额, 人次 (+ extras).

One row is one activity of a pairing (帮扶活动日记): the program by 项目编码; the pairing of that
program between 帮扶人 (a helper's 身份证号, or a helping unit's 编码) and 帮扶对象 (a 户编号, a
身份证号 or a unit's 编码, by the program's template) active on 日期; 类型 one of the program's
activity types (code, name or alias: 上门看望 is 家访); the type's required fields present (主题 for
a 谈心, 人次 for a 培训 …). The extra columns carry the types' other fields (户数, 学科, 年级,
帮扶类别, 措施类型).

A row is matched on program + pairing + type + date + 主题: importing the same file again
creates nothing. A matched activity has its fields updated from the row's filled cells (an empty
cell keeps the stored value), unless the money it gave is posted to the ledger and the row
changes 金额 (an error: the ledger corrects posted money by a reversal).

Every row is checked first; only a file without errors is written, each new activity through
``activity_create`` (source 导入) and each change through ``activity_update``, inside the
import's one transaction. Export writes one row per activity link (an activity that served
several pairings gives one row for each).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.activities.models import Activity, ActivityLink, Source
from bangfu.activities.selectors import activity_list
from bangfu.activities.services import (
    activity_create,
    activity_type,
    activity_update,
    check_fields,
    may_log,
    type_fields,
)
from bangfu.core.parsing import clean_text
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person
from bangfu.transfer.importers import MASKED_MESSAGE, fetch_in
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import org_subtree_filter
from bangfu.transfer.kinds.pairings import PartyImporter, beneficiary_side
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import Column, Kind

COLUMNS = (
    Column(
        "program",
        "项目编码",
        _lazy("帮扶项目的编码; 该项目须已建立"),
        required=True,
        synonyms=("项目编号", "项目代码", "帮扶项目编码"),
        text=True,
        width=16,
    ),
    Column(
        "helper",
        "帮扶人",
        _lazy("帮扶责任人的身份证号, 或帮扶单位的编码, 按项目模板; 须是该结对的帮扶人"),
        required=True,
        synonyms=(
            "帮扶人身份证号",
            "帮扶责任人身份证号",
            "责任人身份证号",
            "帮扶责任人",
            "帮扶单位编码",
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "beneficiary",
        "帮扶对象",
        _lazy("户编号、身份证号或单位编码, 按项目模板; 该对象在活动日期须有进行中的结对"),
        required=True,
        synonyms=(
            "帮扶对象编号",
            "帮扶对象身份证号",
            "帮扶对象编码",
            "帮扶户编号",
            "户编号",
            "受帮扶对象",
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "type",
        "类型",
        _lazy("项目的活动类型: 代码、名称或别名, 如 走访、谈心、家访、慰问、送温暖、听课、培训"),
        required=True,
        synonyms=("活动类型", "帮扶类型", "活动类别", "帮扶方式", "活动形式"),
        width=12,
    ),
    Column(
        "date",
        "日期",
        _lazy("活动日期, 不晚于今天; 在结对的帮扶期内"),
        required=True,
        date=True,
        synonyms=("活动日期", "帮扶日期", "走访日期", "活动时间", "帮扶时间", "时间"),
    ),
    Column(
        "theme",
        "主题",
        _lazy("活动主题; 谈心、研讨、讲座等类型必填; 与项目、结对、类型、日期一起识别同一活动"),
        synonyms=("活动主题", "谈心主题", "题目", "标题"),
        width=20,
    ),
    Column(
        "content",
        "内容",
        _lazy("说了什么、做了什么 (走访记录、谈心记录、培训内容、物品说明 …), 最多 5000 字"),
        synonyms=(
            "活动内容",
            "帮扶内容",
            "具体内容",
            "记录",
            "帮扶记录",
            "走访记录",
            "谈心记录",
            "活动记录",
        ),
        width=40,
    ),
    Column(
        "amount",
        "金额",
        _lazy("发给每个帮扶对象的金额, 单位元; 表头写“金额(万元)”则为万元"),
        amount=True,
        synonyms=("慰问金", "慰问金额", "帮扶金额", "发放金额", "价值", "投入"),
    ),
    Column(
        "people",
        "人次",
        _lazy("参加或受益的人次 (培训等类型必填), 不小于 0 的整数"),
        synonyms=("参加人次", "培训人次", "听课人次", "受益人次", "人数"),
        width=10,
    ),
    Column(
        "households",
        "户数",
        _lazy("走访慰问的户数 (单位包村的慰问必填), 不小于 0 的整数"),
        synonyms=("走访户数", "慰问户数"),
        standard=False,
        width=10,
    ),
    Column(
        "subject",
        "学科",
        _lazy("听课、示范课、送教下乡等类型的学科"),
        synonyms=("科目",),
        standard=False,
        width=10,
    ),
    Column(
        "grade",
        "年级",
        _lazy("听课的年级"),
        synonyms=("班级年级",),
        standard=False,
        width=10,
    ),
    Column(
        "category",
        "帮扶类别",
        _lazy("困难职工帮扶救助的类别, 须为项目的帮扶类别之一"),
        synonyms=("救助类别", "帮扶救助类别"),
        standard=False,
        width=12,
    ),
    Column(
        "measure",
        "措施类型",
        _lazy("帮扶措施落实、帮扶项目等类型的措施类型"),
        synonyms=("帮扶措施", "措施"),
        standard=False,
        width=12,
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

# The type fields read from a text column of their own (amount and counts are parsed apart).
TEXT_FIELDS = ("theme", "content", "subject", "grade", "category", "measure")
FIELD_KEYS = (*TEXT_FIELDS, "amount", "people", "households")
MATCH_FIELDS = ("theme", "content", "amount", "people", "households")


def _values_of(activity: Activity) -> dict[str, Any]:
    """An activity's type fields by key, as ``check_fields`` reads them."""
    values: dict[str, Any] = dict(activity.details or {})
    for key in MATCH_FIELDS:
        value = getattr(activity, key)
        if value is not None and value != "":
            values[key] = value
    return values


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
    return (a if a not in (None, "") else None) == (b if b not in (None, "") else None)


@dataclass
class NewActivity:
    row: int
    program: Program
    type: str
    date: datetime.date
    pairing: Pairing
    values: dict[str, Any]


@dataclass
class Change:
    activity: Activity
    values: dict[str, Any]
    rows: list[int]


class ActivityImporter(PartyImporter):
    noun = "活动"

    def validate(self) -> None:
        rows = [(row, self._parse(row)) for row in self.sheet.rows]

        def check_type(row: Row, data: dict[str, Any], program: Program) -> None:
            data["kind"] = self._type(row, program, data["type"])

        parties = self.load_parties(rows, on_program=check_type)
        programs, helpers = parties.programs, parties.helpers
        persons, households = parties.persons, parties.households

        # The pairings of the programs named, by (program, beneficiary).
        pairings: dict[tuple[int, str, int], list[Pairing]] = defaultdict(list)
        for pairing in fetch_in(
            Pairing.objects.select_related(
                "program__org",
                "helper__person",
                "helper_org",
                "household__head",
                "person",
                "beneficiary_org",
                "org",
            ),
            "program_id",
            [p.pk for p in programs.values()],
        ):
            pairings[(pairing.program_id, *beneficiary_side(pairing))].append(pairing)

        resolved: list[tuple[Row, dict[str, Any], Pairing]] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            program = programs[data["program"]]
            found = self._pairing(row, program, data, helpers, persons, households, pairings)
            if found is None:
                continue
            pairing = found
            if not may_log(self.actor, pairing):
                self.fail(
                    row,
                    "beneficiary",
                    _(
                        "无权导入到单位 %(code)s (%(name)s): 只能导入您管理的单位或"
                        "本人负责的结对的活动"
                    )
                    % {"code": pairing.org.code, "name": pairing.org.name},
                )
                continue
            self.touch(pairing.org)
            resolved.append((row, data, pairing))

        # Activities on file that a row may be: by pairing, type, date and theme.
        on_file: dict[tuple[int, str, datetime.date, str], Activity] = {}
        links = fetch_in(
            ActivityLink.objects.select_related("activity").order_by("activity_id"),
            "pairing_id",
            [p.pk for _r, _d, p in resolved],
        )
        for link in links:
            key = (link.pairing_id, link.type, link.date, link.activity.theme)
            on_file.setdefault(key, link.activity)
        posted = set(
            fetch_in(
                Activity.objects.filter(ledger_entries__status="posted").values_list(
                    "pk", flat=True
                ),
                "pk",
                [a.pk for a in on_file.values()],
            )
        )
        self.new: list[NewActivity] = []
        changes: dict[int, Change] = {}
        seen: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
        for row, data, pairing in resolved:
            program = programs[data["program"]]
            kind = data["kind"]
            code = str(kind["code"])
            values = {k: data[k] for k in FIELD_KEYS if data.get(k) not in (None, "")}
            key = (pairing.pk, code, data["date"], data.get("theme") or "")
            seen[key].append(row)
            if len(seen[key]) > 1:
                continue  # reported as a duplicate below
            existing = on_file.get(key)
            checked = self._fields(row, kind, values)
            if checked is None:
                continue
            values = checked
            if existing is None:
                if self._check(row, program, kind, values):
                    self.new.append(
                        NewActivity(row.number, program, code, data["date"], pairing, values)
                    )
                    self.created += 1
                continue
            merged = {**_values_of(existing), **values}
            if not self._check(row, program, kind, merged):
                continue
            stored = _values_of(existing)
            changed = [k for k in merged if not _same(merged[k], stored.get(k))]
            if not changed:
                continue
            if existing.pk in posted and "amount" in changed:
                self.fail(
                    row,
                    "amount",
                    _("该活动的金额已入账, 不能修改金额; 请在台帐中冲销后更正"),
                )
                continue
            other = changes.get(existing.pk)
            if other is not None:
                if any(not _same(other.values.get(k), merged.get(k)) for k in merged):
                    self.fail(
                        row,
                        None,
                        _("与第 %s 行是同一活动, 但填写的内容不同")
                        % "、".join(map(str, other.rows)),
                    )
                other.rows.append(row.number)
                continue
            if not self._may_change(row, existing):
                continue
            changes[existing.pk] = Change(existing, merged, [row.number])
            self.updated += 1
        self.changes = list(changes.values())
        for same in seen.values():
            for row in same if len(same) > 1 else ():
                others = "、".join(str(o.number) for o in same if o is not row)
                self.fail(
                    row,
                    "date",
                    _("与第 %s 行是同一结对、类型、日期和主题的活动, 同一文件中只能出现一次")
                    % others,
                )

    def _parse(self, row: Row) -> dict[str, Any]:
        data: dict[str, Any] = {
            "program": self.text(row, "program", required=True, max_length=40, compact=True),
            "helper": self.text(row, "helper", required=True, compact=True),
            "beneficiary": self.text(row, "beneficiary", required=True, compact=True),
            "type": self.text(row, "type", required=True, max_length=40),
            "date": self.date(row, "date", required=True),
        }
        for column in ("helper", "beneficiary"):
            if "*" in data[column]:
                self.fail(row, column, str(MASKED_MESSAGE))
        for key in TEXT_FIELDS:
            if self.has(key):
                data[key] = self._free_text(row, key, 5000 if key == "content" else 200)
        if self.has("amount"):
            amount = self.amount(row, "amount")
            if amount is not None and amount < 0:
                self.fail(row, "amount", _("金额不能为负数"))
                amount = None
            data["amount"] = amount
        for key in ("people", "households"):
            if self.has(key):
                data[key] = self.integer(row, key, minimum=0)
        return data

    def _free_text(self, row: Row, key: str, limit: int) -> str:
        """A text field as the activity keeps it: trimmed, otherwise as written (line breaks,
        full-width punctuation and inner spaces stay, as when recorded on the web), so that a
        re-imported export matches what is stored."""
        raw = row.values.get(key)
        if raw is None:
            return ""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > limit:
            self.fail(
                row,
                key,
                _("%(header)s最多 %(max)d 个字, 实际 %(n)d 个字")
                % {"header": self.header(key), "max": limit, "n": len(text)},
            )
        return text

    def _type(self, row: Row, program: Program, text: str) -> dict[str, Any] | None:
        if not text:
            return None
        kind = activity_type(program, text) or activity_type(program, "".join(text.split()))
        if kind is None:
            names = "、".join(str(t.get("code")) for t in program.activity_types)
            self.fail(
                row,
                "type",
                _("“%(type)s”不是项目 %(program)s 的活动类型, 可填写: %(names)s")
                % {"type": text, "program": program.code, "names": names},
            )
        return kind

    def _pairing(
        self,
        row: Row,
        program: Program,
        data: dict[str, Any],
        helpers: dict[str, Helper],
        persons: dict[str, Person],
        households: dict[str, Household],
        pairings: dict[tuple[int, str, int], list[Pairing]],
    ) -> Pairing | None:
        """The pairing of the row: the program's, between its helper and its beneficiary,
        active on its date; None after recording why there is none."""
        helper_id: int | None = None
        helper_org_id: int | None = None
        if program.helper_kind == "person":
            helper = helpers.get(data["helper"])
            if helper is None:
                self.fail(row, "helper", _("身份证号 %s 不是已登记的帮扶责任人") % data["helper"])
            else:
                helper_id = helper.pk
        else:
            org = self.orgs.get(data["helper"])
            if org is None:
                self.fail(row, "helper", _("帮扶单位编码 %s 不存在") % data["helper"])
            else:
                helper_org_id = org.pk
        kind, text = program.beneficiary_kind, data["beneficiary"]
        target: Any
        if kind == "household":
            target = households.get(text)
            missing = _("户编号 %s 不存在") % text
        elif kind == "person":
            target = persons.get(text)
            missing = _("身份证号 %s 尚未登记为人员") % text
        else:
            target = self.orgs.get(text)
            missing = _("单位编码 %s 不存在") % text
        if target is None:
            self.fail(row, "beneficiary", missing)
        if target is None or (helper_id is None and helper_org_id is None):
            return None
        side = (kind, target.pk)
        day: datetime.date = data["date"]
        candidates = pairings.get((program.pk, *side), [])
        mine = [
            p for p in candidates if p.helper_id == helper_id and p.helper_org_id == helper_org_id
        ]
        active = [p for p in mine if p.is_active_on(day)]
        if active:
            return active[0]
        if mine:
            periods = "、".join(
                _("%(s)s 至 %(e)s") % {"s": p.start, "e": p.end or _("今")} for p in mine
            )
            self.fail(
                row,
                "date",
                _("%(date)s 不在该帮扶人与该对象结对的帮扶期内 (%(periods)s)")
                % {"date": day, "periods": periods},
            )
            return None
        others = [p for p in candidates if p.is_active_on(day)]
        if others:
            self.fail(
                row,
                "helper",
                _("%(helper)s 不是该对象在 %(date)s 的帮扶人; 该对象的帮扶人为 %(names)s")
                % {
                    "helper": data["helper"],
                    "date": day,
                    "names": "、".join(p.helper_name for p in others),
                },
            )
            return None
        self.fail(
            row,
            "beneficiary",
            _("该对象在 %(date)s 没有项目 %(program)s 中进行中的结对")
            % {"date": day, "program": program.code},
        )
        return None

    def _fields(
        self, row: Row, kind: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The row's values of the type's fields; None after recording a value the type has no
        field for (it would be dropped without a word; a 0 is let pass)."""
        wanted = {f["key"] for f in type_fields(kind)}
        extra = [k for k in values if k not in wanted and values[k] != 0]
        if extra:
            self.fail(
                row,
                extra[0],
                _("“%(type)s”类型的活动没有“%(header)s”一项, 请留空")
                % {"type": kind["code"], "header": self.header(extra[0])},
            )
            return None
        return {k: v for k, v in values.items() if k in wanted}

    def _check(
        self, row: Row, program: Program, kind: dict[str, Any], values: dict[str, Any]
    ) -> bool:
        """The type's own rules (``check_fields``): its required fields and their forms."""
        _fields, errors = check_fields(program, kind, values)
        known = {c.key for c in COLUMNS}
        for key, messages in errors.items():
            column = key if key in known else None
            for message in messages:
                if column and not self.has(column):
                    message = _("%(message)s (文件中没有“%(header)s”列)") % {
                        "message": message,
                        "header": self.header(column),
                    }
                self.fail(row, column, message)
        return not errors

    def _may_change(self, row: Row, activity: Activity) -> bool:
        """An update goes through ``activity_update``, which needs the right to record for every
        pairing the activity served."""
        for link in activity.links.select_related(
            "pairing__program__org", "pairing__helper", "pairing__helper_org", "pairing__org"
        ):
            if not may_log(self.actor, link.pairing):
                self.fail(
                    row,
                    None,
                    _("该活动还服务于结对“%s”, 您无权修改该活动") % link.pairing,
                )
                return False
        return True

    def write(self) -> None:
        written: list[Activity] = []
        try:
            for plan in self.new:
                written.append(
                    activity_create(
                        actor=self.actor,
                        program=plan.program,
                        type=plan.type,
                        date=plan.date,
                        pairings=[plan.pairing],
                        values=_service_values(plan.values),
                        source=Source.IMPORT,
                        today=self.today,
                    )
                )
            for change in self.changes:
                written.append(
                    activity_update(
                        actor=self.actor,
                        activity=change.activity,
                        date=change.activity.date,
                        values=_service_values(change.values),
                        today=self.today,
                    )
                )
        except (ValidationError, PermissionDenied) as exc:
            # The data changed since the check: the whole import is rolled back.
            raise IntegrityError(str(exc)) from exc
        self.wrote("activities", written)


def _service_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the services' ``check_fields`` reads them (text; amounts without exponent)."""
    return {
        k: (format(v, "f") if isinstance(v, Decimal) else v)
        for k, v in values.items()
        if v is not None
    }


def _row(link: ActivityLink) -> dict[str, Any]:
    activity, pairing = link.activity, link.pairing
    if pairing.household_id and pairing.household:
        beneficiary = pairing.household.code
    elif pairing.person_id and pairing.person:
        beneficiary = pairing.person.id_number
    else:
        beneficiary = pairing.beneficiary_org.code if pairing.beneficiary_org else ""
    if pairing.helper_id and pairing.helper:
        helper = pairing.helper.person.id_number
    else:
        helper = pairing.helper_org.code if pairing.helper_org else ""
    details = activity.details or {}
    return {
        "program": activity.program.code,
        "helper": helper,
        "beneficiary": beneficiary,
        "type": activity.type,
        "date": activity.date,
        "theme": activity.theme,
        "content": activity.content,
        "amount": activity.amount,
        "people": activity.people,
        "households": activity.households,
        "subject": clean_text(details.get("subject")),
        "grade": clean_text(details.get("grade")),
        "category": clean_text(details.get("category")),
        "measure": clean_text(details.get("measure")),
        "helper_name": pairing.helper_name,
        "beneficiary_name": pairing.beneficiary_name,
    }


def _queryset(user: Any) -> QuerySet[ActivityLink]:
    return ActivityLink.objects.filter(activity__in=activity_list(user=user).values("pk"))


KIND = register(
    Kind(
        name="activities",
        label=_lazy("帮扶活动"),
        description=_lazy(
            "帮扶活动日记: 每行一次活动, 按项目、结对 (帮扶人和帮扶对象)、类型、日期和主题识别"
        ),
        columns=COLUMNS,
        importer=ActivityImporter,
        queryset=_queryset,
        prepare=lambda qs: qs.select_related(
            "activity__program",
            "pairing__helper__person",
            "pairing__helper_org",
            "pairing__household__head",
            "pairing__person",
            "pairing__beneficiary_org",
        ).order_by("activity__program__code", "date", "activity_id", "id"),
        row=_row,
        org_path="pairing__org__path",
        filters=org_subtree_filter("pairing__org__path"),
        notes=(
            _lazy(
                "每行一次活动; 同一项目、结对、类型、日期和主题的活动已登记时, 按该行更新其内容、"
                "金额等 (空单元格保留原值), 不会重复登记; 已入账的金额不能通过导入修改"
            ),
            _lazy(
                "导出时, 服务多个结对的活动每个结对一行; 遮蔽导出时帮扶人和帮扶对象两列整列遮蔽, "
                "要导入回来请导出完整号码"
            ),
        ),
    )
)
