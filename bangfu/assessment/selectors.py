"""Scoped reads: schemes (for the readers of the unit that set them, and of units under it), the
scores' subtree, exemplars (for everyone taking part in a scheme's units), and the students a
user may record grades for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.assessment.metrics import ancestors
from bangfu.assessment.models import Exemplar, ProgressRecord, Scheme
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.registry.models import Member, Person

if TYPE_CHECKING:
    from bangfu.accounts.models import User


def is_reader(user: User) -> bool:
    scope = scope_of(user)
    return scope.is_sysadmin or bool(scope.read_paths)


def _reaching(paths: list[str], field: str) -> Q:
    """Rows whose ``field`` (a unit's path) is one of ``paths`` or a unit above one of them."""
    above = sorted({a for p in paths for a in ancestors(p)})
    return Q(**{f"{field}__in": above}) if above else Q(pk__in=[])


def scheme_list(*, user: User) -> QuerySet[Scheme]:
    """Schemes a reader sees: set by a unit they read, or by a unit above one they read."""
    scope = scope_of(user)
    qs = Scheme.objects.select_related("org").prefetch_related("programs")
    if scope.is_sysadmin:
        return qs
    if not scope.read_paths:
        return qs.none()
    return qs.filter(scope.read_q("org__path") | _reaching(list(scope.read_paths), "org__path"))


def scheme_get(*, user: User, pk: Any) -> Scheme:
    try:
        return scheme_list(user=user).get(pk=pk)
    except (Scheme.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scores_root(*, user: User, scheme: Scheme, org_pk: Any = None) -> Org:
    """The subtree scored: the unit asked for (inside the scheme's unit and read by the user,
    else 404), else the scheme's unit when the user reads it, else the highest unit they read
    under it."""
    scope = scope_of(user)
    if org_pk not in (None, ""):
        try:
            org = Org.objects.get(pk=org_pk)
        except (Org.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        if not org.path.startswith(scheme.org.path) or not scope.can_read_org(org):
            raise Http404
        return org
    if scope.can_read_org(scheme.org):
        return scheme.org
    under = (
        Org.objects.filter(prefix_q("path", scheme.org.path))
        .filter(scope.read_q("path"))
        .order_by("depth", "code")
        .first()
    )
    if under is None:
        raise Http404
    return under


def root_choices(*, user: User, scheme: Scheme) -> QuerySet[Org]:
    """Units a reader may score within the scheme's unit (the top three levels below it)."""
    scope = scope_of(user)
    qs = Org.objects.filter(prefix_q("path", scheme.org.path), depth__lte=scheme.org.depth + 2)
    if not scope.is_sysadmin:
        qs = qs.filter(scope.read_q("path"))
    return qs.order_by("path")


def exemplar_list(*, user: User) -> QuerySet[Exemplar]:
    """Exemplars of the schemes a user reads, and — for a helper — of the schemes of the units
    above their own: the program's readers and its helpers read them."""
    scope = scope_of(user)
    qs = Exemplar.objects.select_related("scheme", "helper__person", "unit", "marked_by", "org")
    if scope.is_sysadmin:
        return qs
    q = Q(pk__in=[])
    if scope.read_paths:
        q |= Q(scheme__in=scheme_list(user=user).values("pk"))
    if scope.helper_org_ids:
        paths = list(Org.objects.filter(pk__in=scope.helper_org_ids).values_list("path", flat=True))
        q |= _reaching(paths, "scheme__org__path")
    return qs.filter(q)


def exemplar_get(*, user: User, pk: Any) -> Exemplar:
    try:
        return exemplar_list(user=user).get(pk=pk)
    except (Exemplar.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_students(*, user: User) -> QuerySet[Person]:
    """The persons a user records grades for: those helped in their own pairings (the person
    paired, or the members of the household paired), and for a unit administrator every person
    of the units they administer."""
    scope = scope_of(user)
    own = Pairing.objects.filter(helper__user=user, end__isnull=True)
    q = Q(pk__in=own.values("person_id")) | Q(
        pk__in=Member.objects.filter(household__in=own.values("household_id")).values("person_id")
    )
    if scope.is_sysadmin:
        return Person.objects.all()
    if scope.admin_paths:
        q |= scope.admin_q("org__path")
    return Person.objects.filter(q)


def progress_list(*, user: User) -> QuerySet[ProgressRecord]:
    """Grades of the students a user may record for, and of the units they read."""
    scope = scope_of(user)
    qs = ProgressRecord.objects.select_related("person", "recorded_by")
    if scope.is_sysadmin:
        return qs
    q = Q(person__in=own_students(user=user).values("pk"))
    if scope.read_paths:
        q |= scope.read_q("org__path")
    return qs.filter(q)
