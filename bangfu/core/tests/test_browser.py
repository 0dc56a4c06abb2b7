"""In a real headless Chromium: log in, see the dashboard, open the organisation tree, use the
phone layout — and fail if any request leaves 127.0.0.1 or the page reports an error (a
Content-Security-Policy violation included)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from bangfu.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.browser


class Watch:
    """Records every request that is not to 127.0.0.1 (and blocks it), and every page error."""

    def __init__(self, page) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def assert_clean(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.errors, f"page errors: {self.errors}"


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    assert "登录" in page.title()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")


def test_login_dashboard_and_tree(live_server, browser_world, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    watch = Watch(page)
    login(page, live_server.url, "unitadmin")
    assert page.locator("[data-testid=user-org]").inner_text().endswith("甲县扶贫办 机关单位")
    assert page.locator("text=查看和管理“甲县”及下属 3 个单位").is_visible()
    page.wait_for_selector(".chart svg")  # ECharts drew the chart from the local bundle

    page.click("text=组织机构")
    page.wait_for_url(f"{live_server.url}/orgs/")
    tree = page.locator("[data-testid=org-tree]")
    assert tree.locator("text=甲镇").is_visible()
    assert tree.locator("text=甲村").count() == 0
    # Opening 甲镇 loads its children through htmx.
    tree.locator("li:has(> .node a:text-is('甲镇')) > .node .toggle").click()
    tree.locator("text=甲村").wait_for()
    # Searching by pinyin initials.
    page.fill("#org-q", "jc")
    page.locator("#org-search-results >> text=甲村").wait_for()
    assert page.locator("#org-search-results >> text=乙县").count() == 0
    watch.assert_clean()


def test_phone_layout_and_outsider_404(live_server, browser_world, browser):
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    watch = Watch(page)
    login(page, live_server.url, "outsider")
    sidebar = page.locator("#sidebar")
    box = sidebar.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0  # folded away on a phone
    page.click(".menu-toggle")
    for _ in range(50):  # the sidebar slides in over 0.2 s
        box = sidebar.bounding_box()
        if box and box["x"] >= 0:
            break
        page.wait_for_timeout(20)
    assert box is not None and box["x"] >= 0
    assert page.locator("#sidebar >> text=组织机构").is_visible()
    response = page.goto(f"{live_server.url}/orgs/{browser_world.a1.pk}/")
    assert response is not None and response.status == 404
    watch.errors = [e for e in watch.errors if "404" not in e]  # the console notes the 404
    watch.assert_clean()
