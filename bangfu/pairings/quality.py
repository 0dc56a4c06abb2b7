"""The data-quality checks that need pairings (registered into the registry's runner)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, F, Q

from bangfu.pairings.models import Pairing
from bangfu.registry.choices import NOT_EXITED
from bangfu.registry.quality import CheckContext, Hit, _helper_hit, _household_hit, implements


@implements("B101")
def household_without_helper(ctx: CheckContext) -> Iterator[Hit]:
    """A live household (新识别, 帮扶中, 拟脱贫, 返贫, 解困) with no pairing in force today."""
    paired = Pairing.objects.active_on(ctx.today).exclude(household=None).values("household_id")
    rows = (
        ctx.household_qs()
        .filter(status__in=NOT_EXITED)
        .exclude(pk__in=paired)
        .order_by("code")
        .values("pk", "code", "org_id", "head__name")
    )
    for row in rows:
        yield _household_hit(row)


@implements("B102")
def helper_over_capacity(ctx: CheckContext) -> Iterator[Hit]:
    """A helper with more pairings in force than their capacity (最多帮扶数), all programs."""
    day = ctx.today
    active = Q(pairings__start__lte=day) & (
        Q(pairings__end__isnull=True) | Q(pairings__end__gte=day)
    )
    rows = (
        ctx.helper_qs()
        .annotate(n=Count("pairings", filter=active))
        .filter(n__gt=F("capacity"))
        .order_by("pk")
        .values("pk", "person__name", "person_id", "org_id", "n", "capacity")
    )
    for row in rows:
        yield _helper_hit(row, count=row["n"], capacity=row["capacity"])
