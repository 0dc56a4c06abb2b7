"""动态管理: households and persons by status as of a day, and entries into each status within
the range — the seed's sentence and table — from ``registry.selectors.status_figures``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from bangfu.core.tree import prefix_q
from bangfu.registry.choices import Status
from bangfu.registry.models import Member
from bangfu.registry.selectors import household_list, imprecise_steps, status_figures
from bangfu.reports import summaries
from bangfu.reports.base import MEMO, Params, Report, Table, url
from bangfu.reports.models import REGISTRY

if TYPE_CHECKING:
    from bangfu.accounts.models import User

KIND = "status"
TITLE = "动态管理"


def build(*, user: User, params: Params) -> Report:
    households = household_list(user=user)
    if params.org is not None:
        households = households.filter(prefix_q("org__path", params.org.path))
    ranged = bool(params.date_from or params.date_to)
    paths = summaries.reach(user, params.org, parts=(REGISTRY,))
    figures = None
    if paths is not None:
        figures = summaries.status_figures(
            paths,
            as_of=params.as_of,
            org=params.org,
            date_from=params.date_from,
            date_to=params.date_to,
        )
        if figures is not None:  # the summaries do not know dates' precision: the records do
            figures.imprecise = imprecise_steps(
                households=households,
                as_of=params.as_of,
                date_from=params.date_from,
                date_to=params.date_to,
            )
    if figures is None:
        figures = status_figures(
            households=households,
            as_of=params.as_of,
            org=params.org,
            date_from=params.date_from,
            date_to=params.date_to,
        )
    org = params.org_query()
    labels = dict(Status.choices)
    now = Table(
        "as_of",
        _("截至%(d)s各状态户数、人数") % {"d": params.as_of.isoformat()},
        [_("户数"), _("人数")],
        note=_(
            "各户按截至日期前最后一次状态变更计; 人数为各户在册家庭成员数; "
            "“无状态记录”为截至日期尚无状态变更的户。"
        )
        + figures.imprecise_note,
    )
    for status in Status.values:
        f = figures.by_status[status]
        now.add(
            str(labels[status]),
            [f.households, f.persons],
            link=url("registry:household_list", status=status, **org),
        )
    if paths is not None:
        total_households, total_persons = summaries.registered(paths)
    else:
        total_households = households.count()
        total_persons = Member.objects.filter(household__in=households.values("pk")).count()
    now.close(
        [total_households, total_persons],
        other_label=_("无状态记录"),
        total_label=_("合计 (在册)"),
        total_link=url("registry:household_list", **org),
    )
    reg, ne = figures.registered, figures.not_exited
    now.add(_("登记帮扶对象"), [reg.households, reg.persons], kind=MEMO)
    now.add(_("未脱贫"), [ne.households, ne.persons], kind=MEMO)
    report = Report(KIND, _(TITLE), params, sentence=figures.sentence(), tables=[now])
    if ranged:
        moved = Table(
            "entries",
            _("期间进入各状态户数、人数"),
            [_("户数"), _("人数")],
            reconciles=False,
            note=_("一户在期间内可先后进入几个状态, 各行不相加。"),
        )
        for status in Status.values:
            e = figures.entries[status]
            moved.add(
                str(labels[status]),
                [e.households, e.persons],
                link=url("registry:household_list", status=status, **org),
                kind=MEMO,
            )
        report.tables.append(moved)
    # The command line's JSON keeps its original keys (docs/registry.md).
    report.extra = figures.as_json()
    return report
