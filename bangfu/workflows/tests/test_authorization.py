"""Who reaches each workflows URL. Readers of county A (the administrator, A's unit
administrator, A's inspector) read A's cases and campaigns; only administrators of the record's
unit act on them; the helper reads none; the outsider (乙县) gets 404 on every object of A."""

from __future__ import annotations

import pytest

from bangfu.core.testing import UrlCase, assert_covers, check, matrix
from bangfu.workflows import services
from bangfu.workflows.models import StepRecord
from bangfu.workflows.tests.factories import build_workflow_world

READ = {"admin": 200, "unit_admin": 200, "inspector": 200}
ACT = {"admin": 302, "unit_admin": 302}
NEW = {"admin": 200, "unit_admin": 200}


@pytest.fixture
def world(world):
    world = build_workflow_world(world)
    case = services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    case = services.step_complete(
        actor=world.unit_admin,
        case=case,
        attachment=services.Attachment("评议记录.pdf", "application/pdf", b"%PDF-1.4"),
    )
    world.extra["case"] = case
    world.extra["record"] = StepRecord.objects.get(case=case)
    world.extra["campaign"] = services.campaign_open(
        actor=world.unit_admin,
        org=world.a1,
        title="回头看",
        start=case.lead_date,
        end=case.lead_date,
    )
    return world


def _case(w):
    return {"pk": w.case.pk}


def _campaign(w):
    return {"pk": w.campaign.pk}


CASES = [
    UrlCase("case_list", expect=READ),
    UrlCase("case_new", expect=NEW),
    UrlCase("case_detail", expect=READ, kwargs=_case),
    UrlCase("case_step", method="post", expect=ACT, kwargs=_case, data=lambda w: {"notes": "核实"}),
    UrlCase(
        "case_send_back",
        method="post",
        expect=ACT,
        kwargs=_case,
        data=lambda w: {"to_step": "evaluation", "reason": "重新评议"},
    ),
    UrlCase("case_cancel", method="post", expect=ACT, kwargs=_case, data=lambda w: {"reason": "x"}),
    UrlCase(
        "record_attachment",
        expect=READ,
        kwargs=lambda w: {"pk": w.case.pk, "record_pk": w.record.pk},
    ),
    UrlCase("campaign_list", expect=READ),
    UrlCase("campaign_new", expect=NEW),
    UrlCase("campaign_detail", expect=READ, kwargs=_campaign),
    UrlCase(
        "campaign_mark",
        method="post",
        expect=ACT,
        kwargs=_campaign,
        data=lambda w: {"households": [w.hx.pk], "mark": "keep"},
    ),
    UrlCase(
        "campaign_publish",
        method="post",
        expect=ACT,
        kwargs=_campaign,
        data=lambda w: {"objection_place": "甲镇政府", "objection_contact": "张主任, 0771-5550001"},
    ),
    UrlCase("campaign_report", expect=READ, kwargs=_campaign),
]


def test_every_workflows_url_has_a_case():
    assert_covers("workflows", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_workflows_authorization(world, case, persona):
    check(world, "workflows", case, persona)
