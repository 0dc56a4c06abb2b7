from __future__ import annotations

import io

from bangfu.core.seeding import DemoContext
from bangfu.workflows.demo import seed
from bangfu.workflows.models import Campaign, Case
from bangfu.workflows.tests.factories import build_workflow_world


def test_demo_seeds_cases_and_a_campaign(world):
    world = build_workflow_world(world)
    ctx = DemoContext(stdout=io.StringIO())
    ctx.users["admin"] = world.unit_admin
    seed(ctx)
    kinds = set(Case.objects.values_list("kind", flat=True))
    assert {"exit", "worker_filing", "monitoring"} <= kinds
    assert Case.objects.get(kind="exit").step == "publicity"
    assert Campaign.objects.get().marks.exists()
    seed(ctx)  # a second run adds nothing
    assert Case.objects.count() == 3
