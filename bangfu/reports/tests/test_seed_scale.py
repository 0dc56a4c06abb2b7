"""Every report at the seed's scale, on a data set whose figures are fixed in advance.

The seed's sentence ("贫困人口10995户21444人 … 剔除3745户7261人, 拟脱贫6478户13010人,
未脱贫559户1141人") does not add up: 10995 − 3745 − 6478 − 559 leaves 213 households but only
21444 − 7261 − 13010 − 1141 = 32 persons. This data set keeps its household figures and makes the
persons reconcile: county 甲县 with three townships and eight villages holds 10,995 households
and 21,838 persons as of 2024-12-31 —

- 剔除 3,745 户 7,261 人 and 拟脱贫 6,478 户 13,010 人, as in the seed;
- the seed's 559 户 1,141 人 "未脱贫" besides 拟脱贫: 帮扶中 450/915, 新识别 100/200, 返贫 9/26;
- the 213 households that fit none of those: no status step by the day (426 persons), on the
  report's own 无状态记录 line.

(bangfu counts 拟脱贫 as not yet exited, so its 未脱贫 memo is 6,478 + 559 = 7,037 户.) Each
township's share is in :data:`PLAN`. Households get members (head, spouse, then sons and
daughters), causes, degrees of difficulty and children's schooling and work in fixed cycles;
every tenth household is paired in one program whose one rule asks a visit a month; visits,
慰问 with their ledger entries, books and a year-before period follow fixed rules on the pairing's
ordinal; every village reports its yearly indicators but one. The builder tallies, as it writes
each row, what every report must show for the county and for each township (:class:`Expected`);
the rows are written with ``bulk_create`` (a few seconds), never through the services.

The test then checks every report kind at the county and at each township against those
figures, that each reconciling table's parts add up to its total, and that the townships'
figures add up to the county's.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.db.models import DateField, DecimalField, JSONField, Max, Model
from django.utils import timezone

from bangfu.activities.models import Activity, ActivityLink
from bangfu.core.testing import World
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.selectors import wan
from bangfu.orgs.models import Org
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.programs.services import load_builtin_templates
from bangfu.registry.choices import (
    IN_SCHOOL,
    Cause,
    Difficulty,
    Employment,
    Relation,
    Schooling,
    Status,
)
from bangfu.registry.models import (
    Helper,
    Household,
    Member,
    Person,
    StatusChange,
    UnitBeneficiary,
    UnitIndicator,
)
from bangfu.reports.base import MEMO, OTHER, Params, Report
from bangfu.reports.reports import KINDS, build

D = datetime.date
AS_OF = D(2024, 12, 31)
START = D(2024, 1, 1)
BEFORE = (D(2023, 1, 1), D(2023, 12, 31))  # the same range a year earlier
COUNTY = "county"
TOWNS = ("甲镇", "丙镇", "丁镇")
VILLAGES = {"甲镇": ("甲村", "甲二村", "甲三村"), "丙镇": ("丙一村", "丙二村", "丙三村")}
VILLAGES |= {"丁镇": ("丁一村", "丁二村")}
OWN_EVERY = 50  # in 甲镇, every 50th household of a group is on the township's own roll (本级)

# (households, persons) of each township by status as of AS_OF; None: no status step by then.
PLAN: dict[str | None, tuple[tuple[int, int], ...]] = {
    "removed": ((1500, 2900), (1245, 2411), (1000, 1950)),
    "proposed_exit": ((2500, 5000), (2478, 4990), (1500, 3020)),
    "assisting": ((200, 410), (150, 300), (100, 205)),
    "identified": ((50, 100), (30, 60), (20, 40)),
    "returned": ((5, 12), (3, 8), (1, 6)),
    None: ((100, 200), (63, 126), (50, 100)),
}
# The status steps of each group (and, for some, one after AS_OF that must not count).
HISTORY: dict[str | None, list[tuple[datetime.date, str]]] = {
    "removed": [(D(2023, 3, 1), "identified"), (D(2024, 6, 1), "removed")],
    "proposed_exit": [(D(2023, 3, 1), "assisting"), (D(2024, 10, 1), "proposed_exit")],
    "assisting": [(D(2023, 3, 1), "identified"), (D(2024, 2, 1), "assisting")],
    "identified": [(D(2024, 5, 1), "identified")],
    "returned": [
        (D(2022, 3, 1), "assisting"),
        (D(2022, 10, 1), "proposed_exit"),
        (D(2023, 1, 1), "exited"),
        (D(2024, 8, 1), "returned"),
    ],
    None: [],
}
LATER: dict[str | None, tuple[datetime.date, str]] = {
    "proposed_exit": (D(2025, 2, 1), "exited"),  # every fourth one
    None: (D(2025, 1, 10), "identified"),  # every second one
}
CAUSES = ("illness", "disability", "schooling", "no_capital", "")
DEGREES = ("general", "deep", "")
# A child's (schooling, birth date, employment) by the child's ordinal modulo 5. The cut-off for
# 16 and over on AS_OF is 2008-12-31, which the third case falls on.
CHILDREN = (
    ("junior", D(2010, 3, 1), ""),
    ("not_in_school", D(2000, 1, 1), "unemployed"),
    ("not_in_school", D(2008, 12, 31), "county"),
    ("", None, "none"),
    ("preschool_age", D(2021, 1, 1), ""),
)
CUTOFF = D(2008, 12, 31)
RULE = {
    "code": "visit-monthly",
    "name": "每月至少入户走访一次",
    "kind": "periodic",
    "types": ["走访"],
    "count": 1,
    "period": "month",
}
PROGRAM_NAME = "甲县结对帮扶"
NOT_FILLED = "未填写"


# -- writing rows in bulk ----------------------------------------------------------------------


def insert(model: type[Model], objs: list[Any]) -> list[Any]:
    """Write model instances with one ``executemany`` (ids given here, no per-value compiling):
    several times faster than ``bulk_create`` for the tens of thousands of rows made here."""
    if not objs:
        return objs
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    start = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    prepared = {
        f.attname: (
            f
            if isinstance(f, (DateField, DecimalField, JSONField)) and not getattr(f, "auto_now", 0)
            else None
        )
        for f in fields
    }
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    rows = []
    for i, obj in enumerate(objs):
        obj.pk = start + i
        row = []
        for f in fields:
            if f.attname in stamped:
                value = now
                row.append(f.get_db_prep_save(value, connection))
                continue
            if f.is_relation:
                cached = f.get_cached_value(obj, None)
                value = cached.pk if cached is not None else getattr(obj, f.attname)
            else:
                value = getattr(obj, f.attname)
            row.append(
                f.get_db_prep_save(value, connection)
                if prepared[f.attname] is not None and value is not None
                else value
            )
        rows.append(row)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
    return objs


# -- what every report must show, tallied while the rows are made -----------------------------


@dataclass
class Expected:
    """scope ("county" or a township's name) → table key → line label → values."""

    lines: dict[str, dict[str, dict[str, list[Any]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    sets: dict[tuple[str, str], set] = field(default_factory=lambda: defaultdict(set))

    def add(self, table: str, where: Iterable[tuple[str, str]], values: list[Any]) -> None:
        """Add ``values`` to the line ``label`` of ``table`` in each (scope, label) given."""
        for scope, label in where:
            line = self.lines[scope][table].setdefault(label, [0] * len(values))
            for i, v in enumerate(values):
                line[i] += v

    def table(self, scope: str, key: str) -> dict[str, list[Any]]:
        return self.lines[scope][key]


def both(town: str, label: str | None = None) -> list[tuple[str, str]]:
    """The same line in the county's table and in the township's."""
    return [(COUNTY, label or ""), (town, label or "")]


def units(town: str, unit: str) -> list[tuple[str, str]]:
    """A unit-breakdown line: the township in the county's table; the village (or 本级) in the
    township's."""
    return [(COUNTY, town), (town, unit)]


@dataclass
class Scale:
    world: World
    orgs: dict[str, Org]
    expected: Expected

    def org(self, name: str) -> Org:
        return self.orgs[name]


def make(world: World) -> Scale:
    e = Expected()
    load_builtin_templates()
    a = world.a
    orgs: dict[str, Org] = {"甲县": a, "甲镇": world.a1, "甲村": world.a1v}
    for n, town in enumerate(TOWNS):
        if town not in orgs:
            orgs[town] = OrgFactory(code=f"450123{n + 1}00", name=town, kind="township", parent=a)
        for m, village in enumerate(VILLAGES[town]):
            if village not in orgs:
                orgs[village] = OrgFactory(
                    code=f"450123{n + 1}00{m + 201}",
                    name=village,
                    kind="village",
                    parent=orgs[town],
                )
    helper_persons = insert(
        Person,
        [
            Person(org=orgs[v], name=f"帮扶人{v}", name_sort=f"bfr{v}")
            for t in TOWNS
            for v in VILLAGES[t]
        ],
    )
    helpers = {
        h.org.name: h
        for h in Helper.objects.bulk_create(
            Helper(person=p, org=p.org, capacity=500) for p in helper_persons
        )
    }
    template = ProgramTemplate.objects.get(code="jingzhun")
    definition = copy.deepcopy(template.definition) | {"rules": [RULE]}
    program = Program.objects.create(
        code="SCALE",
        name=PROGRAM_NAME,
        template=template,
        org=a,
        area=a,
        start=START,
        definition=definition,
    )

    # Households: one group per (township, status); sizes spread so that the persons add up.
    plan: list[tuple[str, str | None, int, str, int]] = []  # town, status, j, unit, size
    for status, shares in PLAN.items():
        for town, (h, p) in zip(TOWNS, shares, strict=True):
            base, extra = divmod(p, h)
            for j in range(h):
                own = town == "甲镇" and j % OWN_EVERY == OWN_EVERY - 1
                unit = town if own else VILLAGES[town][j % len(VILLAGES[town])]
                plan.append((town, status, j, unit, base + (1 if j < extra else 0)))
    # Ten households of 乙县, outside the reader's reach: nothing of them may show.
    outside = [("", "removed", j, "", 1) for j in range(10)]

    def unit_org(unit: str) -> Org:
        return orgs[unit] if unit else world.b1

    persons: list[Person] = []
    roles: list[tuple[int, str, int]] = []  # household index, relation, child ordinal (or -1)
    child = 0
    for g, (_town, _status, _j, unit, size) in enumerate(plan + outside):
        for k in range(size):
            relation = "head" if k == 0 else "spouse" if k == 1 else ("son", "daughter")[k % 2]
            p = Person(org=unit_org(unit), name=f"成员{g}-{k}", name_sort=f"m{g:06d}{k}")
            if relation in ("son", "daughter"):
                schooling, birth, work = CHILDREN[child % len(CHILDREN)]
                p.schooling, p.birth_date, p.employment = schooling, birth, work
                roles.append((g, relation, child))
                child += 1
            else:
                roles.append((g, relation, -1))
            persons.append(p)
    persons = insert(Person, persons)
    heads = [p for p, (_g, rel, _c) in zip(persons, roles, strict=True) if rel == "head"]
    households = []
    for g, (_town, status, j, unit, _size) in enumerate(plan + outside):
        later = LATER.get(status)
        shown = later[1] if later and j % (4 if status else 2) == 0 else status
        households.append(
            Household(
                code=f"S{g:06d}",
                org=unit_org(unit),
                head=heads[g],
                main_cause=CAUSES[g % len(CAUSES)],
                difficulty=DEGREES[g % len(DEGREES)],
                status=shown or "",
            )
        )
    households = insert(Household, households)
    insert(
        Member,
        [
            Member(household=households[g], person=p, relation=rel)
            for p, (g, rel, _c) in zip(persons, roles, strict=True)
        ],
    )
    steps = []
    for g, (_town, status, j, _unit, _size) in enumerate(plan + outside):
        for day, step in HISTORY[status]:
            steps.append(StatusChange(household=households[g], status=step, date=day))
        later = LATER.get(status)
        if later and j % (4 if status else 2) == 0:
            steps.append(StatusChange(household=households[g], status=later[1], date=later[0]))
    insert(StatusChange, steps)

    # The expected registry figures.
    labels = dict(Status.choices)
    sizes: dict[int, int] = {}
    for g, (town, status, _j, unit, size) in enumerate(plan):
        sizes[g] = size
        label = str(labels[status]) if status else "无状态记录"
        e.add("as_of", both(town, label), [1, size])
        if status:
            e.add("entries", both(town, label), [1, size])
        e.add("people", units(town, unit if unit != town else "本级"), [1, size])
        cause = CAUSES[g % len(CAUSES)]
        e.add("causes", both(town, str(dict(Cause.choices)[cause]) if cause else NOT_FILLED),
              [1, size])  # fmt: skip
        degree = DEGREES[g % len(DEGREES)]
        e.add(
            "difficulty",
            both(town, str(dict(Difficulty.choices)[degree]) if degree else NOT_FILLED),
            [1, size],
        )
    for p, (g, rel, c) in zip(persons, roles, strict=True):
        if g >= len(plan):
            continue
        town = plan[g][0]
        e.add("members", both(town, str(dict(Relation.choices)[rel])), [1])
        if c < 0:
            continue
        schooling = p.schooling
        e.add(
            "children_school",
            both(town, str(dict(Schooling.choices)[schooling]) if schooling else NOT_FILLED),
            [1],
        )
        if schooling in IN_SCHOOL:
            e.add("children_school", both(town, "其中在校"), [1])
        elif p.birth_date is None or p.birth_date <= CUTOFF:
            work = p.employment
            e.add(
                "children_work",
                both(town, str(dict(Employment.choices)[work]) if work else NOT_FILLED),
                [1],
            )
            if work in ("unemployed", "none"):
                e.add("children_work", both(town, "其中待业"), [1])

    # Pairings: every tenth household, with its village's helper (a township's own households
    # with the helper of its first village); every seventh pairing ended on 2024-06-30.
    paired = [g for g in range(len(plan)) if g % 10 == 0]
    pairings = insert(
        Pairing,
        [
            Pairing(
                program=program,
                helper=helpers[_village_of(plan[g])],
                household=households[g],
                org=households[g].org,
                start=START,
                end=D(2024, 6, 30) if k % 7 == 3 else None,
            )
            for k, g in enumerate(paired)
        ],
    )
    activities: list[Activity] = []
    links: list[tuple[int, Pairing]] = []  # activity index → pairing
    entries: list[LedgerEntry] = []
    number = 0

    def entry(pairing: Pairing, **kw: Any) -> LedgerEntry:
        nonlocal number
        number += 1
        values = {
            "number": f"T{number:07d}",
            "org": pairing.helper.org,
            "program": program,
            "source_kind": "helper",
            "source_helper": pairing.helper,
            "household": pairing.household,
            "status": "posted",
            "approver": "韦主任",
        }
        return LedgerEntry(**(values | kw))

    for k, (g, pairing) in enumerate(zip(paired, pairings, strict=True)):
        town, _status, _j, unit, size = plan[g]
        village = _village_of(plan[g])
        helper_name = f"帮扶人{village}"
        where_unit = units(town, unit if unit != town else "本级")
        on_day = pairing.end is None
        e.add("assistance", both(town, "已结对"), [1 if on_day else 0])
        reached = False
        for month in range(1, 13):
            owes = pairing.end is None or month <= 6
            done = (k + month) % 4 != 0 and owes
            if done:
                activities.append(_visit(program, pairing, D(2024, month, 10)))
                links.append((len(activities) - 1, pairing))
                reached = True
                e.add("type", both(town, "走访"), [1, 1, 0, Decimal(0), Decimal(0), 0])
                e.add("month", both(town, f"2024年{month}月"), [1, 1, 0])
                e.add("unit", [(COUNTY, town), (town, village)], [1, 1, 0])
                e.add("helper_types", both(town, f"{helper_name}|走访"), [1])
                e.add("visits", both(town, "q"), [1, 1])  # activities, 户次 of the households
            if owes:
                status = "met" if done else "due" if month == 12 else "missed"
                column = ("met", "missed", "due").index(status)
                values = [0, 0, 0]
                values[column] = 1
                e.add("c_units", where_unit, values)
                e.add("c_helpers", both(town, helper_name), values)
                e.add("c_total", both(town, "合计"), values)
        if k % 2 == 0:  # the year before: one visit in November 2023
            activities.append(_visit(program, pairing, D(2023, 11, 10)))
            links.append((len(activities) - 1, pairing))
            e.add("type", both(town, "走访"), [0, 0, 0, Decimal(0), Decimal(0), 1])
        if k % 3 == 0:  # 春节慰问 with 元 from the ledger
            amount = Decimal("300.50") + k % 5
            visit = _visit(program, pairing, D(2024, 1, 20), kind="慰问")
            activities.append(visit)
            links.append((len(activities) - 1, pairing))
            entries.append(
                entry(pairing, category="两节慰问", amount=amount, date=visit.date, activity=visit)
            )
            reached = True
            e.add("type", both(town, "慰问"), [1, 1, 0, amount, Decimal(0), 0])
            e.add("month", both(town, "2024年1月"), [1, 1, 0])
            e.add("unit", [(COUNTY, town), (town, village)], [1, 1, 0])
            e.add("helper_types", both(town, f"{helper_name}|慰问"), [1])
            e.add("visits", both(town, "q"), [1, 1])
            e.add("category", both(town, "两节慰问"), [amount, 1, 0, Decimal(0), Decimal(0)])
            e.add("given", both(town, "q"), [amount])
        if k % 5 == 1:  # ten books, no money, not from an activity
            entries.append(
                entry(
                    pairing,
                    category="教育",
                    goods="图书",
                    quantity=Decimal(10),
                    goods_unit="册",
                    date=D(2024, 9, 1),
                )
            )
            e.add("category", both(town, "教育"), [Decimal(0), 1, 0, Decimal(10), Decimal(0)])
        if k % 4 == 2:  # the year before's 慰问 in the ledger
            entries.append(
                entry(pairing, category="两节慰问", amount=Decimal(200), date=D(2023, 2, 1))
            )
            e.add("category", both(town, "两节慰问"), [0, 0, 0, Decimal(0), Decimal(200)])
        if k % 11 == 0:  # a draft: not counted anywhere
            entries.append(
                entry(
                    pairing,
                    category="两节慰问",
                    amount=Decimal(1000),
                    date=D(2024, 3, 1),
                    status="draft",
                    approver="",
                )
            )
        if reached:
            e.add("visits", both(town, "households"), [1])
    # Three trainings held by the county itself (本级, in no helper's name, for no household).
    for day in (D(2024, 3, 15), D(2024, 4, 15), D(2024, 5, 15)):
        activities.append(
            Activity(
                program=program,
                type="培训",
                counts="persons",
                date=day,
                person_times=60,
                helper_org=a,
                org=a,
            )
        )
        e.add("type", [(COUNTY, "培训")], [1, 0, 60, Decimal(0), Decimal(0), 0])
        e.add("month", [(COUNTY, f"2024年{day.month}月")], [1, 0, 60])
        e.add("unit", [(COUNTY, "本级")], [1, 0, 60])
        e.add("helper_types", [(COUNTY, "其他|培训")], [1])
    activities = insert(Activity, activities)
    insert(
        ActivityLink,
        [
            ActivityLink(
                activity=activities[i],
                pairing=p,
                program=program,
                type=activities[i].type,
                date=activities[i].date,
                household=p.household,
            )
            for i, p in links
        ],
    )
    insert(LedgerEntry, entries)

    # Unit beneficiaries: every village reports both years, but 丁二村 not 2024.
    units_made = UnitBeneficiary.objects.bulk_create(
        UnitBeneficiary(org=orgs[v]) for t in TOWNS for v in VILLAGES[t]
    )
    indicators = []
    for i, unit in enumerate(units_made):
        town = next(t for t in TOWNS if unit.org.name in VILLAGES[t])
        figures = {
            2023: {
                "agri_income": Decimal(100 + 10 * i),
                "per_capita_income": Decimal(8000 + 100 * i),
                "collective_income": Decimal("5.5") + i,
            },
            2024: {
                "agri_income": Decimal(110 + 10 * i) + Decimal("0.25"),
                "per_capita_income": Decimal(8800 + 100 * i),
                "collective_income": Decimal("6.5") + i,
            },
        }
        if unit.org.name == "丁二村":
            del figures[2024]
        for year, values in figures.items():
            for code, value in values.items():
                indicators.append(UnitIndicator(unit=unit, year=year, indicator=code, value=value))
                column = 0 if year == 2023 else 1
                added = [Decimal(0), Decimal(0)]
                added[column] = value
                e.add(code, both(town, unit.org.name), added)
                e.add(code, both(town, "合计"), added)
    UnitIndicator.objects.bulk_create(indicators)
    if connection.vendor == "postgresql":
        # Statistics for the planner, as autovacuum would gather after a real import (the test's
        # rows are not committed, so it cannot): without them every join is planned for empty
        # tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Scale(world, orgs, e)


def _village_of(row: tuple[str, str | None, int, str, int]) -> str:
    town, _status, _j, unit, _size = row
    return unit if unit != town else VILLAGES[town][0]


def _visit(program: Program, pairing: Pairing, day: datetime.date, kind: str = "走访") -> Activity:
    return Activity(
        program=program,
        type=kind,
        counts="households",
        date=day,
        household_visits=1,
        helper=pairing.helper,
        org=pairing.helper.org,
    )


# -- the test ---------------------------------------------------------------------------------


def run(scale: Scale, kind: str, org: Org) -> Report:
    params = Params(org=org, as_of=AS_OF, date_from=START, date_to=AS_OF)
    return build(kind, user=scale.world.inspector, params=params)


def rows(report: Report, key: str, *kinds: str) -> dict[str, list[Any]]:
    return {x.label: x.values for x in report.table(key).lines if not kinds or x.kind in kinds}


def parts(report: Report, key: str) -> dict[str, list[Any]]:
    """The named lines and the 其他 line of a table (not the total, not the memos)."""
    return rows(report, key, "part", OTHER)


def total(report: Report, key: str) -> list[Any]:
    line = report.table(key).total
    assert line is not None, (report.kind, key)
    return line.values


def add_up(reports: list[Report], key: str, columns: int | None = None) -> list[Any]:
    """The townships' totals of one table, added column by column (the first ``columns``)."""
    totals = [total(r, key)[:columns] for r in reports]
    return [sum(column) for column in zip(*totals, strict=True)]


def assert_reconciled(report: Report) -> None:
    for table in report.tables:
        if table.reconciles:
            assert table.total is not None, (report.kind, table.key)
            assert table.is_reconciled(), (report.kind, table.key, table.lines)


@pytest.fixture
def scale(world) -> Scale:
    return make(world)


def test_every_report_at_the_seeds_scale(scale):
    e = scale.expected
    scopes = {COUNTY: scale.world.a} | {t: scale.org(t) for t in TOWNS}
    reports = {(kind, s): run(scale, kind, org) for kind in KINDS for s, org in scopes.items()}
    towns = list(TOWNS)
    for report in reports.values():
        assert_reconciled(report)

    def of_towns(kind: str) -> list[Report]:
        return [reports[kind, t] for t in towns]

    # 动态管理: the seed's figures, with the 213 households and their persons on their own line.
    county = reports["status", COUNTY]
    as_of = rows(county, "as_of")
    assert {k: as_of[k] for k in ("剔除", "拟脱贫", "帮扶中", "新识别", "返贫")} == {
        "剔除": [3745, 7261],
        "拟脱贫": [6478, 13010],
        "帮扶中": [450, 915],
        "新识别": [100, 200],
        "返贫": [9, 26],
    }
    assert as_of["脱贫"] == [0, 0]  # 2025's exits are after the day
    assert as_of["无状态记录"] == [213, 426]
    assert as_of["合计 (在册)"] == [10995, 21838]
    besides_proposed = [sum(as_of[k][i] for k in ("帮扶中", "新识别", "返贫")) for i in (0, 1)]
    assert besides_proposed == [559, 1141]  # the seed's 未脱贫
    assert as_of["未脱贫"] == [6478 + 559, 13010 + 1141]
    assert as_of["登记帮扶对象"] == [10995 - 213, 21838 - 426]
    assert county.extra["registered"] == {"households": 10782, "persons": 21412}
    assert "共登记帮扶对象10782户21412人" in county.sentence
    assert "剔除3745户7261人" in county.sentence and "拟脱贫6478户13010人" in county.sentence
    for scope in scopes:
        report = reports["status", scope]
        expected = e.table(scope, "as_of")
        shown = parts(report, "as_of")
        assert {k: v for k, v in shown.items() if v != [0, 0]} == expected, scope
        assert total(report, "as_of") == [sum(v[i] for v in expected.values()) for i in (0, 1)]
        entries = rows(report, "entries")
        assert {k: v for k, v in entries.items() if v != [0, 0]} == e.table(scope, "entries")
    assert add_up(of_towns("status"), "as_of") == [10995, 21838]

    # 七清.
    for scope in scopes:
        report = reports["qiqing", scope]
        for key in ("people", "causes", "difficulty", "members"):
            assert parts(report, key) == e.table(scope, key), (scope, key)
        for key, memo in (("children_school", "其中在校"), ("children_work", "其中待业")):
            want = e.table(scope, key)
            assert parts(report, key) == {k: v for k, v in want.items() if k != memo}, scope
            assert rows(report, key, MEMO) == {memo: want[memo]}, scope
        people = total(report, "people")
        assert people == total(reports["status", scope], "as_of")
        work = rows(report, "assistance")
        paired = e.table(scope, "assistance")["已结对"][0]
        assert work["已结对"] == [paired]
        assert work["未结对"] == [people[0] - paired]
        visits = e.table(scope, "visits")
        assert work["期间帮扶活动 (次)"] == [visits["q"][0]], scope
        assert work["期间走访 (户次)"] == [visits["q"][1]], scope
        assert work["期间涉及户数"] == visits["households"], scope
        assert work["期间发放 (万元)"] == [wan(e.table(scope, "given")["q"][0])], scope
    county = reports["qiqing", COUNTY]
    assert parts(county, "people") == {t: total(reports["qiqing", t], "people") for t in towns}
    assert "本级" in parts(reports["qiqing", "甲镇"], "people")  # the township's own households
    for key in ("causes", "difficulty", "children_school", "children_work", "members"):
        assert add_up(of_towns("qiqing"), key) == total(county, key), key

    # 帮扶活动统计.
    for scope in scopes:
        report = reports["activities", scope]
        by_type = parts(report, "type")
        assert {k: v[:6] for k, v in by_type.items()} == e.table(scope, "type"), scope
        categories = parts(report, "category")
        assert {k: v[:5] for k, v in categories.items()} == e.table(scope, "category"), scope
        assert parts(report, "month") == e.table(scope, "month"), scope
        assert parts(report, "unit") == e.table(scope, "unit"), scope
        assert parts(report, "program") == {PROGRAM_NAME: total(report, "type")[:3]}, scope
        helpers: dict[str, list[tuple[str, int]]] = {}
        for label, (n,) in e.table(scope, "helper_types").items():
            name, kind = label.split("|")
            helpers.setdefault(name, []).append((kind, n))
        shown = parts(report, "helpers")
        assert set(shown) == set(helpers), scope
        for name, kinds in helpers.items():
            assert shown[name][0] == sum(n for _k, n in kinds), (scope, name)
            if name != "其他":  # the 其他 line carries no breakdown
                for kind, n in kinds:
                    assert f"{kind} {n}" in shown[name][1], (scope, name)
    county = reports["activities", COUNTY]
    trainings = [3, 0, 180, Decimal(0), Decimal(0)]  # the county's own (本级)
    in_towns = add_up(of_towns("activities"), "type", 5)
    assert [a + b for a, b in zip(in_towns, trainings, strict=True)] == total(county, "type")[:5]
    assert add_up(of_towns("activities"), "category", 5) == total(county, "category")[:5]
    assert parts(county, "unit")["本级"] == [3, 0, 180]
    assert parts(county, "helpers")["其他"][0] == 3  # in the county's own name

    # 村级发展成效.
    for scope in scopes:
        report = reports["villages", scope]
        for code in ("agri_income", "collective_income"):
            want = {
                k: [v[0], None if k == "丁二村" else v[1]] for k, v in e.table(scope, code).items()
            }
            assert {k: v[:2] for k, v in rows(report, code).items()} == want, (scope, code)
        villages = set(e.table(scope, "per_capita_income")) - {"合计"}
        assert set(parts(report, "per_capita_income")) == villages, scope
    county = reports["villages", COUNTY]
    assert "未填报: 丁二村" in county.table("agri_income").note
    assert total(county, "agri_income")[:2] == [
        sum(Decimal(100 + 10 * i) for i in range(8)),
        sum(Decimal(110 + 10 * i) + Decimal("0.25") for i in range(7)),
    ]
    for code in ("agri_income", "collective_income"):
        assert add_up(of_towns("villages"), code, 2) == total(county, code)[:2], code

    # 合规与覆盖: one periodic rule, twelve monthly windows; December's open ones are 未到期.
    for scope in scopes:
        report = reports["compliance", scope]
        want_units = e.table(scope, "c_units")
        if scope != COUNTY:  # a township's own line is named after it
            want_units = {(scope if k == "本级" else k): v for k, v in want_units.items()}
        assert {k: v[:3] for k, v in parts(report, "units").items()} == want_units, scope
        want_helpers = e.table(scope, "c_helpers")
        assert {k: v[:3] for k, v in parts(report, "helpers").items()} == want_helpers, scope
        met, missed, due = e.table(scope, "c_total")["合计"]
        assert total(report, "units")[:3] == [met, missed, due], scope
        rule = rows(report, "rules")[f"{PROGRAM_NAME} · {RULE['name']}"]
        assert rule == [met, missed, due, round(met * 100 / (met + missed), 1)], scope
    county = reports["compliance", COUNTY]
    assert add_up(of_towns("compliance"), "units", 3) == total(county, "units")[:3]
