"""In a real headless Chromium on a phone-sized screen: the helper opens /m/, loses the signal
(Chromium's offline mode), logs a visit in three taps, sees it queued, gets the signal back and
sees it synced — recorded exactly once, however often it is sent again; then /m/ opens without a
signal from what the service worker kept. No request leaves 127.0.0.1 and the page reports no
error (a Content-Security-Policy violation included)."""

from __future__ import annotations

import pytest

from bangfu.activities.models import Activity, ActivityLink, Source
from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.core.tests.test_browser import Watch, login
from bangfu.pairings.plans import common_plan_from_template

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone_world(browser_world):
    world = build_activity_world(browser_world)
    common_plan_from_template(actor=world.admin, program=world.programs["jingzhun"])
    return world


def _phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    return context, context.new_page()


def _queue(page) -> list[dict]:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem("
        "'bangfu.phone.queue.' + document.querySelector('[data-phone]').dataset.user) || '[]')"
    )


def _wait_pending(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('[data-testid=phone-pending]').textContent === t", arg=text
    )


def _log_visit(page, name: str) -> int:
    """Open the pairing, tap a quick phrase, tap 保存: the taps it took."""
    taps = 0
    page.locator("[data-testid=phone-pairing]", has_text=name).click()
    taps += 1
    form = page.locator("[data-panel]:not([hidden]) [data-testid=phone-form]")
    assert form.locator("[data-testid=phone-type]").inner_text() == "入户走访"
    form.locator("[data-phrase='了解家庭生产生活情况']").click()
    taps += 1
    assert form.locator("textarea[name=content]").input_value() == "了解家庭生产生活情况"
    form.locator("[data-testid=phone-save]").click()
    taps += 1
    return taps


def test_offline_visit_syncs_exactly_once(live_server, phone_world, browser):
    world = phone_world
    head = world.household.head.name
    context, page = _phone(browser)
    watch = Watch(page)
    login(page, live_server.url, "helper")
    page.goto(f"{live_server.url}/m/")
    pending = page.locator("[data-testid=phone-pending]")
    assert pending.inner_text() == "没有待同步的记录"
    card = page.locator("[data-testid=phone-pairing]", has_text=f"{head}户")
    assert "入户走访 0/1" in card.inner_text() and "尚无记录" in card.inner_text()

    context.set_offline(True)
    page.locator("[data-net]").wait_for()  # 无网络
    taps = _log_visit(page, f"{head}户")
    assert taps <= 5 and taps == 3
    _wait_pending(page, "1 条待同步 (无网络)")
    queued = _queue(page)
    assert len(queued) == 1 and queued[0]["pairing"] == world.pairing.pk
    key = queued[0]["key"]
    assert (
        page.locator("[data-testid=phone-queue]")
        .inner_text()
        .startswith(f"{queued[0]['date']} 走访 {head}户")
    )
    assert page.locator("[data-list]").is_visible()  # back on the list, ready for the next
    assert not Activity.objects.exists()  # nothing reached the server

    context.set_offline(False)  # the signal returns: the page sends the queue by itself
    synced = page.locator("[data-testid=phone-synced]")
    synced.wait_for()
    assert synced.inner_text() == f"已同步 1 条: {queued[0]['date']} 走访 {head}户"
    assert pending.inner_text() == "没有待同步的记录" and _queue(page) == []
    activity = Activity.objects.get()
    assert activity.client_key == key and activity.source == Source.OFFLINE
    assert activity.type == "走访" and activity.content == "了解家庭生产生活情况"
    assert [link.pairing_id for link in ActivityLink.objects.all()] == [world.pairing.pk]

    page.reload()  # syncs again on load: nothing is left to send
    page.locator("[data-testid=phone-pairing]").first.wait_for()
    # This month's visit is done (other rules may have a festival window open on some days).
    card_text = page.locator("[data-testid=phone-pairing]", has_text=f"{head}户").inner_text()
    assert "入户走访 0/1" not in card_text
    page.locator("[data-testid=phone-sync-now]").click()
    page.wait_for_timeout(300)
    assert Activity.objects.count() == 1
    # While offline, the phone's sync attempts fail as they should; the browser logs them.
    watch.errors = [e for e in watch.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    watch.assert_clean()
    context.close()


def test_a_lost_answer_is_sent_again_and_recorded_once(live_server, phone_world, browser):
    """The server records the entry but its answer never arrives (the signal drops at that
    moment): the entry stays queued, is sent again, and the server answers "already"."""
    head = phone_world.household2.head.name
    context, page = _phone(browser)
    watch = Watch(page)
    login(page, live_server.url, "helper")
    page.goto(f"{live_server.url}/m/")
    dropped: list[str] = []

    def drop_answer(route) -> None:
        route.fetch()  # reaches the server, which records the entry
        dropped.append(route.request.url)
        route.abort("internetdisconnected")

    page.route("**/m/sync/", drop_answer)
    _log_visit(page, f"{head}户")
    page.wait_for_function(
        "() => document.querySelector('[data-notice]').textContent === '同步未成功, 稍后自动重试'"
    )
    assert dropped and Activity.objects.count() == 1
    key = Activity.objects.get().client_key
    assert [e["key"] for e in _queue(page)] == [key]  # still queued: no answer came

    page.unroute("**/m/sync/", drop_answer)
    page.locator("[data-testid=phone-sync-now]").click()
    page.locator("[data-testid=phone-synced]").wait_for()
    assert "已同步 1 条" in page.locator("[data-testid=phone-synced]").inner_text()
    assert _queue(page) == [] and Activity.objects.count() == 1
    watch.errors = [e for e in watch.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    watch.assert_clean()
    context.close()


def test_home_opens_without_a_signal(live_server, phone_world, browser):
    """The service worker keeps /m/ and its files: with no signal the page opens from them and
    still queues a visit, which syncs when the signal returns."""
    world = phone_world
    head = world.household.head.name
    context, page = _phone(browser)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "helper")
    page.goto(f"{live_server.url}/m/")
    # The worker installs, keeps the static files and takes the page over (clients.claim).
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()  # now through the worker, which keeps the page
    assert page.evaluate("!!navigator.serviceWorker.controller")
    assert page.evaluate("caches.keys().then(k => k.length)") == 1

    # A visit recorded elsewhere meanwhile: the kept page does not know it.
    activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="走访",
        date=world.pairing2.start,
        pairings=[world.pairing2],
        values={"content": "电脑端记录"},
    )
    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    second = page.locator("[data-testid=phone-pairing]", has_text=f"{world.household2.head.name}户")
    assert "尚无记录" in second.inner_text()  # the kept copy, not the server's page
    assert _log_visit(page, f"{head}户") == 3
    _wait_pending(page, "1 条待同步 (无网络)")
    context.set_offline(False)
    page.locator("[data-testid=phone-synced]").wait_for()
    assert ActivityLink.objects.filter(pairing=world.pairing).count() == 1
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e], errors
    context.close()
