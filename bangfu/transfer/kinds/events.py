"""events: 帮扶对象, 事件类型, 日期 (+ 说明, 对象名称).

A life event (生病住院, 结婚, 丧事 … for 六必到) on a household, named by its 户编号, or on a
person, named by their 身份证号. A row is matched on subject + type + date: an event already on
file is not registered again (the row counts as unchanged; a different 说明 updates it), so
importing the same file again creates nothing.

Who may register: an administrator of the subject's unit, or a helper for their own
beneficiaries, as ``event_create`` says. Every row is checked first; only a file without errors
is written, each new event through ``event_create`` (source 导入), inside the import's one
transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.activities.models import LifeEvent, Source
from bangfu.activities.selectors import event_list
from bangfu.activities.services import event_create
from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.core.parsing import clean_text
from bangfu.pairings.models import Pairing
from bangfu.programs.definition import LIFE_EVENTS
from bangfu.registry.models import Household, Member, Person
from bangfu.transfer.importers import MASKED_MESSAGE, Importer, bulk_update, fetch_in
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import org_subtree_filter
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import Column, Kind

# Other words registers use for the event types.
EVENT_ALIASES = {
    "生病": "生病住院",
    "住院": "生病住院",
    "患病住院": "生病住院",
    "因病住院": "生病住院",
    "婚礼": "结婚",
    "婚事": "结婚",
    "丧葬": "丧事",
    "去世": "丧事",
    "死亡": "丧事",
    "病故": "丧事",
    "白事": "丧事",
    "意外": "意外事故",
    "事故": "意外事故",
    "生小孩": "生育",
    "添丁": "生育",
    "出生": "生育",
    "灾害": "受灾",
    "遭灾": "受灾",
    "下岗": "失业",
    "升学": "子女升学",
    "考上大学": "子女升学",
}

COLUMNS = (
    Column(
        "subject",
        "帮扶对象",
        _lazy("户编号 (户的事件) 或身份证号 (人员的事件); 须已登记"),
        required=True,
        synonyms=(
            "事件对象",
            "对象",
            "户编号或身份证号",
            "帮扶对象编号",
            "帮扶对象身份证号",
            "户编号",
            "身份证号",
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "kind",
        "事件类型",
        _lazy("生病住院、结婚、丧事、意外事故、生育、退休、受灾、失业、子女升学"),
        required=True,
        synonyms=("类型", "事件", "事件类别", "事件名称"),
        values=LIFE_EVENTS,
        width=12,
    ),
    Column(
        "date",
        "日期",
        _lazy("事件发生的日期, 不晚于今天"),
        required=True,
        date=True,
        synonyms=("事件日期", "发生日期", "发生时间", "时间"),
    ),
    Column(
        "note",
        "说明",
        _lazy("可不填, 最多 500 个字"),
        synonyms=("事件说明", "情况说明", "备注说明"),
        standard=False,
        width=30,
    ),
    Column(
        "name",
        "对象名称",
        _lazy("仅供查看, 导入时不读取"),
        synonyms=("对象姓名", "户主姓名", "姓名"),
        standard=False,
        width=20,
    ),
)


def event_kind(text: str) -> str | None:
    """The event type for a cell: one of LIFE_EVENTS or an alias of one."""
    key = "".join(clean_text(text).split())
    if key in LIFE_EVENTS:
        return key
    return EVENT_ALIASES.get(key)


@dataclass
class NewEvent:
    kind: str
    date: datetime.date
    household: Household | None
    person: Person | None
    note: str


class EventImporter(Importer):
    noun = "事件"

    def validate(self) -> None:
        rows: list[tuple[Row, dict[str, Any]]] = []
        for row in self.sheet.rows:
            subject = self.text(row, "subject", required=True, compact=True)
            if "*" in subject:
                self.fail(row, "subject", str(MASKED_MESSAGE))
            kind_text = self.text(row, "kind", required=True)
            kind = event_kind(kind_text) if kind_text else None
            if kind_text and kind is None:
                self.fail(
                    row,
                    "kind",
                    _("事件类型“%(kind)s”无效, 可填写: %(all)s")
                    % {"kind": kind_text, "all": "、".join(LIFE_EVENTS)},
                )
            data: dict[str, Any] = {
                "subject": subject,
                "kind": kind,
                "date": self.date(row, "date", required=True),
                "note": self._note(row) if self.has("note") else "",
                "number": "",
            }
            if subject and self.ok(row):
                try:
                    data["number"] = parse_id_number(subject, today=self.today).number
                except IdNumberError as exc:
                    data["id_problem"] = str(exc)
            rows.append((row, data))
        households = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org", "head"),
                "code",
                [d["subject"] for _r, d in rows if d["subject"]],
            )
        }
        persons = {
            p.id_number: p
            for p in fetch_in(
                Person.objects.select_related("org"),
                "id_number",
                [d["number"] for _r, d in rows if d["number"]],
            )
        }
        own_households, own_persons = self._own_subjects()

        resolved: list[tuple[Row, dict[str, Any], Household | None, Person | None]] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            household = households.get(data["subject"])
            person = None if household is not None else persons.get(data["number"])
            if household is None and person is None:
                if data["number"]:
                    message = _("身份证号 %s 尚未登记为人员") % data["number"]
                elif len(data["subject"]) >= 15 and data["subject"][:15].isdigit():
                    message = _(
                        "帮扶对象 %(subject)s 不是已登记的户编号, 作为身份证号: %(why)s"
                    ) % {"subject": data["subject"], "why": data.get("id_problem", "")}
                else:
                    message = _("户编号 %s 不存在") % data["subject"]
                self.fail(row, "subject", message)
                continue
            target: Household | Person = household or person  # type: ignore[assignment]
            mine = (
                household.pk in own_households
                if household is not None
                else person is not None and person.pk in own_persons
            )
            if not (self.may_admin(target.org) or mine):
                self.fail(
                    row,
                    "subject",
                    _(
                        "无权导入到单位 %(code)s (%(name)s): "
                        "只能为您管理的单位或本人帮扶的对象登记事件"
                    )
                    % {"code": target.org.code, "name": target.org.name},
                )
                continue
            self.touch(target.org)
            resolved.append((row, data, household, person))

        on_file: dict[tuple[str, int, str, datetime.date], LifeEvent] = {}
        household_ids = [h.pk for _r, _d, h, _p in resolved if h is not None]
        person_ids = [p.pk for _r, _d, _h, p in resolved if p is not None]
        for field, ids in (("household_id", household_ids), ("person_id", person_ids)):
            for event in fetch_in(LifeEvent.objects.order_by("pk"), field, ids):
                key = _key(event.household_id, event.person_id, event.kind, event.date)
                on_file.setdefault(key, event)

        self.new: list[NewEvent] = []
        self.changed: list[LifeEvent] = []
        first: dict[tuple[str, int, str, datetime.date], tuple[Row, str]] = {}
        for row, data, household, person in resolved:
            key = _key(
                household.pk if household else None,
                person.pk if person else None,
                data["kind"],
                data["date"],
            )
            note = data["note"]
            if key in first:
                # The same event twice in the file: one event; its notes must agree.
                other, other_note = first[key]
                if note and other_note and note != other_note:
                    self.fail(
                        row,
                        "note",
                        _("与第 %s 行是同一事件, 但说明不同") % other.number,
                    )
                continue
            first[key] = (row, note)
            existing = on_file.get(key)
            if existing is not None:
                if note and note != existing.note:
                    existing.note = note
                    self.changed.append(existing)
                    self.updated += 1
                continue
            self.new.append(NewEvent(data["kind"], data["date"], household, person, note))
            self.created += 1

    def _note(self, row: Row) -> str:
        """说明 as ``event_create`` keeps it: trimmed, otherwise as written (so that a
        re-imported export matches what is stored)."""
        raw = row.values.get("note")
        text = "" if raw is None else str(raw).replace("\r\n", "\n").strip()
        if len(text) > 500:
            self.fail(row, "note", _("说明最多 500 个字, 实际 %(n)d 个字") % {"n": len(text)})
            return ""
        return text

    def _own_subjects(self) -> tuple[set[int], set[int]]:
        """The households and persons of the actor's own active pairings as a helper (with the
        members of those households and the households of those persons), as
        ``event_create`` allows."""
        helper = getattr(self.actor, "helper_profile", None)
        if helper is None or not getattr(self.actor, "is_authenticated", False):
            return set(), set()
        mine = Pairing.objects.filter(helper=helper, end__isnull=True)
        paired_households = set(mine.exclude(household=None).values_list("household_id", flat=True))
        paired_persons = set(mine.exclude(person=None).values_list("person_id", flat=True))
        members = Member.objects.filter(
            Q(household_id__in=paired_households) | Q(person_id__in=paired_persons)
        ).values_list("household_id", "person_id")
        households, persons = set(paired_households), set(paired_persons)
        for household_id, person_id in members:
            if household_id in paired_households:
                persons.add(person_id)  # a member of a paired household
            if person_id in paired_persons:
                households.add(household_id)  # the household of a paired person
        return households, persons

    def write(self) -> None:
        created: list[LifeEvent] = []
        for plan in self.new:
            try:
                created.append(
                    event_create(
                        actor=self.actor,
                        kind=plan.kind,
                        date=plan.date,
                        household=plan.household,
                        person=plan.person,
                        note=plan.note,
                        source=Source.IMPORT,
                        today=self.today,
                    )
                )
            except (ValidationError, PermissionDenied) as exc:
                # The data changed since the check: the whole import is rolled back.
                raise IntegrityError(str(exc)) from exc
        bulk_update(LifeEvent, self.changed, ["note"])
        self.wrote("events", [*created, *self.changed])


def _key(
    household: int | None, person: int | None, kind: str, date: datetime.date
) -> tuple[str, int, str, datetime.date]:
    if household is not None:
        return ("household", household, kind, date)
    return ("person", person or 0, kind, date)


def _row(event: LifeEvent) -> dict[str, Any]:
    if event.household_id and event.household:
        subject = event.household.code
    else:
        subject = event.person.id_number if event.person else ""
    return {
        "subject": subject,
        "kind": event.kind,
        "date": event.date,
        "note": event.note,
        "name": event.subject_name,
    }


KIND = register(
    Kind(
        name="events",
        label=_lazy("生活事件"),
        description=_lazy(
            "户或人员的生活事件 (生病住院、结婚、丧事 …), 按对象、事件类型和日期识别"
        ),
        columns=COLUMNS,
        importer=EventImporter,
        queryset=lambda user: event_list(user=user),
        prepare=lambda qs: qs.select_related("household__head", "person", "org").order_by(
            "date", "id"
        ),
        row=_row,
        filters=org_subtree_filter("org__path"),
        notes=(
            _lazy(
                "同一对象、事件类型和日期的事件已登记时不会重复登记 (计为没有变化); "
                "填写了不同的说明则更新说明"
            ),
            _lazy("遮蔽导出时帮扶对象列整列遮蔽 (含户编号), 可看“对象名称”列"),
        ),
    )
)
