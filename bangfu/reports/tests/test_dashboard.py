"""The dashboard's charts come from the records of the chosen subtree; in a real Chromium the
page draws every chart (ECharts, served by the site) without an error or an outside request."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.core.testing import client_for
from bangfu.core.tests.test_browser import Watch, login
from bangfu.registry.models import Household

D = datetime.date


def _data(html: str, key: str) -> dict:
    match = re.search(
        rf'<script id="chart-{key}-data" type="application/json">(.*?)</script>', html
    )
    assert match, key
    return json.loads(match.group(1))


@pytest.fixture
def activity_world(world):
    build_activity_world(world)
    today = datetime.date.today()
    for pairings in ([world.pairing, world.pairing2], [world.other_pairing]):
        activity_create(
            actor=world.admin,
            program=world.programs["jingzhun"],
            type="走访",
            date=today,
            pairings=pairings,
            values={"content": "走访"},
            today=today,
        )
    Household.objects.filter(pk=world.household.pk).update(main_cause="illness")
    Household.objects.filter(pk=world.household2.pk).update(main_cause="illness")
    return world


def test_charts_are_made_of_the_subtrees_records(activity_world):
    world = activity_world
    html = (
        client_for(world, "inspector")
        .get(reverse("reports:dashboard"), {"org": world.a.pk})
        .content.decode()
    )
    trend = _data(html, "trend")
    visits = next(s for s in trend["series"] if s["name"] == "走访户次")
    assert visits["data"][-1] == 3 and sum(visits["data"]) == 3  # this month: 2 + 1 户次
    units = _data(html, "units")
    assert units["xAxis"]["data"] == [c.name for c in world.a.children.order_by("code")]
    causes = _data(html, "causes")
    assert {"name": "因病", "value": 2} in causes["series"][0]["data"]
    assert '<script id="chart-trend-data"' in html and "onload" not in html


@pytest.mark.browser
def test_dashboard_draws_its_charts(live_server, browser_world, browser):
    world = build_activity_world(browser_world)
    activity_create(
        actor=world.admin,
        program=world.programs["jingzhun"],
        type="走访",
        date=datetime.date.today(),
        pairings=[world.pairing],
        values={"content": "走访"},
    )
    page = browser.new_page()
    watch = Watch(page)
    login(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_selector("[data-testid=chart-trend] [data-chart] svg")
    drawn = page.locator("[data-chart][data-drawn] svg").count()
    charts = page.locator("[data-chart]").count()
    assert charts >= 3 and drawn == charts
    watch.assert_clean()
