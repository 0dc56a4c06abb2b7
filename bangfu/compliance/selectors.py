"""Scoped reads over the rules engine: a helper's tasks (我的待办) and the compliance board of a
subtree and period (合规看板), its drill-down to the pairings that missed, and the life events
not answered in time.

Everything here is computed from the engine's obligations (:mod:`bangfu.compliance.engine`) at
the moment it is asked, for the pairings the user may read: nothing is stored or ticked, so
logging, editing or deleting an activity changes the answer at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.activities.models import LifeEvent
from bangfu.compliance.engine import (
    WINDOW_KINDS,
    CoverageRow,
    Obligation,
    coverage_counts,
    coverage_rows,
    evaluate_iter,
)
from bangfu.core.batching import chunked
from bangfu.core.masking import mask_id_number
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_roots
from bangfu.pairings.models import Pairing, PairingQuerySet
from bangfu.pairings.selectors import pairing_list, program_list
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person

if TYPE_CHECKING:
    from bangfu.accounts.models import User

RECENT_DAYS = 30  # 逾期: windows that closed this many days back at most
AHEAD_DAYS = 14  # 即将开始: windows starting within this many days
CHUNK = 5000  # pairing ids per engine call (SQL parameter limits)
DRILL_LIMIT = 2000  # rows a drill-down lists at most
ONE_DAY = datetime.timedelta(days=1)


# -- who may read what ----------------------------------------------------------------------


def is_reader(user: User) -> bool:
    """Administrators, unit administrators and inspectors: they read the board of a subtree."""
    scope = scope_of(user)
    return scope.is_sysadmin or bool(scope.read_paths)


def own_pairings(*, user: User) -> PairingQuerySet:
    """The pairings where the user is the helper (a helper, or an administrator who helps too)."""
    if not user.is_authenticated:
        return Pairing.objects.none()
    return pairing_list(user=user).filter(helper__user=user)


def has_tasks(user: User) -> bool:
    """Whether 我的待办 means something to the user: a helper role, or pairings of their own."""
    if not user.is_authenticated:
        return False
    return bool(scope_of(user).helper_org_ids) or Pairing.objects.filter(helper__user=user).exists()


def board_programs(*, user: User) -> QuerySet[Program]:
    """The programs whose board the user may read (none for a user who only helps)."""
    if not is_reader(user):
        return Program.objects.none()
    return program_list(user=user).order_by("-is_active", "-start", "code")


def board_program_get(*, user: User, pk: Any) -> Program:
    try:
        return board_programs(user=user).get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def board_root(*, user: User, program: Program, org_pk: Any = None) -> Org:
    """The subtree the board covers: the unit asked for (one the user reads, else 404), else the
    program's area when the user reads it, else the first unit the user reads."""
    scope = scope_of(user)
    if org_pk not in (None, ""):
        try:
            org = Org.objects.get(pk=org_pk)
        except (Org.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        if not scope.can_read_org(org):
            raise Http404
        return org
    if scope.can_read_org(program.area):
        return program.area
    root = org_roots(user=user).filter(scope.read_q("path")).first()
    if root is None:
        raise Http404
    return root


def rule_names(program: Program) -> dict[str, str]:
    return {str(r.get("code")): str(r.get("name") or r.get("code")) for r in program.rules}


def first_type(rule: dict[str, Any]) -> str:
    types = rule.get("types") or []
    return str(types[0]) if types else ""


def pairing_chunks(
    program: Program, pairings: QuerySet[Pairing], count: int | None = None
) -> list[Sequence[int] | None]:
    """How to ask the engine about these pairings of ``program`` (``count`` of them, if the
    caller knows): none at all; the whole program in one pass (``[None]``, no list of ids in
    Python) when they are all of its pairings; else their ids a chunk at a time (the
    databases' limits on parameters)."""
    count = pairings.count() if count is None else count
    if not count:
        return []
    if count == Pairing.objects.filter(program=program).count():
        return [None]
    return list(chunked(sorted(pairings.values_list("pk", flat=True)), CHUNK))


def obligations_for(
    program: Program,
    as_of: datetime.date,
    pairing_ids: Sequence[int],
    *,
    rules: Iterable[str] | None = None,
    whole_program: bool = False,
) -> Iterator[Obligation]:
    """The engine's obligations for these pairings (all of the program's when ``whole_program``
    says the list is the program's every pairing), a chunk of ids at a time."""
    wanted = list(rules) if rules is not None else None
    if whole_program:
        yield from evaluate_iter(program, as_of, rules=wanted)
        return
    for chunk in chunked(list(pairing_ids), CHUNK):
        yield from evaluate_iter(program, as_of, pairing_ids=chunk, rules=wanted)


# -- 我的待办 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One window a pairing of the user owes and has not met yet."""

    obligation: Obligation
    pairing: Pairing
    rule_name: str
    log_type: str  # the first type of the rule: what the one-tap link records
    event: LifeEvent | None = None

    @property
    def program(self) -> Program:
        return self.pairing.program

    @property
    def missing(self) -> int:
        return max(self.obligation.required - self.obligation.done, 0)


@dataclass
class Tasks:
    today: datetime.date
    overdue: list[Task] = field(default_factory=list)
    due: list[Task] = field(default_factory=list)
    soon: list[Task] = field(default_factory=list)
    pairings: int = 0

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due) + len(self.soon)


