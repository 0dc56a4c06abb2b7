"""Households for the workflow tests, on the personas' world: in 甲村 a household 帮扶中 since
2025 (``hx``, for exit), one with no status yet (``hw``, a worker to be put on file), one 脱贫
(``hm``, monitored for 返贫), one 帮扶中 (``hr``, for 解困); and a village administrator of
甲村 (``village_admin``) who may do village steps but not township or county ones."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from bangfu.core.testing import World
from bangfu.registry.tests.factories import household_with_members

D = datetime.date
PLACE = "甲村村委会办公室"
CONTACT = "村支书 韦志刚, 0771-5551234"


def build_workflow_world(world: World) -> World:
    from bangfu.accounts.tests.factories import RoleFactory, UserFactory

    early = [(D(2024, 3, 1), "identified"), (D(2024, 4, 1), "assisting")]
    hx = household_with_members(world.a1v, 3, code="H450123101", statuses=early)
    hr = household_with_members(world.a1v, 2, code="H450123102", statuses=early)
    hm = household_with_members(
        world.a1v, 2, code="H450123103", statuses=[*early, (D(2025, 1, 5), "exited")]
    )
    hw = household_with_members(world.a1v, 2, code="H450123104")
    for h in (hx, hr, hm):
        h.identified_on = D(2024, 3, 1)
        h.save(update_fields=["identified_on"])
    village_admin = UserFactory(username="villageadmin", name="甲村管理员", org=world.a1v)
    RoleFactory(user=village_admin, org=world.a1v, role="org_admin")
    world.extra.update(hx=hx, hr=hr, hm=hm, hw=hw, village_admin=village_admin)
    return world


def past_period() -> dict[str, Any]:
    """A notice period that ended yesterday, so the notice can be finalised today."""
    today = timezone.localdate()
    return {
        "notice_start": today - datetime.timedelta(days=8),
        "notice_end": today - datetime.timedelta(days=1),
        "objection_place": PLACE,
        "objection_contact": CONTACT,
    }
