"""The pages: the case list shows deadlines (overdue marked), the case page its timeline and
next action, the forms drive the services, and a campaign is marked in bulk and reported."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.core.testing import client_for
from bangfu.workflows import services
from bangfu.workflows.models import CampaignMark, CaseStatus
from bangfu.workflows.tests.factories import CONTACT, PLACE, build_workflow_world


@pytest.fixture
def world(world):
    return build_workflow_world(world)


def test_case_list_shows_deadlines_and_overdue(world):
    today = timezone.localdate()
    services.case_open(
        actor=world.unit_admin,
        kind="monitoring",
        household=world.hm,
        lead_date=today - datetime.timedelta(days=20),
    )
    services.case_open(actor=world.unit_admin, kind="relief", household=world.hr)
    html = client_for(world, "inspector").get(reverse("workflows:case_list")).content.decode()
    assert "已超期" in html
    assert (today - datetime.timedelta(days=5)).isoformat() in html


def test_near_deadline_shows_days_left(world):
    lead = timezone.localdate() - datetime.timedelta(days=12)
    case = services.case_open(
        actor=world.unit_admin, kind="monitoring", household=world.hm, lead_date=lead
    )
    html = client_for(world, "unit_admin").get(reverse("workflows:case_detail", args=[case.pk]))
    assert "剩 3 天" in html.content.decode()


def test_exit_through_the_pages(world):
    client = client_for(world, "unit_admin")
    response = client.post(
        reverse("workflows:case_new"), {"kind": "exit", "household": world.hx.code}
    )
    case = world.hx.cases.get()
    assert response.status_code == 302
    step = reverse("workflows:case_step", args=[case.pk])
    client.post(step, {"notes": "民主评议通过"})
    client.post(step, {"notes": "核实"})
    detail = client.get(reverse("workflows:case_detail", args=[case.pk])).content.decode()
    assert "户认可" in detail and "签字日期" in detail
    client.post(
        reverse("workflows:case_send_back", args=[case.pk]),
        {"to_step": "verification", "reason": "重新核实"},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SENT_BACK and case.step == "verification"
    client.post(step, {"notes": "再核实"})
    client.post(step, {"signed_on": "2026-01-10"})
    today = timezone.localdate()
    client.post(
        step,
        {
            "objection_place": PLACE,
            "objection_contact": CONTACT,
            "notice_start": (today - datetime.timedelta(days=8)).isoformat(),
            "notice_end": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )
    case.refresh_from_db()
    assert case.step == "announcement" and case.notice is not None
    client.post(step, {})
    case.refresh_from_db()
    assert case.status == CaseStatus.DONE


def test_campaign_pages(world):
    client = client_for(world, "unit_admin")
    response = client.post(
        reverse("workflows:campaign_new"),
        {"org": world.a1.code, "title": "回头看", "start": "2026-01-01", "end": "2026-03-31"},
    )
    assert response.status_code == 302
    campaign = world.a1.campaigns.get()
    client.post(
        reverse("workflows:campaign_mark", args=[campaign.pk]),
        {"households": [world.hx.pk, world.hr.pk], "mark": "remove", "reason": "不符合条件"},
    )
    assert CampaignMark.objects.filter(campaign=campaign, mark="remove").count() == 2
    html = client.get(reverse("workflows:campaign_report", args=[campaign.pk])).content.decode()
    assert "剔除0户0人" in html