def my_tasks(*, user: User, today: datetime.date) -> Tasks:
    """The user's own pairings' tasks as of ``today``:

    - ``overdue`` (逾期): windows missed that closed in the last :data:`RECENT_DAYS` days —
      life events not answered within their days among them;
    - ``due`` (本期待办): windows holding today, not met yet, the soonest end first;
    - ``soon`` (即将开始): windows starting in the next :data:`AHEAD_DAYS` days.
    """
    result = Tasks(today=today)
    recent = today - datetime.timedelta(days=RECENT_DAYS)
    pairings = list(
        own_pairings(user=user)
        .filter(Q(end__isnull=True) | Q(end__gte=recent))
        .filter(start__lte=today + datetime.timedelta(days=AHEAD_DAYS))
        .order_by("program_id", "pk")
    )
    result.pairings = len(pairings)
    by_program: dict[int, list[Pairing]] = defaultdict(list)
    for p in pairings:
        by_program[p.program_id].append(p)
    event_tasks: list[tuple[list[Task], Obligation, Pairing, dict[str, Any]]] = []
    for plist in by_program.values():
        program = plist[0].program
        rules = {str(r.get("code")): r for r in program.rules}
        by_id = {p.pk: p for p in plist}
        ids = list(by_id)

        def task(o: Obligation, rules: dict[str, Any] = rules, by_id: dict = by_id) -> Task:
            rule = rules.get(o.rule, {})
            return Task(o, by_id[o.pairing_id], str(rule.get("name") or o.rule), first_type(rule))

        for o in evaluate_iter(program, today, pairing_ids=ids):
            if o.status == "missed" and o.end >= recent:
                if o.event_id is not None:
                    event_tasks.append((result.overdue, o, by_id[o.pairing_id], rules))
                else:
                    result.overdue.append(task(o))
            elif o.status == "due":
                if o.event_id is not None:
                    event_tasks.append((result.due, o, by_id[o.pairing_id], rules))
                else:
                    result.due.append(task(o))
        fixed = [code for code, r in rules.items() if r.get("kind") in WINDOW_KINDS]
        if fixed:
            later = today + datetime.timedelta(days=AHEAD_DAYS)
            for o in evaluate_iter(program, later, pairing_ids=ids, rules=fixed):
                if o.start > today and o.done < o.required:
                    result.soon.append(task(o))
    if event_tasks:
        events = LifeEvent.objects.select_related("household__head", "person").in_bulk(
            [o.event_id for _, o, _, _ in event_tasks]
        )
        for target, o, pairing, rules in event_tasks:
            rule = rules.get(o.rule, {})
            target.append(
                Task(
                    o,
                    pairing,
                    str(rule.get("name") or o.rule),
                    first_type(rule),
                    events.get(o.event_id or 0),
                )
            )
    result.overdue.sort(key=lambda t: (t.obligation.end, t.pairing.pk))
    result.due.sort(key=lambda t: (t.obligation.end, t.obligation.start, t.pairing.pk))
    result.soon.sort(key=lambda t: (t.obligation.start, t.obligation.end, t.pairing.pk))
    return result


