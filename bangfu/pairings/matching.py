"""Matching (匹配建议): helpers for a program's unpaired beneficiaries, found as one optimisation.

One at a time, "the nearest helper who still has room" strands beneficiaries: early ones take
the helpers that later ones needed, and those are left with nobody near or nobody at all. Here
every unpaired beneficiary of a person-helper program is matched in one minimum-cost flow (OR-Tools
``SimpleMinCostFlow``, integer costs): minimum total cost subject to each helper's remaining
capacity, each beneficiary needing one helper (docs/matching.md).

Cost of pairing beneficiary *b* with helper *h* (weights in :class:`Weights`):

- **distance**: where both units have coordinates (``Org.longitude``/``latitude``; a household
  is at its village, a person at their unit), ``per_km`` × the great-circle distance in km
  (haversine), rounded to an integer. Otherwise ``step`` × the number of steps between the two
  units in the organisation tree (0 in the same unit; a village and its township 1; two villages
  of one township 2; two villages of two townships of one county 4), computed from the
  materialised paths without queries; units in different top-level trees meet at a virtual root
  above them. One tree step costs as much as 10 km;
- **fit**: the template's helper ``tags`` are preferred (党员 for 精准扶贫, 工会干部 and 党员 for
  困难职工; ``required_tags`` already limit the helper pool): a helper lacking all of them costs
  ``missing_tag``, one lacking some the same share of it (lacking one of two: half). And
  ``no_shared_tag`` when a person beneficiary carries a tag that some available helper also
  carries (a subject such as 数学, beyond the template's own helper and priority tags) and *h*
  shares none of those tags — a teacher of the struggling student's subject is preferred;
- **load balance**: the *k*-th pairing a helper carries (in any program, current ones counted)
  costs ``load_step`` × (k − 1): convex, so work spreads over helpers at equal distance. It is
  modelled with parallel helper→sink arcs of increasing cost, which keeps the flow exact.

Beneficiaries left without a helper cost more than any assignment could, so the optimum is
lexicographic: as few unmatched as possible (nobody is left while any helper has room), then
the most urgent matched first (a person's most urgent priority tag, in the template's order;
a household's 困难程度), then the lowest total cost.

Distances do not need candidate lists. Tree distances: beneficiaries flow into their unit's node
of a copy of the tree, along tree edges of cost ``step`` and out through the helpers' units, so
every helper is reachable from every beneficiary at exactly its tree distance, with
O(beneficiaries + helpers + units) arcs. Coordinate distances depend only on the two units, so
they are arcs between units, not between people: one from each beneficiary unit with
coordinates to each helper unit with coordinates (396 × 462 in the benchmark's county). Above
``MAX_UNIT_PAIRS`` unit pairs, each beneficiary unit gets arcs to its nearest helper units only
plus one arc to a hub that reaches every helper unit at a lower bound of the distance to the
ones left out; while the optimum uses the hub, the units that did get more neighbours and the
flow is solved again, so the result is still the optimum over all pairs. Only the shared-tag
preference is pairwise: it is carried by direct arcs to each beneficiary's ``limit_candidates``
cheapest helpers sharing a tag, so that part alone is optimal over those candidates. The flow is
then split into pairs along its paths (any split has the same cost).
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

from bangfu.core.batching import chunked
from bangfu.core.tree import path_ids
from bangfu.orgs.geo import haversine_pairs, unit_vectors
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
    the unit (100), as much as 10 km where both units have coordinates: lacking every preferred
    tag or sharing no subject costs one and a half steps (15 km), so a party member in the
    township office is preferred to a non-member in the village, but not to one two villages
    away; each further pairing a helper carries costs a fifth of a step (2 km) more than the
    one before."""

    step: int = 100
    per_km: int = 10  # where both units have coordinates: 10 km cost as much as a tree step
    missing_tag: int = 150
    no_shared_tag: int = 150
    load_step: int = 20

    def __post_init__(self) -> None:
        # A tree step must cost something: it keeps the optimal flow free of cycles, which is
        # what splitting it into pairs relies on.
        if (
            self.step < 1
            or min(self.per_km, self.missing_tag, self.no_shared_tag, self.load_step) < 0
        ):
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
    # org id → (longitude, latitude) in degrees, for the units that have coordinates
    coordinates: dict[int, tuple[float, float]] = field(default_factory=dict)
    read_seconds: float = 0.0

    @property
    def available(self) -> list[Party]:
        return [h for h in self.helpers if h.remaining > 0]


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
    coordinates: dict[int, tuple[float, float]] = {}
    for ids in chunked(wanted, CHUNK):
        rows = Org.objects.filter(pk__in=ids).values_list(
            "pk", "kind", "name", "longitude", "latitude"
        )
        for pk, unit_kind, name, longitude, latitude in rows:
            units[pk] = (unit_kind, name)
            if longitude is not None and latitude is not None:
                coordinates[pk] = (float(longitude), float(latitude))
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
        coordinates=coordinates,
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
    # (beneficiary unit, helper unit) → (distance cost, km), for units that both have coordinates
    geo: dict[tuple[int, int], tuple[int, float]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tree = Tree(self.problem.paths)
        offered = {t for h in self.problem.available for t in h.tags}
        p = self.problem
        own = {*p.helper_tags, *p.required_tags, *p.priority_tags}
        # A beneficiary's "needs": its other tags that some available helper also carries.
        self.needs = [frozenset((b.tags - own) & offered) for b in self.problem.beneficiaries]

    def geo_costs(self, b_units: Sequence[int], h_units: Sequence[int]) -> np.ndarray:
        """Distance costs of the unit pairs (b_units[i], h_units[i]), all with coordinates:
        ``per_km`` × great-circle km, rounded. Computed once, element-wise, and remembered, so
        the solver's arcs and the suggestions' parts are the very same numbers."""
        n = len(b_units)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        coords = self.problem.coordinates
        a = np.array([coords[u] for u in b_units], dtype=float)
        b = np.array([coords[v] for v in h_units], dtype=float)
        km = haversine_pairs(a, b)
        costs = np.rint(km * self.weights.per_km).astype(np.int64)
        self.geo.update(
            zip(
                zip(b_units, h_units, strict=True),
                zip(costs.tolist(), km.tolist(), strict=True),
                strict=True,
            )
        )
        return costs

    def distance(self, b_unit: int, h_unit: int) -> tuple[int, int, float | None]:
        """(distance cost, tree steps, km or None) between a beneficiary's and a helper's unit:
        by coordinates where both have them, else by tree steps."""
        steps = self.tree.steps(b_unit, h_unit)
        coords = self.problem.coordinates
        if b_unit in coords and h_unit in coords:
            found = self.geo.get((b_unit, h_unit))
            if found is None:
                self.geo_costs([b_unit], [h_unit])
                found = self.geo[(b_unit, h_unit)]
            return found[0], steps, found[1]
        return self.weights.step * steps, steps, None

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
        return self.distance(b.org_id, h.org_id)[0], self.helper_fit(h) + self.penalty(bi, h)

    def slot(self, k: int) -> int:
        """Cost of a helper's k-th pairing (1-based, current ones counted)."""
        return self.weights.load_step * (k - 1)


# -- results -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Suggestion:
    beneficiary: Party
    helper: Party
    steps: int  # tree steps between the two units (always known)
    km: float | None  # great-circle km, where both units have coordinates
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
    def total_km(self) -> float:
        """Total great-circle distance (km) of the suggestions whose two units have
        coordinates."""
        return sum(s.km for s in self.suggestions if s.km is not None)

    @property
    def km_pairs(self) -> int:
        """How many suggestions have a distance in km."""
        return sum(1 for s in self.suggestions if s.km is not None)

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


def _relation(problem: Problem, tree: Tree, b: Party, h: Party, km: float | None) -> str:
    """How the two units relate (同村 (甲村); 同乡镇 (甲镇), 相距 4.2 公里 / 相距 1 级)."""
    steps, lca = tree.meet(b.org_id, h.org_id)
    far = _("相距 %s 公里") % f"{km:.1f}" if km is not None else _("相距 %d 级") % steps
    if lca is None:
        return _("不同上级单位, %s") % far
    unit_kind, name = problem.units.get(lca, ("", ""))
    same = SAME_KIND.get(unit_kind)
    label = f"{same} ({name})" if same else _("同属“%s”") % name
    if steps == 0 and not km:
        return label
    return f"{label}, {far}"


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
    relations: dict[tuple[int, int], tuple[int, int, float | None, str]] = {}
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
            where = relations.get((b.org_id, h.org_id))
            if where is None:
                distance, steps, km = model.distance(b.org_id, h.org_id)
                where = (distance, steps, km, _relation(problem, model.tree, b, h, km))
                relations[(b.org_id, h.org_id)] = where
            distance, steps, km, relation = where
            fit = model.helper_fit(h) + model.penalty(bi, h)
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
                    km=km,
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


# Coordinate arcs join every beneficiary unit to every helper unit up to this many unit pairs;
# beyond it, each beneficiary unit starts with its FIRST_NEIGHBOURS nearest helper units and a
# lower-bound arc to the rest, widened until the optimum no longer uses that arc.
MAX_UNIT_PAIRS = 2_000_000
FIRST_NEIGHBOURS = 64


@dataclass
class _Network:
    """Arcs of the flow network as parallel lists; the routing arcs (everything but the
    "unmatched" and slot arcs) come first, so that the flow can be split into pairs."""

    tails: list[np.ndarray] = field(default_factory=list)
    heads: list[np.ndarray] = field(default_factory=list)
    caps: list[np.ndarray] = field(default_factory=list)
    costs: list[np.ndarray] = field(default_factory=list)

    def add(self, tails: Any, heads: Any, caps: Any, costs: Any) -> tuple[int, int]:
        start = self.size
        n = len(tails)
        self.tails.append(np.asarray(tails, dtype=np.int64).reshape(n))
        self.heads.append(np.broadcast_to(np.asarray(heads, dtype=np.int64), (n,)))
        self.caps.append(np.broadcast_to(np.asarray(caps, dtype=np.int64), (n,)))
        self.costs.append(np.broadcast_to(np.asarray(costs, dtype=np.int64), (n,)))
        return start, start + n

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.tails)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(x) for x in (self.tails, self.heads, self.caps, self.costs))


