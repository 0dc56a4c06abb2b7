"""In a real headless Chromium: an administrator records one collective visit for two
households, switching the type first (the form brings that type's own fields back without
losing what was typed), and sees it on the diary with its 户次. No request leaves 127.0.0.1
and the page reports no error (a Content-Security-Policy violation included)."""

from __future__ import annotations

import pytest

from bangfu.activities.models import Activity
from bangfu.activities.tests.factories import build_activity_world
from bangfu.core.tests.test_browser import Watch, login

pytestmark = [pytest.mark.browser]


def test_record_a_visit_for_two_households(live_server, browser_world, browser):
    world = build_activity_world(browser_world)
    program = world.programs["jingzhun"]
    page = browser.new_page()
    watch = Watch(page)
    login(page, live_server.url, "unitadmin")
    page.goto(f"{live_server.url}/activities/new/?program={program.pk}&type=培训")
    assert page.locator("input[name=f_people]").count() == 1
    page.fill("input[name=date]", "2026-06-15")
    # Switching the type reloads the form with the visit's fields; the date stays.
    page.select_option("select[name=type]", "走访")
    page.wait_for_selector("textarea[name=f_content]")
    assert page.locator("input[name=f_people]").count() == 0
    assert page.input_value("input[name=date]") == "2026-06-15"
    page.fill("textarea[name=f_content]", "集中入户走访, 宣讲政策")
    for pairing in (world.pairing, world.pairing2):
        page.check(f"input[name=pairings][value='{pairing.pk}']")
    page.click("button[type=submit]:has-text('保存')")
    page.wait_for_url("**/activities/*/")
    activity = Activity.objects.get(content="集中入户走访, 宣讲政策")
    assert activity.household_visits == 2 and activity.links.count() == 2
    assert "集中入户走访" in page.inner_text("main")
    page.goto(f"{live_server.url}/activities/?program={program.pk}")
    assert page.inner_text("[data-testid=household-visits]") == "2"
    watch.assert_clean()
