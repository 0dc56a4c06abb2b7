"""The daily digest of one helper (每日待办): what their pairings owe, from the rules engine.

For a day D and every active helper with a login, over their pairings:

- **soon** (即将到期): windows that hold D, not yet met, ending within :data:`HORIZON` days;
- **due** (进行中): the other windows that hold D and are not yet met;
- **event** (生活事件待响应): event windows (生病住院, 结婚 … of 六必到 / 五必访) not yet answered;
- **upcoming** (即将开始): festival windows (calendar rules) starting within :data:`HORIZON` days
  — the engine lists a window only once it has started, so these come from an evaluation as of
  D + HORIZON;
- **overdue** (已逾期): windows missed that closed within the last :data:`HORIZON` days.

Nothing is stored here; :mod:`bangfu.notifications.services` keeps a digest as a notification.
Logging an activity changes the next digest at once (the engine reads the records).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bangfu.activities.models import LifeEvent
from bangfu.compliance.engine import Obligation, evaluate_iter
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Helper

HORIZON = 7
SECTIONS = ("soon", "event", "due", "upcoming", "overdue")


def section_labels() -> dict[str, str]:
    return {
        "soon": _("即将到期"),
        "event": _("生活事件待响应"),
        "due": _("进行中"),
        "upcoming": _("即将开始"),
        "overdue": _("已逾期"),
    }


@dataclass(frozen=True)
class Item:
    section: str
    pairing_id: int
    program: str
    rule: str
    rule_name: str
    beneficiary: str
    start: datetime.date
    end: datetime.date
    required: int
    done: int
    label: str = ""
    event: str = ""  # "生病住院 2026-03-10" for an event window

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "pairing": self.pairing_id,
            "program": self.program,
            "rule": self.rule,
            "rule_name": self.rule_name,
            "beneficiary": self.beneficiary,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "required": self.required,
            "done": self.done,
            "label": self.label,
            "event": self.event,
        }


@dataclass
class Digest:
    helper_id: int
    user_id: int
    org_id: int
    name: str
    day: datetime.date
    items: list[Item] = field(default_factory=list)

    def section(self, name: str) -> list[Item]:
        return [i for i in self.items if i.section == name]

    @property
    def due_count(self) -> int:
        return sum(1 for i in self.items if i.section in ("soon", "due", "upcoming"))

    @property
    def event_count(self) -> int:
        return len(self.section("event"))

    @property
    def overdue_count(self) -> int:
        return len(self.section("overdue"))

    @property
    def todo_count(self) -> int:
        return self.due_count + self.event_count

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def title(self) -> str:
        title = _("%(day)s 待办 %(todo)d 项") % {
            "day": self.day.isoformat(),
            "todo": self.todo_count,
        }
        if self.overdue_count:
            title += _(", 已逾期 %(n)d 项") % {"n": self.overdue_count}
        return title

    @property
    def text(self) -> str:
        """The digest as plain Chinese text, for the inbox and for e-mail."""
        head = _("%(name)s, 您今天有 %(todo)d 项待办") % {
            "name": self.name,
            "todo": self.todo_count,
        }
        if self.overdue_count:
            head += _(", 另有 %(n)d 项近 %(days)d 天已逾期") % {
                "n": self.overdue_count,
                "days": HORIZON,
            }
        lines = [head + ":"] if self.items else [head + "."]
        labels = section_labels()
        for name in SECTIONS:
            items = self.section(name)
            if not items:
                continue
            lines.append("")
            lines.append(f"【{labels[name]}】")
            lines.extend(f"· {item_line(i, self.day)}" for i in items)
        return "\n".join(lines)


def item_line(item: Item, day: datetime.date) -> str:
    what = item.rule_name + (f" ({item.label})" if item.label else "")
    if item.section == "event":
        return _("%(who)s · %(event)s: 请于 %(end)s 前%(what)s") % {
            "who": item.beneficiary,
            "event": item.event,
            "end": item.end.isoformat(),
            "what": item.rule_name,
        }
    if item.section == "upcoming":
        return _("%(who)s · %(what)s: %(start)s 开始, %(end)s 截止") % {
            "who": item.beneficiary,
            "what": what,
            "start": item.start.isoformat(),
            "end": item.end.isoformat(),
        }
    if item.section == "overdue":
        return _("%(who)s · %(what)s: %(end)s 已截止, 完成 %(done)d/%(required)d") % {
            "who": item.beneficiary,
            "what": what,
            "end": item.end.isoformat(),
            "done": item.done,
            "required": item.required,
        }
    left = (item.end - day).days
    return _(
        "%(who)s · %(what)s: 已完成 %(done)d/%(required)d, %(end)s 截止 (还剩 %(left)d 天)"
    ) % {
        "who": item.beneficiary,
        "what": what,
        "done": item.done,
        "required": item.required,
        "end": item.end.isoformat(),
        "left": left,
    }


# -- building -------------------------------------------------------------------------------


def helpers_to_notify(org: Org | None = None) -> QuerySet[Helper]:
    """Active helpers with an active login, optionally only those of ``org``'s subtree."""
    qs = Helper.objects.filter(is_active=True, user__isnull=False, user__is_active=True)
    if org is not None:
        qs = qs.filter(org__in=Org.objects.subtree(org))
    return qs.select_related("person", "user", "org").order_by("pk")


