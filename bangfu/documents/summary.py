"""The 工作总结 (work summary) of a unit's subtree for a period, drafted from the records.

Real summaries (年度结对帮扶工作总结 of a county office, a trade union, a school) have the same
five parts: 基本情况 (how many households and persons, by status), 主要做法 (what was done:
pairings, visits, trainings, money and goods), 帮扶成效 (the results in figures), 存在问题 and
下一步打算. Here every number is computed at the moment of drafting from the same selectors the
pages use — :func:`bangfu.registry.selectors.status_figures`, :func:`bangfu.activities.selectors
.figures` and ``summary_sentence``, :func:`bangfu.ledger.selectors.totals`, the rules engine —
over the records the user may see, so a figure in the draft can always be traced back to rows.
Nothing is typed in; the person who edits the draft adds the words.

:data:`SPEC` lists the placeholders a template may use; :func:`build` fills them, and
:func:`summary_docx` writes the Word file from the template that applies to the unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.activities.selectors import (
    Figures,
    activity_list,
    figures,
    filter_period,
    in_subtree,
    summary_sentence,
)
from bangfu.core.tree import prefix_q
from bangfu.documents.word import Content, Spec, fill
from bangfu.ledger.selectors import Totals, entry_list, totals, wan
from bangfu.pairings.models import Pairing, Plan, PlanMeasure
from bangfu.pairings.selectors import pairing_list
from bangfu.registry.choices import NOT_EXITED, Status
from bangfu.registry.models import Household, HouseholdIncome
from bangfu.registry.selectors import StatusFigures, household_list, status_figures

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

LANGUAGE = "zh-hans"
NUMERALS = "一二三四五六七八九十"
CHUNK = 500  # pairing ids per query of the rules engine
# Statuses whose entry in the period counts as a result (脱贫, and 解困/脱困 for workers).
RESULTS = (Status.EXITED, Status.RELIEVED, Status.OUT_OF_DIFFICULTY)

SPEC = Spec(
    values={
        "单位": "总结的单位 (含下属单位)",
        "期间": "总结的期间, 如 2026年、2026年上半年、2026年3月1日至2026年9月30日",
        "开始日期": "期间的第一天, 如 2026年1月1日",
        "结束日期": "期间的最后一天",
        "成文日期": "生成总结的日期",
        "户数": "截至结束日期登记的帮扶对象户数 (各状态合计)",
        "人数": "上述各户在册家庭成员人数",
        "未脱贫户数": "截至结束日期未脱贫 (新识别、帮扶中、拟脱贫、返贫) 的户数",
        "未脱贫人数": "上述各户的人数",
        "脱贫户数": "期间内进入“脱贫”状态的户数",
        "脱贫人数": "上述各户的人数",
        "动态管理": "动态管理的一段话: 截至结束日期各状态户数人数及期间变动",
        "结对数": "期间内在帮的结对数",
        "结对户数": "期间内有结对的帮扶户数",
        "帮扶责任人数": "期间内有结对的帮扶责任人数",
        "帮扶单位数": "期间内以单位名义结对的帮扶单位数",
        "项目数": "期间内有结对的帮扶项目数",
        "项目名称": "上述帮扶项目的名称, 以顿号分隔",
        "活动次数": "期间内的帮扶活动次数",
        "走访户次": "期间内走访的户次",
        "走访户数": "期间内走访涉及的户数 (同一户只计一次)",
        "帮扶人次": "期间内帮扶的人次",
        "培训人次": "期间内培训的人次",
        "活动情况": "帮扶活动的一句话: 活动次数、户次、人次、发放金额和物资",
        "发放元": "期间内台帐已入账的发放金额 (元)",
        "发放万元": "同上, 单位万元, 保留两位小数",
        "物资": "期间内台帐已入账发放的物资, 如 图书 658 册、大米 2 袋",
        "受助户次": "台帐发放惠及的户次",
        "受助人次": "台帐发放惠及的人次",
        "台帐情况": "台帐的一句话: 发放金额、物资、惠及户次人次",
        "应完成任务": "按帮扶规则, 期间内到期的帮扶任务数",
        "已完成任务": "其中已完成的任务数",
        "未完成任务": "其中逾期未完成的任务数",
        "任务完成率": "已完成任务占已到期任务的百分比",
    },
    lists={
        "主要做法": "主要做法, 每条一段: 结对、各类活动、资金物资、动态管理、任务落实",
        "帮扶成效": "帮扶成效, 每条一段: 脱贫、收入变化、活动、资金物资、任务完成率",
        "存在问题": "存在问题, 每条一段, 由记录得出 (未脱贫户、未完成任务、未签承诺书等)",
        "下一步打算": "下一步打算, 每条一段, 与存在问题对应",
    },
    tables={
        "按状态": (
            "帮扶对象按状态, 每种状态一行",
            {
                "状态": "状态名称",
                "户数": "截至结束日期户数",
                "人数": "人数",
                "期间户数": "期间内进入该状态的户数",
                "期间人数": "期间内进入该状态的人数",
            },
        ),
        "按类型": (
            "帮扶活动按类型, 每种类型一行",
            {
                "类型": "活动类型",
                "次数": "活动次数",
                "户次": "户次",
                "户数": "涉及户数",
                "人次": "人次",
            },
        ),
        "按类别": (
            "台帐发放按类别, 每个类别一行",
            {
                "类别": "台帐类别",
                "元": "金额 (元)",
                "万元": "金额 (万元)",
                "物资": "物资",
                "户次": "惠及户次",
                "人次": "惠及人次",
            },
        ),
    },
)


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_label(start: datetime.date, end: datetime.date) -> str:
    """2026年 for a whole year, 2026年上半年 / 下半年, 2026年3月 for a whole month, else the
    two dates."""
    if start.year == end.year:
        y = start.year
        if (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31):
            return f"{y}年"
        if (start.month, start.day) == (1, 1) and (end.month, end.day) == (6, 30):
            return f"{y}年上半年"
        if (start.month, start.day) == (7, 1) and (end.month, end.day) == (12, 31):
            return f"{y}年下半年"
        next_month = (end + datetime.timedelta(days=1)).month
        if start.month == end.month and start.day == 1 and next_month != end.month:
            return f"{y}年{start.month}月"
    return f"{chinese_date(start)}至{chinese_date(end)}"


def _section(i: int) -> str:
    return f"（{NUMERALS[i] if i < len(NUMERALS) else i + 1}）"


def _numbered(items: list[str], *, sections: bool = False) -> list[str]:
    if sections:
        return [f"{_section(i)}{text}" for i, text in enumerate(items)]
    return [f"{i}. {text}" for i, text in enumerate(items, 1)]


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _percent(part: int, whole: int) -> str:
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


@dataclass
class Tasks:
    """Obligations of the rules whose window ends in the period, as of its end (or today)."""

    met: int = 0
    missed: int = 0
    due: int = 0
    pairings_missed: int = 0

    @property
    def closed(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> str:
        return _percent(self.met, self.closed) if self.closed else ""


def _tasks(pairings: list[Pairing], start: datetime.date, end: datetime.date) -> Tasks:
    out = Tasks()
    if not pairings or not apps.is_installed("bangfu.compliance"):
        return out
    from bangfu.compliance.engine import evaluate_iter

    by_program: dict[int, list[int]] = {}
    programs = {}
    for p in pairings:
        by_program.setdefault(p.program_id, []).append(p.pk)
        programs[p.program_id] = p.program
    missed: set[int] = set()
    chunks = (
        (program_id, ids[i : i + CHUNK])
        for program_id, ids in by_program.items()
        for i in range(0, len(ids), CHUNK)
    )
    for program_id, chunk in chunks:
        for o in evaluate_iter(programs[program_id], end, pairing_ids=chunk):
            if not start <= o.end <= end:
                continue
            if o.status == "met":
                out.met += 1
            elif o.status == "missed":
                out.missed += 1
                missed.add(o.pairing_id)
            elif o.status == "due":
                out.due += 1
    out.pairings_missed = len(missed)
    return out


@dataclass
class Income:
    households: int
    year: int
    before: Decimal
    after: Decimal

    @property
    def change(self) -> str:
        value = ((self.after - self.before) * 100 / self.before).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
        return f"{value}%"


def _income(households: QuerySet[Household], year: int) -> Income | None:
    """Average per-capita net income of the households with a record in both ``year`` - 1 and
    ``year`` (the same households on both sides), computed in the database."""
    rows = HouseholdIncome.objects.filter(
        household__in=households.values("pk"), year__in=(year - 1, year)
    )
    both = (
        rows.order_by()
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n=2)
        .values("household_id")
    )
    count = both.count()
    if not count:
        return None
    before = rows.filter(household_id__in=both, year=year - 1).aggregate(a=Avg("per_capita"))["a"]
    after = rows.filter(household_id__in=both, year=year).aggregate(a=Avg("per_capita"))["a"]
    if not before:
        return None
    cent = Decimal("0.01")
    return Income(
        count,
        year,
        Decimal(before).quantize(cent, ROUND_HALF_UP),
        Decimal(after).quantize(cent, ROUND_HALF_UP),
    )


@dataclass
class Summary:
    """The figures behind a draft and the content that fills the template."""

    org: Org
    start: datetime.date
    end: datetime.date
    status: StatusFigures
    activities: Figures
    ledger: Totals
    tasks: Tasks
    content: Content

    @property
    def period(self) -> str:
        return period_label(self.start, self.end)


def build(
    *,
    user: User,
    org: Org,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> Summary:
    """Every figure of the summary of ``org``'s subtree from ``start`` to ``end``, over the
    records ``user`` may see."""
    today = today or timezone.localdate()
    with translation.override(LANGUAGE):
        return _build(user=user, org=org, start=start, end=end, today=today)


def _build(
    *, user: User, org: Org, start: datetime.date, end: datetime.date, today: datetime.date
) -> Summary:
    subtree = prefix_q("org__path", org.path)
    labels = dict(Status.choices)

    # 基本情况: households by status as of the end, entries into each status in the period.
    status = status_figures(
        households=household_list(user=user), as_of=end, org=org, date_from=start, date_to=end
    )
    registered, not_exited = status.registered, status.not_exited
    exited = status.entries[Status.EXITED]

    # Pairings running at some time in the period.
    running = (
        pairing_list(user=user)
        .filter(subtree, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by("id")
    )
    pairings = list(running)
    helpers = {p.helper_id for p in pairings if p.helper_id}
    helper_units = {p.helper_org_id for p in pairings if p.helper_org_id}
    paired_households = {p.household_id for p in pairings if p.household_id}
    program_names = list(dict.fromkeys(p.program.name for p in pairings))
    plans = Plan.objects.filter(
        Q(pairing__in=running.values("pk"))
        | Q(pairing__isnull=True, program_id__in=running.values("program_id"))
    )
    measures = PlanMeasure.objects.filter(plan__in=plans).count()

    # Activities of the subtree in the period, and the ledger of its units.
    activity_qs = filter_period(in_subtree(activity_list(user=user), org), start, end).order_by()
    act = figures(activity_qs)
    trained = sum(t.person_times for t in act.by_type if t.type == "培训")
    ledger_qs = entry_list(user=user).filter(subtree, date__gte=start, date__lte=end)
    ledger = totals(ledger_qs, by="category")
    given = ledger.total

    tasks = _tasks(pairings, start, end)
    as_of = min(end, today)

    values = {
        "单位": org.name,
        "期间": period_label(start, end),
        "开始日期": chinese_date(start),
        "结束日期": chinese_date(end),
        "成文日期": chinese_date(today),
        "户数": str(registered.households),
        "人数": str(registered.persons),
        "未脱贫户数": str(not_exited.households),
        "未脱贫人数": str(not_exited.persons),
        "脱贫户数": str(exited.households),
        "脱贫人数": str(exited.persons),
        "动态管理": status.sentence(),
        "结对数": str(len(pairings)),
        "结对户数": str(len(paired_households)),
        "帮扶责任人数": str(len(helpers)),
        "帮扶单位数": str(len(helper_units)),
        "项目数": str(len(program_names)),
        "项目名称": "、".join(program_names),
        "活动次数": str(act.activities),
        "走访户次": str(act.household_visits),
        "走访户数": str(act.households),
        "帮扶人次": str(act.person_times),
        "培训人次": str(trained),
        "活动情况": summary_sentence(activity_qs),
        "发放元": _money(given.amount),
        "发放万元": str(given.amount_wan),
        "物资": given.items_text,
        "受助户次": str(given.household_times),
        "受助人次": str(given.person_times),
        "台帐情况": given.sentence,
        "应完成任务": str(tasks.closed),
        "已完成任务": str(tasks.met),
        "未完成任务": str(tasks.missed),
        "任务完成率": tasks.rate,
    }

    # 主要做法
    done: list[str] = []
    if pairings:
        text = _("落实结对帮扶责任。围绕%(programs)s等 %(n)d 个帮扶项目, ") % {
            "programs": "、".join(f"“{n}”" for n in program_names[:4]),
            "n": len(program_names),
        }
        who = []
        if helpers:
            who.append(_("帮扶责任人 %d 名") % len(helpers))
        if helper_units:
            who.append(_("帮扶单位 %d 个") % len(helper_units))
        text += _("落实%(who)s, 结成帮扶对子 %(p)d 对") % {
            "who": "、".join(who),
            "p": len(pairings),
        }
        if paired_households:
            text += _(" (其中帮扶户 %d 户)") % len(paired_households)
        if measures:
            text += _(", 制定帮扶计划 %(plans)d 份、帮扶措施 %(m)d 项") % {
                "plans": plans.count(),
                "m": measures,
            }
        done.append(text + "。")
    if act.activities:
        kinds = []
        for t in act.by_type:
            part = _("%(type)s %(n)d 次") % {"type": t.type, "n": t.activities}
            extra = []
            if t.household_visits:
                extra.append(_("%d 户次") % t.household_visits)
            if t.person_times:
                extra.append(_("%d 人次") % t.person_times)
            if extra:
                part += f" ({'、'.join(extra)})"
            kinds.append(part)
        done.append(
            _("深入开展帮扶活动。共开展帮扶活动 %(n)d 次, 其中%(kinds)s。")
            % {"n": act.activities, "kinds": "、".join(kinds)}
        )
    if given.amount or given.items_text:
        parts = [
            _("%(label)s %(wan)s 万元") % {"label": row.label, "wan": row.amount_wan}
            for row in ledger.rows
            if row.amount
        ]
        text = _("落实帮扶资金和物资。共发放资金 %s 万元") % given.amount_wan
        if parts:
            text += f" ({'、'.join(parts)})"
        if given.items_text:
            text += _(", 发放物资%s") % given.items_text
        done.append(text + "。")
    moved = [
        _("%(label)s %(h)d 户 %(p)d 人")
        % {"label": labels[s], "h": status.entries[s].households, "p": status.entries[s].persons}
        for s in Status.values
        if status.entries[s].households
    ]
    if moved:
        done.append(_("抓好动态管理。期间%s。") % "、".join(moved))
    if tasks.closed or tasks.due:
        text = _(
            "督促落实帮扶任务。按帮扶规则, 期间到期的帮扶任务 %(closed)d 项, 已完成 %(met)d 项"
        ) % {
            "closed": tasks.closed,
            "met": tasks.met,
        }
        if tasks.rate:
            text += _(", 完成率 %s") % tasks.rate
        if tasks.due:
            text += _("; 另有 %d 项正在进行") % tasks.due
        done.append(text + "。")

    # 帮扶成效
    results: list[str] = []
    exits = [
        _("%(label)s %(h)d 户 %(p)d 人")
        % {"label": labels[s], "h": status.entries[s].households, "p": status.entries[s].persons}
        for s in RESULTS
        if status.entries[s].households
    ]
    if exits:
        results.append(_("帮扶对象稳步脱贫。期间%s。") % "、".join(exits))
    income = _income(household_list(user=user).filter(subtree), end.year)
    if income:
        results.append(
            _(
                "帮扶户收入持续增加。有收入记录的 %(n)d 户, 人均纯收入由%(y0)d年的 %(a)s 元"
                "增加到%(y1)d年的 %(b)s 元, 增长 %(c)s。"
            )
            % {
                "n": income.households,
                "y0": income.year - 1,
                "y1": income.year,
                "a": _money(income.before),
                "b": _money(income.after),
                "c": income.change,
            }
        )
    if act.activities:
        results.append(_("帮扶活动: %s。") % values["活动情况"])
    if given.amount or given.items_text:
        results.append(_("资金物资: %s。") % given.sentence)
    if tasks.rate:
        results.append(_("帮扶任务完成率 %s。") % tasks.rate)
    if not results:
        results.append(_("期间尚无可统计的帮扶成效记录, 请补充。"))

    # 存在问题 and 下一步打算, each from the records.
    problems: list[str] = []
    plans_next: list[str] = []
    if not_exited.households:
        problems.append(
            _("截至%(d)s, 尚有 %(h)d 户 %(p)d 人未脱贫, 巩固提升任务依然较重。")
            % {"d": chinese_date(end), "h": not_exited.households, "p": not_exited.persons}
        )
        plans_next.append(
            _("对 %d 户未脱贫户逐户分析致贫原因, 落实“一户一策”帮扶措施, 做好动态管理。")
            % not_exited.households
        )
    unpaired = (
        household_list(user=user)
        .filter(subtree, status__in=NOT_EXITED)
        .exclude(
            pk__in=Pairing.objects.filter(household__isnull=False, start__lte=as_of)
            .filter(Q(end__isnull=True) | Q(end__gte=as_of))
            .values("household_id")
        )
        .count()
    )
    if unpaired:
        problems.append(_("尚有 %d 户帮扶对象未落实帮扶责任人。") % unpaired)
        plans_next.append(_("为 %d 户尚无结对的帮扶对象落实帮扶责任人。") % unpaired)
    if tasks.missed:
        problems.append(
            _("部分帮扶任务未按期完成: 逾期未完成 %(n)d 项, 涉及 %(p)d 对结对。")
            % {"n": tasks.missed, "p": tasks.pairings_missed}
        )
        plans_next.append(_("督促相关帮扶责任人补齐 %d 项逾期任务, 加强日常督查。") % tasks.missed)
    from bangfu.pairings.commitments import SIGN_WITHIN_DAYS

    cutoff = as_of - datetime.timedelta(days=SIGN_WITHIN_DAYS)
    unsigned = sum(
        1
        for p in pairings
        if p.start < cutoff
        and (p.end is None or p.end >= as_of)
        and (p.helper_signed_on is None or p.beneficiary_signed_on is None)
    )
    if unsigned:
        problems.append(_("%d 对结对超过 30 天仍未签订“双承诺”承诺书。") % unsigned)
        plans_next.append(_("督促 %d 对结对尽快签订“双承诺”承诺书。") % unsigned)
    if ledger.drafts:
        problems.append(_("专项台帐中有 %d 笔记录尚未审核入账。") % ledger.drafts)
        plans_next.append(_("及时审核 %d 笔台帐记录, 做到账实相符。") % ledger.drafts)
    if not problems:
        problems.append(_("(请根据实际情况补充。)"))
    plans_next.append(_("继续加大帮扶力度, 巩固帮扶成效, 及时总结推广好的经验做法。"))

    tables = {
        "按状态": [
            {
                "状态": str(labels[s]),
                "户数": str(status.by_status[s].households),
                "人数": str(status.by_status[s].persons),
                "期间户数": str(status.entries[s].households),
                "期间人数": str(status.entries[s].persons),
            }
            for s in Status.values
            if status.by_status[s].households or status.entries[s].households
        ],
        "按类型": [
            {
                "类型": t.type,
                "次数": str(t.activities),
                "户次": str(t.household_visits),
                "户数": str(t.households),
                "人次": str(t.person_times),
            }
            for t in act.by_type
        ],
        "按类别": [
            {
                "类别": row.label,
                "元": _money(row.amount),
                "万元": str(wan(row.amount)),
                "物资": row.items_text,
                "户次": str(row.household_times),
                "人次": str(row.person_times),
            }
            for row in ledger.rows
            if row.amount or row.items_text
        ],
    }
    content = Content(
        values=values,
        lists={
            "主要做法": _numbered(done or [_("(请根据实际情况补充。)")], sections=True),
            "帮扶成效": _numbered(results),
            "存在问题": _numbered(problems),
            "下一步打算": _numbered(plans_next),
        },
        tables=tables,
    )
    return Summary(org, start, end, status, act, ledger, tasks, content)


def summary_docx(summary: Summary, template: bytes) -> bytes:
    """The draft as a Word file, from ``template`` (the bytes of a .docx)."""
    return fill(template, summary.content)
