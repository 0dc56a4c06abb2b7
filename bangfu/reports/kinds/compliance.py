"""Compliance rates by unit and helper from the rules engine, for every program the reader may
read that has pairings in the subtree, over the windows that end within the range (as of the
report's day); coverage rates by rule; and the units and helpers to commend (best rates) and to
follow up (worst), as the seed's 督促检查 asks.

The rates are those of the compliance board (``compliance.selectors.board``): met / (met +
missed); windows still open (未到期) are counted but not rated. Units and helpers reconcile: each
obligation belongs to exactly one unit line and one helper line."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils.translation import gettext as _

from bangfu.compliance.engine import WINDOW_KINDS, summary_by_pairing_group
from bangfu.compliance.selectors import (
    BoardFilter,
    Rate,
    board_programs,
    board_root,
    coverage_rates,
    helper_key,
    pairing_chunks,
    rule_names,
    scoped_pairings,
)
from bangfu.core.batching import chunked
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.registry.models import Helper
from bangfu.reports.base import MEMO, Params, Report, Table, child_of, url

if TYPE_CHECKING:
    from bangfu.accounts.models import User

KIND = "compliance"
TITLE = "合规与覆盖"
SHOWN = 3  # units and helpers named to commend and to follow up
HELPER_LINES = 500  # helpers named one by one in the helpers table, at most


@dataclass
class _Board:
    """The figures of ``compliance.selectors.board`` that the report shows; helpers are keyed
    ("h…", "o…") and named later, only those the report names (:func:`_name_helpers`)."""

    rules: list[Rate]
    units: list[Rate]
    helpers: list[Rate]
    total: Rate
    coverage: list[Rate]
    paired: bool


def _board(*, user: User, f: BoardFilter) -> _Board:
    """The board's rates by rule, unit and helper for the pairings the reader reads in the
    subtree, over the windows ending within the range, as of the day; and its coverage rates.

    When the reader reads the whole subtree, they are summed from the compliance rows of the
    summary tables (``reports.summaries.duties`` and ``coverage``), unless an activity dated
    after the day falls in a window holding it (``summaries.duties_hold``). Else they are
    counted in the database from the records, by the pairing's unit, helper and helping unit
    (``engine.summary_by_pairing_group``; ``selectors.coverage_rates``)."""
    from bangfu.reports import summaries
    from bangfu.reports.models import COMPLIANCE

    names = rule_names(f.program)
    pairings = scoped_pairings(user=user, f=f).order_by()
    rules = {
        str(r.get("code")): Rate(str(r.get("code")), names[str(r.get("code"))])
        for r in f.program.rules
        if r.get("kind") in (*WINDOW_KINDS, "event")
    }
    units: dict[int | None, Rate] = {}
    helpers: dict[str, Rate] = {}
    total = Rate("", "")
    orgs = {o.pk: o for o in Org.objects.filter(prefix_q("path", f.root.path))}

    def count(code: str, org_id: Any, status: str, n: int, hkey: str | None = None) -> None:
        if code in rules:
            _add(rules[code], status, n)
        _add(total, status, n)
        child = child_of(f.root.path, orgs[org_id].path) if org_id in orgs else None
        _add(units.setdefault(child, Rate(str(child or ""), "")), status, n)
        if hkey is not None:
            _add(helpers.setdefault(hkey, Rate(hkey, "")), status, n)

    paths = None if f.own or f.helper else summaries.whole_subtree(user, f.root, (COMPLIANCE,))
    # Counted in the database, not subject by subject.
    if paths is not None:
        coverage = coverage_rates(f, summaries.coverage(f.program, [f.root.path], f.as_of))
    else:
        coverage = coverage_rates(f)
    if paths is not None and summaries.duties_hold(f.program, f.as_of):
        by_unit, by_helper = summaries.duties(f.program, paths, f.as_of, (f.first, f.last))
        for org_id, rule_code, *numbers in by_unit:
            for state, number in zip(STATUSES, numbers, strict=True):
                if number:
                    count(rule_code, org_id, state, number)
        for helper_id, helper_org_id, met, missed, due in by_helper:
            hkey = helper_key(helper_id, helper_org_id)
            helpers[hkey] = Rate(hkey, "", met, missed, due)
        paired = pairings.exists()
    else:
        n_pairings = pairings.count()
        paired = bool(n_pairings)
        counts: list[dict[str, Counter]] = []
        for chunk in pairing_chunks(f.program, pairings, n_pairings):
            counts.append(
                summary_by_pairing_group(
                    f.program, f.as_of, pairing_ids=chunk, ending=(f.first, f.last)
                )
            )
        # Only the reader's pairings in the subtree count (the whole program's are evaluated).
        keys = set(pairings.values_list("org_id", "helper_id", "helper_org_id").distinct())
        for by_rule in counts:
            for code, counter in by_rule.items():
                for (org_id, helper_id, helper_org_id, status), n in counter.items():
                    if (org_id, helper_id, helper_org_id) not in keys or status not in STATUSES:
                        continue
                    count(code, org_id, status, n, helper_key(helper_id, helper_org_id))
    named = Org.objects.in_bulk([pk for pk in units if pk is not None])
    for pk, rate in units.items():
        if pk is None:
            rate.name = f.root.name
            rate.key = str(f.root.pk)
            rate.extra["own"] = True
        else:
            rate.name = named[pk].name if pk in named else str(pk)
    return _Board(
        rules=list(rules.values()),
        units=list(units.values()),
        helpers=list(helpers.values()),
        total=total,
        coverage=coverage,
        paired=paired,
    )


def _name_helpers(rates: list[Rate]) -> None:
    """Give the helpers (h<id>) and helping units (o<id>) their names."""
    ids = [int(r.key[1:]) for r in rates if r.key.startswith("h")]
    unit_ids = [int(r.key[1:]) for r in rates if r.key.startswith("o")]
    people: dict[int, str] = {}
    for chunk in chunked(ids, 2000):
        people.update(Helper.objects.filter(pk__in=chunk).values_list("pk", "person__name"))
    places = dict(Org.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    for rate in rates:
        pk = int(rate.key[1:])
        rate.name = (people if rate.key.startswith("h") else places).get(pk) or ""


def _keys(rated: list[Rate], *, best: bool) -> list[tuple[float, int]]:
    """How each rate (with something closed) ranks before its name: the best by rate then met,
    the worst by rate then missed — inline, for tens of thousands of helpers at a county."""
    values = [round(r.met * 100 / (r.met + r.missed), 1) for r in rated]
    if best:
        return [(-v, -r.met) for v, r in zip(values, rated, strict=True)]
    return [(v, -r.missed) for v, r in zip(values, rated, strict=True)]


def _contenders(rates: list[Rate]) -> list[Rate]:
    """The rates that may be among the best or worst ``SHOWN`` (ties on rate and count
    included: the name decides among them), found without sorting them all."""
    rated = [r for r in rates if r.met or r.missed]
    out: dict[str, Rate] = {}
    for best in (True, False):
        keys = _keys(rated, best=best)
        if keys:
            edge = heapq.nsmallest(SHOWN, keys)[-1]
            out.update((r.key, r) for r, k in zip(rated, keys, strict=True) if k <= edge)
    return list(out.values())


STATUSES = ("met", "missed", "due")


def _add(rate: Rate, status: str, n: int) -> None:
    setattr(rate, status, getattr(rate, status) + n)


def _merge(target: dict[str, Rate], rate: Rate, key: str, name: str, link: str) -> None:
    row = target.setdefault(key, Rate(key, name, extra={"link": link}))
    row.met += rate.met
    row.missed += rate.missed
    row.due += rate.due


def _values(rate: Rate) -> list[Any]:
    return [rate.met, rate.missed, rate.due, rate.rate]


COLUMNS = ["达标", "未达标", "未到期", "达标率 (%)"]


def _table(key: str, title: str, rates: list[Rate], total: Rate | None) -> Table:
    table = Table(key, title, [_(c) for c in COLUMNS], unsummed=(3,))
    for rate in rates:
        table.add(rate.name, _values(rate), link=rate.extra.get("link", ""))
    if total is not None:
        table.close(_values(total))
    else:
        table.reconciles = False
    return table


def _ranked(rates: list[Rate], *, best: bool) -> list[Rate]:
    rated = [r for r in rates if r.met or r.missed]
    keys = _keys(rated, best=best)
    order = sorted(range(len(rated)), key=lambda i: (*keys[i], rated[i].name))
    return [rated[i] for i in order[:SHOWN]]


def build(*, user: User, params: Params) -> Report:
    programs = board_programs(user=user)
    if params.org is not None:
        under = Pairing.objects.filter(prefix_q("org__path", params.org.path))
        programs = programs.filter(pk__in=under.values("program_id"))
    units: dict[str, Rate] = {}
    helpers: dict[str, Rate] = {}
    rules: list[Rate] = []
    coverage: list[Rate] = []
    total = Rate("", _("合计"))
    for program in programs:
        try:
            root = params.org or board_root(user=user, program=program)
        except Http404:
            continue
        f = BoardFilter(
            program=program, root=root, as_of=params.as_of, first=params.start, last=params.end
        )
        b = _board(user=user, f=f)
        if not b.paired:
            continue
        link = url("compliance:board", **f.query())
        for rate in b.units:
            unit_query = f.query(org=rate.key, own="1" if rate.extra.get("own") else "")
            _merge(units, rate, rate.key, rate.name, url("compliance:board", **unit_query))
        for rate in b.helpers:
            # Linked (to the first program's board) and named later, only if shown.
            row = helpers.get(rate.key)
            if row is None:
                rate.extra["board"] = f
                helpers[rate.key] = rate
            else:
                row.met += rate.met
                row.missed += rate.missed
                row.due += rate.due
        for rate in b.rules:
            rule_link = url("compliance:board_missed", **f.query(rule=rate.key))
            rules.append(
                Rate(
                    rate.key,
                    f"{program.name} · {rate.name}",
                    rate.met,
                    rate.missed,
                    rate.due,
                    {"link": rule_link},
                )
            )
        for rate in b.coverage:
            coverage.append(
                Rate(
                    rate.key,
                    f"{program.name} · {rate.name}",
                    rate.met,
                    rate.missed,
                    rate.due,
                    {"link": link},
                )
            )
        total.met += b.total.met
        total.missed += b.total.missed
        total.due += b.total.due
    unit_rates = sorted(units.values(), key=lambda r: r.name)
    every_helper = list(helpers.values())
    listed = len(every_helper) <= HELPER_LINES
    # Named and linked: every helper when they are few, else those who may be ranked.
    shown = every_helper if listed else _contenders(every_helper)
    _name_helpers(shown)
    for rate in shown:
        board = rate.extra["board"].query(helper=rate.key)
        rate.extra["link"] = url("compliance:board", **board)
    helper_rates = sorted(shown, key=lambda r: (r.name, r.key))
    report = Report(KIND, _(TITLE), params)
    report.tables.append(_table("units", _("按单位 (对象所在单位)"), unit_rates, total))
    if listed:
        report.tables.append(_table("helpers", _("按帮扶责任人"), helper_rates, total))
    else:
        # Tens of thousands of lines help nobody (and no page shows them in a second): the
        # units below list theirs; the best and the worst are still named below.
        helpers_table = Table("helpers", _("按帮扶责任人"), [_(c) for c in COLUMNS], unsummed=(3,))
        helpers_table.note = _(
            "本单位及下级单位共有帮扶责任人%(n)d人, 超过%(max)d人, 不逐人列出; "
            "请选择下级单位查看各人达标情况。"
        ) % {"n": len(every_helper), "max": HELPER_LINES}
        helpers_table.close(_values(total), other_label=_("未逐人列出"))
        report.tables.append(helpers_table)
    report.tables.append(_table("rules", _("按规则"), rules, total))
    cov = Table(
        "coverage", _("覆盖情况 (截至日)"), [_("达标"), _("未达标"), _("覆盖率 (%)")], unsummed=(2,)
    )
    cov.reconciles = False
    for rate in coverage:
        cov.add(rate.name, [rate.met, rate.missed, rate.rate], link=rate.extra["link"], kind=MEMO)
    report.tables.append(cov)
    commend = Table("commend", _("表扬 (达标率最高)"), [_(c) for c in COLUMNS], reconciles=False)
    follow = Table("follow_up", _("督促 (达标率最低)"), [_(c) for c in COLUMNS], reconciles=False)
    for table, best in ((commend, True), (follow, False)):
        for label, rates in ((_("单位"), unit_rates), (_("帮扶责任人"), helper_rates)):
            for rate in _ranked(rates, best=best):
                table.add(
                    f"{label}: {rate.name}", _values(rate), link=rate.extra["link"], kind=MEMO
                )
    report.tables += [commend, follow]
    best_units = "、".join(r.name for r in _ranked(unit_rates, best=True))
    worst = [r for r in _ranked(unit_rates, best=False) if r.missed]
    report.sentence = _(
        "%(start)s至%(end)s, %(place)s应完成帮扶任务%(closed)d项, 按时完成%(met)d项, "
        "达标率%(rate)s; 另有%(due)d项尚未到期。"
    ) % {
        "start": params.start.isoformat(),
        "end": params.end.isoformat(),
        "place": params.place,
        "closed": total.closed,
        "met": total.met,
        "rate": f"{total.rate}%" if total.rate is not None else _("无"),
        "due": total.due,
    }
    if best_units:
        report.sentence += _("达标率较高的单位: %s。") % best_units
    if worst:
        report.sentence += _("需督促的单位: %s。") % "、".join(r.name for r in worst)
    return report
