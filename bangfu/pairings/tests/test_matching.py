"""Matching: the optimum against a brute force (every assignment of small random cases) and
against scipy's assignment solver (medium cases), capacity, nobody left unmatched while a helper
has room, the urgent first, greedy never better, explanations that name the real relation,
accepting all or none, the command line, and who may open the suggestion page."""

from __future__ import annotations

import copy
import datetime
import io
import itertools
import json
import math
import random

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from scipy.optimize import linear_sum_assignment

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, check, client_for, matrix
from bangfu.orgs.models import Org
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings import matching
from bangfu.pairings.matching import (
    DEFAULT_WEIGHTS,
    MatchError,
    apply,
    greedy,
    suggest,
)
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.programs.services import load_builtin_templates
from bangfu.registry.models import Helper, Tag
from bangfu.registry.tests.factories import PersonFactory, household_with_members

START = datetime.date(2025, 1, 1)
DAY = datetime.date(2025, 6, 1)
W = DEFAULT_WEIGHTS
HELPER_TAGS = ("教师", "党员")
PRIORITY = ("孤儿", "留守儿童")


# -- building cases ----------------------------------------------------------------------------


def make_program(world, code, template="siyige", *, org=None, area=None, **pairing) -> Program:
    load_builtin_templates()
    t = ProgramTemplate.objects.get(code=template)
    definition = copy.deepcopy(t.definition)
    definition["pairing"].update(pairing)
    return Program.objects.create(
        code=code,
        name=f"项目{code}",
        template=t,
        org=org or world.a,
        area=area or world.a,
        start=START,
        definition=definition,
    )


def tag(person, *names):
    person.tags.add(*(Tag.objects.get_or_create(name=n)[0] for n in names))


def person(org, name, *tags):
    p = PersonFactory(org=org, name=name)
    tag(p, *tags)
    return p


def helper(org, name, *tags, capacity=5):
    return Helper.objects.create(person=person(org, name, *tags), org=org, capacity=capacity)


def household(org, name, difficulty=""):
    h = household_with_members(org, 1, statuses=[(START, "assisting")])
    h.head.name = name
    h.head.save()
    h.difficulty = difficulty
    h.save()
    return h


def pair(program, helper_, **target):
    obj = next(iter(target.values()))
    return Pairing.objects.create(
        program=program, helper=helper_, org=obj.org, start=START, **target
    )


@pytest.fixture
def tree(world):
    """甲县 → 甲镇 → 甲村, 甲二村; 甲县 → 乙镇 → 乙村; 甲县扶贫办 under 甲县."""
    world.extra["a1v2"] = OrgFactory(
        code="450123100202", name="甲二村", kind="village", parent=world.a1
    )
    world.extra["a2"] = OrgFactory(code="450123101", name="乙镇", kind="township", parent=world.a)
    world.extra["a2v"] = OrgFactory(
        code="450123101201", name="乙村", kind="village", parent=world.extra["a2"]
    )
    return world


