"""Scores of a scheme for the subjects of a subtree and period, with their breakdown.

For every indicator a subject gets: the metric's raw value (from :mod:`bangfu.assessment.metrics`),
the points the indicator's scaling gives it (0–100, two decimals), its weight, and its
contribution = weight × points / 100 (two decimals). The score is the sum of the contributions,
so anyone can recompute it by hand from the breakdown. A raw value of None (nothing to compute:
no closed obligation, no income figures) scores 0 points and is shown as such.

Ranking is by score, highest first; equal scores share a rank (1, 1, 3); names break the ties in
the listing only. Nothing enters a score that the scheme's indicators do not name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from bangfu.assessment.definition import metric_name, metric_unit
from bangfu.assessment.metrics import METRIC_FUNCTIONS, Context, Value
from bangfu.assessment.models import Scheme
from bangfu.assessment.periods import Window
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Helper

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _clamp(points: Decimal) -> Decimal:
    return min(HUNDRED, max(Decimal(0), points))


def scale(indicator: dict[str, Any], raw: Decimal | None) -> Decimal:
    """The points (0–100, two decimals) an indicator's scaling gives a raw value."""
    if raw is None:
        return Decimal("0.00")
    scaling = indicator["scaling"]
    lower = indicator.get("direction", "higher") == "lower"
    kind = scaling["kind"]
    if kind == "percent":
        points = HUNDRED - raw if lower else raw
    elif kind == "linear":
        low, high = _d(scaling["low"]), _d(scaling["high"])
        share = (high - raw) / (high - low) if lower else (raw - low) / (high - low)
        points = share * HUNDRED
    else:
        steps = [(_d(t), _d(p)) for t, p in scaling["steps"]]
        if lower:
            points = next((p for t, p in steps if raw <= t), Decimal(0))
        else:
            points = next((p for t, p in reversed(steps) if raw >= t), Decimal(0))
    return _clamp(points).quantize(CENT, rounding=ROUND_HALF_UP)


def scaling_text(indicator: dict[str, Any]) -> str:
    """The scaling in words, shown next to the points."""
    s = indicator["scaling"]
    lower = indicator.get("direction", "higher") == "lower"
    if s["kind"] == "percent":
        return "100 − 数值" if lower else "按数值 (%) 计分"
    if s["kind"] == "linear":
        a, b = (100, 0) if lower else (0, 100)
        return f"{s['low']} 得 {a} 分, {s['high']} 得 {b} 分, 之间按比例"
    mark = "≤" if lower else "≥"
    return "; ".join(f"{mark}{t} 得 {p} 分" for t, p in s["steps"])


@dataclass
class Line:
    code: str
    name: str
    metric: str
    weight: Decimal
    raw: Decimal | None
    points: Decimal
    contribution: Decimal
    detail: str = ""
    rule: str = ""
    link: str = ""

    @property
    def metric_name(self) -> str:
        return metric_name(self.metric)

    @property
    def unit(self) -> str:
        return metric_unit(self.metric)


@dataclass
class Score:
    subject_id: int
    name: str
    unit_name: str
    lines: list[Line] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    rank: int = 0
    key: str = ""  # "h<id>" or "u<id>"


@dataclass
class Scores:
    scheme: Scheme
    root: Org
    window: Window
    as_of: datetime.date
    rows: list[Score]
    indicators: list[dict[str, Any]]


def scheme_programs(scheme: Scheme) -> list[Program]:
    named = list(scheme.programs.all().order_by("code"))
    return named or list(Program.objects.order_by("code"))


def subjects(scheme: Scheme, root: Org, window: Window, programs: list[Program]) -> dict[int, Any]:
    """The subjects scored in ``root``'s subtree: helpers of the subtree with a pairing of the
    programs active in the period; units of the subtree of the scheme's ``org_kinds`` (when it
    names some), else those helping or helped as a whole in such a pairing."""
    active = Q(program__in=[p.pk for p in programs], start__lte=window.end) & (
        Q(end__isnull=True) | Q(end__gte=window.start)
    )
    pairings = Pairing.objects.filter(active)
    if scheme.subject == "helpers":
        qs = Helper.objects.filter(
            prefix_q("org__path", root.path), pk__in=pairings.values("helper_id")
        ).select_related("person", "org")
        return {h.pk: h for h in qs}
    orgs = Org.objects.filter(prefix_q("path", root.path))
    kinds = scheme.definition.get("org_kinds") or []
    if kinds:
        orgs = orgs.filter(kind__in=kinds)
    else:
        orgs = orgs.filter(
            Q(pk__in=pairings.values("helper_org_id"))
            | Q(pk__in=pairings.values("beneficiary_org_id"))
        )
    return {o.pk: o for o in orgs.select_related("parent")}


