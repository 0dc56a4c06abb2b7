"""Matching (匹配建议): helpers for a program's unpaired beneficiaries, found as one optimisation.

One at a time, "the nearest helper who still has room" strands beneficiaries: early ones take
the helpers that later ones needed, and those are left with nobody near or nobody at all. Here
every unpaired beneficiary of a person-helper program is matched in one minimum-cost flow (OR-Tools
``SimpleMinCostFlow``, integer costs): minimum total cost subject to each helper's remaining
capacity, each beneficiary needing one helper (docs/matching.md).

Cost of pairing beneficiary *b* with helper *h* (weights in :class:`Weights`):

- **distance**: ``step`` × the number of steps between the two units in the organisation tree
  (0 in the same unit; a village and its township 1; two villages of one township 2; two villages
  of two townships of one county 4). It is computed from the materialised paths, without queries.
  Units in different top-level trees meet at a virtual root above them. Coordinates, where both
  units have them, would be a better distance: :func:`unit_coordinates` is the hook for them (no
  unit has coordinates yet, so it returns none);
- **fit**: the template's helper ``tags`` are preferred (党员 for 精准扶贫, 工会干部 and 党员 for
  困难职工; ``required_tags`` already limit the helper pool): a helper lacking all of them costs
  ``missing_tag``, one lacking some the same share of it (lacking one of two: half). And
  ``no_shared_tag`` when a person beneficiary carries a tag that some available helper also
  carries (a subject such as 数学, beyond the template's own helper and priority tags) and *h*
  shares none of those tags — a teacher of the struggling student's subject is preferred;
- **load balance**: the *k*-th pairing a helper carries (in any program, current ones counted)
  costs ``load_step`` × (k − 1): convex, so work spreads over helpers at equal distance. It is
  modelled with parallel helper→sink arcs of increasing cost, which keeps the flow exact.

Every beneficiary also has an "unmatched" arc to the sink. Its cost, ``BIG`` × (1 + urgency), with
``BIG`` larger than any possible total assignment cost, makes the optimum lexicographic: first as
few beneficiaries unmatched as possible (nobody is left unmatched while any helper has room), then
the most urgent matched first (a person's most urgent priority tag, in the template's order;
a household's 困难程度), then the lowest total cost.

Distances do not need candidate lists: beneficiaries flow into their unit's node of a copy of the
tree, along tree edges of cost ``step`` and out through the helpers' units, so every helper is
reachable from every beneficiary at exactly its tree distance, with O(beneficiaries + helpers +
units) arcs instead of one arc per candidate pair. The optimum is therefore over all pairs. Only
the shared-tag preference is pairwise: it is carried by direct arcs to each beneficiary's
``limit_candidates`` cheapest helpers sharing a tag, so that part alone is optimal over those
candidates. The flow is then split into pairs along its paths (any split has the same cost).
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.tree import path_ids
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import beneficiary_pool, helper_pool
from bangfu.pairings.services import pairing_create
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person, UnitBeneficiary

if TYPE_CHECKING:
    from bangfu.accounts.models import User

OPTIMAL = "OPTIMAL"
GREEDY = "GREEDY"
CHUNK = 900  # ids per IN (...) list, under every database's parameter limit

# 困难程度 → urgency of a household (higher: matched first when capacity is short).
DIFFICULTY_URGENCY = {"deep": 3, "relative": 2, "general": 1}

# How two units relate, by the kind of their lowest common unit.
SAME_KIND = {
    "village": gettext_lazy("同村"),
    "community": gettext_lazy("同社区"),
    "township": gettext_lazy("同乡镇"),
    "county": gettext_lazy("同县"),
    "city": gettext_lazy("同市"),
    "province": gettext_lazy("同省"),
    "school": gettext_lazy("同校"),
}


class MatchError(Exception):
    """The program cannot be matched (its helpers are units) or the solver failed."""


@dataclass(frozen=True)
class Weights:
    """The cost model's weights (integers: the solver works in integer costs). One tree step is
    the unit (100): lacking every preferred tag or sharing no subject costs one and a half steps,
    so a party member in the township office is preferred to a non-member in the village, but
    not to one two villages away; each further pairing a helper carries costs a fifth of a step
    more than the one before."""

    step: int = 100
    missing_tag: int = 150
    no_shared_tag: int = 150
    load_step: int = 20

    def __post_init__(self) -> None:
        # A tree step must cost something: it keeps the optimal flow free of cycles, which is
        # what splitting it into pairs relies on.
        if self.step < 1 or min(self.missing_tag, self.no_shared_tag, self.load_step) < 0:
            raise ValueError("weights: step ≥ 1, the others ≥ 0")


DEFAULT_WEIGHTS = Weights()


# -- the problem, as read from the database ---------------------------------------------------


@dataclass(slots=True)
class Party:
    """One side of a suggestion: a beneficiary (household, person or unit) or a helper.

    ``pk`` is what a pairing refers to (a Household's, Person's or Org's key; a Helper's key),
    ``ident`` the import sheet's identifier (户编号, 身份证号 or 单位编码)."""

    pk: int
    kind: str
    name: str
    ident: str
    org_id: int
    org_name: str = ""
    tags: frozenset[str] = frozenset()
    # beneficiaries
    urgency: int = 0
    urgency_label: str = ""
    # helpers
    person_id: int = 0
    capacity: int = 0
    load: int = 0
    load_program: int = 0
    remaining: int = 0