def _section(o: Obligation, day: datetime.date) -> str | None:
    if o.status == "due":
        if o.kind == "event":
            return "event"
        return "soon" if (o.end - day).days < HORIZON else "due"
    if o.status == "missed" and o.end >= day - datetime.timedelta(days=HORIZON):
        return "overdue"
    return None


def build_digests(day: datetime.date, helpers: Iterable[Helper]) -> list[Digest]:
    """The digest of each helper for ``day``, in the order of ``helpers``; the rules engine runs
    once per program over all the helpers' pairings (twice where a program has festivals)."""
    helpers = list(helpers)
    digests = {
        h.pk: Digest(h.pk, h.user_id or 0, h.org_id, h.person.name, day)
        for h in helpers
        if h.user_id
    }
    if not digests:
        return []
    since = day - datetime.timedelta(days=HORIZON)
    pairings = (
        Pairing.objects.filter(helper_id__in=list(digests), start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=since))
        .select_related("household__head", "person", "beneficiary_org")
    )
    by_program: dict[int, list[Pairing]] = defaultdict(list)
    for p in pairings:
        by_program[p.program_id].append(p)
    helper_of = {p.pk: p.helper_id or 0 for ps in by_program.values() for p in ps}
    beneficiary = {p.pk: p.beneficiary_name for ps in by_program.values() for p in ps}
    found: list[tuple[Program, Obligation, str]] = []
    for program in Program.objects.filter(pk__in=list(by_program)).order_by("code"):
        ids = [p.pk for p in by_program[program.pk]]
        for o in evaluate_iter(program, day, pairing_ids=ids):
            section = _section(o, day)
            if section is not None:
                found.append((program, o, section))
        festivals = [str(r.get("code")) for r in program.rules if r.get("kind") == "calendar"]
        if festivals:
            later = day + datetime.timedelta(days=HORIZON)
            for o in evaluate_iter(program, later, pairing_ids=ids, rules=festivals):
                if o.start > day and o.status != "met":
                    found.append((program, o, "upcoming"))
    events = {
        e.pk: e
        for e in LifeEvent.objects.filter(pk__in={o.event_id for _p, o, _s in found if o.event_id})
    }
    rule_names: dict[int, dict[str, str]] = {}
    for program, o, section in found:
        digest = digests[helper_of[o.pairing_id]]
        names = rule_names.setdefault(
            program.pk,
            {str(r.get("code")): str(r.get("name", r.get("code"))) for r in program.rules},
        )
        event = events.get(o.event_id) if o.event_id else None
        digest.items.append(
            Item(
                section=section,
                pairing_id=o.pairing_id,
                program=program.name,
                rule=o.rule,
                rule_name=names.get(o.rule, o.rule),
                beneficiary=beneficiary[o.pairing_id],
                start=o.start,
                end=o.end,
                required=o.required,
                done=o.done,
                label=o.label,
                event=f"{event.kind} {event.date.isoformat()}" if event else "",
            )
        )
    order = {name: i for i, name in enumerate(SECTIONS)}
    for digest in digests.values():
        digest.items.sort(key=lambda i: (order[i.section], i.end, i.start, i.beneficiary, i.rule))
    return [digests[h.pk] for h in helpers if h.pk in digests]


def build_digest(helper: Helper, day: datetime.date) -> Digest | None:
    found = build_digests(day, [helper])
    return found[0] if found else None
