"""In a real headless Chromium: a unit administrator opens a program's suggestions, ticks one,
accepts it and finds the new pairing in the program's pairing list — with no request leaving
127.0.0.1 and no page error (a Content-Security-Policy violation included)."""

from __future__ import annotations

import copy
import datetime

import pytest

from bangfu.core.tests.test_browser import Watch, login
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.programs.services import load_builtin_templates
from bangfu.registry.models import Helper, Tag
from bangfu.registry.tests.factories import PersonFactory, household_with_members

pytestmark = [pytest.mark.browser]


def _program(world) -> Program:
    load_builtin_templates()
    template = ProgramTemplate.objects.get(code="jingzhun")
    return Program.objects.create(
        code="JZ-2026",
        name="甲县精准扶贫一对一",
        template=template,
        org=world.a,
        area=world.a,
        start=datetime.date(2025, 1, 1),
        definition=copy.deepcopy(template.definition),
    )


def _cadre(org, name: str) -> Helper:
    person = PersonFactory(org=org, name=name)
    person.tags.add(Tag.objects.get_or_create(name="党员")[0])
    return Helper.objects.create(person=person, org=org, capacity=5)


def _household(org, name: str):
    household = household_with_members(org, 1, statuses=[(datetime.date(2025, 1, 1), "assisting")])
    household.head.name = name
    household.head.save()
    return household


def test_accept_one_suggestion(live_server, browser_world, browser):
    program = _program(browser_world)
    _cadre(browser_world.a1v, "李书记")
    _cadre(browser_world.a1, "赵镇长")
    first = _household(browser_world.a1v, "王大山")
    _household(browser_world.a1v, "刘小河")

    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    watch = Watch(page)
    login(page, live_server.url, "unitadmin")
    page.goto(f"{live_server.url}/pairings/programs/{program.pk}/match/")
    table = page.locator("[data-testid=match-suggestions]")
    assert page.locator("[data-testid=match-count]").inner_text() == "2"
    row = table.locator("tr", has_text="王大山户")
    assert "同村 (甲村), 党员" in row.inner_text()
    helper_name = row.locator("td").nth(3).inner_text()
    row.locator("input[type=checkbox]").check()
    page.click("[data-testid=accept-selected]")
    page.wait_for_url(f"{live_server.url}/pairings/programs/{program.pk}/match/")
    message = page.locator(".alert-success").inner_text()
    assert "已建立 1 个结对" in message and "王大山户" in message
    assert table.locator("tr", has_text="王大山户").count() == 0  # no longer suggested
    assert page.locator("[data-testid=match-count]").inner_text() == "1"

    page.click("[data-testid=program-pairings]")
    page.wait_for_url(f"{live_server.url}/pairings/?program={program.pk}")
    listed = page.locator("table.table tbody tr", has_text="王大山户")
    assert listed.count() == 1 and helper_name in listed.inner_text()
    watch.assert_clean()

    pairing = Pairing.objects.get(program=program)
    assert pairing.household_id == first.pk and pairing.helper.person.name == helper_name
