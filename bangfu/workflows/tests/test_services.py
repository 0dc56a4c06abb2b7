"""Each workflow end to end through the services, with send-backs, an upheld objection that
blocks finalising, the guards and their override, the monitoring deadline, and the 回头看
report from the records."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bangfu.audit.models import AuditEvent
from bangfu.publicity import services as publicity
from bangfu.publicity.models import NoticeStatus
from bangfu.registry.models import HouseholdIncome, IncomeLine
from bangfu.workflows import services
from bangfu.workflows.models import CampaignStatus, CaseStatus, Mark
from bangfu.workflows.tests.factories import build_workflow_world, past_period

TODAY = timezone.localdate
SIGNED = datetime.date(2026, 1, 10)


@pytest.fixture
def world(world):
    return build_workflow_world(world)


def _through_consent(world, case, actor=None):
    actor = actor or world.unit_admin
    for _step in ("evaluation", "verification", "consent"):
        case = services.step_complete(actor=actor, case=case, notes="评议通过", signed_on=SIGNED)
    return case


def test_exit_end_to_end_with_a_send_back(world):
    case = services.case_open(actor=world.village_admin, kind="exit", household=world.hx)
    assert case.step == "evaluation" and case.deadline is None
    case = services.step_complete(actor=world.village_admin, case=case, notes="民主评议通过")
    world.hx.refresh_from_db()
    assert world.hx.status == "proposed_exit"
    assert case.step == "verification"
    # Verification is a township step: the village administrator may not do it.
    with pytest.raises(PermissionDenied):
        services.step_complete(actor=world.village_admin, case=case)
    case = services.step_complete(actor=world.unit_admin, case=case, notes="核实无误")
    # 户认可 needs the date the household signed.
    with pytest.raises(ValidationError) as exc:
        services.step_complete(actor=world.village_admin, case=case)
    assert "signed_on" in exc.value.message_dict
    # Sent back to verification: the household disputes the income figures.
    case = services.case_send_back(
        actor=world.village_admin, case=case, reason="户对收入核算有异议", to_step="verification"
    )
    assert case.status == CaseStatus.SENT_BACK and case.step == "verification"
    assert case.records.filter(sent_back=True, reason="户对收入核算有异议").exists()
    case = services.step_complete(actor=world.unit_admin, case=case, notes="重新核实")
    assert case.status == CaseStatus.OPEN
    case = services.step_complete(actor=world.village_admin, case=case, signed_on=SIGNED)
    assert case.step == "publicity"
    case = services.step_complete(actor=world.village_admin, case=case, **past_period())
    assert case.step == "announcement" and case.notice is not None
    assert case.notice.status == NoticeStatus.PUBLISHED
    assert case.notice.kind == "exit"
    # 公告 is a county step: finalising by the village administrator is refused and undone.
    with pytest.raises(ValidationError):
        publicity.notice_finalise(actor=world.village_admin, notice=case.notice)
    case.refresh_from_db()
    assert case.step == "announcement"
    world.hx.refresh_from_db()
    assert world.hx.status == "proposed_exit"
    # Finalising the notice from the publicity pages advances the case in the same transaction.
    publicity.notice_finalise(actor=world.unit_admin, notice=case.notice)
    case.refresh_from_db()
    world.hx.refresh_from_db()
    assert case.status == CaseStatus.DONE
    assert world.hx.status == "exited"
    assert [r.step for r in case.records.filter(sent_back=False)] == [
        "evaluation",
        "verification",
        "verification",
        "consent",
        "publicity",
        "announcement",
    ]
    assert AuditEvent.objects.filter(object_type__icontains="case").count() >= 7


def test_an_upheld_objection_blocks_the_announcement_until_corrected(world):
    case = services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    case = _through_consent(world, case)
    case = services.step_complete(actor=world.unit_admin, case=case, **past_period())
    line = case.notice.items.get()
    objection = publicity.objection_receive(
        notice=case.notice, actor=world.unit_admin, content="户主姓名写错", item=line
    )
    with pytest.raises(ValidationError, match="异议未处理"):
        services.step_complete(actor=world.unit_admin, case=case)
    publicity.objection_handle(
        actor=world.unit_admin, objection=objection, result="upheld", handling="核实属实"
    )
    with pytest.raises(ValidationError, match="异议成立"):
        services.step_complete(actor=world.unit_admin, case=case)
    case.refresh_from_db()
    assert case.step == "announcement" and case.status == CaseStatus.OPEN
    publicity.item_correct(
        actor=world.unit_admin, item=line, note="更正姓名", display_name="韦大明"
    )
    case = services.step_complete(actor=world.unit_admin, case=case)
    assert case.status == CaseStatus.DONE


def test_an_upheld_objection_removing_the_line_sends_the_case_back(world):
    case = services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    case = _through_consent(world, case)
    case = services.step_complete(actor=world.unit_admin, case=case, **past_period())
    line = case.notice.items.get()
    objection = publicity.objection_receive(
        notice=case.notice, actor=world.unit_admin, content="家中有大病病人, 收入不稳", item=line
    )
    publicity.objection_handle(
        actor=world.unit_admin, objection=objection, result="upheld", handling="属实"
    )
    with pytest.raises(ValidationError, match="异议成立"):
        services.step_complete(actor=world.unit_admin, case=case)
    case = services.case_send_back(actor=world.unit_admin, case=case, reason="异议成立, 重新评议")
    line.refresh_from_db()
    assert not line.on_list and case.notice is None and case.step == "evaluation"
    world.hx.refresh_from_db()
    assert world.hx.status == "proposed_exit"
    case = services.case_cancel(actor=world.unit_admin, case=case, reason="暂不退出")
    world.hx.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED and world.hx.status == "assisting"


def test_exit_guards_are_the_quality_checks_and_can_be_overridden(world):
    year = TODAY().year
    IncomeLine.objects.create(year=year, region_prefix="", amount=Decimal("4500"))
    HouseholdIncome.objects.create(household=world.hx, year=year, per_capita=Decimal("3000"))
    case = services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    case = _through_consent(world, case)
    with pytest.raises(ValidationError) as exc:
        services.step_complete(actor=world.unit_admin, case=case, **past_period())
    assert "I006" in str(exc.value)
    world.hx.refresh_from_db()
    assert world.hx.status == "proposed_exit"  # the simulated exit was rolled back
    case = services.step_complete(
        actor=world.unit_admin,
        case=case,
        override_reason="因灾临时减收, 经县级研究同意",
        **past_period(),
    )
    assert case.overridden == ["I006"]
    record = case.records.get(step="publicity")
    assert record.findings and record.findings[0]["code"] == "I006"
    services.step_complete(actor=world.unit_admin, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.DONE


def test_exit_too_soon_after_identification_is_refused(world):
    world.hx.identified_on = TODAY() - datetime.timedelta(days=30)
    world.hx.save(update_fields=["identified_on"])
    case = services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    case = _through_consent(world, case)
    with pytest.raises(ValidationError, match="S003"):
        services.step_complete(actor=world.unit_admin, case=case, **past_period())


def test_worker_filing_end_to_end_with_a_send_back(world):
    case = services.case_open(actor=world.unit_admin, kind="worker_filing", household=world.hw)
    case = services.step_complete(actor=world.village_admin, case=case, notes="本人申请")
    case = services.step_complete(actor=world.village_admin, case=case, notes="初审通过")
    case = services.case_send_back(actor=world.unit_admin, case=case, reason="缺少收入证明")
    assert case.step == "application"
    case = services.step_complete(actor=world.village_admin, case=case, notes="补充材料")
    case = services.step_complete(actor=world.village_admin, case=case)
    with pytest.raises(ValidationError):
        services.step_complete(actor=world.unit_admin, case=case)  # no signed consent
    case = services.step_complete(actor=world.unit_admin, case=case, signed_on=SIGNED)
    case = services.step_complete(actor=world.unit_admin, case=case, **past_period())
    assert case.notice.kind == "worker"
    case = services.step_complete(actor=world.unit_admin, case=case)
    world.hw.refresh_from_db()
    assert case.status == CaseStatus.DONE and world.hw.status == "identified"


def test_relief_end_to_end_with_a_send_back(world):
    case = services.case_open(actor=world.unit_admin, kind="relief", household=world.hr)
    case = services.step_complete(actor=world.unit_admin, case=case)
    world.hr.refresh_from_db()
    assert world.hr.status == "relieved"
    case = services.case_send_back(actor=world.unit_admin, case=case, reason="材料不全")
    case = services.step_complete(actor=world.unit_admin, case=case)
    case = services.step_complete(actor=world.unit_admin, case=case, signed_on=SIGNED)
    case = services.step_complete(actor=world.unit_admin, case=case, **past_period())
    case = services.step_complete(actor=world.unit_admin, case=case)
    world.hr.refresh_from_db()
    assert case.status == CaseStatus.DONE and world.hr.status == "out_of_difficulty"


def test_monitoring_has_a_fifteen_day_deadline(world):
    lead = TODAY() - datetime.timedelta(days=16)
    case = services.case_open(
        actor=world.unit_admin, kind="monitoring", household=world.hm, lead_date=lead
    )
    assert case.deadline == lead + datetime.timedelta(days=15)
    assert case.overdue and case.days_left == -1
    case = services.step_complete(actor=world.village_admin, case=case, notes="群众反映因病")
    case = services.case_send_back(actor=world.village_admin, case=case, reason="线索不清")
    case = services.step_complete(actor=world.village_admin, case=case, notes="补充线索")
    case = services.step_complete(actor=world.village_admin, case=case, notes="入户核实")
    with pytest.raises(PermissionDenied):
        services.step_complete(actor=world.village_admin, case=case)  # township decides
    case = services.step_complete(actor=world.unit_admin, case=case, notes="认定返贫")
    world.hm.refresh_from_db()
    assert case.status == CaseStatus.DONE and not case.overdue and world.hm.status == "returned"


def test_case_open_refuses_wrong_status_and_outsiders(world):
    with pytest.raises(ValidationError):
        services.case_open(actor=world.unit_admin, kind="monitoring", household=world.hx)
    with pytest.raises(PermissionDenied):
        services.case_open(actor=world.outsider, kind="exit", household=world.hx)
    services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)
    with pytest.raises(ValidationError, match="已有办理中"):
        services.case_open(actor=world.unit_admin, kind="exit", household=world.hx)


def test_campaign_report_comes_from_the_records(world):
    new = world.hw
    from bangfu.registry.services import status_change

    status_change(actor=world.unit_admin, household=new, status="identified", date=TODAY())
    campaign = services.campaign_open(
        actor=world.unit_admin, org=world.a1, title="2026年回头看", start=TODAY(), end=TODAY()
    )
    services.campaign_mark(
        actor=world.unit_admin, campaign=campaign, households=[world.hx], mark=Mark.KEEP
    )
    with pytest.raises(ValidationError):
        services.campaign_mark(
            actor=world.unit_admin, campaign=campaign, households=[world.hr], mark=Mark.REMOVE
        )
    services.campaign_mark(
        actor=world.unit_admin,
        campaign=campaign,
        households=[world.hr, world.hm],
        mark=Mark.REMOVE,
        reason="家有财政供养人员",
    )
    services.campaign_mark(
        actor=world.unit_admin, campaign=campaign, households=[new], mark=Mark.ADD, reason="漏评"
    )
    with pytest.raises(PermissionDenied):
        services.campaign_mark(
            actor=world.outsider, campaign=campaign, households=[world.hx], mark=Mark.KEEP
        )
    campaign = services.campaign_publish(
        actor=world.unit_admin,
        campaign=campaign,
        **{
            "objection_place": "甲镇政府",
            "objection_contact": "张主任, 0771-5550001",
            "start": TODAY() - datetime.timedelta(days=8),
            "end": TODAY() - datetime.timedelta(days=1),
        },
    )
    assert campaign.status == CampaignStatus.PUBLISHED
    assert campaign.remove_notice.kind == "remove" and campaign.assist_notice.kind == "assist"
    report = services.campaign_report(campaign)
    rows = {r.key: (r.households, r.persons) for r in report["rows"]}
    assert rows == {"keep": (1, 3), "remove": (2, 4), "add": (1, 2)}
    assert report["applied"]["remove"].households == 0
    # An upheld objection takes one removal off the list; the other is applied.
    line = campaign.remove_notice.items.get(household=world.hm)
    objection = publicity.objection_receive(
        notice=campaign.remove_notice, actor=world.unit_admin, content="已脱贫户不应剔除", item=line
    )
    publicity.objection_handle(
        actor=world.unit_admin, objection=objection, result="upheld", handling="属实"
    )
    with pytest.raises(ValidationError):
        publicity.notice_finalise(actor=world.unit_admin, notice=campaign.remove_notice)
    publicity.item_remove(actor=world.unit_admin, item=line, reason="异议成立")
    publicity.notice_finalise(actor=world.unit_admin, notice=campaign.remove_notice)
    publicity.notice_finalise(actor=world.unit_admin, notice=campaign.assist_notice)
    report = services.campaign_report(campaign)
    assert report["applied"]["remove"].households == 1
    assert report["applied"]["remove"].persons == 2
    assert report["summary"] == "剔除1户2人"
    world.hr.refresh_from_db()
    new.refresh_from_db()
    assert world.hr.status == "removed" and new.status == "assisting"
