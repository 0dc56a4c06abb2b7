"""The windows a rule is owed over, computed the same way by everyone (domain.md, "The rules,
made exact"):

- periodic rules: every period (week Mon–Sun, month, quarter, calendar year, semester, school
  year, from the program's semesters) that overlaps the span asked about;
- calendar rules: for each year, the window around an occasion — 元旦 (Jan 1), 春节 (lunar 1/1),
  五一 (May 1), 十一 (Oct 1), 中秋 (lunar 8/15) — from ``before`` days before to ``after`` days
  after, or a whole month (June, the visiting month). Lunar dates come from ``lunar_python``
  for any year, not from a typed table.

Event windows (a life event's date to ``within_days`` after) are per event and computed by the
engine in SQL.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lunar_python import Lunar

from bangfu.pairings.plans import DEFAULT_SEMESTERS, ONE_DAY, period_window, window_label

FIXED_OCCASIONS = {"元旦": (1, 1), "五一": (5, 1), "十一": (10, 1)}
LUNAR_OCCASIONS = {"春节": (1, 1), "中秋": (8, 15)}


@dataclass(frozen=True)
class RuleWindow:
    """One window of a rule: the days ``start`` to ``end`` (both included) and its name."""

    start: datetime.date
    end: datetime.date
    label: str

    def holds(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=512)
def occasion_date(occasion: str, year: int) -> datetime.date:
    """The day of an occasion in a (Gregorian) year: 春节 2026 → 2026-02-17, 中秋 2026 →
    2026-09-25, 元旦 → Jan 1."""
    if occasion in FIXED_OCCASIONS:
        month, day = FIXED_OCCASIONS[occasion]
        return datetime.date(year, month, day)
    if occasion in LUNAR_OCCASIONS:
        month, day = LUNAR_OCCASIONS[occasion]
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())
    raise ValueError(f"unknown occasion {occasion!r}")


def periods_between(
    period: str,
    first: datetime.date,
    last: datetime.date,
    semesters: Sequence[Mapping[str, Any]] | None = None,
) -> list[RuleWindow]:
    """Every window of ``period`` that overlaps ``first`` … ``last``, in order. Semesters skip
    the holidays between them."""
    semesters = semesters or DEFAULT_SEMESTERS
    out: list[RuleWindow] = []
    day = first
    while day <= last:
        window = period_window(period, day, semesters)
        if window is None:  # a holiday between semesters
            day += ONE_DAY
            continue
        out.append(RuleWindow(window.start, window.end, window_label(period, window, semesters)))
        day = window.end + ONE_DAY
    return out


def calendar_windows(
    rule: Mapping[str, Any], first: datetime.date, last: datetime.date
) -> list[RuleWindow]:
    """The windows of a calendar rule that overlap ``first`` … ``last``, in order."""
    out: list[RuleWindow] = []
    for year in range(first.year - 1, last.year + 2):
        if rule.get("month"):
            month = int(rule["month"])
            end = _calendar.monthrange(year, month)[1]
            window = RuleWindow(
                datetime.date(year, month, 1),
                datetime.date(year, month, end),
                f"{year}年{month}月",
            )
        else:
            occasion = str(rule["occasion"])
            day = occasion_date(occasion, year)
            window = RuleWindow(
                day - datetime.timedelta(days=int(rule.get("before", 0))),
                day + datetime.timedelta(days=int(rule.get("after", 0))),
                f"{year}年{occasion}",
            )
        if window.end >= first and window.start <= last:
            out.append(window)
    return sorted(out, key=lambda w: w.start)


def rule_windows(
    rule: Mapping[str, Any],
    first: datetime.date,
    last: datetime.date,
    semesters: Sequence[Mapping[str, Any]] | None = None,
) -> list[RuleWindow]:
    """The windows of a periodic or calendar rule overlapping ``first`` … ``last``."""
    if rule.get("kind") == "periodic":
        return periods_between(str(rule["period"]), first, last, semesters)
    if rule.get("kind") == "calendar":
        return calendar_windows(rule, first, last)
    raise ValueError(f"rule kind {rule.get('kind')!r} has no fixed windows")
