"""A plain-Python reference of the rules, written from domain.md's sentences and nothing else:
loops over pairings, days and activities. It is slow on purpose; the tests compare the SQL
engine (``engine.py``) with it on random data, and the benchmark times it per pairing.

Windows are found by walking every day of the span and asking which window holds it (so the
engine's stepping from one period to the next is checked too); lunar dates come from
``windows.occasion_date``."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from bangfu.compliance.engine import Obligation, required_of, rule_types, span
from bangfu.compliance.windows import occasion_date
from bangfu.pairings.plans import period_window, program_semesters
from bangfu.programs.models import Program

ONE_DAY = datetime.timedelta(days=1)


def _windows_by_walking(
    program: Program, rule: Mapping[str, Any], first: datetime.date, last: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    found: set[tuple[datetime.date, datetime.date]] = set()
    if rule["kind"] == "periodic":
        semesters = program_semesters(program)
        day = first
        while day <= last:
            window = period_window(str(rule["period"]), day, semesters)
            if window is not None:
                found.add((window.start, window.end))
            day += ONE_DAY
    else:  # calendar: every year whose window could touch the span
        for year in range(first.year - 1, last.year + 2):
            if rule.get("month"):
                month = int(rule["month"])
                start = datetime.date(year, month, 1)
                end = datetime.date(year, month, calendar.monthrange(year, month)[1])
            else:
                day = occasion_date(str(rule["occasion"]), year)
                start = day - datetime.timedelta(days=int(rule.get("before", 0)))
                end = day + datetime.timedelta(days=int(rule.get("after", 0)))
            if end >= first and start <= last:
                found.add((start, end))
    return sorted(w for w in found if w[0] <= last)


def _status(done: int, required: int, end: datetime.date, as_of: datetime.date) -> str:
    if done >= required:
        return "met"
    return "missed" if end < as_of else "due"


def _covers(pairing: Mapping[str, Any], start: datetime.date, end: datetime.date) -> bool:
    return pairing["start"] <= start and (pairing["end"] is None or pairing["end"] >= end)


def reference(
    program: Program,
    as_of: datetime.date,
    *,
    pairings: Iterable[Mapping[str, Any]],
    activities: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    members: Iterable[tuple[int, int]],
) -> list[Obligation]:
    """The obligations of ``pairings`` (dicts: id, start, end, household_id, person_id) given
    ``activities`` (dicts: pairing_id, type, date — one per activity and pairing served),
    ``events`` (dicts: id, household_id, person_id, kind, date) and ``members`` ((household,
    person) pairs)."""
    pairings = list(pairings)
    activities = list(activities)
    events = list(events)
    members = list(members)
    first, last = span(program, as_of)
    out: list[Obligation] = []
    if last < first:
        return out
    for rule in program.rules:
        kind, code = rule.get("kind"), str(rule.get("code"))
        types = set(rule_types(program, rule))
        required = required_of(rule)
        if kind in ("periodic", "calendar"):
            for start, end in _windows_by_walking(program, rule, first, last):
                for p in pairings:
                    if not _covers(p, start, end):
                        continue
                    done = sum(
                        1
                        for a in activities
                        if a["pairing_id"] == p["id"]
                        and a["type"] in types
                        and start <= a["date"] <= end
                        and a["date"] <= as_of
                    )
                    out.append(
                        Obligation(
                            p["id"],
                            code,
                            str(kind),
                            start,
                            end,
                            required,
                            done,
                            _status(done, required, end, as_of),
                        )
                    )
        elif kind == "event":
            days = int(rule.get("within_days", 7))
            kinds = set(rule.get("events", []))
            for e in events:
                if e["kind"] not in kinds or not (first <= e["date"] <= last):
                    continue
                start, end = e["date"], e["date"] + datetime.timedelta(days=days)
                for p in pairings:
                    if not _falls_on(e, p, members) or not _covers(p, start, end):
                        continue
                    done = sum(
                        1
                        for a in activities
                        if a["pairing_id"] == p["id"]
                        and a["type"] in types
                        and start <= a["date"] <= end
                        and a["date"] <= as_of
                    )
                    out.append(
                        Obligation(
                            p["id"],
                            code,
                            "event",
                            start,
                            end,
                            1,
                            done,
                            _status(done, 1, end, as_of),
                            "",
                            e["id"],
                        )
                    )
    return sorted(out, key=lambda o: (o.pairing_id, o.rule, o.start, o.event_id or 0))


def _falls_on(
    event: Mapping[str, Any], pairing: Mapping[str, Any], members: list[tuple[int, int]]
) -> bool:
    """An event on a person falls on pairings of that person and of their households; one on a
    household on pairings of the household and of its members."""
    if event["person_id"] is not None:
        person = event["person_id"]
        households = {h for h, m in members if m == person}
        return pairing["person_id"] == person or pairing["household_id"] in households
    household = event["household_id"]
    persons = {m for h, m in members if h == household}
    return pairing["household_id"] == household or pairing["person_id"] in persons


def reference_from_db(program: Program, as_of: datetime.date) -> list[Obligation]:
    """The reference over what the database holds for ``program`` (read with plain queries)."""
    from bangfu.activities.models import ActivityLink, LifeEvent
    from bangfu.pairings.models import Pairing
    from bangfu.registry.models import Member

    return reference(
        program,
        as_of,
        pairings=Pairing.objects.filter(program=program).values(
            "id", "start", "end", "household_id", "person_id"
        ),
        activities=ActivityLink.objects.filter(program=program).values(
            "pairing_id", "type", "date"
        ),
        events=LifeEvent.objects.values("id", "household_id", "person_id", "kind", "date"),
        members=list(Member.objects.values_list("household_id", "person_id")),
    )
