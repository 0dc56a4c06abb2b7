"""The dashboard, the security headers, the language switch, the demo data set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.urls import reverse

import bangfu
import bangfu.settings as production_settings
from bangfu.accounts.models import Role, RoleAssignment, User
from bangfu.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_dashboard_shows_who_where_and_what(world, client):
    client.force_login(world.unit_admin)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "甲县管理员" in html and "甲县扶贫办" in html
    assert "单位管理员" in html and "查看和管理“甲县”及下属 3 个单位" in html
    assert re.search(r'data-testid="org-count">.*?>4<', html, re.S)
    assert reverse("audit:list") in html  # an administrator sees the audit log


def test_helper_dashboard_shows_only_their_reach(world, client):
    client.force_login(world.helper)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "在“甲村”只看到本人的帮扶关系和帮扶对象" in html
    assert reverse("audit:list") not in html and reverse("orgs:tree") not in html


def test_security_headers_and_csp(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("core:dashboard"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_passwords_are_hashed_with_argon2(db):
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        user = User(username="argon")
        user.set_password("Some-password-1")
        assert identify_hasher(user.password).algorithm == "argon2"


def test_pages_load_nothing_from_outside():
    """No template, stylesheet or script of the product names an outside address."""
    root = Path(bangfu.__file__).parent
    outside = re.compile(r"(?:https?:)?//(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}", re.I)
    for path in [*root.rglob("templates/**/*.html"), *root.glob("*/static/bangfu/*")]:
        text = path.read_text(encoding="utf-8")
        found = [m for m in outside.findall(text) if "w3.org" not in m]
        assert not found, f"{path}: {found}"


def test_english_is_the_second_language(world, client):
    client.force_login(world.admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    response = client.get(reverse("core:dashboard"))
    assert response.headers["Content-Language"] == "en"
    html = response.content.decode()
    assert "Dashboard" in html and "Organisations" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/dashboard/"})
    assert "工作台" in client.get(reverse("core:dashboard")).content.decode()


def test_demo_data_is_complete_and_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Org.objects.count(), User.objects.count(), RoleAssignment.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Org.objects.count(), User.objects.count(), RoleAssignment.objects.count()) == counts
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.check_password("bangfu-demo")
    assert admin.assignments.filter(role=Role.SYSADMIN).exists()
    kinds = set(Org.objects.values_list("kind", flat=True))
    assert {
        "county",
        "township",
        "village",
        "school",
        "grade",
        "class",
        "kindergarten",
        "group",
        "company",
        "union_branch",
        "agency",
    } <= kinds
    # Every path is consistent with the parent's.
    for org in Org.objects.select_related("parent"):
        expected = f"{org.parent.path if org.parent else '/'}{org.pk}/"
        assert org.path == expected
    _demo_activities_and_ledger()


def _demo_activities_and_ledger() -> None:
    """Activities for all six programs, events answered and not, a ledger with drafts, posted
    entries, a reversal and a fund with a balance; the seed's kind of figures come out."""
    from bangfu.activities.models import Activity, LifeEvent
    from bangfu.activities.selectors import figures
    from bangfu.ledger.models import LedgerEntry
    from bangfu.ledger.selectors import totals
    from bangfu.programs.models import Program

    for program in Program.objects.all():
        assert Activity.objects.filter(program=program).exists(), program.code
    assert Activity.objects.filter(source="offline").exists()
    answered = [e.answered_by.exists() for e in LifeEvent.objects.all()]
    assert True in answered and False in answered
    bc = Activity.objects.filter(program__code="2026-BC")
    assert figures(bc.filter(type="培训")).person_times == 600
    statuses = set(LedgerEntry.objects.values_list("status", flat=True))
    assert statuses == {"draft", "posted"}
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 1
    books = totals(LedgerEntry.objects.filter(program__code="2026-BC")).total.goods
    assert books["册"] == 658
    fund = totals(LedgerEntry.objects.filter(source_fund="困难职工帮扶资金"), by="source")
    assert fund.rows[0].balance == fund.rows[0].income - fund.rows[0].amount > 0


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
