"""Reads of the registry through the reader's scope, and the dynamic-management figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.core.tree import prefix_q
from bangfu.registry.choices import NOT_EXITED, DatePrecision, Status
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
    # Status steps known only to the month or year whose month/year the as-of day or the range
    # cuts through: they are counted at the month's/year's first day (imprecise_steps).
    imprecise: int = 0

    @property
    def imprecise_note(self) -> str:
        """What the figures did with the steps dated only to a month or a year, or ""."""
        if not self.imprecise:
            return ""
        return _(
            "其中%(n)d条状态变更的日期只精确到月或年, 而统计日期落在该月或该年之内, "
            "按该月/年第一天计。"
        ) % {"n": self.imprecise}

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
        if self.imprecise:  # only then, so that the usual object keeps its original keys
            data["imprecise_dates"] = self.imprecise
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
        return text + self.imprecise_note


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
    """Set-based. As of a day on or after every selected household's last status step (today,
    as a rule), the households' own ``status`` (kept current with each step, check S001) grouped
    once; for an earlier day, one pass over the status steps (the latest step per household as
    of the date, by a window function). Either joined to the member counts grouped once; one
    more pass over the steps for the entries."""
    if org is not None:
        households = households.filter(prefix_q("org__path", org.path))
    figures = StatusFigures(as_of=as_of, org=org, date_from=date_from, date_to=date_to)
    figures.by_status = {s: Figure() for s in Status.values}
    figures.entries = {s: Figure() for s in Status.values}

    try:
        ids_sql, ids_params = households.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # households.none()
        return figures
    steps = StatusChange._meta.db_table
    members = Member._meta.db_table
    # Table names, the households' compiled subquery and placeholders only.
    sizes = f"""sizes AS (SELECT household_id, COUNT(*) AS n FROM {members}
        WHERE household_id IN ({ids_sql}) GROUP BY household_id)"""  # noqa: S608
    with connection.cursor() as cursor:
        current = _current_by_status(cursor, sizes, ids_sql, ids_params, as_of)
        if current is None:
            current = _by_status_from_history(cursor, sizes, ids_sql, ids_params, as_of)
        for status, figure in current.items():
            figures.by_status[status] = figure

        if date_from or date_to:
            window = "date <= %s"
            params: list[Any] = [*ids_params, min(date_to or as_of, as_of)]
            if date_from:
                window += " AND date >= %s"
                params.append(date_from)
            params += ids_params
            # A member counts once per status its household entered (as COUNT DISTINCT would).
            entered = f"""WITH {sizes}, entered AS (
                SELECT DISTINCT status, household_id FROM {steps}
                WHERE {window} AND household_id IN ({ids_sql}))
            SELECT e.status, COUNT(*), COALESCE(SUM(s.n), 0) FROM entered e
            LEFT JOIN sizes s ON s.household_id = e.household_id GROUP BY e.status"""  # noqa: S608
            cursor.execute(entered, params)
            for status, n, persons in cursor.fetchall():
                figures.entries[status] = Figure(n, int(persons or 0))
    figures.imprecise = imprecise_steps(
        households=households, as_of=as_of, date_from=date_from, date_to=date_to
    )
    return figures


def imprecise_steps(
    *,
    households: QuerySet[Household],
    as_of: datetime.date,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> int:
    """How many of the households' status steps are dated only to a month or a year (imported
    from a national export: 脱贫年度 2019, 201410) whose month or year one of the figures' days
    cuts through: the as-of day or the range's end falls inside it before its last day, or the
    range's start falls inside it after its first day. Such a step is counted as if on the
    month's or year's first day, where it is stored; the figures say how many there were
    instead of pretending to know (docs/registry.md, "Dates known to the month or year")."""
    cuts = Q()
    for end in {as_of, min(date_to or as_of, as_of)}:
        # counted (stored day <= end) though its period may end after ``end``
        if (end.month, end.day) != (12, 31):
            cuts |= Q(date_precision=DatePrecision.YEAR, date=datetime.date(end.year, 1, 1))
        if (end + datetime.timedelta(days=1)).day != 1:
            cuts |= Q(date_precision=DatePrecision.MONTH, date=end.replace(day=1))
    if date_from is not None:
        # left out (stored day < start) though its period may reach into the range
        if (date_from.month, date_from.day) != (1, 1):
            cuts |= Q(date_precision=DatePrecision.YEAR, date=datetime.date(date_from.year, 1, 1))
        if date_from.day != 1:
            cuts |= Q(date_precision=DatePrecision.MONTH, date=date_from.replace(day=1))
    if not cuts:
        return 0
    return (
        StatusChange.objects.filter(household__in=households.order_by().values("pk"))
        .filter(cuts)
        .count()
    )


def _current_by_status(
    cursor: Any, sizes: str, ids_sql: str, ids_params: Any, as_of: datetime.date
) -> dict[str, Figure] | None:
    """Households and persons by the households' own ``status``, or None (use the history) when
    some household with a status has no ``status_since`` or one later than ``as_of``."""
    table = Household._meta.db_table
    query = f"""WITH {sizes}
    SELECT h.status, COUNT(*), COALESCE(SUM(s.n), 0), MAX(h.status_since), COUNT(h.status_since)
    FROM {table} h LEFT JOIN sizes s ON s.household_id = h.id
    WHERE h.id IN ({ids_sql}) AND h.status <> '' GROUP BY h.status"""  # noqa: S608
    cursor.execute(query, [*ids_params, *ids_params])
    rows = cursor.fetchall()
    day = as_of.isoformat()  # SQLite gives the dates as text
    if any(dated != n or str(latest)[:10] > day for _s, n, _p, latest, dated in rows if n):
        return None
    return {status: Figure(n, int(persons or 0)) for status, n, persons, _l, _d in rows}


def _by_status_from_history(
    cursor: Any, sizes: str, ids_sql: str, ids_params: Any, as_of: datetime.date
) -> dict[str, Figure]:
    """Households and persons by their latest status step on or before ``as_of``."""
    steps = StatusChange._meta.db_table
    query = f"""WITH {sizes}, latest AS (
        SELECT household_id, status, ROW_NUMBER() OVER (
            PARTITION BY household_id ORDER BY date DESC, id DESC) AS rn
        FROM {steps} WHERE date <= %s AND household_id IN ({ids_sql}))
    SELECT l.status, COUNT(*), COALESCE(SUM(s.n), 0) FROM latest l
    LEFT JOIN sizes s ON s.household_id = l.household_id WHERE l.rn = 1
    GROUP BY l.status"""  # noqa: S608
    cursor.execute(query, [*ids_params, as_of, *ids_params])
    return {status: Figure(n, int(persons or 0)) for status, n, persons in cursor.fetchall()}
