"""Reads of the registry through the reader's scope, and the dynamic-management figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.core.tree import prefix_q
from bangfu.registry.choices import NOT_EXITED, Status
from bangfu.registry.models import Helper, Household, Member, Person, StatusChange, UnitBeneficiary

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org


def _scoped(
    qs: QuerySet, user: User, path_field: str = "org__path", own: Q | None = None
) -> QuerySet:
    """``qs`` filtered to the units the user reads, plus, for a helper, ``own``: the records of
    their own pairings. Deny by default: a helper without pairings sees nothing."""
    scope = scope_of(user)
    if scope.is_sysadmin:
        return qs
    query = scope.read_q(path_field)
    if own is not None and scope.helper_org_ids:
        query |= own
    return qs.filter(query)


def _own_pairings(user: User) -> QuerySet:
    """The helper's pairings in force today (imported here: pairings builds on the registry)."""
    from django.utils import timezone

    from bangfu.pairings.models import Pairing

    return Pairing.objects.filter(helper__user=user).active_on(timezone.localdate())


def person_list(*, user: User) -> QuerySet[Person]:
    own = None
    if scope_of(user).helper_org_ids:
        pairings = _own_pairings(user)
        households = pairings.exclude(household=None).values("household_id")
        own = Q(pk__in=pairings.exclude(person=None).values("person_id")) | Q(
            pk__in=Member.objects.filter(household_id__in=households).values("person_id")
        )
    return _scoped(Person.objects.all(), user, own=own).select_related("org")


def household_list(*, user: User) -> QuerySet[Household]:
    own = None
    if scope_of(user).helper_org_ids:
        own = Q(pk__in=_own_pairings(user).exclude(household=None).values("household_id"))
    return _scoped(Household.objects.all(), user, own=own).select_related("org", "head")


def helper_list(*, user: User) -> QuerySet[Helper]:
    return _scoped(Helper.objects.all(), user).select_related("person", "org")


def unit_beneficiary_list(*, user: User) -> QuerySet[UnitBeneficiary]:
    return _scoped(UnitBeneficiary.objects.all(), user).select_related("org")


def _get(qs: QuerySet, pk: Any):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def person_get(*, user: User, pk: Any) -> Person:
    return _get(person_list(user=user), pk)


def household_get(*, user: User, pk: Any) -> Household:
    return _get(household_list(user=user), pk)


def helper_get(*, user: User, pk: Any) -> Helper:
    return _get(helper_list(user=user), pk)


def unit_beneficiary_get(*, user: User, pk: Any) -> UnitBeneficiary:
    return _get(unit_beneficiary_list(user=user), pk)


def multi_household_persons(*, user: User) -> QuerySet[Person]:
    """一人多户: persons who are members of more than one household in the reader's scope."""
    households = household_list(user=user)
    return (
        Person.objects.filter(memberships__household__in=households)
        .annotate(n=Count("memberships", distinct=True))
        .filter(n__gt=1)
        .order_by("name_sort")
    )


# -- dynamic management figures --------------------------------------------------------------


@dataclass
class Figure:
    households: int = 0
    persons: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"households": self.households, "persons": self.persons}


