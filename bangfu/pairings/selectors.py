"""Reads of pairings, and the coverage of a program (不漏一户、不丢一人)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bangfu.accounts.scope import scope_of
from bangfu.core.tree import prefix_q
from bangfu.pairings.models import Pairing, PairingQuerySet
from bangfu.programs.models import Program
from bangfu.registry.choices import NOT_EXITED
from bangfu.registry.models import Helper, Household, Person, UnitBeneficiary

if TYPE_CHECKING:
    from bangfu.accounts.models import User


def pairing_list(*, user: User) -> PairingQuerySet:
    """Pairings the user may see: of units they read (the beneficiary's unit or the program's
    organiser), and a helper's own."""
    scope = scope_of(user)
    qs = Pairing.objects.select_related(
        "program",
        "helper__person",
        "helper_org",
        "household__head",
        "person",
        "beneficiary_org",
        "org",
    )
    if scope.is_sysadmin:
        return qs
    own = Q(helper__user=user) if user.is_authenticated else Q(pk__in=[])
    return qs.filter(scope.read_q("org__path") | scope.read_q("program__org__path") | own)


def pairing_get(*, user: User, pk: Any) -> Pairing:
    try:
        return pairing_list(user=user).get(pk=pk)
    except (Pairing.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def program_list(*, user: User) -> QuerySet[Program]:
    """Programs the user may see: organised by, or reaching into, a unit they read; for a helper,
    the programs of their own pairings."""
    scope = scope_of(user)
    qs = Program.objects.select_related("template", "org", "area")
    if scope.is_sysadmin:
        return qs
    mine = Q(pairings__helper__user=user)
    return qs.filter(scope.read_q("org__path") | scope.read_q("area__path") | mine).distinct()


def program_get(*, user: User, pk: Any) -> Program:
    try:
        return program_list(user=user).get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# -- pools: who a program is for, and who may help ------------------------------------------


def beneficiary_pool(program: Program) -> QuerySet[Any]:
    """The records the program must cover, in its area: live households (新识别, 帮扶中, 拟脱贫,
    返贫, 解困), persons carrying one of the template's priority tags (any person where the
    template names none), or the unit beneficiaries of the template's kinds."""
    definition = program.definition["beneficiary"]
    area = prefix_q("org__path", program.area.path)
    kind = definition["kind"]
    if kind == "household":
        return Household.objects.filter(area, status__in=NOT_EXITED)
    if kind == "person":
        tags = definition.get("priority_tags") or []
        persons = Person.objects.filter(area)
        return persons.filter(tags__name__in=tags).distinct() if tags else persons
    kinds = definition.get("org_kinds") or []
    units = UnitBeneficiary.objects.filter(area)
    return units.filter(org__kind__in=kinds) if kinds else units


def helper_pool(program: Program) -> QuerySet[Helper]:
    """The helpers a person-helper program draws on: active helpers in the organiser's subtree,
    with one of the template's ``required_tags`` where it names any (teachers for 四个一); its
    ``tags`` are only preferred (the matching weighs them)."""
    tags = program.definition["helper"].get("required_tags") or []
    qs = Helper.objects.filter(prefix_q("org__path", program.org.path), is_active=True)
    return qs.filter(person__tags__name__in=tags).distinct() if tags else qs


# -- coverage --------------------------------------------------------------------------------


@dataclass
class Coverage:
    """A program's coverage on a day: beneficiaries without a helper (and those overdue for
    one), helpers below the minimum or over capacity."""

    program: Program
    day: datetime.date
    pool: int = 0
    covered: int = 0
    uncovered: list[Any] = field(default_factory=list)
    overdue: list[Any] = field(default_factory=list)
    helpers: int = 0
    under_minimum: list[Any] = field(default_factory=list)
    over_capacity: list[Any] = field(default_factory=list)
    active_pairings: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.covered / self.pool * 100, 1) if self.pool else None


def _registered_on(obj: Any) -> datetime.date:
    day = getattr(obj, "identified_on", None)
    if day:
        return day
    created = getattr(obj, "created_at", None)
    return timezone.localtime(created).date() if created else datetime.date.min


def coverage(program: Program, *, day: datetime.date | None = None) -> Coverage:
    day = day or timezone.localdate()
    result = Coverage(program=program, day=day)
    active = Pairing.objects.filter(program=program).active_on(day)
    result.active_pairings = active.count()
    kind = program.beneficiary_kind
    pool = beneficiary_pool(program)
    result.pool = pool.count()
    link = {"household": "household_id", "person": "person_id", "unit": "beneficiary_org_id"}[kind]
    paired_ids = set(active.values_list(link, flat=True))
    if kind == "unit":
        uncovered = [u for u in pool.select_related("org") if u.org_id not in paired_ids]
    else:
        uncovered = list(pool.exclude(pk__in=paired_ids).order_by("pk")[:2000])
    result.covered = result.pool - len(uncovered)
    result.uncovered = uncovered
    within = int(program.pairing_settings.get("assign_within_days", 15))
    result.overdue = [b for b in uncovered if (day - _registered_on(b)).days > within]
    settings = program.pairing_settings
    minimum = int(settings.get("min_per_helper", 0))
    if program.helper_kind == "person":
        helpers = (
            helper_pool(program)
            .select_related("person")
            .annotate(
                load=Count(
                    "pairings",
                    filter=Q(pairings__program=program)
                    & Q(pairings__start__lte=day)
                    & (Q(pairings__end__isnull=True) | Q(pairings__end__gte=day)),
                )
            )
        )
        result.helpers = helpers.count()
        result.under_minimum = [h for h in helpers if h.load < minimum]
        # Capacity counts every active pairing of the helper, in any program.
        loads = dict(
            Pairing.objects.active_on(day)
            .filter(helper__in=helpers)
            .values_list("helper")
            .annotate(n=Count("id"))
            .values_list("helper", "n")
        )
        result.over_capacity = [h for h in helpers if loads.get(h.pk, 0) > h.capacity]
    else:
        result.helpers = active.values("helper_org").distinct().count()
        cap = int(settings.get("max_per_helper", 0)) or None
        if cap:
            rows = active.values("helper_org", "helper_org__name").annotate(n=Count("id"))
            result.over_capacity = [row for row in rows if row["n"] > cap]
    return result
