"""Reads of activities and life events, scoped by the user, and the figures derived from them
(户次, distinct households, 人次, money and goods): the seed's "走访1095户次, 帮扶365人次,
发放25.66万元, 赠书658册, 培训600人次" is computed here and in ``bangfu.ledger.selectors``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.activities.models import Activity, ActivityLink, LifeEvent
from bangfu.core.tree import prefix_q
from bangfu.registry.models import Member

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org


def activity_list(*, user: User) -> QuerySet[Activity]:
    """Activities the user may see: done by a unit they read, in a program organised by a unit
    they read, or serving a beneficiary in a unit they read; a helper's own."""
    scope = scope_of(user)
    qs = Activity.objects.select_related("program", "helper__person", "helper_org", "org")
    if scope.is_sysadmin:
        return qs
    if not user.is_authenticated:
        return qs.none()
    reached = ActivityLink.objects.filter(scope.read_q("pairing__org__path")).values("activity_id")
    own = Q(helper__user=user) | Q(recorded_by=user)
    return qs.filter(
        scope.read_q("org__path") | scope.read_q("program__org__path") | Q(pk__in=reached) | own
    )


def activity_get(*, user: User, pk: Any) -> Activity:
    try:
        return activity_list(user=user).get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def event_list(*, user: User) -> QuerySet[LifeEvent]:
    """Life events the user may see: in units they read; a helper's, on their own beneficiaries."""
    scope = scope_of(user)
    qs = LifeEvent.objects.select_related("household__head", "person", "org")
    if scope.is_sysadmin:
        return qs
    if not user.is_authenticated:
        return qs.none()
    from bangfu.pairings.models import Pairing

    mine = Pairing.objects.filter(helper__user=user)
    households = set(mine.exclude(household=None).values_list("household_id", flat=True))
    persons = set(mine.exclude(person=None).values_list("person_id", flat=True))
    households |= set(
        Member.objects.filter(person_id__in=persons).values_list("household_id", flat=True)
    )
    persons |= set(
        Member.objects.filter(household_id__in=households).values_list("person_id", flat=True)
    )
    return qs.filter(
        scope.read_q("org__path") | Q(household_id__in=households) | Q(person_id__in=persons)
    )


def event_get(*, user: User, pk: Any) -> LifeEvent:
    try:
        return event_list(user=user).get(pk=pk)
    except (LifeEvent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def in_subtree(qs: QuerySet[Activity], org: Org) -> QuerySet[Activity]:
    """Activities of a unit's subtree: done by it, or serving beneficiaries in it."""
    reached = ActivityLink.objects.filter(prefix_q("pairing__org__path", org.path))
    return qs.filter(prefix_q("org__path", org.path) | Q(pk__in=reached.values("activity_id")))


@dataclass
class TypeFigures:
    type: str
    counts: str
    activities: int = 0
    household_visits: int = 0
    households: int = 0
    person_times: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class Figures:
    """What a set of activities adds up to."""

    activities: int = 0
    household_visits: int = 0  # 户次
    households: int = 0  # distinct households reached
    person_times: int = 0  # 人次
    links: int = 0  # beneficiaries served, counted once per activity
    by_type: list[TypeFigures] = field(default_factory=list)

    def of_type(self, code: str) -> TypeFigures | None:
        return next((t for t in self.by_type if t.type == code), None)


def figures(qs: QuerySet[Activity]) -> Figures:
    """Sums over ``qs`` (already filtered): counts of activities, 户次 and 人次 (what each
    activity counts, ``services.tally``), and the distinct households its links reached.

    Three grouped queries: the activities by type (the totals are their sums), the links by
    type, and the distinct households."""
    ids = qs.order_by().values("pk")
    # A queryset joined to many rows (links) is read through its ids; a plain one directly.
    base = qs.order_by() if _single_valued(qs) else Activity.objects.filter(pk__in=ids)
    links = ActivityLink.objects.filter(activity__in=ids)
    rows = list(
        base.values("type")
        .annotate(
            n=Count("id"), hv=Sum("household_visits"), pt=Sum("person_times"), c=Max("counts")
        )
        .order_by("-n", "type")
    )
    link_rows = (
        links.order_by()
        .values("type")
        .annotate(n=Count("id"), h=Count("household_id", distinct=True))
        .values_list("type", "n", "h")
    )
    distinct: dict[str, int] = {}
    n_links = 0
    for code, n, h in link_rows:
        n_links += n
        distinct[code] = h
    out = Figures(
        activities=sum(row["n"] for row in rows),
        household_visits=sum(row["hv"] or 0 for row in rows),
        person_times=sum(row["pt"] or 0 for row in rows),
        links=n_links,
        households=links.filter(activity__counts="households")
        .exclude(household=None)
        .values("household_id")
        .distinct()
        .count(),
    )
    for row in rows:
        out.by_type.append(
            TypeFigures(
                type=row["type"],
                counts=row["c"],
                activities=row["n"],
                household_visits=row["hv"] or 0,
                person_times=row["pt"] or 0,
                households=distinct.get(row["type"], 0),
            )
        )
    return out


def _single_valued(qs: QuerySet[Any]) -> bool:
    """No DISTINCT, slice or join that could repeat a row (only joins along foreign keys)."""
    query = qs.query
    if query.distinct or query.is_sliced or query.combinator:
        return False
    for join in query.alias_map.values():
        field = getattr(join, "join_field", None)
        if field is not None and not (field.many_to_one or field.one_to_one):
            return False
    return True


def summary_sentence(qs: QuerySet[Activity]) -> str:
    """The year-end summary's sentence for a set of activities, every number from the records:
    "走访 1095 户次 (涉及 320 户), 帮扶 365 人次 (其中培训 600 人次), 发放 25.66 万元, 图书 658 册"
    — money and goods from the posted ledger entries these activities made."""
    from bangfu.ledger.models import LedgerEntry
    from bangfu.ledger.selectors import totals

    f = figures(qs)
    parts = [_("活动 %d 次") % f.activities]
    if f.household_visits:
        parts.append(
            _("走访 %(v)d 户次 (涉及 %(h)d 户)") % {"v": f.household_visits, "h": f.households}
        )
    if f.person_times:
        text = _("帮扶 %d 人次") % f.person_times
        trained = sum(t.person_times for t in f.by_type if t.type == "培训")
        if trained:
            text += _(" (其中培训 %d 人次)") % trained
        parts.append(text)
    given = totals(LedgerEntry.objects.filter(activity__in=qs.values("pk"))).total
    if given.amount:
        parts.append(_("发放 %s 万元") % given.amount_wan)
    if given.items_text:
        parts.append(given.items_text)
    return ", ".join(parts)


def timeline(qs: QuerySet[Activity]) -> list[tuple[str, list[Activity]]]:
    """Activities grouped by month, newest first: [("2026年11月", [...]), ...]."""
    groups: dict[str, list[Activity]] = {}
    for activity in qs.order_by("-date", "-id").prefetch_related(
        "links__pairing__household__head",
        "links__pairing__person",
        "links__pairing__beneficiary_org",
        "items",
        "events",
    )[:500]:
        key = f"{activity.date.year}年{activity.date.month}月"
        groups.setdefault(key, []).append(activity)
    return list(groups.items())


def filter_period(
    qs: QuerySet[Any], start: datetime.date | None, end: datetime.date | None, field: str = "date"
) -> QuerySet[Any]:
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs
