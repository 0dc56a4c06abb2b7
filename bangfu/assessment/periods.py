"""The periods a scheme scores over: calendar years ("2026") and semesters of the default school
calendar (``bangfu.pairings.plans.DEFAULT_SEMESTERS``): "2025-2026-1" is 2025-2026学年第一学期
(2025-09-01 — 2026-01-31), "2025-2026-2" its 第二学期 (2026-02-01 — 2026-07-31)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from bangfu.pairings.plans import DEFAULT_SEMESTERS

YEAR = re.compile(r"(\d{4})")
SEMESTER = re.compile(r"(\d{4})-(\d{4})-([12])")


def _month_day(text: str, year: int) -> datetime.date:
    month, day = (int(part) for part in text.split("-"))
    return datetime.date(year, month, day)


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: datetime.date
    end: datetime.date

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the scores are computed as of: the period's end, or today while it runs."""
        return min(self.end, today)


def window(kind: str, key: str) -> Window:
    """The window of a period key, or ValueError."""
    if kind == "year":
        m = YEAR.fullmatch(key)
        if not m or not 2000 <= int(key) <= 2100:
            raise ValueError(key)
        year = int(key)
        return Window(key, f"{year}年", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    m = SEMESTER.fullmatch(key)
    if kind != "semester" or not m or int(m[2]) != int(m[1]) + 1 or not 2000 <= int(m[1]) <= 2100:
        raise ValueError(key)
    first, index = int(m[1]), int(m[3])
    semester = DEFAULT_SEMESTERS[index - 1]
    start_year = first if index == 1 else first + 1
    start_text, end_text = semester["start"], semester["end"]
    start = _month_day(start_text, start_year)
    end = _month_day(end_text, start_year if end_text >= start_text else start_year + 1)
    return Window(key, f"{first}-{first + 1}学年{semester['name']}", start, end)


def current_key(kind: str, today: datetime.date) -> str:
    """The key of the period holding ``today`` (in the summer holiday: the semester just ended)."""
    if kind == "year":
        return str(today.year)
    first = today.year if today.month >= 9 else today.year - 1
    index = 1 if today.month >= 9 or today.month == 1 else 2
    return f"{first}-{first + 1}-{index}"


def choices(kind: str, today: datetime.date, back: int = 4) -> list[tuple[str, str]]:
    """Recent periods, newest first."""
    if kind == "year":
        keys = [str(today.year - i) for i in range(back + 1)]
    else:
        first = today.year if today.month >= 9 else today.year - 1
        keys = []
        for y in range(first, first - back, -1):
            keys += [f"{y}-{y + 1}-2", f"{y}-{y + 1}-1"]
        current = current_key(kind, today)
        keys = keys[keys.index(current) :] if current in keys else keys
    return [(k, window(kind, k).label) for k in keys]
