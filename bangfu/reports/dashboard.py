"""The dashboard (数据看板): ECharts options built from the records of a subtree, each from one
aggregate query — trends by month, comparison of the units below, causes of poverty, status
changes by month, and the rules' completion rates per program. Every option is plain JSON;
the page embeds it with ``json_script`` and ``app.js`` draws it (no inline script)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from bangfu.activities.selectors import activity_list
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.registry.choices import Cause, Status
from bangfu.registry.models import StatusChange
from bangfu.registry.selectors import household_list
from bangfu.reports import summaries
from bangfu.reports.base import child_of
from bangfu.reports.models import REGISTRY

if TYPE_CHECKING:
    from bangfu.accounts.models import User

RED, BLUE, GREEN, GOLD = "#c0392b", "#2f6fd6", "#2e8b57", "#d4a017"
PALETTE = [RED, BLUE, GREEN, GOLD, "#8e44ad", "#16a085", "#e67e22", "#7f8c8d", "#34495e"]


@dataclass
class Chart:
    key: str
    title: str
    option: dict[str, Any]
    empty: bool = False


def months_back(day: datetime.date, n: int) -> list[datetime.date]:
    """The first days of the ``n`` months ending with ``day``'s month, oldest first."""
    out, year, month = [], day.year, day.month
    for _i in range(n):
        out.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


def _month_key(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def trend(user: User, root: Org | None, day: datetime.date) -> Chart:
    """户次 and 人次 of the activities done in the subtree, by month, for twelve months."""
    months = months_back(day, 12)
    paths = summaries.whole_subtree(user, root)
    grouped: QuerySet[Any, Any]
    if paths is not None:
        tallied = summaries.activities(paths, months[0], day).annotate(m=TruncMonth("date"))
        grouped = tallied.values("m").annotate(
            n=Sum("n"), hv=Sum("household_visits"), pt=Sum("person_times")
        )
    else:
        qs = activity_list(user=user).filter(date__gte=months[0], date__lte=day)
        if root is not None:
            qs = qs.filter(prefix_q("org__path", root.path))
        grouped = (
            qs.annotate(m=TruncMonth("date"))
            .values("m")
            .annotate(n=Count("id"), hv=Sum("household_visits"), pt=Sum("person_times"))
        )
    rows = {_month_key(r["m"]): r for r in grouped.order_by()}
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    series = [
        (_("活动次数"), "n", GOLD),
        (_("走访户次"), "hv", RED),
        (_("帮扶人次"), "pt", BLUE),
    ]
    option = {
        "color": [s[2] for s in series],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "line" if key != "n" else "bar",
                "name": name,
                "smooth": False,
                "data": [int((rows.get(m) or {}).get(key) or 0) for m in months],
            }
            for name, key, _colour in series
        ],
    }
    return Chart("trend", _("近 12 个月帮扶活动"), option, empty=not rows)


def units(user: User, root: Org | None, day: datetime.date) -> Chart:
    """The units directly below the root (or the top units): 户次 this year and households
    registered."""
    if root is not None:
        children = list(root.children.order_by("code"))
    else:
        children = list(Org.objects.filter(parent__isnull=True).order_by("code"))
    children = children[:30]
    year_start = datetime.date(day.year, 1, 1)
    root_path = root.path if root is not None else ""
    visits_by: Counter[int | None] = Counter()
    paths = summaries.whole_subtree(user, root)
    done: QuerySet[Any, Any]
    if paths is not None:
        done = summaries.activities(paths, year_start, day).values_list("org__path")
        done = done.annotate(v=Sum("household_visits"))
    else:
        acts = activity_list(user=user).filter(date__gte=year_start, date__lte=day)
        done = acts.values_list("org__path").annotate(v=Sum("household_visits"))
    for path, n in done.order_by():
        visits_by[child_of(root_path, path)] += int(n or 0)
    counts_by: Counter[int | None] = Counter()
    paths = summaries.reach(user, root, parts=(REGISTRY,))
    households: QuerySet[Any, Any]
    if paths is not None:
        households = summaries.households(paths).values_list("org__path")
        households = households.annotate(n=Sum("households"))
    else:
        households = household_list(user=user).values_list("org__path").annotate(n=Count("id"))
    for path, n in households.order_by():
        counts_by[child_of(root_path, path)] += n
    names = [child.name for child in children]
    visits = [visits_by[child.pk] for child in children]
    counts = [counts_by[child.pk] for child in children]
    option = {
        "color": [RED, BLUE],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"type": "bar", "name": _("今年走访户次"), "data": visits},
            {"type": "bar", "name": _("在册户数"), "data": counts},
        ],
    }
    return Chart("units", _("下级单位对比"), option, empty=not any(visits) and not any(counts))


