"""七清 (the union's seven things every office must know about its households in difficulty):
人数, 致困原因, 困难程度, 子女待业, 子女入学, 家庭成员, 帮扶工作 — counts and breakdowns of the
households of a subtree, each line linked to the list that holds its records.

Every breakdown reconciles: a household without a cause or a degree, a child whose schooling or
work is not filled in, shows on a 未填写 line, so the parts add up to the totals of 人数."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Q, QuerySet, Sum, When
from django.utils.translation import gettext as _

from bangfu.activities.models import ActivityLink
from bangfu.activities.selectors import activity_list, figures, filter_period
from bangfu.core.tree import prefix_q
from bangfu.ledger.selectors import amount_given, entry_list, wan
from bangfu.orgs.models import Org
from bangfu.registry.choices import (
    CHILD_RELATIONS,
    IN_SCHOOL,
    Cause,
    Difficulty,
    Employment,
    Relation,
    Schooling,
)
from bangfu.registry.models import Member
from bangfu.registry.quality import years_before
from bangfu.registry.selectors import household_list
from bangfu.reports import summaries
from bangfu.reports.base import MEMO, Params, Report, Table, child_of, url

if TYPE_CHECKING:
    from bangfu.accounts.models import User

KIND = "qiqing"
TITLE = "七清"
WORKING_AGE = 16
NOT_FILLED = "未填写"
IDLE = {Employment.UNEMPLOYED, Employment.NONE}


def _grouped(qs: QuerySet, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Counts of ``qs`` grouped by ``fields``: [(*values, n), …]."""
    return list(qs.order_by().values_list(*fields).annotate(n=Count("id")))


def _breakdown(
    table: Table,
    choices: list[tuple[str, Any]],
    households: Counter,
    persons: Counter | None,
    total: list[int],
    link: dict[str, Any] | None = None,
) -> None:
    for value, label in choices:
        h = households.get(value, 0)
        p = persons.get(value, 0) if persons is not None else 0
        if not h and not p:
            continue
        values = [h] if persons is None else [h, p]
        href = url(link["name"], **{link["param"]: value, **link["extra"]}) if link else ""
        table.add(str(label), values, link=href)
    table.close(total, other_label=_(NOT_FILLED))