def great_circle(p, q) -> float:
    """Haversine km, written out here independently of bangfu.orgs.geo."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*p, *q))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def steps_between(a, b) -> int:
    """Tree distance by walking parents (independent of the paths the matcher reads)."""

    def chain(org):
        out = []
        while org is not None:
            out.append(org.pk)
            org = org.parent
        return out[::-1]

    ca, cb = chain(a), chain(b)
    common = sum(1 for _ in itertools.takewhile(lambda p: p[0] == p[1], zip(ca, cb)))
    return len(ca) + len(cb) - 2 * common


class Case:
    """A random small instance, with its own bookkeeping of what the matcher must see."""

    def __init__(
        self,
        world,
        seed: int,
        *,
        beneficiaries: int,
        helpers: int,
        capacity: int = 3,
        coordinates: float = 0.0,
    ):
        rng = random.Random(seed)
        units = [world.a1v, world.a1v2, world.a1, world.a2v, world.a2, world.a_office, world.a]
        # Each unit has coordinates with this probability: scattered over about 60 × 60 km.
        self.coords: dict[int, tuple[float, float]] = {}
        for unit in units:
            if rng.random() < coordinates:
                lon, lat = 107.4 + 0.6 * rng.random(), 22.9 + 0.55 * rng.random()
                Org.objects.filter(pk=unit.pk).update(longitude=f"{lon:.6f}", latitude=f"{lat:.6f}")
                self.coords[unit.pk] = (round(lon, 6), round(lat, 6))
        self.max_per_helper = rng.randint(1, 4)
        self.program = make_program(
            world, f"R{seed}", max_per_helper=self.max_per_helper, min_per_helper=0
        )
        self.program.definition["helper"]["tags"] = list(HELPER_TAGS)
        self.program.definition["helper"]["required_tags"] = []
        self.program.definition["beneficiary"]["priority_tags"] = list(PRIORITY)
        self.program.save()
        other = make_program(world, f"O{seed}")
        self.helpers = []
        for i in range(helpers):
            tags = rng.choice([[], ["教师"], ["党员"], ["教师", "党员"]])
            tags += rng.sample(["数学", "语文"], rng.randint(0, 1))
            org = rng.choice(units)
            h = helper(org, f"帮扶{i}", *tags, capacity=rng.randint(0, capacity))
            load_all = load_here = 0
            for _ in range(rng.choice([0, 0, 1, 2])):  # pairings in another program
                pair(other, h, person=person(org, "他人"))
                load_all += 1
            if rng.random() < 0.3:  # and one in this program, whose beneficiary is then paired
                pair(self.program, h, person=person(rng.choice(units), "已结对", "孤儿"))
                load_all += 1
                load_here += 1
            room = min(h.capacity - load_all, self.max_per_helper - load_here)
            self.helpers.append(
                {"pk": h.pk, "org": org, "tags": set(tags), "load": load_all, "room": max(0, room)}
            )
        self.beneficiaries = []
        for i in range(beneficiaries):
            tags = rng.sample(list(PRIORITY), rng.randint(1, 2))
            tags += rng.sample(["数学", "语文", "低保"], rng.randint(0, 2))
            org = rng.choice(units[:5])
            p = person(org, f"学生{i}", *tags)
            urgency = max(len(PRIORITY) - PRIORITY.index(t) for t in tags if t in PRIORITY)
            self.beneficiaries.append({"pk": p.pk, "org": org, "tags": set(tags), "u": urgency})
        offered = set().union(*(h["tags"] for h in self.helpers if h["room"] > 0))
        for b in self.beneficiaries:
            b["need"] = (b["tags"] - set(HELPER_TAGS) - set(PRIORITY)) & offered

    def km(self, b, h) -> float | None:
        if b["org"].pk in self.coords and h["org"].pk in self.coords:
            return great_circle(self.coords[b["org"].pk], self.coords[h["org"].pk])
        return None

    def distance(self, b, h) -> int:
        """Kilometres where both units have coordinates, else tree steps."""
        km = self.km(b, h)
        if km is not None:
            return round(km * W.per_km)
        return W.step * steps_between(b["org"], h["org"])

    def cost(self, b, h) -> int:
        missing = sum(1 for t in HELPER_TAGS if t not in h["tags"])
        no_shared = bool(b["need"]) and not (b["need"] & h["tags"])
        return (
            self.distance(b, h)
            + W.missing_tag * missing // len(HELPER_TAGS)
            + (W.no_shared_tag if no_shared else 0)
        )

    def slots(self, h, m) -> int:
        return sum(W.load_step * (h["load"] + j) for j in range(m))

    def brute_force(self) -> tuple[int, int, int]:
        """(unmatched, their urgency, cost) of the best of every assignment within capacity."""
        best = None
        options = range(-1, len(self.helpers))
        for choice in itertools.product(options, repeat=len(self.beneficiaries)):
            counts = [0] * len(self.helpers)
            for c in choice:
                if c >= 0:
                    counts[c] += 1
            if any(n > h["room"] for n, h in zip(counts, self.helpers, strict=True)):
                continue
            left = [b for b, c in zip(self.beneficiaries, choice, strict=True) if c < 0]
            cost = sum(
                self.cost(b, self.helpers[c])
                for b, c in zip(self.beneficiaries, choice, strict=True)
                if c >= 0
            ) + sum(self.slots(h, n) for h, n in zip(self.helpers, counts, strict=True))
            rank = (len(left), sum(b["u"] for b in left), cost)
            best = rank if best is None or rank < best else best
        assert best is not None
        return best

    def assignment_solver(self) -> tuple[int, int, int]:
        """The same objective through scipy's linear_sum_assignment: one column per helper slot
        (slot costs rise, so the cheapest are taken first) and one "unmatched" column each."""
        big = 10**7
        columns = []
        for h in self.helpers:
            for j in range(h["room"]):
                columns.append((h, W.load_step * (h["load"] + j)))
        nb = len(self.beneficiaries)
        matrix_ = np.full((nb, len(columns) + nb), 1e15)
        for i, b in enumerate(self.beneficiaries):
            for k, (h, slot) in enumerate(columns):
                matrix_[i, k] = self.cost(b, h) + slot
            matrix_[i, len(columns) + i] = big * (1 + b["u"])
        rows, cols = linear_sum_assignment(matrix_)
        left = [self.beneficiaries[i] for i, c in zip(rows, cols, strict=True) if c >= len(columns)]
        total = round(float(matrix_[rows, cols].sum())) - sum(big * (1 + b["u"]) for b in left)
        return len(left), sum(b["u"] for b in left), total

    def check_result(self, result) -> None:
        """Capacity respected, each beneficiary at most once, nobody left while a helper has
        room, and the distances are the real tree distances."""
        rooms = {h["pk"]: h["room"] for h in self.helpers}
        by_pk = {b["pk"]: b for b in self.beneficiaries}
        hs = {h["pk"]: h for h in self.helpers}
        used: dict[int, int] = {}
        seen = set()
        for s in result.suggestions:
            used[s.helper.pk] = used.get(s.helper.pk, 0) + 1
            assert s.beneficiary.pk not in seen
            seen.add(s.beneficiary.pk)
            b, h = by_pk[s.beneficiary.pk], hs[s.helper.pk]
            assert s.steps == steps_between(b["org"], h["org"])
            assert s.distance_cost == self.distance(b, h)
            km = self.km(b, h)
            assert (s.km is None) == (km is None)
            if km is not None:
                assert s.km == pytest.approx(km, abs=1e-6)
                assert f"相距 {km:.1f} 公里" in s.explanation or s.steps == 0
        assert all(n <= rooms[pk] for pk, n in used.items())
        assert seen | {u.beneficiary.pk for u in result.unmatched} == set(by_pk)
        if result.unmatched:
            assert all(used.get(pk, 0) == room for pk, room in rooms.items())


# -- optimality ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(24))
def test_optimum_equals_brute_force(tree, seed):
    rng = random.Random(1000 + seed)
    case = Case(tree, seed, beneficiaries=rng.randint(1, 6), helpers=rng.randint(1, 4))
    result = suggest(case.program, day=DAY)
    assert result.status == "OPTIMAL"
    case.check_result(result)
    assert result.rank == case.brute_force()
    baseline = greedy(case.program, day=DAY)
    case.check_result(baseline)  # it looks at every helper, so it strands nobody either
    assert baseline.rank >= result.rank  # greedy is never better
    assert greedy(case.program, day=DAY, limit_candidates=1).rank >= result.rank


@pytest.mark.parametrize("seed", range(4))
def test_optimum_equals_assignment_solver_on_medium_cases(tree, seed):
    case = Case(tree, 100 + seed, beneficiaries=40, helpers=14, capacity=5)
    result = suggest(case.program, day=DAY)
    case.check_result(result)
    assert result.rank == case.assignment_solver()
    assert greedy(case.program, day=DAY).rank >= result.rank


@pytest.mark.parametrize("seed", range(16))
def test_optimum_with_coordinates_equals_brute_force(tree, seed):
    """Some units with coordinates (km between them), the others by tree steps."""
    rng = random.Random(2000 + seed)
    share = [1.0, 0.6, 0.3][seed % 3]
    case = Case(
        tree,
        200 + seed,
        beneficiaries=rng.randint(1, 6),
        helpers=rng.randint(1, 4),
        coordinates=share,
    )
    result = suggest(case.program, day=DAY)
    case.check_result(result)
    assert result.rank == case.brute_force()
    baseline = greedy(case.program, day=DAY)
    case.check_result(baseline)
    assert baseline.rank >= result.rank


@pytest.mark.parametrize("seed", range(3))
def test_optimum_with_coordinates_equals_assignment_solver_on_medium_cases(tree, seed):
    case = Case(tree, 300 + seed, beneficiaries=40, helpers=14, capacity=5, coordinates=0.8)
    result = suggest(case.program, day=DAY)
    case.check_result(result)
    assert result.rank == case.assignment_solver()
    assert greedy(case.program, day=DAY).rank >= result.rank


@pytest.mark.parametrize("seed", range(4))
def test_nearest_units_first_still_proves_the_optimum(tree, seed, monkeypatch):
    """Above MAX_UNIT_PAIRS each beneficiary unit starts with its nearest helper unit and a
    lower bound to the rest; the result is the same optimum over all pairs."""
    case = Case(tree, 400 + seed, beneficiaries=30, helpers=12, capacity=5, coordinates=1.0)
    expected = case.assignment_solver()
    monkeypatch.setattr(matching, "MAX_UNIT_PAIRS", 0)
    monkeypatch.setattr(matching, "FIRST_NEIGHBOURS", 1)
    result = suggest(case.program, day=DAY)
    case.check_result(result)
    assert result.rank == expected
    assert result.timings["rounds"] > 1  # the lower bound was used, and widened


def place(org, lon, lat):
    Org.objects.filter(pk=org.pk).update(longitude=lon, latitude=lat)


def test_coordinates_beat_the_tree_and_the_explanation_names_km(tree):
    program = make_program(tree, "GEO", "jingzhun")
    # 甲村 and 甲二村 share 甲镇 but lie 30 km apart; 乙村 (another township) is 3 km away.
    place(tree.a1v, "107.700000", "23.170000")
    place(tree.a1v2, "107.700000", "23.440000")
    place(tree.a2v, "107.729000", "23.170000")
    same_township = helper(tree.a1v2, "甲二村干部", "党员")
    next_door = helper(tree.a2v, "乙村干部", "党员")
    home = household(tree.a1v, "王大山")
    (s,) = suggest(program, day=DAY).suggestions
    assert (s.helper.pk, s.beneficiary.pk) == (next_door.pk, home.pk)
    km = great_circle((107.7, 23.17), (107.729, 23.17))
    assert s.km == pytest.approx(km) and 2.9 < km < 3.0
    assert s.distance_cost == round(km * W.per_km) == 30
    assert s.explanation == "同县 (甲县), 相距 3.0 公里, 党员, 当前结对 0/5, 本次建议 1 个"
    assert s.steps == 4  # still reported; the tree alone would have chosen 甲二村干部
    tree_only = greedy(program, day=DAY)
    assert tree_only.suggestions[0].helper.pk == next_door.pk  # greedy measures km too
    Org.objects.filter(pk=tree.a2v.pk).update(longitude=None, latitude=None)
    (s,) = suggest(program, day=DAY).suggestions
    assert s.helper.pk == same_township.pk  # no coordinates at 乙村: tree steps for that pair
    assert s.km == pytest.approx(great_circle((107.7, 23.17), (107.7, 23.44)))
    assert s.distance_cost == 300 and "相距 30.0 公里" in s.explanation


def test_without_coordinates_on_one_side_the_tree_decides(tree):
    program = make_program(tree, "HALF", "jingzhun")
    place(tree.a1v, "107.700000", "23.170000")  # only the household's village has coordinates
    township = helper(tree.a1, "镇干部", "党员")
    helper(tree.a2v, "乙村干部", "党员")
    household(tree.a1v, "李小河")
    result = suggest(program, day=DAY)
    (s,) = result.suggestions
    assert s.helper.pk == township.pk and s.km is None
    assert (s.steps, s.distance_cost) == (1, 100)
    assert s.explanation.startswith("同乡镇 (甲镇), 相距 1 级")
    assert (result.total_km, result.km_pairs, result.total_steps) == (0, 0, 1)


def test_same_place_is_zero_km(tree):
    program = make_program(tree, "ZERO", "jingzhun")
    place(tree.a1v, "107.700000", "23.170000")
    village = helper(tree.a1v, "村干部", "党员")
    household(tree.a1v, "张三")
    (s,) = suggest(program, day=DAY).suggestions
    assert (s.helper.pk, s.km, s.distance_cost) == (village.pk, 0.0, 0)
    assert s.explanation.startswith("同村 (甲村), 党员")


def test_capacity_counts_every_program_and_max_per_helper_this_one(tree):
    program = make_program(tree, "CAP", max_per_helper=2)
    other = make_program(tree, "OTHER")
    busy = helper(tree.a1v, "忙老师", "教师", capacity=5)
    for _ in range(4):
        pair(other, busy, person=person(tree.a1v, "别人"))
    free = helper(tree.a2v, "闲老师", "教师", capacity=5)
    for i in range(5):
        person(tree.a1v, f"学生{i}", "留守儿童")
    result = suggest(program, day=DAY)
    load = {}
    for s in result.suggestions:
        load[s.helper.pk] = load.get(s.helper.pk, 0) + 1
    assert load == {busy.pk: 1, free.pk: 2}  # 5 − 4 left; the program's maximum is 2
    assert len(result.unmatched) == 2
    assert "只有 3 个名额" in result.unmatched[0].reason


def test_the_most_urgent_are_matched_when_capacity_is_short(tree):
    program = make_program(tree, "URG")
    only = helper(tree.a1v, "唯一老师", "教师", capacity=1)
    near = person(tree.a1v, "近处孤儿", "孤儿")
    far = person(tree.a2v, "远处留守", "留守儿童")  # the template lists 留守儿童 first
    result = suggest(program, day=DAY)
    assert [(s.helper.pk, s.beneficiary.pk) for s in result.suggestions] == [(only.pk, far.pk)]
    assert [u.beneficiary.pk for u in result.unmatched] == [near.pk]


def test_a_shared_subject_is_preferred_to_a_nearer_teacher(tree):
    program = make_program(tree, "SUBJ")
    helper(tree.a1v, "同村老师", "教师")
    maths = helper(tree.a1, "数学老师", "教师", "数学")
    student = person(tree.a1v, "小明", "留守儿童", "数学")
    (s,) = suggest(program, day=DAY).suggestions
    assert (s.helper.pk, s.beneficiary.pk) == (maths.pk, student.pk)
    assert "共同标签: 数学" in s.explanation
    assert (s.distance_cost, s.fit_cost) == (100, 0)


def test_tags_nobody_offers_do_not_count(tree):
    program = make_program(tree, "LOW")
    near = helper(tree.a1v, "同村老师", "教师")
    helper(tree.a1, "数学老师", "教师", "数学")
    person(tree.a1v, "小红", "留守儿童", "低保")
    (s,) = suggest(program, day=DAY).suggestions
    assert s.helper.pk == near.pk and s.cost == 0


def test_explanations_name_the_real_relation(tree):
    program = make_program(tree, "EXPL", "jingzhun")
    other = make_program(tree, "EXPL2", "jingzhun")
    village = helper(tree.a1v, "村干部", "党员", capacity=2)
    elsewhere = household(tree.a1v, "别户")
    pair(other, village, household=elsewhere)
    elsewhere.status = "exited"  # out of the pool; the pairing still counts in the load
    elsewhere.save()
    township = helper(tree.a1, "镇干部", "党员")
    here = household(tree.a1v, "王大山", "deep")
    there = household(tree.a1v2, "李小河")
    result = suggest(program, day=DAY)
    by_beneficiary = {s.beneficiary.pk: s for s in result.suggestions}
    s1, s2 = by_beneficiary[here.pk], by_beneficiary[there.pk]
    assert s1.helper.pk == village.pk
    assert s1.explanation == "同村 (甲村), 党员, 当前结对 1/2, 本次建议 1 个"
    assert s1.beneficiary.name == "王大山户" and s1.beneficiary.ident == here.code
    assert s1.beneficiary.urgency_label == "深度困难"
    assert s2.helper.pk == township.pk
    assert s2.explanation.startswith("同乡镇 (甲镇), 相距 1 级, 党员, 当前结对 0/5")
    assert (s2.distance_cost, s2.load_cost) == (100, 0)
    assert result.total_steps == 1


def test_a_helper_short_of_the_templates_tags_costs_more(tree):
    program = make_program(tree, "KUN", "kunnan")  # helper tags: 工会干部, 党员
    helper(tree.a1v, "党员甲", "党员")
    both = helper(tree.a1v, "工会干部乙", "工会干部", "党员")
    household(tree.a1v, "张三")
    (s,) = suggest(program, day=DAY).suggestions
    assert s.helper.pk == both.pk
    assert s.fit_cost == 0 and "工会干部、党员" in s.explanation
    other = suggest(program, day=DAY, weights=matching.Weights(missing_tag=0))
    assert other.total_cost == 0


def test_load_is_spread_over_helpers_at_the_same_distance(tree):
    program = make_program(tree, "BAL", "jingzhun")
    helpers_ = [helper(tree.a1v, f"干部{i}", "党员") for i in range(3)]
    for i in range(6):
        household(tree.a1v, f"户{i}")
    result = suggest(program, day=DAY)
    counts = sorted(sum(1 for s in result.suggestions if s.helper.pk == h.pk) for h in helpers_)
    assert counts == [2, 2, 2]
    assert result.total_cost == 3 * W.load_step


def test_a_tree_step_must_cost_something():
    with pytest.raises(ValueError, match="step"):
        matching.Weights(step=0)
    with pytest.raises(ValueError):
        matching.Weights(load_step=-1)


def test_already_paired_and_exited_are_not_suggested(tree):
    program = make_program(tree, "DONE", "jingzhun")
    cadre = helper(tree.a1v, "干部", "党员")
    paired = household(tree.a1v, "已结对")
    pair(program, cadre, household=paired)
    exited = household(tree.a1v, "已脱贫")
    exited.status = "exited"
    exited.save()
    open_ = household(tree.a1v, "待结对")
    result = suggest(program, day=DAY)
    assert [s.beneficiary.pk for s in result.suggestions] == [open_.pk]
    assert result.suggestions[0].explanation.endswith("当前结对 1/5, 本次建议 1 个")


def test_no_one_is_paired_with_themselves(tree):
    program = make_program(tree, "SELF", "shitu")  # 师傅 (教师) with 新教师
    both = helper(tree.a1v, "新老师", "教师", "新教师")
    master = helper(tree.a2v, "老教师", "教师")
    result = suggest(program, day=DAY)
    assert [(s.helper.pk, s.beneficiary.pk) for s in result.suggestions] == [
        (master.pk, both.person.pk)
    ]


def test_helpers_in_another_tree_are_reachable_through_the_top(tree):
    program = make_program(tree, "FAR", "jingzhun", area=tree.a)
    program.org = tree.b  # organised by 乙县, helping 甲县's households
    program.save()
    outsider = helper(tree.b1, "乙镇干部", "党员")
    household(tree.a1v, "甲村户")
    (s,) = suggest(program, day=DAY).suggestions
    assert s.helper.pk == outsider.pk
    assert s.steps == 5 and s.relation == "不同上级单位, 相距 5 级"


def test_unit_helper_programs_are_refused(tree):
    program = make_program(tree, "UNIT", "chengxiang")
    with pytest.raises(MatchError, match="帮扶人是单位"):
        suggest(program, day=DAY)


def test_nothing_to_match(tree):
    program = make_program(tree, "EMPTY", "jingzhun")
    result = suggest(program, day=DAY)
    assert result.suggestions == [] and result.unmatched == [] and result.status == "OPTIMAL"
    household(tree.a1v, "无人帮")
    result = suggest(program, day=DAY)
    assert [u.reason for u in result.unmatched] == ["没有仍有剩余帮扶能力的帮扶人"]


def test_greedy_takes_what_a_later_beneficiary_needed(tree):
    program = make_program(tree, "GRD", "jingzhun")
    helper(tree.a1v, "甲村干部", "党员", capacity=1)
    helper(tree.a1v2, "甲二村干部", "党员", capacity=1)
    household(tree.a1, "镇上")  # one step from both; takes 甲村干部 (the tie's first)
    household(tree.a1v, "村里")  # then has to go to 甲二村 (two steps)
    best = suggest(program, day=DAY)
    assert (len(best.unmatched), best.total_steps) == (0, 1)
    nearest = greedy(program, day=DAY)
    assert (len(nearest.unmatched), nearest.total_steps) == (0, 3)


def test_greedy_with_candidate_lists_strands_what_the_optimum_matches(tree):
    program = make_program(tree, "GRD", "jingzhun")
    helper(tree.a1, "镇干部", "党员", capacity=1)
    helper(tree.a1v, "村干部", "党员", capacity=1)
    household(tree.a1, "镇上")  # takes 镇干部, the nearest
    household(tree.a1v2, "二村")  # its one candidate (镇干部, one step) is full
    best = suggest(program, day=DAY)
    assert (len(best.unmatched), best.total_steps) == (0, 2)
    limited = greedy(program, day=DAY, limit_candidates=1)
    assert [u.beneficiary.name for u in limited.unmatched] == ["二村户"]
    assert limited.unmatched[0].reason == "1 个最近的候选帮扶人均已满额"
    assert greedy(program, day=DAY).rank == best.rank


# -- accepting -------------------------------------------------------------------------------


@pytest.fixture
def jingzhun(tree):
    program = make_program(tree, "JZ", "jingzhun")
    tree.extra["cadres"] = [
        helper(tree.a1v, "甲村干部", "党员"),
        helper(tree.a2v, "乙村干部", "党员"),
    ]
    tree.extra["households"] = [household(tree.a1v, "王大山"), household(tree.a2v, "李小河")]
    tree.extra["program"] = program
    return tree


def test_apply_creates_the_accepted_pairings(jingzhun):
    result = suggest(jingzhun.program, day=DAY)
    created = apply(jingzhun.program, result.suggestions, actor=jingzhun.admin, start=DAY)
    assert len(created) == 2
    assert {(p.helper_id, p.household_id, p.start) for p in created} == {
        (s.helper.pk, s.beneficiary.pk, DAY) for s in result.suggestions
    }
    assert AuditEvent.objects.filter(object_type="pairings.pairing", action="create").count() == 2
    assert suggest(jingzhun.program, day=DAY).beneficiaries == 0


def test_apply_is_all_or_nothing(jingzhun):
    result = suggest(jingzhun.program, day=DAY)
    second = result.suggestions[1]
    Helper.objects.filter(pk=second.helper.pk).update(capacity=0)  # full since the page showed
    with pytest.raises(ValidationError, match="第 2 条建议"):
        apply(jingzhun.program, result.suggestions, actor=jingzhun.admin, start=DAY)
    assert not Pairing.objects.exists()


def test_apply_refuses_pairs_outside_the_program(jingzhun):
    program = jingzhun.program
    cadre, (first, second) = jingzhun.cadres[0], jingzhun.households
    stranger = helper(jingzhun.b1, "乙县干部", "党员")
    retired = helper(jingzhun.a1v, "已退休", "党员")
    retired.is_active = False
    retired.save()
    for pairs, message in (
        ([(stranger.pk, first.pk)], "不在本项目的帮扶人范围内"),
        ([(retired.pk, first.pk)], "不在本项目的帮扶人范围内"),
        ([(cadre.pk, first.pk), (cadre.pk, first.pk)], "同一帮扶对象"),
        ([(cadre.pk, 10**9)], "不在本项目待结对的对象中"),
    ):
        with pytest.raises(ValidationError, match=message):
            apply(program, pairs, actor=jingzhun.admin, start=DAY)
    pair(program, cadre, household=second)
    with pytest.raises(ValidationError, match="或已结对"):
        apply(program, [(cadre.pk, second.pk)], actor=jingzhun.admin, start=DAY)
    program.definition["pairing"]["max_per_helper"] = 1
    program.save()
    with pytest.raises(ValidationError, match="在本项目最多结对 1 个"):
        apply(program, [(cadre.pk, first.pk)], actor=jingzhun.admin, start=DAY)
    assert Pairing.objects.count() == 1


# -- the command line ----------------------------------------------------------------------------


def run_match(*args) -> str:
    out = io.StringIO()
    call_command("match", *args, stdout=out)
    return out.getvalue()


def test_cli_prints_json_with_the_import_identifiers(jingzhun):
    data = json.loads(run_match("--program", "JZ", "--format", "json", "--date", "2025-06-01"))
    assert set(data) >= {"program", "suggestions", "unmatched", "total_cost", "status"}
    assert data["program"] == "JZ" and data["status"] == "OPTIMAL" and data["unmatched"] == []
    cadres = {h.pk: h.person.id_number for h in jingzhun.cadres}
    assert {(s["helper"], s["beneficiary"]) for s in data["suggestions"]} == {
        (cadres[jingzhun.cadres[0].pk], jingzhun.households[0].code),
        (cadres[jingzhun.cadres[1].pk], jingzhun.households[1].code),
    }
    assert all(s["explanation"].startswith("同村") for s in data["suggestions"])
    assert data["total_cost"] == 0 and data["applied"] is None
    event = AuditEvent.objects.get(action="export", object_type="pairings.match")
    assert event.actor_username == "bangfu-cli" and event.after["rows"] == 2
    assert not Pairing.objects.exists()


def test_cli_apply_creates_the_pairings(jingzhun):
    text = run_match("--program", "JZ", "--apply", "--date", "2025-06-01")
    assert "已建立 2 个结对" in text and "王大山户" in text
    assert Pairing.objects.filter(program=jingzhun.program, start=DAY).count() == 2
    assert set(
        AuditEvent.objects.filter(action="create").values_list("actor_username", flat=True)
    ) == {"bangfu-cli"}
    data = json.loads(run_match("--program", "JZ", "--format", "json", "--date", "2025-06-01"))
    assert data["suggestions"] == [] and data["unmatched"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "NOPE"], "项目编码 NOPE 不存在"),
        (["--program", "JZ", "--date", "someday"], "--date"),
        (["--program", "JZ", "--user", "ghost"], "用户 ghost 不存在"),
        (["--program", "JZ", "--user", "outsider"], "无权管理"),
        (["--program", "JZ", "--limit-candidates", "0"], "--limit-candidates"),
        (["--program", "UNIT"], "帮扶人是单位"),
    ],
)
def test_cli_bad_arguments_exit_2(jingzhun, args, message):
    make_program(jingzhun, "UNIT", "chengxiang")
    with pytest.raises(CommandError, match=message) as exc:
        run_match(*args)
    assert exc.value.returncode == 2
    assert not AuditEvent.objects.filter(action="export").exists()


def test_cli_exit_status_and_one_line_error(jingzhun, capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["bangfu", "match", "--program", "NOPE"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip() == "CommandError: --program: 项目编码 NOPE 不存在"


def test_cli_apply_failure_creates_nothing(jingzhun, monkeypatch):
    from bangfu.pairings.management.commands import match as command

    real = command.apply

    def full_meanwhile(program, suggestions, **kwargs):
        # The second helper's last place is taken between the suggestion and the pairing.
        Helper.objects.filter(pk=suggestions[1].helper.pk).update(capacity=0)
        return real(program, suggestions, **kwargs)

    monkeypatch.setattr(command, "apply", full_meanwhile)
    with pytest.raises(CommandError, match="未建立任何结对: 第 2 条建议") as exc:
        run_match("--program", "JZ", "--apply", "--date", "2025-06-01")
    assert exc.value.returncode == 1
    assert not Pairing.objects.exists()


# -- the page --------------------------------------------------------------------------------


@pytest.fixture
def page_world(jingzhun):
    result = suggest(jingzhun.program)
    jingzhun.extra["key"] = result.suggestions[0].key
    return jingzhun


CASES = [
    UrlCase("match", {"admin": 200, "unit_admin": 200}, kwargs=lambda w: {"pk": w.program.pk}),
    UrlCase(
        "match_apply",
        {"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.program.pk},
        method="post",
        data=lambda w: {"action": "selected", "pick": [w.key]},
    ),
]


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_page_authorization(page_world, case, persona):
    check(page_world, "pairings", case, persona)
    created = Pairing.objects.filter(program=page_world.program).count()
    assert created == (
        1 if case.name == "match_apply" and persona in ("admin", "unit_admin") else 0
    )


def test_page_of_another_countys_program_is_404_for_the_unit_admin(page_world):
    program = make_program(page_world, "BPROG", "jingzhun", org=page_world.b, area=page_world.b)
    url = reverse("pairings:match", kwargs={"pk": program.pk})
    assert client_for(page_world, "unit_admin").get(url).status_code == 404
    assert client_for(page_world, "outsider").get(url).status_code == 200


def test_page_lists_suggestions_and_accepts_the_ticked_ones(page_world):
    client = client_for(page_world, "unit_admin")
    url = reverse("pairings:match", kwargs={"pk": page_world.program.pk})
    page = client.get(url).content.decode()
    result = suggest(page_world.program)
    for s in result.suggestions:
        assert f'value="{s.key}"' in page and s.explanation in page
    assert "全部接受" in page and "接受所选" in page
    apply_url = reverse("pairings:match_apply", kwargs={"pk": page_world.program.pk})
    first = result.suggestions[0]
    response = client.post(apply_url, {"action": "selected", "pick": [first.key]}, follow=True)
    assert "已建立 1 个结对" in response.content.decode()
    assert Pairing.objects.get().household_id == first.beneficiary.pk


def test_page_accept_all_applies_exactly_what_was_shown(page_world):
    client = client_for(page_world, "admin")
    apply_url = reverse("pairings:match_apply", kwargs={"pk": page_world.program.pk})
    stale = client.post(apply_url, {"action": "all", "digest": "old"}, follow=True)
    assert "建议已发生变化" in stale.content.decode()
    assert not Pairing.objects.exists()
    digest = suggest(page_world.program).digest
    done = client.post(apply_url, {"action": "all", "digest": digest}, follow=True)
    assert "已建立 2 个结对" in done.content.decode()
    assert Pairing.objects.count() == 2
    after = client.get(reverse("pairings:match", kwargs={"pk": page_world.program.pk}))
    assert "所有帮扶对象都已结对" in after.content.decode()


def test_page_reports_bad_or_missing_choices(page_world):
    client = client_for(page_world, "admin")
    apply_url = reverse("pairings:match_apply", kwargs={"pk": page_world.program.pk})
    for data, message in (
        ({"action": "selected"}, "请先勾选"),
        ({"action": "selected", "pick": ["x:y"]}, "所选的建议无效"),
        ({"action": "selected", "pick": [f"{page_world.cadres[0].pk}:1000000"]}, "未建立任何结对"),
    ):
        response = client.post(apply_url, data, follow=True)
        assert message in response.content.decode()
    assert not Pairing.objects.exists()


def test_page_of_a_unit_helper_program_explains_why(page_world):
    program = make_program(page_world, "UNITP", "baocun")
    response = client_for(page_world, "admin").get(
        reverse("pairings:match", kwargs={"pk": program.pk})
    )
    assert response.status_code == 200
    assert "自动匹配只适用于帮扶人为个人的项目" in response.content.decode()