@dataclass
class Problem:
    """Everything the solver needs, read once from the database."""

    program: Program
    day: datetime.date
    kind: str
    beneficiaries: list[Party]
    helpers: list[Party]
    helper_tags: tuple[str, ...]  # preferred
    required_tags: tuple[str, ...]
    priority_tags: tuple[str, ...]
    max_per_helper: int
    paths: dict[int, tuple[int, ...]]
    units: dict[int, tuple[str, str]]  # org id → (kind, name), ancestors included
    read_seconds: float = 0.0

    @property
    def available(self) -> list[Party]:
        return [h for h in self.helpers if h.remaining > 0]


def unit_coordinates(org_ids: Iterable[int]) -> dict[int, tuple[float, float]]:
    """Hook: longitude/latitude of units, for a coordinate distance where both ends have one.

    No unit records coordinates yet, so none are returned and the tree distance is used. When
    units gain them, pairs whose two units both have coordinates would get direct arcs (found
    with scipy's cKDTree over the helpers' units) costing their coordinate distance; docs/
    matching.md describes this."""
    return {}


def match_day(program: Program) -> datetime.date:
    """The day suggestions are computed for and accepted pairings start: today, or the program's
    start when it lies ahead."""
    return max(timezone.localdate(), program.start)


def unpaired(program: Program, day: datetime.date) -> QuerySet[Any]:
    """The program's beneficiary pool without those that have an active pairing in it."""
    kind = program.beneficiary_kind
    link = {"household": "household_id", "person": "person_id", "unit": "beneficiary_org_id"}[kind]
    paired = (
        Pairing.objects.filter(program=program, **{f"{link}__isnull": False})
        .active_on(day)
        .values(link)
    )
    pool = beneficiary_pool(program)
    if kind == "unit":
        return pool.exclude(org_id__in=paired)
    return pool.exclude(pk__in=paired)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _urgency_of_tags(tags: frozenset[str], priority: tuple[str, ...]) -> tuple[int, str]:
    for i, tag in enumerate(priority):
        if tag in tags:
            return len(priority) - i, tag
    return 0, ""


