"""Recording activities and events: types and their fields, several pairings per activity,
who may record, idempotent sends, the figures they add up to, and the ledger drafts of what
they gave."""

from __future__ import annotations

import datetime

import pytest

from bangfu.activities.models import ActivityLink
from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world

D = datetime.date
TODAY = D(2026, 6, 30)


@pytest.fixture
def world(world):
    return build_activity_world(world)


def test_smoke(world):
    a = activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="入户",
        date=D(2026, 6, 1),
        pairings=[world.pairing, world.pairing2],
        values={"content": "了解收入"},
        today=TODAY,
    )
    assert a.type == "走访" and a.household_visits == 2
    assert ActivityLink.objects.filter(activity=a).count() == 2