def _nearest_units(
    model: CostModel, b_units: list[int], h_units: list[int], ks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For beneficiary unit i, its ks[i] nearest helper units (by great-circle distance) as
    (rows, helper unit positions, costs), and a lower bound of the distance cost to every other
    helper unit (-1 when there is none left out)."""
    from scipy.spatial import cKDTree

    coords = model.problem.coordinates
    index = cKDTree(unit_vectors(np.array([coords[v] for v in h_units])))
    points = unit_vectors(np.array([coords[u] for u in b_units]))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    bound = np.full(len(b_units), -1, dtype=np.int64)
    beyond_rows: list[int] = []
    beyond_cols: list[int] = []
    for k in sorted(set(ks.tolist())):
        which = np.flatnonzero(ks == k)
        want = min(k + 1, len(h_units))
        _d, found = index.query(points[which], k=want)
        found = np.asarray(found).reshape(len(which), want)
        rows.append(np.repeat(which, min(k, want)))
        cols.append(found[:, : min(k, want)].reshape(-1))
        if want > k:  # the (k+1)-th nearest: no unit left out is nearer
            beyond_rows.extend(which.tolist())
            beyond_cols.extend(found[:, k].tolist())
    r, c = np.concatenate(rows), np.concatenate(cols)
    costs = model.geo_costs([b_units[i] for i in r.tolist()], [h_units[j] for j in c.tolist()])
    if beyond_rows:
        near = model.geo_costs([b_units[i] for i in beyond_rows], [h_units[j] for j in beyond_cols])
        # One less than the (k+1)-th nearest's cost: a safe bound whatever the rounding.
        bound[np.array(beyond_rows)] = np.maximum(near - 1, 0)
    return r, c, costs, bound


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

    # Which side measures by coordinates: units that have them, when both sides have some.
    coords = problem.coordinates
    b_units = sorted({b.org_id for b in B})
    h_units = sorted({h.org_id for h in H})
    geo_b = [u for u in b_units if u in coords]
    geo_h = [v for v in h_units if v in coords]
    if not (geo_b and geo_h):
        geo_b, geo_h = [], []
    geo_b_pos = {u: i for i, u in enumerate(geo_b)}
    geo_h_set = set(geo_h)
    need_t1 = len(geo_b) < len(b_units)  # beneficiaries measured along the tree
    need_t2 = bool(geo_b) and len(geo_h) < len(h_units)  # geo ones, to helpers without coords

    # Nodes: beneficiaries, tree copy 1, tree copy 2, geo entries, helper units, helpers, hub,
    # sink.
    t1 = nb
    t2 = t1 + (nu if need_t1 else 0)
    e0 = t2 + (nu if need_t2 else 0)
    hu0 = e0 + len(geo_b)
    h0 = hu0 + len(h_units)
    hub = h0 + nh
    sink = hub + 1
    hu_pos = {v: i for i, v in enumerate(h_units)}

    penalty = np.array([weights.no_shared_tag if n else 0 for n in model.needs], dtype=np.int64)
    fit = np.array([model.helper_fit(h) for h in H], dtype=np.int64)
    rem = np.array([h.remaining for h in H], dtype=np.int64)
    loads = np.array([h.load for h in H], dtype=np.int64)
    h_node = np.arange(nh, dtype=np.int64) + h0
    b_entry = np.array(
        [e0 + geo_b_pos[b.org_id] if b.org_id in geo_b_pos else t1 + uidx[b.org_id] for b in B],
        dtype=np.int64,
    )

    # Coordinate arcs: all unit pairs, or the nearest first (widened below while needed).
    full = len(geo_b) * len(geo_h) <= MAX_UNIT_PAIRS
    if full:
        rows = np.repeat(np.arange(len(geo_b)), len(geo_h))
        cols = np.tile(np.arange(len(geo_h)), len(geo_b))
        geo_cost = model.geo_costs(
            [geo_b[i] for i in rows.tolist()], [geo_h[j] for j in cols.tolist()]
        )
        bound = np.full(len(geo_b), -1, dtype=np.int64)
    else:
        ks = np.full(len(geo_b), min(FIRST_NEIGHBOURS, len(geo_h)), dtype=np.int64)
        rows, cols, geo_cost, bound = _nearest_units(model, geo_b, geo_h, ks)

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
            (model.distance(org_id, H[hi].org_id)[0] + int(fit[hi]), -H[hi].remaining, hi)
            for hi in sharing
        )[:limit_candidates]
        for bi in members:
            for cost, _room, hi in ranked:
                d_tail.append(bi)
                d_head.append(h0 + hi)
                d_cost.append(cost)

    max_slot = weights.load_step * int(max(0, (loads + rem).max() - 1))
    depth = max(len(p) for p in problem.paths.values())
    longest = max(
        weights.step * 2 * depth,
        int(geo_cost.max()) if len(geo_cost) else 0,
        int(bound.max()) if len(bound) else 0,
        max(d_cost, default=0),
    )
    max_pair = longest + int(fit.max()) + weights.no_shared_tag
    big = (nb + 1) * (max_pair + max_slot + 1)
    urgency = np.array([b.urgency for b in B], dtype=np.int64)
    slot_tail = np.repeat(h_node, rem)
    first = np.repeat(loads, rem)
    offset = np.arange(int(rem.sum()), dtype=np.int64) - np.repeat(np.cumsum(rem) - rem, rem)
    slot_cost = weights.load_step * (first + offset)  # slot k = load + offset + 1 costs (k-1)·w
    child = np.arange(1, nu, dtype=np.int64)
    wide = max(nb, 1)
    hu_of_helper = np.array([hu0 + hu_pos[h.org_id] for h in H], dtype=np.int64)
    plain_h = np.array([hu_pos[v] for v in h_units if v not in geo_h_set], dtype=np.int64)
    h_unit_nodes = np.array([uidx[v] for v in h_units], dtype=np.int64)
    geo_hu = np.array([hu_pos[v] for v in geo_h], dtype=np.int64)  # geo helper unit → HU

    rounds = 0
    while True:
        rounds += 1
        net = _Network()
        net.add(np.arange(nb), b_entry, 1, penalty)  # arcs 0..nb-1: beneficiary → entry
        d_span = net.add(d_tail, d_head, 1, d_cost)
        for needed, base, exits in ((need_t1, t1, np.arange(len(h_units))), (need_t2, t2, plain_h)):
            if needed:
                net.add(child + base, parent[1:] + base, wide, weights.step)
                net.add(parent[1:] + base, child + base, wide, weights.step)
                net.add(h_unit_nodes[exits] + base, exits + hu0, wide, 0)
        if need_t2:
            net.add(np.arange(len(geo_b)) + e0, np.array([uidx[u] for u in geo_b]) + t2, wide, 0)
        net.add(rows + e0, geo_hu[cols] + hu0, wide, geo_cost)
        lower = np.flatnonzero(bound >= 0)
        hub_span = net.add(lower + e0, hub, wide, bound[lower])
        if len(lower):
            net.add(np.full(len(geo_h), hub), geo_hu + hu0, wide, 0)
        net.add(hu_of_helper, h_node, rem, fit)
        routing = net.size
        net.add(np.arange(nb), sink, 1, big * (1 + urgency))
        net.add(slot_tail, sink, 1, slot_cost)
        tails, heads, caps, costs = net.arrays()

        smcf = SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[:nb] = 1
        supplies[sink] = -nb
        smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
        timings["build"] = time.perf_counter() - started - timings.get("solver", 0.0)
        solver_started = time.perf_counter()
        status = smcf.solve()
        timings["solver"] = timings.get("solver", 0.0) + time.perf_counter() - solver_started
        if status != smcf.OPTIMAL:
            raise MatchError(_("求解失败: %s") % status.name)
        flows = smcf.flows(np.arange(smcf.num_arcs(), dtype=np.int64))
        through_hub = flows[hub_span[0] : hub_span[1]]
        if not through_hub.any():
            break
        # The optimum used the lower bound: give those units twice the neighbours and re-solve.
        widen = lower[through_hub > 0]
        ks[widen] = np.minimum(ks[widen] * 2, len(geo_h))
        rows, cols, geo_cost, bound = _nearest_units(model, geo_b, geo_h, ks)
    timings["rounds"] = rounds

    # Split the flow into pairs: tokens (beneficiaries) travel through the network in
    # topological order of the flow, each helper taking as many as flow into it. An optimal flow
    # has no cycle (only tree edges could form one, and they cost), and each token's route is a
    # simple path whose cost is the pair's distance whichever token goes where.
    assigned: dict[int, list[int]] = defaultdict(list)
    tokens: dict[int, deque[int]] = defaultdict(deque)
    for bi in np.flatnonzero(flows[:nb]).tolist():
        tokens[int(b_entry[bi])].append(bi)
    for j in np.flatnonzero(flows[d_span[0] : d_span[1]]).tolist():
        assigned[d_head[j] - h0].append(d_tail[j])
    moving = np.arange(d_span[1], routing)[flows[d_span[1] : routing] > 0]
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    indegree: dict[int, int] = defaultdict(int)
    for t, hd, n in zip(
        tails[moving].tolist(), heads[moving].tolist(), flows[moving].tolist(), strict=True
    ):
        out[t].append((hd, n))
        if not h0 <= hd < h0 + nh:
            indegree[hd] += 1
    ready = deque(u for u in out if indegree[u] == 0)
    while ready:
        u = ready.popleft()
        here = tokens.pop(u, deque())
        for v, n in out.pop(u):
            moved = [here.popleft() for _ in range(n)] if len(here) >= n else None
            if moved is None:
                raise MatchError(_("求解结果无法分解为结对"))
            if h0 <= v < h0 + nh:
                assigned[v - h0].extend(moved)
            else:
                tokens[v].extend(moved)
                indegree[v] -= 1
                if indegree[v] == 0:
                    ready.append(v)
        if here:
            raise MatchError(_("求解结果无法分解为结对"))
    if out or any(tokens.values()):
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
    with capacity left (the model's distance: km where both units have coordinates, else tree
    steps; ties by unit, then helper key).

    With ``limit_candidates`` it looks only at each beneficiary's that many nearest helpers, as
    candidate lists do, and strands a beneficiary whose candidates are all full. Tree distances
    tie a lot (every helper of a neighbouring village is as near), so the list takes whole rings
    of equally near helpers and a sample of the last one, shuffled per beneficiary (seeded by its
    key): beneficiaries of one village do not all get the same list. With coordinates, rings
    are helpers at the same distance cost (0.1 km apart with the default weights)."""
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
    coords = problem.coordinates
    geo_b = sorted({b.org_id for b in problem.beneficiaries} & coords.keys())
    geo_h = [u for u in helper_units if u in coords]
    if geo_b and geo_h and len(geo_b) * len(geo_h) <= MAX_UNIT_PAIRS:  # all at once
        model.geo_costs(np.repeat(geo_b, len(geo_h)).tolist(), geo_h * len(geo_b))
    for bi, b in enumerate(problem.beneficiaries):
        units = ranked_units.get(b.org_id)
        if units is None:
            origin = b.org_id
            # Nearest first: by distance cost (km where both have coordinates, else tree
            # steps), then by the exact km, then by unit.
            near: dict[int, tuple[int, float, int]] = {}
            for u in helper_units:
                cost, steps, km = model.distance(origin, u)
                near[u] = (cost, km if km is not None else float(steps), u)
            units = sorted(helper_units, key=near.__getitem__)
            ranked_units[b.org_id] = units
            pointer[b.org_id] = 0
            grouped: dict[int, list[int]] = defaultdict(list)
            for u in units:
                grouped[near[u][0]].extend(at_unit[u])
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
    for ids in chunked(helper_ids, CHUNK):
        pool = helper_pool(program).filter(pk__in=ids).select_related("person")
        helpers.update({h.pk: h for h in pool})
    open_pool = unpaired(program, start)
    targets: dict[int, Any] = {}
    for ids in chunked(sorted(seen), CHUNK):
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