def load_problem(program: Program, *, day: datetime.date | None = None) -> Problem:
    """Read a program's unpaired beneficiaries and available helpers (a handful of queries)."""
    if program.helper_kind != "person":
        raise MatchError(_("“%s”的帮扶人是单位, 自动匹配只适用于帮扶人为个人的项目") % program.name)
    started = time.perf_counter()
    day = day or match_day(program)
    kind = program.beneficiary_kind
    definition = program.definition
    priority = tuple(definition["beneficiary"].get("priority_tags") or ())
    helper_tags = tuple(definition["helper"].get("tags") or ())
    required_tags = tuple(definition["helper"].get("required_tags") or ())
    max_per_helper = int(program.pairing_settings.get("max_per_helper") or 0)
    paths: dict[str, tuple[int, ...]] = {}

    def path_of(text: str) -> tuple[int, ...]:
        found = paths.get(text)
        if found is None:
            found = paths[text] = tuple(path_ids(text))
        return found

    beneficiaries: list[Party] = []
    org_paths: dict[int, tuple[int, ...]] = {}
    pool = unpaired(program, day)
    if kind == "household":
        rows = pool.values_list("pk", "code", "org_id", "org__path", "head__name", "difficulty")
        labels = dict(Household._meta.get_field("difficulty").flatchoices)  # type: ignore[union-attr]
        for pk, code, org_id, path, head, difficulty in rows.order_by("pk"):
            org_paths[org_id] = path_of(path)
            urgency = DIFFICULTY_URGENCY.get(difficulty, 0)
            beneficiaries.append(
                Party(
                    pk=pk,
                    kind=kind,
                    name=_("%s户") % head if head else code,
                    ident=code,
                    org_id=org_id,
                    urgency=urgency,
                    urgency_label=str(labels.get(difficulty, "")) if urgency else "",
                )
            )
    elif kind == "person":
        tags: dict[int, set[str]] = defaultdict(set)
        links = Person.tags.through.objects.filter(person_id__in=pool.values("pk"))
        for person_id, tag in links.values_list("person_id", "tag__name"):
            tags[person_id].add(tag)
        rows = pool.values_list("pk", "name", "id_number", "org_id", "org__path")
        for pk, name, id_number, org_id, path in rows.order_by("pk"):
            org_paths[org_id] = path_of(path)
            own = frozenset(tags.get(pk, ()))
            urgency, label = _urgency_of_tags(own, priority)
            beneficiaries.append(
                Party(
                    pk=pk,
                    kind=kind,
                    name=name,
                    ident=id_number,
                    org_id=org_id,
                    tags=own,
                    urgency=urgency,
                    urgency_label=label,
                )
            )
    else:
        rows = pool.values_list("org_id", "org__code", "org__name", "org__path")
        for org_id, code, name, path in rows.order_by("org_id"):
            org_paths[org_id] = path_of(path)
            beneficiaries.append(Party(pk=org_id, kind=kind, name=name, ident=code, org_id=org_id))

    hpool = helper_pool(program)
    htags: dict[int, set[str]] = defaultdict(set)
    links = Person.tags.through.objects.filter(person_id__in=hpool.values("person_id"))
    for person_id, tag in links.values_list("person_id", "tag__name"):
        htags[person_id].add(tag)
    active = Pairing.objects.active_on(day).filter(helper_id__in=hpool.values("pk"))
    load = dict(
        active.values_list("helper_id").annotate(n=Count("id")).values_list("helper_id", "n")
    )
    load_program = dict(
        active.filter(program=program)
        .values_list("helper_id")
        .annotate(n=Count("id"))
        .values_list("helper_id", "n")
    )
    # A person who is a beneficiary of the program does not help in it (no one pairs with
    # themselves: a new teacher who is also a registered helper is an apprentice here).
    themselves = {b.pk for b in beneficiaries} if kind == "person" else set()
    helpers: list[Party] = []
    rows = hpool.values_list(
        "pk", "person_id", "person__name", "person__id_number", "org_id", "org__path", "capacity"
    )
    for pk, person_id, name, id_number, org_id, path, capacity in rows.order_by("pk"):
        if person_id in themselves:
            continue
        org_paths[org_id] = path_of(path)
        carried, here = load.get(pk, 0), load_program.get(pk, 0)
        room = capacity - carried
        if max_per_helper:
            room = min(room, max_per_helper - here)
        helpers.append(
            Party(
                pk=pk,
                kind="helper",
                name=name,
                ident=id_number,
                org_id=org_id,
                tags=frozenset(htags.get(person_id, ())),
                person_id=person_id,
                capacity=capacity,
                load=carried,
                load_program=here,
                remaining=max(0, room),
            )
        )

    wanted = sorted({i for p in org_paths.values() for i in p})
    units: dict[int, tuple[str, str]] = {}
    for ids in _chunks(wanted):
        for pk, unit_kind, name in Org.objects.filter(pk__in=ids).values_list("pk", "kind", "name"):
            units[pk] = (unit_kind, name)
    for party in (*beneficiaries, *helpers):
        party.org_name = units.get(party.org_id, ("", ""))[1]
    return Problem(
        program=program,
        day=day,
        kind=kind,
        beneficiaries=beneficiaries,
        helpers=helpers,
        helper_tags=helper_tags,
        required_tags=required_tags,
        priority_tags=priority,
        max_per_helper=max_per_helper,
        paths=org_paths,
        units=units,
        read_seconds=time.perf_counter() - started,
    )


# -- the cost model ---------------------------------------------------------------------------


class Tree:
    """Tree distances and lowest common units from materialised paths (no queries)."""

    def __init__(self, paths: dict[int, tuple[int, ...]]) -> None:
        self.paths = paths
        self._cache: dict[tuple[int, int], tuple[int, int | None]] = {}

    def meet(self, a: int, b: int) -> tuple[int, int | None]:
        """(steps between units a and b, their lowest common unit or None above the roots)."""
        key = (a, b) if a <= b else (b, a)
        found = self._cache.get(key)
        if found is None:
            pa, pb = self.paths[a], self.paths[b]
            common = 0
            for x, y in zip(pa, pb, strict=False):
                if x != y:
                    break
                common += 1
            found = (len(pa) + len(pb) - 2 * common, pa[common - 1] if common else None)
            self._cache[key] = found
        return found

    def steps(self, a: int, b: int) -> int:
        return self.meet(a, b)[0]