def build(*, user: User, params: Params) -> Report:
    households = household_list(user=user)
    if params.org is not None:
        households = households.filter(prefix_q("org__path", params.org.path))
    ids = households.values("pk")
    members = Member.objects.filter(household__in=ids)
    org = params.org_query()
    cutoff = years_before(params.as_of, WORKING_AGE)
    root_path = params.org.path if params.org else ""

    per_unit_h: Counter = Counter()
    per_unit_p: Counter = Counter()
    cause_h: Counter = Counter()
    cause_p: Counter = Counter()
    degree_h: Counter = Counter()
    degree_p: Counter = Counter()
    by_relation: Counter = Counter()
    by_school: Counter = Counter()
    by_work: Counter = Counter()
    n_grown = in_school = 0
    paths = summaries.reach(user, params.org)
    if paths is not None:
        # From the summary tables: households with their members by unit, cause and degree;
        # members by relation, schooling, work and (sons and daughters not in school) birth
        # year, the cutoff's own year counted from the records.
        shape = ("org__path", "main_cause", "difficulty")
        for path, cause, difficulty, h, p in (
            summaries.households(paths)
            .order_by()
            .values_list(*shape)
            .annotate(h=Sum("households"), p=Sum("persons"))
        ):
            per_unit_h[child_of(root_path, path)] += h
            per_unit_p[child_of(root_path, path)] += p
            cause_h[cause] += h
            cause_p[cause] += p
            degree_h[difficulty] += h
            degree_p[difficulty] += p
        people_rows = [
            (relation, schooling, employment, _grown(born, cutoff), n)
            for relation, schooling, employment, born, n in summaries.members(paths)
            .order_by()
            .values_list("relation", "schooling", "employment", "born")
            .annotate(n=Sum("n"))
        ]
        for employment, n in summaries.grown_in_cutoff_year(paths, cutoff):
            by_work[employment] += n
            n_grown += n
    else:
        # From the records: three grouped queries (households, and their members, by unit,
        # cause and degree; the members by relation, schooling, work and age: 16 and over, or
        # of unknown birth date).
        shape = ("org__path", "main_cause", "difficulty")
        for path, cause, difficulty, n in _grouped(households, shape):
            per_unit_h[child_of(root_path, path)] += n
            cause_h[cause] += n
            degree_h[difficulty] += n
        shape = ("household__org__path", "household__main_cause", "household__difficulty")
        for path, cause, difficulty, n in _grouped(members, shape):
            per_unit_p[child_of(root_path, path)] += n
            cause_p[cause] += n
            degree_p[difficulty] += n
        grown_q = Q(person__birth_date__lte=cutoff) | Q(person__birth_date__isnull=True)
        people_rows = _grouped(
            members.annotate(grown=Case(When(grown_q, then=True), default=False)),
            ("relation", "person__schooling", "person__employment", "grown"),
        )
    for relation, schooling, employment, grown, n in people_rows:
        by_relation[relation] += n
        if relation not in CHILD_RELATIONS:
            continue
        by_school[schooling] += n
        if schooling in IN_SCHOOL:
            in_school += n
        elif grown:
            by_work[employment] += n
            n_grown += n
    n_households = sum(per_unit_h.values())
    n_persons = sum(per_unit_p.values())
    n_children = sum(by_school.values())
    both = [n_households, n_persons]
    report = Report(KIND, _(TITLE), params)

    # 人数: households and persons by the units right below the subtree's root.
    people = Table("people", _("人数 (按单位)"), [_("户数"), _("人数")])
    names = Org.objects.in_bulk([k for k in per_unit_h if k is not None])
    for pk in sorted(names, key=lambda k: names[k].path):
        people.add(
            names[pk].name,
            [per_unit_h[pk], per_unit_p[pk]],
            link=url("registry:household_list", org=pk),
        )
    people.close(
        both,
        other_label=_("本级"),
        other_link=url("registry:household_list", **org),
        total_link=url("registry:household_list", **org),
    )
    report.tables.append(people)

    hh_link = {"name": "registry:household_list", "extra": org}
    causes = Table("causes", _("致困原因 (主要原因)"), [_("户数"), _("人数")])
    _breakdown(
        causes,
        list(Cause.choices),
        cause_h,
        cause_p,
        both,
        {**hh_link, "param": "cause"},
    )
    report.tables.append(causes)

    degree = Table("difficulty", _("困难程度"), [_("户数"), _("人数")])
    _breakdown(
        degree,
        list(Difficulty.choices),
        degree_h,
        degree_p,
        both,
        {**hh_link, "param": "difficulty"},
    )
    report.tables.append(degree)

    idle = sum(by_work.get(v, 0) for v in IDLE)
    work = Table(
        "children_work",
        _("子女待业 (%(age)d岁以上不在校子女的务工状况)") % {"age": WORKING_AGE},
        [_("人数")],
        note=_("失业、未务工为待业; 出生日期不详的不在校子女也计在内。"),
    )
    in_households = {"household_org": params.org.pk} if params.org else {}
    _breakdown(
        work,
        list(Employment.choices),
        by_work,
        None,
        [n_grown],
        {
            "name": "registry:person_list",
            "param": "employment",
            "extra": {
                **in_households,
                "relation": "child",
                "grown_on": params.as_of.isoformat(),
            },
        },
    )
    work.add(_("其中待业"), [idle], kind=MEMO)
    report.tables.append(work)

    school = Table("children_school", _("子女入学 (子女的在校生状况)"), [_("人数")])
    _breakdown(
        school,
        list(Schooling.choices),
        by_school,
        None,
        [n_children],
        {
            "name": "registry:person_list",
            "param": "schooling",
            "extra": {**in_households, "relation": "child"},
        },
    )
    school.add(_("其中在校"), [in_school], kind=MEMO)
    report.tables.append(school)

    family = Table("members", _("家庭成员 (与户主关系)"), [_("人数")])
    _breakdown(
        family,
        list(Relation.choices),
        by_relation,
        None,
        [n_persons],
        {"name": "registry:person_list", "param": "relation", "extra": in_households},
    )
    report.tables.append(family)

    # 帮扶工作: households paired on the day, and what was done for them within the range.
    from bangfu.pairings.models import Pairing

    if paths is not None:
        paired = summaries.paired(paths, params.as_of)
        n_activities, n_visits, n_reached = summaries.reached(paths, params.start, params.end)
        entries = entry_list(user=user).filter(
            summaries.subtrees_q("household__org__path", paths), household__isnull=False
        )
    else:
        paired = (
            Pairing.objects.filter(household__in=ids)
            .active_on(params.as_of)
            .values("household_id")
            .distinct()
            .count()
        )
        activities = filter_period(
            activity_list(user=user).filter(
                pk__in=ActivityLink.objects.filter(household__in=ids).values("activity_id")
            ),
            params.start,
            params.end,
        )
        f = figures(activities)
        n_activities, n_visits = f.activities, f.household_visits
        # The subtree's households reached (an activity's households elsewhere are not).
        n_reached = (
            ActivityLink.objects.filter(household__in=ids, activity__in=activities.values("pk"))
            .filter(activity__counts="households")
            .values("household_id")
            .distinct()
            .count()
        )
        entries = entry_list(user=user).filter(household__in=ids)
    work_done = Table("assistance", _("帮扶工作"), [_("户数")])
    work_done.add(_("已结对"), [paired], link=url("pairings:pairing_list", **org))
    work_done.close([n_households], other_label=_("未结对"))
    entries = filter_period(entries, params.start, params.end)
    given = wan(amount_given(entries))
    activity_link = url(
        "activities:activity_list",
        start=params.start.isoformat(),
        end=params.end.isoformat(),
        **org,
    )
    work_done.add(_("期间帮扶活动 (次)"), [n_activities], kind=MEMO, link=activity_link)
    work_done.add(_("期间走访 (户次)"), [n_visits], kind=MEMO, link=activity_link)
    work_done.add(_("期间涉及户数"), [n_reached], kind=MEMO)
    work_done.add(_("期间发放 (万元)"), [given], kind=MEMO)
    report.tables.append(work_done)

    report.sentence = _(
        "%(place)s共有帮扶对象%(h)d户%(p)d人; 主要致困原因: %(causes)s; %(degree)s; "
        "子女%(c)d人, 其中在校%(s)d人, %(age)d岁以上不在校%(g)d人、待业%(i)d人; "
        "已结对%(paired)d户, 未结对%(unpaired)d户; "
        "%(start)s至%(end)s走访%(visits)d户次, 发放%(wan)s万元。"
    ) % {
        "place": params.place,
        "h": n_households,
        "p": n_persons,
        "causes": _top(causes) or _("无"),
        "degree": _top(degree) or _("困难程度未填写"),
        "c": n_children,
        "s": in_school,
        "age": WORKING_AGE,
        "g": n_grown,
        "i": idle,
        "paired": paired,
        "unpaired": n_households - paired,
        "start": params.start.isoformat(),
        "end": params.end.isoformat(),
        "visits": n_visits,
        "wan": given,
    }
    return report


def _grown(born: int | None, cutoff: datetime.date) -> bool:
    """A summary row's members are 16 or over on the day: born before the cutoff's year, or of
    unknown birth date. Those born in the cutoff's year are counted from the records."""
    return born is None or born < cutoff.year


def _top(table: Table, n: int = 3) -> str:
    named = sorted(
        (line for line in table.lines if line.kind == "part"), key=lambda x: -x.values[0]
    )
    return "、".join(f"{line.label}{line.values[0]}户" for line in named[:n])