# -- 合规看板 ------------------------------------------------------------------------------------


@dataclass
class Rate:
    """met / missed / due of a rule, a unit or a helper; the rate leaves ``due`` out."""

    key: str
    name: str
    met: int = 0
    missed: int = 0
    due: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def closed(self) -> int:
        return self.met + self.missed

    @property
    def total(self) -> int:
        return self.met + self.missed + self.due

    @property
    def rate(self) -> float | None:
        """met / (met + missed) in percent, one decimal; None when nothing has closed."""
        return round(self.met * 100 / self.closed, 1) if self.closed else None


@dataclass
class BoardFilter:
    """What a board, its drill-down and the unanswered events are asked for."""

    program: Program
    root: Org
    as_of: datetime.date
    first: datetime.date  # windows ending on or after …
    last: datetime.date  # … and on or before
    rule: str = ""
    helper: str = ""  # "h<helper id>" or "o<helping unit id>"
    own: bool = False  # only the root's own pairings, not its subtree's

    def query(self, **extra: Any) -> dict[str, Any]:
        q: dict[str, Any] = {
            "program": self.program.pk,
            "org": self.root.pk,
            "as_of": self.as_of.isoformat(),
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
        }
        if self.rule:
            q["rule"] = self.rule
        if self.helper:
            q["helper"] = self.helper
        if self.own:
            q["own"] = "1"
        q.update({k: v for k, v in extra.items() if v not in (None, "")})
        return q

    def in_period(self, o: Obligation) -> bool:
        return self.first <= o.end <= self.last


def helper_key(helper_id: int | None, helper_org_id: int | None) -> str:
    return f"h{helper_id}" if helper_id else f"o{helper_org_id}" if helper_org_id else ""


def scoped_pairings(*, user: User, f: BoardFilter) -> PairingQuerySet:
    """The program's pairings the user reads, of beneficiaries in the chosen subtree (and of
    the helper asked for)."""
    qs = pairing_list(user=user).filter(program=f.program)
    qs = qs.filter(org=f.root) if f.own else qs.filter(prefix_q("org__path", f.root.path))
    if f.helper:
        kind, pk = f.helper[:1], f.helper[1:]
        if kind not in ("h", "o") or not pk.isdigit():
            return qs.none()
        qs = qs.filter(helper_id=int(pk)) if kind == "h" else qs.filter(helper_org_id=int(pk))
    return qs


def _is_whole_program(f: BoardFilter, ids: Sequence[int]) -> bool:
    return len(ids) == Pairing.objects.filter(program=f.program).count()


