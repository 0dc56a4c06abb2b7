"""Fixtures shared by every app's tests: the personas' world, fast hashing, and the rule that
under CI=true the browser and PostgreSQL parts must be present instead of skipped."""

from __future__ import annotations

import os
import shutil

import pytest

from bangfu.core.testing import World, build_world

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.path.exists(p)),
    shutil.which("chromium"),
)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is what production uses (tested in core/tests/test_security.py); here speed matters.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def browser_world(transactional_db) -> World:
    """The personas for a browser test, committed so that the live server's thread sees them."""
    return build_world()


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def browser(monkeypatch):
    """The system Chromium through Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own database calls
    # are made before and after, never concurrently.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM or "/usr/bin/chromium", headless=True, args=BROWSER_ARGS
        )
        yield instance
        instance.close()


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    for item in items:
        if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
            # .ci/run runs the whole suite a second time on PostgreSQL, where these run.
            item.add_marker(
                pytest.mark.skip(
                    reason="runs in the PostgreSQL pass (BANGFU_DATABASE_URL=postgres://…)"
                )
            )
        if item.get_closest_marker("browser") and CHROMIUM is None and not CI:
            # Under CI=true the test runs anyway and fails on the missing browser.
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed"))


def pytest_sessionstart(session):
    if CI and os.environ.get("BANGFU_DATABASE_URL", "").startswith("postgres"):
        from django.db import connection

        assert connection.vendor == "postgresql", "CI: BANGFU_DATABASE_URL is PostgreSQL"


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    browser = CHROMIUM or "none (browser tests skipped)"
    return [f"bangfu: database {engine}, chromium {browser}, CI={CI}"]