def causes(user: User, root: Org | None) -> Chart:
    """Households by main cause of poverty or difficulty (those without one on their own)."""
    labels = dict(Cause.choices)
    paths = summaries.reach(user, root, parts=(REGISTRY,))
    rows: QuerySet[Any, Any]
    if paths is not None:
        tallied = summaries.households(paths).values("main_cause")
        rows = tallied.annotate(n=Sum("households")).order_by("-n", "main_cause")
    else:
        qs = household_list(user=user)
        if root is not None:
            qs = qs.filter(prefix_q("org__path", root.path))
        rows = qs.values("main_cause").annotate(n=Count("id")).order_by("-n", "main_cause")
    data = [{"name": str(labels.get(r["main_cause"], _("未填写"))), "value": r["n"]} for r in rows]
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} 户 ({d}%)"},
        "legend": {"type": "scroll", "bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "name": _("致贫原因"),
                "data": data,
            }
        ],
    }
    return Chart("causes", _("致贫 (致困) 原因"), option, empty=not data)


def status_changes(user: User, root: Org | None, day: datetime.date) -> Chart:
    """Entries into each status by month, for twelve months (the flow of 动态管理)."""
    months = months_back(day, 12)
    paths = summaries.reach(user, root, parts=(REGISTRY,))
    grouped: QuerySet[Any, Any]
    if paths is not None:
        # Every step is on the summary (its households count the steps of a day and status).
        steps = summaries.status_steps(paths, months[0], day).annotate(m=TruncMonth("date"))
        grouped = steps.values("status", "m").annotate(n=Sum("households"))
    else:
        households = household_list(user=user)
        if root is not None:
            households = households.filter(prefix_q("org__path", root.path))
        qs = StatusChange.objects.filter(
            household__in=households.values("pk"), date__gte=months[0], date__lte=day
        )
        grouped = qs.annotate(m=TruncMonth("date")).values("status", "m").annotate(n=Count("id"))
    counts: dict[tuple[str, datetime.date], int] = {}
    for r in grouped.order_by():
        counts[(r["status"], _month_key(r["m"]))] = r["n"]
    present = [s for s in Status.values if any(k[0] == s for k in counts)]
    labels = dict(Status.choices)
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{m.year}-{m.month:02d}" for m in months]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "stack": "status",
                "name": str(labels[s]),
                "data": [counts.get((s, m), 0) for m in months],
            }
            for s in present
        ],
    }
    return Chart("status", _("近 12 个月状态变化 (户)"), option, empty=not counts)


def compliance(user: User, root: Org | None, day: datetime.date) -> Chart:
    """Per program (those organised in or reaching into the subtree, up to ten): the share of
    closed windows that were met, from the rules engine — summed from the summary tables'
    compliance rows when the reader reads the whole subtree."""
    from bangfu.compliance.engine import summary
    from bangfu.compliance.selectors import pairing_chunks
    from bangfu.pairings.selectors import pairing_list, program_list
    from bangfu.reports import summaries
    from bangfu.reports.models import COMPLIANCE

    programs = program_list(user=user).filter(is_active=True).order_by("code")
    names, rates = [], []
    paths = summaries.whole_subtree(user, root, (COMPLIANCE,))
    for program in programs[:10]:
        if paths is not None and summaries.duties_hold(program, day):
            # Summed from the compliance rows (the same figures, per unit and rule).
            by_unit, _helpers = summaries.duties(program, paths, day, by_helper=False)
            met = sum(row[2] for row in by_unit)
            missed = sum(row[3] for row in by_unit)
            if met + missed:
                names.append(program.name)
                rates.append(round(met / (met + missed) * 100, 1))
            continue
        pairings = pairing_list(user=user).filter(program=program)
        if root is not None:
            pairings = pairings.filter(prefix_q("org__path", root.path))
        chunks = pairing_chunks(program, pairings)
        if not chunks:
            continue
        met = missed = 0
        for chunk in chunks:
            for counts in summary(program, day, pairing_ids=chunk).values():
                met += counts.get("met", 0)
                missed += counts.get("missed", 0)
        if met + missed:
            names.append(program.name)
            rates.append(round(met / (met + missed) * 100, 1))
    option = {
        "color": [GREEN],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": names},
        "series": [{"type": "bar", "name": _("完成率"), "data": rates, "barMaxWidth": 28}],
    }
    return Chart("compliance", _("各项目规则完成率 (已结束的周期)"), option, empty=not rates)


def charts(user: User, root: Org | None, day: datetime.date) -> list[Chart]:
    return [
        trend(user, root, day),
        units(user, root, day),
        causes(user, root),
        status_changes(user, root, day),
        compliance(user, root, day),
    ]
