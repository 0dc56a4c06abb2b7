"""The status figures as of a day on or after every household's last step read the households'
own status; they must equal the figures from the status history, which past days still use."""

from __future__ import annotations

import datetime
import random

from django.db import connection
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from bangfu.registry.choices import Status
from bangfu.registry.models import Household, StatusChange
from bangfu.registry.selectors import household_list, status_figures
from bangfu.registry.tests.factories import household_with_members
from bangfu.reports.tests.test_seed_scale import AS_OF, make

D = datetime.date


def _both(user, org, as_of):
    """The figures as the report reads them, and the history's, from the same call."""
    from bangfu.registry import selectors

    households = household_list(user=user)
    fast = status_figures(households=households, as_of=as_of, org=org)
    real = selectors._current_by_status
    selectors._current_by_status = lambda *args: None
    try:
        slow = status_figures(households=households, as_of=as_of, org=org)
    finally:
        selectors._current_by_status = real
    return fast, slow


def _calls_current(as_of, user, org) -> bool:
    from bangfu.registry import selectors

    seen = []
    real = selectors._current_by_status

    def spy(*args):
        seen.append(real(*args))
        return seen[-1]

    selectors._current_by_status = spy
    try:
        status_figures(households=household_list(user=user), as_of=as_of, org=org)
    finally:
        selectors._current_by_status = real
    return seen[-1] is not None


def _set_since_from_history() -> None:
    """``status`` and ``status_since`` from the last step, as the services keep them."""
    last = StatusChange.objects.filter(household=OuterRef("pk")).order_by("-date", "-id")
    Household.objects.update(
        status=Coalesce(Subquery(last.values("status")[:1]), Value("")),
        status_since=Subquery(last.values("date")[:1]),
    )


def test_equal_on_random_histories(world):
    rng = random.Random(7)
    orgs = [world.a1v, world.a1, world.b1]
    for _ in range(120):
        steps = []
        day = D(2022, 1, 1)
        for _s in range(rng.choice([0, 0, 1, 2, 3, 4])):
            day += datetime.timedelta(days=rng.choice([0, 0, 5, 40, 200]))
            steps.append((day, rng.choice(Status.values)))
        household_with_members(rng.choice(orgs), rng.randint(0, 4), statuses=steps)
    last = max(StatusChange.objects.values_list("date", flat=True))
    for org in (None, world.a, world.a1v, world.b1):
        assert _calls_current(last, world.admin, org)
        fast, slow = _both(world.admin, org, last)
        assert fast.as_json() == slow.as_json(), org
        assert fast.by_status == slow.by_status
        assert fast.registered.households > 0 or org is world.b1
    # A day before some household's last step: the history.
    assert not _calls_current(last - datetime.timedelta(days=1), world.admin, None)
    in_a = StatusChange.objects.filter(household__org__path__startswith=world.a.path)
    last_a = max(in_a.values_list("date", flat=True))
    assert not _calls_current(last_a - datetime.timedelta(days=1), world.admin, world.a)
    assert _calls_current(last_a, world.admin, world.a)


def test_equal_on_the_seed_scale_data(world):
    make(world)
    _set_since_from_history()
    last = max(StatusChange.objects.values_list("date", flat=True))
    assert last > AS_OF  # 2025's steps: the report's day uses the history
    assert not _calls_current(AS_OF, world.admin, world.a)
    for as_of in (last, D(2026, 1, 1)):
        assert _calls_current(as_of, world.admin, world.a)
        fast, slow = _both(world.admin, world.a, as_of)
        assert fast.as_json() == slow.as_json()
        assert fast.by_status[Status.REMOVED].households > 0


def test_a_status_without_a_date_uses_the_history(world):
    household_with_members(world.a1v, 2, statuses=[(D(2024, 1, 1), "identified")])
    assert _calls_current(D(2024, 12, 31), world.admin, None)
    with connection.cursor():
        Household.objects.update(status_since=None)
    assert not _calls_current(D(2024, 12, 31), world.admin, None)