@dataclass
class StatusFigures:
    """Households (户) and persons (人) by status as of a date, and entries into each status
    within a date range, for a subtree. Persons are the household's members on file."""

    as_of: datetime.date
    org: Org | None
    date_from: datetime.date | None
    date_to: datetime.date | None
    by_status: dict[str, Figure] = field(default_factory=dict)
    entries: dict[str, Figure] = field(default_factory=dict)

    @property
    def registered(self) -> Figure:
        live = [f for s, f in self.by_status.items()]
        return Figure(sum(f.households for f in live), sum(f.persons for f in live))

    @property
    def not_exited(self) -> Figure:
        live = [f for s, f in self.by_status.items() if s in NOT_EXITED]
        return Figure(sum(f.households for f in live), sum(f.persons for f in live))

    def as_json(self) -> dict[str, Any]:
        labels = dict(Status.choices)
        data: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "org": self.org.code if self.org else None,
            "by_status": {str(labels[s]): self.by_status[s].as_dict() for s in Status.values},
            "entries": {str(labels[s]): self.entries[s].as_dict() for s in Status.values},
        }
        if self.date_from or self.date_to:
            data["from"] = self.date_from.isoformat() if self.date_from else None
            data["to"] = self.date_to.isoformat() if self.date_to else None
        data["registered"] = self.registered.as_dict()
        data["not_exited"] = self.not_exited.as_dict()
        return data

    def sentence(self) -> str:
        """The seed's sentence, written out from the figures:
        "贫困人口10995户21444人 … 剔除3745户7261人, 拟脱贫6478户13010人, 未脱贫559户1141人"."""
        labels = dict(Status.choices)
        place = self.org.name if self.org else "全部单位"
        reg = self.registered
        parts = [
            f"截至{self.as_of.year}年{self.as_of.month}月{self.as_of.day}日, {place}"
            f"共登记帮扶对象{reg.households}户{reg.persons}人"
        ]
        shown = []
        for status in (
            Status.IDENTIFIED,
            Status.ASSISTING,
            Status.PROPOSED_EXIT,
            Status.EXITED,
            Status.RETURNED,
            Status.REMOVED,
            Status.RELIEVED,
            Status.OUT_OF_DIFFICULTY,
        ):
            f = self.by_status[status]
            if f.households:
                shown.append(f"{labels[status]}{f.households}户{f.persons}人")
        ne = self.not_exited
        text = parts[0]
        if shown:
            text += ", 其中" + "、".join(shown)
        text += f"; 未脱贫{ne.households}户{ne.persons}人。"
        moved = [
            f"{labels[s]}{self.entries[s].households}户{self.entries[s].persons}人"
            for s in Status.values
            if self.entries[s].households
        ]
        if (self.date_from or self.date_to) and moved:
            span = f"{_d(self.date_from) or '建档以来'}至{_d(self.date_to) or _d(self.as_of)}"
            text += f"{span}, " + ", ".join(moved) + "。"
        return text


def _d(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def status_figures(
    *,
    households: QuerySet[Household],
    as_of: datetime.date,
    org: Org | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> StatusFigures:
    """Set-based: one grouped query for the status as of the date, two for the entries."""
    if org is not None:
        households = households.filter(prefix_q("org__path", org.path))
    figures = StatusFigures(as_of=as_of, org=org, date_from=date_from, date_to=date_to)
    figures.by_status = {s: Figure() for s in Status.values}
    figures.entries = {s: Figure() for s in Status.values}

    latest = (
        StatusChange.objects.filter(household=OuterRef("pk"), date__lte=as_of)
        .order_by("-date", "-id")
        .values("status")[:1]
    )
    members = (
        Member.objects.filter(household=OuterRef("pk"))
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        households.order_by()
        .annotate(as_of_status=Subquery(latest), size=Subquery(members))
        .filter(as_of_status__isnull=False)
        .values("as_of_status")
        .annotate(n=Count("id"), persons=_sum_or_zero("size"))
    )
    for row in rows:
        figures.by_status[row["as_of_status"]] = Figure(row["n"], int(row["persons"] or 0))

    if date_from or date_to:
        window = Q(date__lte=min(date_to or as_of, as_of))
        if date_from:
            window &= Q(date__gte=date_from)
        changes = StatusChange.objects.filter(window, household__in=households.values("pk"))
        for row in changes.values("status").annotate(n=Count("household", distinct=True)):
            figures.entries[row["status"]].households = row["n"]
        member_window = Q(household__history__date__lte=min(date_to or as_of, as_of))
        if date_from:
            member_window &= Q(household__history__date__gte=date_from)
        persons = (
            Member.objects.filter(member_window, household__in=households.values("pk"))
            .values("household__history__status")
            .annotate(n=Count("id", distinct=True))
        )
        for row in persons:
            figures.entries[row["household__history__status"]].persons = row["n"]
    return figures


def _sum_or_zero(name: str):
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    return Coalesce(Sum(name), 0)
