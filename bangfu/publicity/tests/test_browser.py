"""The public page in a real headless Chromium, without login: the rendered text (what a
villager sees, not the HTML source) is scanned for anything shaped like an 18-digit ID number
or an 11-digit mobile number, although the records behind the list have both; then an objection
is sent through the form. No request leaves 127.0.0.1 and the page reports no error (a CSP
violation included)."""

from __future__ import annotations

import re

import pytest

from bangfu.core.tests.test_browser import Watch, login
from bangfu.publicity.models import Objection
from bangfu.publicity.tests.factories import aid_notice, build_publicity_world, exit_notice

pytestmark = pytest.mark.browser

ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _scan(text: str) -> None:
    digits = re.sub(r"[\s\-]", "", text)  # also numbers split by spaces or dashes
    for source in (text, digits):
        assert not ID_RE.search(source), ID_RE.search(source)
        assert not MOBILE_RE.search(source), MOBILE_RE.search(source)


def test_the_public_page_shows_no_id_numbers_or_phones(live_server, browser_world, browser):
    world = build_publicity_world(browser_world)
    for household in (world.household, world.household2):
        head = household.head
        head.phone = "13912345678"
        head.save()
        assert ID_RE.fullmatch(head.id_number)  # the records do have full numbers
    notice = exit_notice(world)
    money = aid_notice(world)

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    watch = Watch(page)
    page.goto(f"{live_server.url}/p/{notice.token}/")
    assert "/accounts/login/" not in page.url
    body = page.locator("body").inner_text()
    assert world.household.head.name in body and world.household2.head.name in body
    assert "甲村" in body and notice.objection_place in body
    _scan(body)
    # Everything the page holds, hidden parts and attributes included.
    _scan(page.evaluate("document.documentElement.innerText"))
    _scan(page.evaluate("document.title"))

    page.select_option("#id_item", "2")
    page.fill("#id_content", "该户已有稳定工作, 建议核实")
    page.click("[data-testid=objection-form] button[type=submit]")
    page.locator("[data-testid=sent]").wait_for()
    objection = Objection.objects.get(notice=notice)
    assert objection.channel == "web" and objection.item.position == 2
    _scan(page.locator("body").inner_text())

    page.goto(f"{live_server.url}/p/{money.token}/")
    body = page.locator("body").inner_text()
    assert "金秋助学" in body and "500.00" in body
    _scan(body)
    watch.assert_clean()

    # Staff see the objection on the notice's page.
    staff = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff_watch = Watch(staff)
    login(staff, live_server.url, "unitadmin")
    staff.goto(f"{live_server.url}/publicity/{notice.pk}/")
    assert "该户已有稳定工作" in staff.locator("[data-testid=objections]").inner_text()
    staff_watch.assert_clean()
