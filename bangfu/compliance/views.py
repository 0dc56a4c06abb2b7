"""Compliance pages: a helper's tasks (我的待办) with a one-tap link to log what satisfies each,
and the readers' board for a subtree and period (合规看板) with its drill-down to the pairings
that missed and the life events not answered in time. Every answer is the rules engine's, asked
at the moment the page is opened (docs/compliance.md)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bangfu.accounts.scope import scope_of
from bangfu.compliance.selectors import (
    AHEAD_DAYS,
    DRILL_LIMIT,
    RECENT_DAYS,
    BoardFilter,
    board,
    board_program_get,
    board_programs,
    board_root,
    is_reader,
    missed_pairings,
    my_tasks,
    rule_names,
    unanswered_events,
)
from bangfu.core.http import AuthedRequest
from bangfu.core.tree import path_ids
from bangfu.orgs.models import Org
from bangfu.programs.models import Program


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _filter(request: AuthedRequest) -> BoardFilter | None:
    """The board's filters from the query string: the program (else the first one the user
    reads; None when there is none), the subtree, the day and the period. A program or unit
    the user does not read answers 404."""
    if not is_reader(request.user):
        raise Http404
    get = request.GET
    found: Program | None
    if get.get("program"):
        found = board_program_get(user=request.user, pk=get["program"])
    else:
        found = board_programs(user=request.user).first()
    if found is None:
        return None
    program = found
    root = board_root(user=request.user, program=program, org_pk=get.get("org"))
    as_of = _date(get.get("as_of"), timezone.localdate())
    first = _date(get.get("from"), datetime.date(as_of.year, 1, 1))
    last = _date(get.get("to"), datetime.date(as_of.year, 12, 31))
    if last < first:
        first, last = last, first
    rule = get.get("rule", "")
    if rule and rule not in rule_names(program):
        rule = ""
    return BoardFilter(
        program=program,
        root=root,
        as_of=as_of,
        first=first,
        last=last,
        rule=rule,
        helper=get.get("helper", "")[:20],
        own=get.get("own") == "1",
    )


def _context(request: AuthedRequest, f: BoardFilter) -> dict[str, Any]:
    """What every board page shows around its table: the programs, the way up the tree."""
    scope = scope_of(request.user)
    ancestors = [
        org
        for org in Org.objects.filter(pk__in=path_ids(f.root.path)).order_by("depth")
        if scope.can_read_org(org) and org.pk != f.root.pk
    ]
    return {
        "f": f,
        "programs": board_programs(user=request.user),
        "ancestors": [(org, _up(f, org)) for org in ancestors],
        "rule_name": rule_names(f.program).get(f.rule, ""),
        "base_query": urlencode(f.query()),
    }


def _up(f: BoardFilter, org: Org) -> str:
    query = f.query(org=org.pk)
    query.pop("own", None)
    return urlencode(query)


@login_required
def tasks_view(request: AuthedRequest) -> HttpResponse:
    """我的待办: the user's own pairings' windows — overdue, due now and starting soon."""
    tasks = my_tasks(user=request.user, today=timezone.localdate())
    return render(
        request,
        "compliance/my_tasks.html",
        {"tasks": tasks, "recent_days": RECENT_DAYS, "ahead_days": AHEAD_DAYS},
    )


@login_required
def board_view(request: AuthedRequest) -> HttpResponse:
    """合规看板: rates per rule, per unit and per helper for a subtree and period."""
    f = _filter(request)
    if f is None:
        return render(request, "compliance/board.html", {"f": None})
    data = board(user=request.user, f=f)
    context = _context(request, f)
    context.update(
        board=data,
        chart=data.chart if any(r.rate is not None for r in data.rules) else None,
        unit_links=[
            (rate, urlencode(f.query(org=rate.key, own="1" if rate.extra.get("own") else "")))
            for rate in data.units
        ],
        helper_links=[(rate, urlencode(f.query(helper=rate.key))) for rate in data.helpers[:200]],
        rule_links=[(rate, urlencode(f.query(rule=rate.key))) for rate in data.rules],
    )
    return render(request, "compliance/board.html", context)


@login_required
def missed_view(request: AuthedRequest) -> HttpResponse:
    """The pairings that missed (a rule, in a unit's subtree, of a helper) in the period."""
    f = _filter(request)
    if f is None:
        raise Http404
    rows, truncated = missed_pairings(user=request.user, f=f)
    context = _context(request, f)
    context.update(rows=rows, truncated=truncated, limit=DRILL_LIMIT)
    return render(request, "compliance/board_missed.html", context)


@login_required
def events_view(request: AuthedRequest) -> HttpResponse:
    """Life events whose window closed in the period without a qualifying activity."""
    f = _filter(request)
    if f is None:
        return render(request, "compliance/events_unanswered.html", {"f": None})
    rows, truncated = unanswered_events(user=request.user, f=f)
    context = _context(request, f)
    context.update(
        rows=rows,
        truncated=truncated,
        limit=DRILL_LIMIT,
        has_rules=any(r.get("kind") == "event" for r in f.program.rules),
    )
    return render(request, "compliance/events_unanswered.html", context)
