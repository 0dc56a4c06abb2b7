"""Activity totals: 次数 (场次), 户次, 人次, 元 and 册 by activity type, aid category, program,
unit and month, with the change on the same range a year earlier; and each helper's counts by
type for the range (a term: "听课 9、教案指导 2、作业检查 4").

An activity belongs to the subtree of the unit that did it (``Activity.org``), so the figures of
a county are exactly the sum of its units' (an activity a township did for a household of
another township counts once, for the township that did it). Counts come from one grouped
query over the activities (not their links), money and goods from the posted ledger entries
(``ledger.selectors.totals``). Amounts are in 元 in the tables, so that the parts add up to the
total to the fen; the sentence gives 万元."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from bangfu.activities.models import Activity
from bangfu.activities.selectors import activity_list, filter_period
from bangfu.core.tree import prefix_q
from bangfu.ledger.models import Direction, LedgerEntry, Status
from bangfu.ledger.selectors import entry_list, totals, wan
from bangfu.orgs.models import Org
from bangfu.registry.selectors import helper_list
from bangfu.reports import summaries
from bangfu.reports.base import Params, Report, Table, child_of, url
from bangfu.reports.summaries import BOOK_UNIT

if TYPE_CHECKING:
    from bangfu.accounts.models import User

KIND = "activities"
TITLE = "帮扶活动统计"
HELPER_LINES = 500  # helpers named one by one in the helpers table, at most
ONE_DECIMAL = Decimal("0.1")


def year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def change(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """同比 in percent, one decimal; None when there is nothing to compare with."""
    if not before:
        return None
    return (Decimal(now - before) * 100 / Decimal(before)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _activities(user: User, params: Params, start: datetime.date, end: datetime.date) -> QuerySet:
    qs = activity_list(user=user)
    if params.org is not None:
        # By the unit that did it, so that a county's figures are the sum of its units'.
        qs = qs.filter(prefix_q("org__path", params.org.path))
    return filter_period(qs, start, end)


def _entries(user: User, params: Params, start: datetime.date, end: datetime.date) -> QuerySet:
    qs = entry_list(user=user)
    if params.org is not None:
        qs = qs.filter(prefix_q("org__path", params.org.path))
    return LedgerEntry.objects.filter(pk__in=filter_period(qs, start, end).values("pk"))


Counts = dict[tuple[Any, str, datetime.date, str], tuple[int, int, int]]


def _counts(qs: QuerySet) -> Counts:
    """次数, 户次 and 人次 by (program, unit path, month, activity type), in one grouped query
    over the activities (the links are not read)."""
    rows = (
        Activity.objects.filter(pk__in=qs.values("pk"))
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values_list("program", "org__path", "month", "type")
        .annotate(n=Count("id"), hv=Sum("household_visits"), pt=Sum("person_times"))
    )
    return {(p, path, m, t): (n, hv or 0, pt or 0) for p, path, m, t, n, hv, pt in rows}


def _tallied(paths: list[str], start: datetime.date, end: datetime.date) -> Counts:
    """The same as :func:`_counts` from the summary table of activities by unit, day and
    type."""
    rows = (
        summaries.activities(paths, start, end)
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values_list("program_id", "org__path", "month", "type")
        .annotate(n=Sum("n"), hv=Sum("household_visits"), pt=Sum("person_times"))
    )
    return {(p, path, m, t): (n, hv or 0, pt or 0) for p, path, m, t, n, hv, pt in rows}


def _total(counts: Counts) -> tuple[int, int, int]:
    return (
        sum(v[0] for v in counts.values()),
        sum(v[1] for v in counts.values()),
        sum(v[2] for v in counts.values()),
    )


def _by(counts: Counts, index: int) -> dict[Any, tuple[int, int, int]]:
    """The grouped counts added up by one of (program, unit path, month, activity type)."""
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, values in counts.items():
        for i in range(3):
            out[key[index]][i] += values[i]
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _given_by_type(given: QuerySet) -> dict[str, tuple[Decimal, Decimal]]:
    """元 and 册 given by activity type: the posted outgoing entries (a reversal, posted too,
    takes its original out), as ``ledger.selectors.totals`` adds them up, in one query."""
    rows = (
        given.filter(status=Status.POSTED)
        .exclude(direction=Direction.IN)
        .order_by()
        .values_list("activity__type", "goods_unit")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"))
    )
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for code, unit, amount, quantity in rows:
        money, books = out.get(code, (Decimal(0), Decimal(0)))
        money += amount or Decimal(0)
        if unit == BOOK_UNIT and quantity is not None:
            books += quantity
        out[code] = (money, books)
    return out


def build(*, user: User, params: Params) -> Report:
    start, end = params.start, params.end
    before_start, before_end = year_earlier(start), year_earlier(end)
    acts = _activities(user, params, start, end)
    acts_before = _activities(user, params, before_start, before_end)
    org = params.org_query()
    span = {"start": start.isoformat(), "end": end.isoformat()}
    report = Report(KIND, _(TITLE), params)
    paths = summaries.whole_subtree(user, params.org)
    if paths is not None:
        grouped = _tallied(paths, start, end)
        grouped_before = _tallied(paths, before_start, before_end)
    else:
        grouped, grouped_before = _counts(acts), _counts(acts_before)
    type_now, type_before = _by(grouped, 3), _by(grouped_before, 3)
    total_now, total_before = _total(grouped), _total(grouped_before)
    given = LedgerEntry.objects.filter(activity__in=acts.values("pk"))

    # By type, with the year before.
    by_type = Table(
        "type",
        _("按活动类型"),
        [
            _("次数"),
            _("户次"),
            _("人次"),
            _("金额 (元)"),
            _("图书 (册)"),
            _("上年同期次数"),
            _("次数同比 (%)"),
        ],
        unsummed=(6,),
        note=_("上年同期: %(a)s至%(b)s; 金额和图书为活动登记的已入账台帐。")
        % {"a": before_start.isoformat(), "b": before_end.isoformat()},
    )
    if paths is not None:
        money_by_type = {
            code: (amount or Decimal(0), books or Decimal(0))
            for code, amount, books in summaries.activities(paths, start, end)
            .order_by()
            .values_list("type")
            .annotate(amount=Sum("amount"), books=Sum("books"))
        }
    else:
        money_by_type = _given_by_type(given)
    # Most activities first, then by type.
    types = sorted(type_now, key=lambda t: (-type_now[t][0], t))
    types += [
        t for t in sorted(type_before, key=lambda t: (-type_before[t][0], t)) if t not in types
    ]
    for code in types:
        now = type_now.get(code, (0, 0, 0))
        money, books = money_by_type.get(code, (Decimal(0), Decimal(0)))
        n_now, n_before = now[0], type_before.get(code, (0, 0, 0))[0]
        by_type.add(
            code,
            [
                n_now,
                now[1],
                now[2],
                money,
                books,
                n_before,
                change(n_now, n_before),
            ],
            link=url("activities:activity_list", type=code, **span, **org),
        )
    money_all = sum((m for m, _b in money_by_type.values()), Decimal(0))
    books_all = sum((b for _m, b in money_by_type.values()), Decimal(0))
    by_type.close(
        [
            *total_now,
            money_all,
            books_all,
            total_before[0],
            change(total_now[0], total_before[0]),
        ],
        total_link=url("activities:activity_list", **span, **org),
    )
    report.tables.append(by_type)

    # By aid category: every posted entry of the subtree's ledgers in the range.
    ledger = totals(_entries(user, params, start, end), by="category")
    ledger_before = totals(_entries(user, params, before_start, before_end), by="category")
    earlier = {row.key: row.amount for row in ledger_before.rows}
    by_category = Table(
        "category",
        _("按帮扶类别 (专项台帐)"),
        [
            _("金额 (元)"),
            _("户次"),
            _("人次"),
            _("图书 (册)"),
            _("上年同期金额 (元)"),
            _("金额同比 (%)"),
        ],
        unsummed=(5,),
    )
    ledger_span = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    for row in ledger.rows:
        before_amount = earlier.get(row.key, Decimal(0))
        by_category.add(
            row.label,
            [
                row.amount,
                row.household_times,
                row.person_times,
                row.goods.get(BOOK_UNIT, Decimal(0)),
                before_amount,
                change(row.amount, before_amount),
            ],
            link=url("ledger:entry_list", category=row.key, **ledger_span, **org),
        )
    for row in ledger_before.rows:
        if row.key not in {r.key for r in ledger.rows}:
            by_category.add(row.label, [Decimal(0), 0, 0, Decimal(0), row.amount, None])
    by_category.close(
        [
            ledger.total.amount,
            ledger.total.household_times,
            ledger.total.person_times,
            ledger.total.goods.get(BOOK_UNIT, Decimal(0)),
            ledger_before.total.amount,
            change(ledger.total.amount, ledger_before.total.amount),
        ],
        total_link=url("ledger:entry_list", **ledger_span, **org),
    )
    report.tables.append(by_category)

    totals_now = list(total_now)
    columns = [_("次数"), _("户次"), _("人次")]

    # By program.
    by_program = Table("program", _("按帮扶项目"), columns)
    counts = _by(grouped, 0)
    from bangfu.programs.models import Program

    for program in Program.objects.filter(pk__in=list(counts)).order_by("code"):
        by_program.add(
            program.name,
            list(counts[program.pk]),
            link=url("activities:activity_list", program=program.pk, **span, **org),
        )
    by_program.close(totals_now)
    report.tables.append(by_program)

    # By unit: the units right below the root, by the unit that did the activity; the root's own
    # activities go on the 本级 line.
    by_unit = Table("unit", _("按单位 (开展活动的单位)"), columns)
    root_path = params.org.path if params.org else ""
    per_unit: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path, n in _by(grouped, 1).items():
        key = child_of(root_path, path or "")
        for i in range(3):
            per_unit[key][i] += n[i]
    orgs = Org.objects.in_bulk([k for k in per_unit if k is not None])
    for pk in sorted(orgs, key=lambda k: orgs[k].path):
        by_unit.add(
            orgs[pk].name,
            per_unit[pk],
            link=url("activities:activity_list", org=pk, **span),
        )
    by_unit.close(
        totals_now,
        other_label=_("本级") if params.org else _("其他"),
    )
    report.tables.append(by_unit)

    # By month.
    by_month = Table("month", _("按月份"), columns)
    for month, n in sorted(_by(grouped, 2).items()):
        last = _month_end(month)
        by_month.add(
            f"{month.year}年{month.month}月",
            list(n),
            link=url(
                "activities:activity_list",
                start=month.isoformat(),
                end=last.isoformat(),
                **org,
            ),
        )
    by_month.close(totals_now)
    report.tables.append(by_month)

    # Each helper's counts by type in the range (a term).
    helpers = Table(
        "helpers",
        _("帮扶责任人分类次数"),
        [_("次数"), _("分类")],
        note=_("未指明帮扶责任人的活动 (以单位名义开展) 计入“其他”。"),
    )
    per_helper: dict[int, Counter] = defaultdict(Counter)
    names: dict[int, str] = {}
    rows = (
        Activity.objects.filter(pk__in=acts.values("pk"))
        .exclude(helper=None)
        .order_by()
        .values_list("helper_id", "helper__person__name", "type")
        .annotate(n=Count("id"))
    )
    helpers_under = helper_list(user=user)
    if params.org is not None:
        helpers_under = helpers_under.filter(prefix_q("org__path", params.org.path))
    many = helpers_under.count()
    if many > HELPER_LINES:
        # Tens of thousands of lines help nobody (and no page shows them in a second): the
        # units below show theirs.
        rows = rows.none()
        helpers.note = _(
            "本单位及下级单位共有帮扶责任人%(n)d人, 超过%(max)d人, 不逐人列出; "
            "请选择下级单位查看各人分类次数。"
        ) % {"n": many, "max": HELPER_LINES}
    for helper_id, name, code, n in rows:
        per_helper[helper_id][code] += n
        names[helper_id] = name
    for helper_id in sorted(per_helper, key=lambda k: (names[k], k)):
        c = per_helper[helper_id]
        detail = "、".join(f"{t} {n}" for t, n in sorted(c.items(), key=lambda x: (-x[1], x[0])))
        helpers.add(names[helper_id], [sum(c.values()), detail])
    helpers.close(
        [total_now[0], ""], other_label=_("未逐人列出") if many > HELPER_LINES else _("其他")
    )
    report.tables.append(helpers)

    report.sentence = _(
        "%(start)s至%(end)s, %(place)s开展帮扶活动%(n)d次, 走访%(hv)d户次, 帮扶%(pt)d人次, "
        "发放%(wan)s万元%(books)s; 活动次数比上年同期%(change)s。"
    ) % {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "place": params.place,
        "n": total_now[0],
        "hv": total_now[1],
        "pt": total_now[2],
        "wan": wan(ledger.total.amount),
        "books": (
            _(", 图书%s册") % _num(ledger.total.goods[BOOK_UNIT])
            if ledger.total.goods.get(BOOK_UNIT)
            else ""
        ),
        "change": _change_text(total_now[0], total_before[0]),
    }
    return report


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _change_text(now: int, before: int) -> str:
    c = change(now, before)
    if c is None:
        return _("无可比数据")
    if c < 0:
        return _("下降%s%%") % f"{-c:.1f}"
    return _("增长%s%%") % f"{c:.1f}"


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)