@dataclass
class CostModel:
    """Pair costs of one problem: :meth:`pair` is the documented model, used by the solver, by
    the greedy baseline and for every suggestion's parts."""

    problem: Problem
    weights: Weights
    tree: Tree = field(init=False)
    needs: list[frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.tree = Tree(self.problem.paths)
        offered = {t for h in self.problem.available for t in h.tags}
        p = self.problem
        own = {*p.helper_tags, *p.required_tags, *p.priority_tags}
        # A beneficiary's "needs": its other tags that some available helper carries too.
        self.needs = [frozenset((b.tags - own) & offered) for b in self.problem.beneficiaries]

    def helper_fit(self, h: Party) -> int:
        """``missing_tag`` × the share of the template's preferred tags the helper lacks."""
        tags = self.problem.helper_tags
        missing = sum(1 for t in tags if t not in h.tags)
        return self.weights.missing_tag * missing // len(tags) if tags else 0

    def penalty(self, bi: int, h: Party) -> int:
        need = self.needs[bi]
        return self.weights.no_shared_tag if need and not (need & h.tags) else 0

    def pair(self, bi: int, h: Party) -> tuple[int, int]:
        """(distance cost, fit cost) of beneficiary number ``bi`` with helper ``h``."""
        b = self.problem.beneficiaries[bi]
        steps = self.tree.steps(b.org_id, h.org_id)
        return self.weights.step * steps, self.helper_fit(h) + self.penalty(bi, h)

    def slot(self, k: int) -> int:
        """Cost of a helper's k-th pairing (1-based, current ones counted)."""
        return self.weights.load_step * (k - 1)


# -- results -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Suggestion:
    beneficiary: Party
    helper: Party
    steps: int
    distance_cost: int
    fit_cost: int
    load_cost: int
    relation: str
    explanation: str

    @property
    def cost(self) -> int:
        return self.distance_cost + self.fit_cost + self.load_cost

    @property
    def key(self) -> str:
        """ "helper pk:beneficiary pk", what the suggestion page posts back."""
        return f"{self.helper.pk}:{self.beneficiary.pk}"


@dataclass(slots=True)
class Unmatched:
    beneficiary: Party
    reason: str


@dataclass
class MatchResult:
    """Suggestions for a program on a day, the unmatched with the reason, and the totals."""

    program: Program
    day: datetime.date
    kind: str
    status: str
    suggestions: list[Suggestion]
    unmatched: list[Unmatched]
    beneficiaries: int
    helpers: int
    helpers_available: int
    slots: int
    objective: int = 0  # the solver's optimum, unmatched penalties included
    arcs: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total_cost(self) -> int:
        return sum(s.cost for s in self.suggestions)

    @property
    def total_steps(self) -> int:
        """Total tree distance of the suggestions (steps)."""
        return sum(s.steps for s in self.suggestions)

    @property
    def unmatched_urgency(self) -> int:
        return sum(u.beneficiary.urgency for u in self.unmatched)

    @property
    def rank(self) -> tuple[int, int, int]:
        """What the optimisation minimises, in order: unmatched, their urgency, total cost."""
        return len(self.unmatched), self.unmatched_urgency, self.total_cost

    @property
    def is_optimal(self) -> bool:
        return self.status == OPTIMAL

    @property
    def digest(self) -> str:
        """A fingerprint of the suggestions: "accept all" applies only what the page showed."""
        text = f"{self.program.pk}|{self.day}|" + ",".join(sorted(s.key for s in self.suggestions))
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def _relation(problem: Problem, tree: Tree, b: Party, h: Party) -> tuple[int, str]:
    steps, lca = tree.meet(b.org_id, h.org_id)
    if lca is None:
        return steps, _("不同上级单位, 相距 %d 级") % steps
    unit_kind, name = problem.units.get(lca, ("", ""))
    same = SAME_KIND.get(unit_kind)
    label = f"{same} ({name})" if same else _("同属“%s”") % name
    return steps, label if steps == 0 else _("%(label)s, 相距 %(steps)d 级") % {
        "label": label,
        "steps": steps,
    }


def _build(
    problem: Problem,
    model: CostModel,
    assigned: dict[int, list[int]],
    unmatched_reason: str,
    *,
    status: str,
    objective: int = 0,
    arcs: int = 0,
    timings: dict[str, float] | None = None,
) -> MatchResult:
    """The result from helper index → beneficiary indices (in the order their slots are taken)."""
    helpers = problem.available
    B = problem.beneficiaries
    suggestions: list[Suggestion] = []
    matched: set[int] = set()
    relations: dict[tuple[int, int], tuple[int, str]] = {}
    for hi, bis in assigned.items():
        h = helpers[hi]
        # What is said of the helper is the same in each of its suggestions.
        about: list[str] = []
        held = [t for t in problem.helper_tags if t in h.tags]
        if held:
            about.append("、".join(held))
        missing = [t for t in problem.helper_tags if t not in h.tags]
        if missing:
            about.append(_("缺少标签: %s") % "、".join(missing))
        load = _("当前结对 %(load)d/%(cap)d, 本次建议 %(new)d 个") % {
            "load": h.load,
            "cap": h.capacity,
            "new": len(bis),
        }
        for j, bi in enumerate(bis):
            matched.add(bi)
            b = B[bi]
            distance, fit = model.pair(bi, h)
            where = relations.get((b.org_id, h.org_id))
            if where is None:
                where = relations[(b.org_id, h.org_id)] = _relation(problem, model.tree, b, h)
            steps, relation = where
            parts = [relation, *about]
            need = model.needs[bi]
            if need:
                shared = sorted(need & h.tags)
                if shared:
                    parts.append(_("共同标签: %s") % "、".join(shared))
                else:
                    parts.append(_("无共同标签 (%s)") % "、".join(sorted(need)))
            parts.append(load)
            suggestions.append(
                Suggestion(
                    beneficiary=b,
                    helper=h,
                    steps=steps,
                    distance_cost=distance,
                    fit_cost=fit,
                    load_cost=model.slot(h.load + j + 1),
                    relation=relation,
                    explanation=", ".join(parts),
                )
            )
    order = {id(b): i for i, b in enumerate(B)}
    suggestions.sort(key=lambda s: (problem.paths[s.beneficiary.org_id], order[id(s.beneficiary)]))
    left = [Unmatched(B[bi], unmatched_reason) for bi in range(len(B)) if bi not in matched]
    left.sort(key=lambda u: (-u.beneficiary.urgency, order[id(u.beneficiary)]))
    return MatchResult(
        program=problem.program,
        day=problem.day,
        kind=problem.kind,
        status=status,
        suggestions=suggestions,
        unmatched=left,
        beneficiaries=len(B),
        helpers=len(problem.helpers),
        helpers_available=len(helpers),
        slots=sum(h.remaining for h in helpers),
        objective=objective,
        arcs=arcs,
        timings=timings or {},
    )


def _reason(problem: Problem) -> str:
    slots = sum(h.remaining for h in problem.helpers)
    if not slots:
        return _("没有仍有剩余帮扶能力的帮扶人")
    return _("帮扶人的剩余名额已用完: %(n)d 个待结对对象, 只有 %(slots)d 个名额") % {
        "n": len(problem.beneficiaries),
        "slots": slots,
    }


# -- the optimum -----------------------------------------------------------------------------


def solve(
    problem: Problem, *, weights: Weights = DEFAULT_WEIGHTS, limit_candidates: int = 20
) -> MatchResult:
    """The minimum-cost assignment of a problem (see the module's docstring for the network)."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    started = time.perf_counter()
    model = CostModel(problem, weights)
    B, H = problem.beneficiaries, problem.available
    nb, nh = len(B), len(H)
    timings = {"read": problem.read_seconds}
    if nb == 0 or nh == 0:
        timings["solve"] = time.perf_counter() - started
        return _build(problem, model, {}, _reason(problem), status=OPTIMAL, timings=timings)

    # Units: every unit on the path of a beneficiary's or helper's unit, under a virtual root.
    unit_ids = sorted({u for party in (*B, *H) for u in problem.paths[party.org_id]})
    uidx = {u: i + 1 for i, u in enumerate(unit_ids)}  # 0 is the virtual root
    nu = len(unit_ids) + 1
    parent = np.zeros(nu, dtype=np.int64)
    for path in {problem.paths[party.org_id] for party in (*B, *H)}:
        for k in range(len(path)):
            parent[uidx[path[k]]] = uidx[path[k - 1]] if k else 0

    b_node = np.arange(nb, dtype=np.int64)
    u_base, h_base = nb, nb + nu
    sink = nb + nu + nh
    b_unit = np.array([uidx[b.org_id] for b in B], dtype=np.int64) + u_base
    h_unit = np.array([uidx[h.org_id] for h in H], dtype=np.int64) + u_base
    h_node = np.arange(nh, dtype=np.int64) + h_base
    penalty = np.array([weights.no_shared_tag if n else 0 for n in model.needs], dtype=np.int64)
    fit = np.array([model.helper_fit(h) for h in H], dtype=np.int64)
    rem = np.array([h.remaining for h in H], dtype=np.int64)
    loads = np.array([h.load for h in H], dtype=np.int64)

    # Direct arcs for the shared-tag preference: the cheapest sharing helpers of each beneficiary.
    by_tag: dict[str, list[int]] = defaultdict(list)
    for hi, h in enumerate(H):
        for t in h.tags:
            by_tag[t].append(hi)
    groups: dict[tuple[int, frozenset[str]], list[int]] = defaultdict(list)
    for bi, need in enumerate(model.needs):
        if need:
            groups[(B[bi].org_id, need)].append(bi)
    d_tail: list[int] = []
    d_head: list[int] = []
    d_cost: list[int] = []
    for (org_id, need), members in groups.items():
        sharing = sorted({hi for t in need for hi in by_tag.get(t, ())})
        ranked = sorted(
            (
                weights.step * model.tree.steps(org_id, H[hi].org_id) + int(fit[hi]),
                -H[hi].remaining,
                hi,
            )
            for hi in sharing
        )[:limit_candidates]
        for bi in members:
            for cost, _room, hi in ranked:
                d_tail.append(bi)
                d_head.append(h_base + hi)
                d_cost.append(cost)

    max_slot = weights.load_step * int(max(0, (loads + rem).max() - 1))
    depth = max(len(p) for p in problem.paths.values())
    max_pair = weights.step * 2 * depth + int(fit.max()) + weights.no_shared_tag
    big = (nb + 1) * (max_pair + max_slot + 1)
    urgency = np.array([b.urgency for b in B], dtype=np.int64)

    slot_tail = np.repeat(h_node, rem)
    first = np.repeat(loads, rem)
    offset = np.arange(int(rem.sum()), dtype=np.int64) - np.repeat(np.cumsum(rem) - rem, rem)
    slot_cost = weights.load_step * (first + offset)  # slot k = load + offset + 1 costs (k-1)·w
    child = np.arange(1, nu, dtype=np.int64)
    wide = max(nb, 1)
    blocks = [
        # (tails, heads, capacities, costs)
        (b_node, b_unit, np.ones(nb), penalty),
        (b_node, np.full(nb, sink), np.ones(nb), big * (1 + urgency)),
        (child + u_base, parent[1:] + u_base, np.full(nu - 1, wide), np.full(nu - 1, weights.step)),
        (parent[1:] + u_base, child + u_base, np.full(nu - 1, wide), np.full(nu - 1, weights.step)),
        (h_unit, h_node, rem, fit),
        (slot_tail, np.full(len(slot_tail), sink), np.ones(len(slot_tail)), slot_cost),
        (np.array(d_tail), np.array(d_head), np.ones(len(d_tail)), np.array(d_cost)),
    ]
    sizes = [len(b[0]) for b in blocks]
    tails, heads, caps, costs = (
        np.concatenate([np.asarray(b[i], dtype=np.int64) for b in blocks]) for i in range(4)
    )
    smcf = SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:nb] = 1
    supplies[sink] = -nb
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    timings["build"] = time.perf_counter() - started
    status = smcf.solve()
    timings["solver"] = time.perf_counter() - started - timings["build"]
    if status != smcf.OPTIMAL:
        raise MatchError(_("求解失败: %s") % status.name)
    flows = smcf.flows(np.arange(smcf.num_arcs(), dtype=np.int64))
    ends = np.cumsum(sizes)
    into_unit, _out, up, down, to_helper, _slots, direct = np.split(flows, ends[:-1])

    # Split the flow into pairs: tokens (beneficiaries) travel through the units in topological
    # order of the flow, each helper taking as many as flow into it. An optimal flow has no
    # cycle (every tree edge costs), and each token's route is a simple path of the tree, so its
    # cost is the pair's tree distance whichever token goes where.
    assigned: dict[int, list[int]] = defaultdict(list)
    for j in np.flatnonzero(direct).tolist():
        assigned[d_head[j] - h_base].append(d_tail[j])
    tokens: list[deque[int]] = [deque() for _ in range(nu)]
    for bi in np.flatnonzero(into_unit).tolist():
        tokens[int(b_unit[bi]) - u_base].append(int(bi))
    helpers_at: list[list[int]] = [[] for _ in range(nu)]
    for hi in np.flatnonzero(to_helper).tolist():
        helpers_at[int(h_unit[hi]) - u_base].append(int(hi))
    out: list[list[tuple[int, int]]] = [[] for _ in range(nu)]
    indegree = [0] * nu
    for i in np.flatnonzero(up).tolist():
        out[i + 1].append((int(parent[i + 1]), int(up[i])))
        indegree[int(parent[i + 1])] += 1
    for i in np.flatnonzero(down).tolist():
        out[int(parent[i + 1])].append((i + 1, int(down[i])))
        indegree[i + 1] += 1
    ready = deque(u for u in range(nu) if indegree[u] == 0)
    processed = 0
    while ready:
        u = ready.popleft()
        processed += 1
        here = tokens[u]
        for hi in helpers_at[u]:
            assigned[hi].extend(here.popleft() for _ in range(int(to_helper[hi])))
        for v, n in out[u]:
            tokens[v].extend(here.popleft() for _ in range(n))
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
        if here:
            raise MatchError(_("求解结果无法分解为结对"))
    if processed != nu:
        raise MatchError(_("求解结果无法分解为结对"))
    for bis in assigned.values():
        bis.sort()
    timings["solve"] = time.perf_counter() - started
    result = _build(
        problem,
        model,
        dict(assigned),
        _reason(problem),
        status=OPTIMAL,
        objective=int(smcf.optimal_cost()),
        arcs=int(smcf.num_arcs()),
        timings=timings,
    )
    charged = result.objective - big * sum(1 + u.beneficiary.urgency for u in result.unmatched)
    if result.total_cost > charged:  # the pairs cost what the solver paid, or less
        raise MatchError(_("求解结果与代价不一致"))
    return result


def suggest(
    program: Program,
    *,
    day: datetime.date | None = None,
    limit_candidates: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchResult:
    """Suggested helpers for a person-helper program's unpaired beneficiaries on ``day``
    (default :func:`match_day`): the optimum of the cost model over all pairs."""
    started = time.perf_counter()
    result = solve(
        load_problem(program, day=day), weights=weights, limit_candidates=limit_candidates
    )
    result.timings["total"] = time.perf_counter() - started
    return result


# -- the baseline ------------------------------------------------------------------------------


def greedy_solve(
    problem: Problem, *, weights: Weights = DEFAULT_WEIGHTS, limit_candidates: int | None = None
) -> MatchResult:
    """Greedy nearest-available: beneficiaries in order (by key), each taking the nearest helper
    with capacity left (fewest tree steps; ties by unit, then helper key).

    With ``limit_candidates`` it looks only at each beneficiary's that many nearest helpers, as
    candidate lists do, and strands a beneficiary whose candidates are all full. Tree distances
    tie a lot (every helper of a neighbouring village is as near), so the list takes whole rings
    of equally near helpers and a sample of the last one, shuffled per beneficiary (seeded by its
    key): beneficiaries of one village do not all get the same list."""
    started = time.perf_counter()
    model = CostModel(problem, weights)
    H = problem.available
    rem = [h.remaining for h in H]
    at_unit: dict[int, list[int]] = defaultdict(list)
    for hi, h in enumerate(H):
        at_unit[h.org_id].append(hi)
    helper_units = sorted(at_unit)
    ranked_units: dict[int, list[int]] = {}
    rings: dict[int, list[list[int]]] = {}
    pointer: dict[int, int] = {}
    unit_pointer = dict.fromkeys(helper_units, 0)
    assigned: dict[int, list[int]] = defaultdict(list)
    for bi, b in enumerate(problem.beneficiaries):
        units = ranked_units.get(b.org_id)
        if units is None:
            origin = b.org_id

            def nearness(u: int, origin: int = origin) -> tuple[int, int]:
                return model.tree.steps(origin, u), u

            units = sorted(helper_units, key=nearness)
            ranked_units[b.org_id] = units
            pointer[b.org_id] = 0
            grouped: dict[int, list[int]] = defaultdict(list)
            for u in units:
                grouped[model.tree.steps(origin, u)].extend(at_unit[u])
            rings[b.org_id] = [grouped[d] for d in sorted(grouped)]
        chosen = None
        if limit_candidates is not None:
            rng = random.Random(b.pk)
            need = limit_candidates
            for ring in rings[b.org_id]:
                picked = rng.sample(ring, min(need, len(ring)))
                chosen = next((hi for hi in picked if rem[hi] > 0), None)
                need -= len(picked)
                if chosen is not None or need == 0:
                    break
        else:
            # Exhausted units stay exhausted: both pointers only move forward.
            i = pointer[b.org_id]
            while i < len(units):
                u = units[i]
                helpers_here, j = at_unit[u], unit_pointer[u]
                while j < len(helpers_here) and rem[helpers_here[j]] == 0:
                    j += 1
                unit_pointer[u] = j
                if j < len(helpers_here):
                    chosen = helpers_here[j]
                    break
                i += 1
            pointer[b.org_id] = i
        if chosen is not None:
            rem[chosen] -= 1
            assigned[chosen].append(bi)
    why = _reason(problem)
    if limit_candidates is not None:
        why = _("%(n)d 个最近的候选帮扶人均已满额") % {"n": limit_candidates}
    timings = {"read": problem.read_seconds, "solve": time.perf_counter() - started}
    return _build(problem, model, dict(assigned), why, status=GREEDY, timings=timings)


def greedy(
    program: Program,
    *,
    day: datetime.date | None = None,
    limit_candidates: int | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchResult:
    """The greedy baseline on a program, for comparison (bench/match_bench.py)."""
    started = time.perf_counter()
    result = greedy_solve(
        load_problem(program, day=day), weights=weights, limit_candidates=limit_candidates
    )
    result.timings["total"] = time.perf_counter() - started
    return result


# -- accepting suggestions ---------------------------------------------------------------------


def _pairs(suggestions: Iterable[Suggestion | tuple[int, int]]) -> list[tuple[int, int]]:
    pairs = []
    for s in suggestions:
        if isinstance(s, Suggestion):
            pairs.append((s.helper.pk, s.beneficiary.pk))
        else:
            pairs.append((int(s[0]), int(s[1])))
    return pairs


def apply(
    program: Program,
    suggestions: Iterable[Suggestion | tuple[int, int]],
    *,
    actor: User,
    start: datetime.date,
) -> list[Pairing]:
    """Create the accepted pairings, all or none, through ``pairing_create`` (which checks the
    template's kinds, the actor's rights, the helper's capacity and audits each pairing).

    A suggestion is a :class:`Suggestion` or a (helper key, beneficiary key) pair, as the page
    posts it. Each must name a helper of the program's helper pool and a beneficiary of its pool
    still unpaired; a helper may not exceed the program's ``max_per_helper``. Any invalid one
    raises ValidationError and creates nothing."""
    pairs = _pairs(suggestions)
    if not pairs:
        return []
    if program.helper_kind != "person":
        raise ValidationError(_("该项目的帮扶人是单位, 不能按建议结对"))
    kind = program.beneficiary_kind
    seen: set[int] = set()
    for _h, b in pairs:
        if b in seen:
            raise ValidationError(_("同一帮扶对象出现在多条建议中"))
        seen.add(b)
    helper_ids = sorted({h for h, _b in pairs})
    helpers: dict[int, Helper] = {}
    for ids in _chunks(helper_ids):
        pool = helper_pool(program).filter(pk__in=ids).select_related("person")
        helpers.update({h.pk: h for h in pool})
    open_pool = unpaired(program, start)
    targets: dict[int, Any] = {}
    for ids in _chunks(sorted(seen)):
        if kind == "household":
            targets.update({h.pk: h for h in open_pool.filter(pk__in=ids).select_related("org")})
        elif kind == "person":
            targets.update({p.pk: p for p in open_pool.filter(pk__in=ids).select_related("org")})
        else:
            units = UnitBeneficiary.objects.filter(pk__in=open_pool.values("pk"), org_id__in=ids)
            targets.update({u.org_id: u.org for u in units.select_related("org")})
    cap = int(program.pairing_settings.get("max_per_helper") or 0)
    here = dict(
        Pairing.objects.filter(program=program, helper_id__in=helper_ids)
        .active_on(start)
        .values_list("helper_id")
        .annotate(n=Count("id"))
        .values_list("helper_id", "n")
    )
    adding: dict[int, int] = defaultdict(int)
    for h, b in pairs:
        helper = helpers.get(h)
        if helper is None:
            raise ValidationError(_("帮扶人 #%s 不在本项目的帮扶人范围内") % h)
        target = targets.get(b)
        if target is None:
            raise ValidationError(_("帮扶对象 #%s 不在本项目待结对的对象中 (或已结对)") % b)
        if kind == "person" and helper.person_id == b:
            raise ValidationError(_("%s 不能与本人结对") % helper.person.name)
        adding[h] += 1
        if cap and here.get(h, 0) + adding[h] > cap:
            raise ValidationError(
                _("%(name)s 在本项目最多结对 %(max)d 个") % {"name": helper.person.name, "max": cap}
            )
    created: list[Pairing] = []
    with transaction.atomic():
        for n, (h, b) in enumerate(pairs, start=1):
            side = {"household": "household", "person": "person", "unit": "beneficiary_org"}[kind]
            try:
                created.append(
                    pairing_create(
                        actor=actor,
                        program=program,
                        start=start,
                        helper=helpers[h],
                        **{side: targets[b]},
                    )
                )
            except ValidationError as exc:
                raise ValidationError(
                    _("第 %(n)d 条建议 (%(helper)s → %(target)s): %(error)s")
                    % {
                        "n": n,
                        "helper": helpers[h].person.name,
                        "target": targets[b],
                        "error": " ".join(exc.messages),
                    }
                ) from None
    return created