def _link(name: str, query: dict[str, Any]) -> str:
    try:
        return (
            f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"
        )
    except NoReverseMatch:
        return ""


def record_link(
    scheme: Scheme, metric: str, subject: Any, window: Window, programs: list[Program]
) -> str:
    """Where the records behind a line can be read (the pages of the apps that hold them)."""
    is_helper = scheme.subject == "helpers"
    who = subject.person.name if is_helper else ""
    org = "" if is_helper else subject.pk
    if metric == "compliance_rate" and programs:
        helper = f"h{subject.pk}" if is_helper else ""
        return _link(
            "compliance:board",
            {
                "program": programs[0].pk,
                "org": org,
                "helper": helper,
                "from": window.start.isoformat(),
                "to": window.end.isoformat(),
                "as_of": window.end.isoformat(),
            },
        )
    if metric == "coverage_rate":
        return _link("pairings:coverage", {})
    if metric in ("activities_count", "household_visits", "person_times"):
        return _link(
            "activities:activity_list",
            {"q": who, "org": org, "start": window.start, "end": window.end},
        )
    if metric == "aid_amount_wan":
        return _link(
            "ledger:entry_list",
            {"q": who, "date_from": window.start, "date_to": window.end},
        )
    if metric == "exits":
        return _link("registry:status_report", {})
    if metric == "progress_improved":
        return _link("assessment:progress", {"helper": subject.pk if is_helper else ""})
    if metric == "village_income_growth" and not is_helper:
        return _link("registry:unit_list", {"q": subject.name})
    return ""


def compute(
    scheme: Scheme, root: Org, window: Window, *, today: datetime.date, links: bool = True
) -> Scores:
    """Every subject's score, breakdown and rank."""
    programs = scheme_programs(scheme)
    found = subjects(scheme, root, window, programs)
    is_helper = scheme.subject == "helpers"
    paths = {pk: (s.org.path if is_helper else s.path) for pk, s in found.items()}
    ctx = Context(
        kind=scheme.subject,
        subjects=paths,
        window=window,
        today=today,
        programs=programs,
        root=root,
    ).load()
    indicators = scheme.indicators
    values: dict[str, dict[int, Value]] = {}
    for metric in {i["metric"] for i in indicators}:
        values[metric] = METRIC_FUNCTIONS[metric](ctx) if found else {}
    rows = []
    for pk, subject in found.items():
        row = Score(
            subject_id=pk,
            name=subject.person.name if is_helper else subject.name,
            unit_name=subject.org.name
            if is_helper
            else (subject.parent.name if subject.parent else ""),
            key=f"{'h' if is_helper else 'u'}{pk}",
        )
        for indicator in indicators:
            value = values[indicator["metric"]].get(pk, Value(None))
            points = scale(indicator, value.raw)
            weight = _d(indicator["weight"])
            contribution = (weight * points / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            row.lines.append(
                Line(
                    code=indicator["code"],
                    name=indicator["name"],
                    metric=indicator["metric"],
                    weight=weight,
                    raw=value.raw,
                    points=points,
                    contribution=contribution,
                    detail=value.detail,
                    rule=scaling_text(indicator),
                    link=record_link(scheme, indicator["metric"], subject, window, programs)
                    if links
                    else "",
                )
            )
        row.total = sum((line.contribution for line in row.lines), Decimal("0.00"))
        rows.append(row)
    rank(rows)
    return Scores(scheme, root, window, ctx.as_of, rows, indicators)


def rank(rows: list[Score]) -> list[Score]:
    """Sort by score (highest first, then name) and give equal scores the same rank."""
    rows.sort(key=lambda r: (-r.total, r.name, r.subject_id))
    previous: Decimal | None = None
    for i, row in enumerate(rows, start=1):
        row.rank = rows[i - 2].rank if previous is not None and row.total == previous else i
        previous = row.total
    return rows
