"""The metrics a scheme's indicators read, each computed from the records for a whole set of
subjects (helpers or units) and a period at once — one query (or one engine call per program)
per metric, never one per subject.

Whose records are whose:

- a **helper**'s pairings are those where they are the helper; a **unit**'s are those where it
  is the helping unit, or whose beneficiary lies in its subtree (work *by* the unit or *in* it);
- only pairings of the scheme's programs (every program when it names none) that are active on
  some day of the period count; activities, status changes and grades reach a subject through
  these pairings.

Every metric returns, per subject id, a :class:`Value`: the raw number (None when the records
give nothing to compute, e.g. a rate with no closed obligation) and a short sentence saying
where it comes from. Nothing is stored; nothing is counted that the scheme does not name (no
log-ins, no time online).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from bangfu.activities.models import Activity, ActivityLink
from bangfu.assessment.models import LEVEL_RANK, ProgressRecord
from bangfu.assessment.periods import Window
from bangfu.compliance.engine import coverage_rows, evaluate_iter
from bangfu.core.batching import chunked
from bangfu.core.tree import prefix_q
from bangfu.ledger.models import Direction, LedgerEntry, Status
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.choices import Indicator
from bangfu.registry.choices import Status as HouseholdStatus
from bangfu.registry.models import (
    Helper,
    Household,
    Member,
    Person,
    StatusChange,
    UnitBeneficiary,
    UnitIndicator,
)

ONE = Decimal("0.1")
CENT = Decimal("0.01")
EXIT_STATUSES = (HouseholdStatus.EXITED, HouseholdStatus.OUT_OF_DIFFICULTY)
CHUNK = 5000


@dataclass(frozen=True)
class Value:
    raw: Decimal | None
    detail: str = ""


@dataclass(frozen=True)
class PairingRow:
    id: int
    program_id: int
    helper_id: int | None
    helper_org_id: int | None
    org_path: str
    household_id: int | None
    person_id: int | None
    beneficiary_org_id: int | None
    start: datetime.date
    end: datetime.date | None

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass
class Context:
    """The subjects, the period and the pairings whose records are theirs."""

    kind: str  # "helpers" | "units"
    subjects: dict[int, str]  # helper id / org id → path of the unit (helpers: their unit's)
    window: Window
    today: datetime.date
    programs: list[Program]
    root: Org
    pairings: dict[int, PairingRow] = field(default_factory=dict)
    owners: dict[int, tuple[int, ...]] = field(default_factory=dict)
    by_path: dict[str, int] = field(default_factory=dict)

    @property
    def as_of(self) -> datetime.date:
        return self.window.as_of(self.today)

    def pairing_qs(self) -> QuerySet[Pairing]:
        """The pairings of the programs active in the period that may belong to a subject (as a
        queryset, to be used as a subquery)."""
        w = self.window
        qs = Pairing.objects.filter(
            Q(program__in=[p.pk for p in self.programs]),
            Q(start__lte=w.end),
            Q(end__isnull=True) | Q(end__gte=w.start),
        )
        if self.kind == "helpers":
            return qs.filter(helper_id__in=list(self.subjects))
        return qs.filter(
            prefix_q("org__path", self.root.path) | Q(helper_org_id__in=list(self.subjects))
        )

    def load(self) -> Context:
        if self.kind == "units":
            self.by_path = {path: pk for pk, path in self.subjects.items()}
        by_path = self.by_path
        rows = self.pairing_qs().values_list(
            "id",
            "program_id",
            "helper_id",
            "helper_org_id",
            "org__path",
            "household_id",
            "person_id",
            "beneficiary_org_id",
            "start",
            "end",
        )
        for values in rows.iterator(chunk_size=CHUNK):
            row = PairingRow(*values)
            if self.kind == "helpers":
                owners: tuple[int, ...] = (row.helper_id,) if row.helper_id else ()
            else:
                found = {by_path[p] for p in ancestors(row.org_path) if p in by_path}
                if row.helper_org_id in self.subjects:
                    found.add(row.helper_org_id)
                owners = tuple(sorted(found))
            if owners:
                self.pairings[row.id] = row
                self.owners[row.id] = owners
        return self

    def owners_of_path(self, path: str | None) -> set[int]:
        """Units whose subtree holds ``path`` (units only)."""
        if not path or self.kind != "units":
            return set()
        return {self.by_path[p] for p in ancestors(path) if p in self.by_path}


def ancestors(path: str) -> list[str]:
    """ "/1/5/23/" → ["/1/", "/1/5/", "/1/5/23/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _rate(done: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(done) * 100 / Decimal(total)).quantize(ONE, rounding=ROUND_HALF_UP)


# -- the metrics ------------------------------------------------------------------------------


def compliance_rate(ctx: Context) -> dict[int, Value]:
    """Obligations of the rules engine (四个一, 五必访 …) of the subject's pairings whose window
    ends within the period, as of the period's end (today while it runs): met / (met + missed),
    in %; windows still due are left out, as on the compliance board."""
    met: dict[int, int] = defaultdict(int)
    missed: dict[int, int] = defaultdict(int)
    by_program: dict[int, list[int]] = defaultdict(list)
    for pid, row in ctx.pairings.items():
        by_program[row.program_id].append(pid)
    w, as_of = ctx.window, ctx.as_of
    for program in ctx.programs:
        ids = sorted(by_program.get(program.pk, []))
        for chunk in chunked(ids, CHUNK):
            for o in evaluate_iter(program, as_of, pairing_ids=chunk):
                if not w.start <= o.end <= w.end or o.status == "due":
                    continue
                target = met if o.status == "met" else missed
                for owner in ctx.owners[o.pairing_id]:
                    target[owner] += 1
    return {
        s: Value(_rate(met[s], met[s] + missed[s]), f"完成 {met[s]} 项, 未完成 {missed[s]} 项")
        for s in ctx.subjects
    }


def coverage_rate(ctx: Context) -> dict[int, Value]:
    """The coverage rules on the period's last day (today while it runs): for a helper, the
    share of the programs' helper-coverage rules they meet (enough beneficiaries, within
    capacity); for a unit, the share of beneficiaries of its subtree with enough helpers, and
    the helper-coverage rules it meets as a helping unit."""
    met: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    as_of = ctx.as_of
    for program in ctx.programs:
        rules = {str(r.get("code")): r for r in program.rules if r.get("kind") == "coverage"}
        if not rules:
            continue
        rows = coverage_rows(program, as_of)
        helper_rows = [r for r in rows if rules[r.rule].get("subject") == "helper"]
        owned: dict[str, set[int]] = defaultdict(set)
        if ctx.kind == "helpers" and program.helper_kind == "person":
            ids = {r.subject for r in helper_rows}
            for pk, id_number in Helper.objects.filter(
                pk__in=list(ctx.subjects), person__id_number__in=ids
            ).values_list("pk", "person__id_number"):
                owned[id_number].add(pk)
        elif ctx.kind == "units":
            codes = {r.subject for r in helper_rows} if program.helper_kind == "unit" else set()
            for pk, code in Org.objects.filter(
                pk__in=list(ctx.subjects), code__in=codes
            ).values_list("pk", "code"):
                owned[code].add(pk)
        for r in helper_rows:
            for owner in owned.get(r.subject, ()):
                total[owner] += 1
                met[owner] += r.status == "met"
        if ctx.kind != "units":
            continue
        beneficiary_rows = [r for r in rows if rules[r.rule].get("subject") != "helper"]
        keys = {r.subject for r in beneficiary_rows}
        kind = program.beneficiary_kind
        paths: dict[str, str] = {}
        if kind == "household":
            paths = dict(Household.objects.filter(code__in=keys).values_list("code", "org__path"))
        elif kind == "person":
            paths = dict(
                Person.objects.filter(id_number__in=keys).values_list("id_number", "org__path")
            )
        else:
            paths = dict(Org.objects.filter(code__in=keys).values_list("code", "path"))
        for r in beneficiary_rows:
            for owner in ctx.owners_of_path(paths.get(r.subject)):
                total[owner] += 1
                met[owner] += r.status == "met"
    return {s: Value(_rate(met[s], total[s]), f"达标 {met[s]} / {total[s]}") for s in ctx.subjects}


def _activities(ctx: Context) -> tuple[dict[int, set[int]], dict[int, tuple[int, int]]]:
    """Per subject, the activities dated in the period that served one of their pairings; per
    activity, its 户次 and 人次."""
    w = ctx.window
    links = ActivityLink.objects.filter(
        date__gte=w.start, date__lte=w.end, pairing__in=ctx.pairing_qs().values("pk")
    )
    per: dict[int, set[int]] = defaultdict(set)
    for activity_id, pairing_id in links.values_list("activity_id", "pairing_id").iterator(
        chunk_size=CHUNK
    ):
        for owner in ctx.owners.get(pairing_id, ()):
            per[owner].add(activity_id)
    tallies = {
        pk: (hv, pt)
        for pk, hv, pt in Activity.objects.filter(pk__in=links.values("activity_id")).values_list(
            "pk", "household_visits", "person_times"
        )
    }
    return per, tallies


def activities_count(ctx: Context) -> dict[int, Value]:
    """Activities (帮扶活动日记) dated in the period that served the subject's pairings, each
    counted once however many of them it served."""
    per, _tallies = _activities(ctx)
    return {s: Value(Decimal(len(per[s])), f"{len(per[s])} 次活动") for s in ctx.subjects}


def _tally(ctx: Context, index: int, unit: str) -> dict[int, Value]:
    per, tallies = _activities(ctx)
    out = {}
    for s in ctx.subjects:
        n = sum(tallies.get(a, (0, 0))[index] for a in per[s])
        out[s] = Value(Decimal(n), f"{len(per[s])} 次活动合计 {n} {unit}")
    return out


def household_visits(ctx: Context) -> dict[int, Value]:
    """户次 of those activities (what each activity counts, as the activity figures do)."""
    return _tally(ctx, 0, "户次")


def person_times(ctx: Context) -> dict[int, Value]:
    """人次 of those activities."""
    return _tally(ctx, 1, "人次")


def aid_amount_wan(ctx: Context) -> dict[int, Value]:
    """Money given (posted 发放 entries of the ledger dated in the period, reversals netted), in
    万元: for a helper, entries where they are the source or of activities they did; for a unit,
    entries where it is the source or the helping unit of the activity, or whose recipient is in
    its subtree."""
    w = ctx.window
    qs = LedgerEntry.objects.filter(
        status=Status.POSTED, direction=Direction.OUT, date__gte=w.start, date__lte=w.end
    ).exclude(amount=None)
    program_ids = [p.pk for p in ctx.programs]
    qs = qs.filter(Q(program_id__in=program_ids) | Q(program=None))
    ids = list(ctx.subjects)
    if ctx.kind == "helpers":
        qs = qs.filter(Q(source_helper_id__in=ids) | Q(activity__helper_id__in=ids))
    else:
        root = ctx.root.path
        qs = qs.filter(
            Q(source_org_id__in=ids)
            | Q(activity__helper_org_id__in=ids)
            | prefix_q("household__org__path", root)
            | prefix_q("person__org__path", root)
            | prefix_q("recipient_org__path", root)
        )
    sums: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    fields = (
        "amount",
        "source_helper_id",
        "activity__helper_id",
        "source_org_id",
        "activity__helper_org_id",
        "household__org__path",
        "person__org__path",
        "recipient_org__path",
    )
    for amount, sh, ah, so, aho, hp, pp, rp in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        if ctx.kind == "helpers":
            owners = {x for x in (sh, ah) if x in ctx.subjects}
        else:
            owners = {x for x in (so, aho) if x in ctx.subjects}
            for path in (hp, pp, rp):
                owners |= ctx.owners_of_path(path)
        for owner in owners:
            sums[owner] += amount
            counts[owner] += 1
    out = {}
    for s in ctx.subjects:
        wan = (sums[s] / 10000).quantize(CENT, rounding=ROUND_HALF_UP)
        out[s] = Value(wan, f"{counts[s]} 笔, 合计 {sums[s].quantize(CENT)} 元")
    return out


def exits(ctx: Context) -> dict[int, Value]:
    """Households of the subject's pairings that became 脱贫 or 脱困 in the period, counted once
    each, while the pairing was active (the status history, registry.StatusChange)."""
    by_household: dict[int, list[PairingRow]] = defaultdict(list)
    for row in ctx.pairings.values():
        if row.household_id:
            by_household[row.household_id].append(row)
    w = ctx.window
    changes = StatusChange.objects.filter(
        status__in=EXIT_STATUSES,
        date__gte=w.start,
        date__lte=w.end,
        household_id__in=ctx.pairing_qs().exclude(household=None).values("household_id"),
    ).values_list("household_id", "date")
    per: dict[int, set[int]] = defaultdict(set)
    for household_id, day in changes.iterator(chunk_size=CHUNK):
        for row in by_household.get(household_id, ()):
            if row.active_on(day):
                for owner in ctx.owners[row.id]:
                    per[owner].add(household_id)
    return {s: Value(Decimal(len(per[s])), f"{len(per[s])} 户") for s in ctx.subjects}


# Objections are read from the publicity app (公示) only when it is installed: an Objection whose
# ``result`` is "upheld", about a notice item (``item``) naming a household, a person or a unit.
OBJECTION_ITEM_FIELDS = ("item__household_id", "item__person_id", "item__subject_org_id")


def objections_upheld(ctx: Context) -> dict[int, Value]:
    """Objections to a publicity notice (公示异议) found to be well-founded (result "upheld") and
    handled in the period (received, when no handling date is set), whose notice item names a
    beneficiary of the subject's pairings: the household, the person or the unit paired. Read
    only when ``bangfu.publicity`` is installed; without it every subject counts 0."""
    if not apps.is_installed("bangfu.publicity"):
        return {s: Value(Decimal(0), "公示模块未启用, 计 0") for s in ctx.subjects}
    model = apps.get_model("publicity", "Objection")
    w = ctx.window
    on = Coalesce("handled_at", "received_at")
    qs = (
        model._default_manager.annotate(decided=TruncDate(on))
        .filter(result="upheld", decided__gte=w.start, decided__lte=w.end)
        .exclude(item=None)
    )
    paired: dict[tuple[str, int], set[int]] = defaultdict(set)
    for pid, row in ctx.pairings.items():
        for kind, key in (
            ("h", row.household_id),
            ("p", row.person_id),
            ("o", row.beneficiary_org_id),
        ):
            if key:
                paired[(kind, key)].update(ctx.owners[pid])
    per: dict[int, set[Any]] = defaultdict(set)
    for pk, household, person, org in qs.values_list("pk", *OBJECTION_ITEM_FIELDS).iterator(
        chunk_size=CHUNK
    ):
        owners: set[int] = set()
        for kind, key in (("h", household), ("p", person), ("o", org)):
            if key:
                owners |= paired.get((kind, key), set())
        for owner in owners:
            per[owner].add(pk)
    return {s: Value(Decimal(len(per[s])), f"{len(per[s])} 件") for s in ctx.subjects}


def _better(before: dict[str, Any], after: dict[str, Any]) -> bool:
    if before["score"] is not None and after["score"] is not None:
        return bool(after["score"] > before["score"])
    if before["level"] and after["level"]:
        return LEVEL_RANK.get(after["level"], 0) > LEVEL_RANK.get(before["level"], 0)
    return False


def progress_improved(ctx: Context) -> dict[int, Value]:
    """Students of the subject's pairings (the person helped, or the members of the household
    helped) with a grade in the period (进步档案) better than their previous grade in the same
    course — by score where both have one, else by level — counted once each."""
    students: dict[int, set[int]] = defaultdict(set)  # person → owners
    households: dict[int, set[int]] = defaultdict(set)
    for pid, row in ctx.pairings.items():
        if row.person_id:
            students[row.person_id].update(ctx.owners[pid])
        if row.household_id:
            households[row.household_id].update(ctx.owners[pid])
    if households:
        for household_id, person_id in Member.objects.filter(
            household_id__in=list(households)
        ).values_list("household_id", "person_id"):
            students[person_id].update(households[household_id])
    w = ctx.window
    records = (
        ProgressRecord.objects.filter(person_id__in=list(students), recorded_on__lte=w.end)
        .order_by("person_id", "course", "recorded_on", "id")
        .values_list("person_id", "course", "recorded_on", "score", "level")
    )
    improved: set[int] = set()
    compared: set[int] = set()
    last: dict[tuple[int, str], dict[str, Any]] = {}
    for values in records.iterator(chunk_size=CHUNK):
        r: dict[str, Any] = dict(
            zip(("person_id", "course", "recorded_on", "score", "level"), values, strict=True)
        )
        key = (r["person_id"], r["course"])
        before = last.get(key)
        if before is not None and r["recorded_on"] >= w.start:
            compared.add(r["person_id"])
            if _better(before, r):
                improved.add(r["person_id"])
        last[key] = r
    per: dict[int, set[int]] = defaultdict(set)
    seen: dict[int, set[int]] = defaultdict(set)
    for person_id, owners in students.items():
        for owner in owners:
            if person_id in compared:
                seen[owner].add(person_id)
            if person_id in improved:
                per[owner].add(person_id)
    return {
        s: Value(Decimal(len(per[s])), f"可比较 {len(seen[s])} 人, 进步 {len(per[s])} 人")
        for s in ctx.subjects
    }


def village_income_growth(ctx: Context) -> dict[int, Value]:
    """Growth of 农民人均纯收入 (registry.UnitIndicator) in the period's first year over the year
    before, in %: a unit helped as a whole (a village) by its own figures; a helping unit by the
    mean growth of the villages it helps."""
    year = ctx.window.start.year
    figures: dict[int, dict[int, Decimal]] = defaultdict(dict)  # org id → year → value
    helped: dict[int, set[int]] = defaultdict(set)
    for row in ctx.pairings.values():
        if row.beneficiary_org_id and row.helper_org_id in ctx.subjects:
            helped[row.helper_org_id].add(row.beneficiary_org_id)
    own = set(
        UnitBeneficiary.objects.filter(org_id__in=list(ctx.subjects)).values_list(
            "org_id", flat=True
        )
    )
    orgs = own | {o for v in helped.values() for o in v}
    for org_id, y, value in UnitIndicator.objects.filter(
        unit__org_id__in=list(orgs),
        indicator=Indicator.PER_CAPITA_INCOME,
        year__in=(year - 1, year),
    ).values_list("unit__org_id", "year", "value"):
        figures[org_id][y] = value

    def growth(org_id: int) -> Decimal | None:
        f = figures.get(org_id, {})
        if f.get(year - 1) and year in f:
            return (f[year] - f[year - 1]) * 100 / f[year - 1]
        return None

    out = {}
    for s in ctx.subjects:
        villages = [s] if s in own else sorted(helped.get(s, ()))
        values = [g for g in (growth(v) for v in villages) if g is not None]
        if not values:
            out[s] = Value(None, f"缺少 {year - 1} 或 {year} 年农民人均纯收入")
            continue
        mean = (sum(values, Decimal(0)) / len(values)).quantize(ONE, rounding=ROUND_HALF_UP)
        if len(villages) == 1:
            f = figures[villages[0]]
            detail = f"{year - 1} 年 {f[year - 1]} 元 → {year} 年 {f[year]} 元"
        else:
            detail = f"{len(values)} 个村的平均"
        out[s] = Value(mean, detail)
    return out


METRIC_FUNCTIONS: dict[str, Callable[[Context], dict[int, Value]]] = {
    "compliance_rate": compliance_rate,
    "coverage_rate": coverage_rate,
    "activities_count": activities_count,
    "household_visits": household_visits,
    "person_times": person_times,
    "aid_amount_wan": aid_amount_wan,
    "exits": exits,
    "objections_upheld": objections_upheld,
    "progress_improved": progress_improved,
    "village_income_growth": village_income_growth,
}