@dataclass
class Board:
    filter: BoardFilter
    rules: list[Rate]
    units: list[Rate]
    helpers: list[Rate]
    total: Rate
    coverage: list[Rate]
    coverage_missed: dict[str, list[CoverageRow]]
    pairings: int

    @property
    def chart(self) -> dict[str, Any]:
        """An ECharts option: the rate of each rule, as a bar."""
        rated = [r for r in self.rules if r.rate is not None]
        return {
            "grid": {"left": 40, "right": 16, "top": 24, "bottom": 80, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "xAxis": {
                "type": "category",
                "data": [r.name for r in rated],
                "axisLabel": {"interval": 0, "rotate": 30},
            },
            "yAxis": {
                "type": "value",
                "min": 0,
                "max": 100,
                "axisLabel": {"formatter": "{value}%"},
            },
            "series": [
                {"type": "bar", "data": [r.rate for r in rated], "label": {"show": True}},
            ],
        }


def _child_of(root: Org, path: str) -> int | None:
    """The id of the root's direct child whose subtree holds ``path`` (None: the root itself)."""
    rest = path[len(root.path) :].strip("/")
    return int(rest.split("/", 1)[0]) if rest else None


def board(*, user: User, f: BoardFilter) -> Board:
    """Rates per rule, per unit (the direct children of the subtree's root, by the beneficiary's
    unit) and per helper, over the obligations whose window ends within the period, as of
    ``f.as_of``; and the coverage rules on that day for the subtree."""
    names = rule_names(f.program)
    rows = list(
        scoped_pairings(user=user, f=f).values_list(
            "id",
            "org__path",
            "helper_id",
            "helper__person__name",
            "helper_org_id",
            "helper_org__name",
        )
    )
    info = {
        pk: (path, helper_key(h, ho), hname or honame or "")
        for pk, path, h, hname, ho, honame in rows
    }
    ids = sorted(info)
    rules = {
        str(r.get("code")): Rate(str(r.get("code")), names[str(r.get("code"))])
        for r in f.program.rules
        if r.get("kind") in (*WINDOW_KINDS, "event")
    }
    units: dict[int | None, Rate] = {}
    helpers: dict[str, Rate] = {}
    total = Rate("", "")
    if ids:
        for o in obligations_for(f.program, f.as_of, ids, whole_program=_is_whole_program(f, ids)):
            if not f.in_period(o) or o.pairing_id not in info:
                continue
            path, hkey, hname = info[o.pairing_id]
            if o.rule in rules:
                rules[o.rule].add(o.status)
            total.add(o.status)
            child = _child_of(f.root, path)
            units.setdefault(child, Rate(str(child or ""), "")).add(o.status)
            helpers.setdefault(hkey, Rate(hkey, hname)).add(o.status)
    orgs = Org.objects.in_bulk([pk for pk in units if pk is not None])
    for pk, rate in units.items():
        if pk is None:
            rate.name = f.root.name
            rate.key = str(f.root.pk)
            rate.extra["own"] = True
        else:
            rate.name = orgs[pk].name if pk in orgs else str(pk)
    unit_rows = sorted(units.values(), key=lambda r: (not r.extra.get("own"), r.name))
    helper_rows = sorted(
        helpers.values(), key=lambda r: (r.rate if r.rate is not None else 101, -r.missed, r.name)
    )
    coverage, missed = coverage_for(f)
    return Board(
        filter=f,
        rules=list(rules.values()),
        units=unit_rows,
        helpers=helper_rows,
        total=total,
        coverage=coverage,
        coverage_missed=missed,
        pairings=len(ids),
    )


# -- coverage, for the subtree ------------------------------------------------------------------


def _subtree_subjects(program: Program, rule: dict[str, Any], root: Org) -> set[str]:
    """The identifiers (as the coverage rows name them) of the subjects in the subtree."""
    under = prefix_q("org__path", root.path)
    if rule.get("subject") == "helper":
        if program.helper_kind == "person":
            return set(Helper.objects.filter(under).values_list("person__id_number", flat=True))
        return set(Org.objects.filter(prefix_q("path", root.path)).values_list("code", flat=True))
    kind = program.beneficiary_kind
    if kind == "household":
        return set(Household.objects.filter(under).values_list("code", flat=True))
    if kind == "person":
        return set(Person.objects.filter(under).values_list("id_number", flat=True))
    return set(Org.objects.filter(prefix_q("path", root.path)).values_list("code", flat=True))


def _coverage_rules(program: Program) -> dict[str, dict[str, Any]]:
    return {str(r.get("code")): r for r in program.rules if r.get("kind") == "coverage"}


def coverage_rates(
    f: BoardFilter, counts: Mapping[str, tuple[int, int]] | None = None
) -> list[Rate]:
    """Each coverage rule on ``f.as_of``: met and missed subjects of the subtree, counted in the
    database (``engine.coverage_counts``, or ``counts`` already summed elsewhere: the summary
    tables); the same rates as :func:`coverage_for`, without bringing every subject of the
    program's pool into Python."""
    rules = _coverage_rules(f.program)
    if not rules:
        return []
    if counts is None:
        counts = coverage_counts(f.program, f.as_of, f.root)
    return [
        Rate(code, str(rule.get("name") or code), *counts.get(code, (0, 0)))
        for code, rule in rules.items()
    ]


def coverage_for(f: BoardFilter) -> tuple[list[Rate], dict[str, list[CoverageRow]]]:
    """Each coverage rule on ``f.as_of``: met and missed subjects of the subtree, and the rows
    that missed (ID numbers masked). Where only the rates are wanted, :func:`coverage_rates`
    counts them in the database."""
    rules = _coverage_rules(f.program)
    if not rules:
        return [], {}
    subjects = {code: _subtree_subjects(f.program, rule, f.root) for code, rule in rules.items()}
    rates = {code: Rate(code, str(rule.get("name") or code)) for code, rule in rules.items()}
    missed: dict[str, list[CoverageRow]] = {code: [] for code in rules}
    for row in coverage_rows(f.program, f.as_of):
        if row.rule not in rules or row.subject not in subjects[row.rule]:
            continue
        rates[row.rule].add(row.status)
        if row.status == "missed":
            shown = row
            if _is_id_number(f.program, rules[row.rule]):
                shown = CoverageRow(
                    row.rule,
                    mask_id_number(row.subject),
                    row.name,
                    row.required,
                    row.actual,
                    row.status,
                    row.limit,
                )
            missed[row.rule].append(shown)
    return list(rates.values()), missed


def _is_id_number(program: Program, rule: dict[str, Any]) -> bool:
    if rule.get("subject") == "helper":
        return program.helper_kind == "person"
    return program.beneficiary_kind == "person"


# -- drill-down and unanswered events -----------------------------------------------------------


@dataclass(frozen=True)
class MissedRow:
    obligation: Obligation
    pairing: Pairing
    rule_name: str
    event: LifeEvent | None = None


def _missed(*, user: User, f: BoardFilter, kinds: tuple[str, ...]) -> tuple[list[MissedRow], bool]:
    names = rule_names(f.program)
    codes = [
        str(r.get("code"))
        for r in f.program.rules
        if r.get("kind") in kinds and (not f.rule or str(r.get("code")) == f.rule)
    ]
    if not codes:
        return [], False
    pairings = scoped_pairings(user=user, f=f)
    ids = sorted(pairings.values_list("pk", flat=True))
    found: list[Obligation] = []
    truncated = False
    if ids:
        for o in obligations_for(
            f.program, f.as_of, ids, rules=codes, whole_program=_is_whole_program(f, ids)
        ):
            if o.status != "missed" or not f.in_period(o):
                continue
            if len(found) >= DRILL_LIMIT:
                truncated = True
                break
            found.append(o)
    ids_of = {o.pairing_id for o in found}
    by_id = pairings.in_bulk(list(ids_of)) if ids_of else {}
    events = (
        LifeEvent.objects.select_related("household__head", "person").in_bulk(
            [o.event_id for o in found if o.event_id]
        )
        if any(o.event_id for o in found)
        else {}
    )
    rows = [
        MissedRow(
            o,
            by_id[o.pairing_id],
            names.get(o.rule, o.rule),
            events.get(o.event_id) if o.event_id else None,
        )
        for o in found
        if o.pairing_id in by_id
    ]
    rows.sort(key=lambda r: (r.obligation.end, r.rule_name, r.pairing.pk))
    return rows, truncated


def missed_pairings(*, user: User, f: BoardFilter) -> tuple[list[MissedRow], bool]:
    """The pairings that missed a window (of ``f.rule``, or any rule) ending in the period,
    each with its window and done / required; True when cut at :data:`DRILL_LIMIT` rows."""
    return _missed(user=user, f=f, kinds=(*WINDOW_KINDS, "event"))


def unanswered_events(*, user: User, f: BoardFilter) -> tuple[list[MissedRow], bool]:
    """Life events whose window (the event's date to ``within_days`` after) closed in the period
    without a qualifying activity: the event rules' missed obligations."""
    return _missed(user=user, f=f, kinds=("event",))


def event_rules(program: Program) -> list[dict[str, Any]]:
    return [r for r in program.rules if r.get("kind") == "event"]
