"""The services end to end: a 拟脱贫名单 from selection to 公告, with objections on paper and
from the web, an upheld one that blocks finalising until its line is removed or corrected; the
aid list that posts ledger entries; the rules (period, personal data, rate limit, scope); and
the appliers registry that later kinds plug into."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bangfu.audit.models import AuditEvent
from bangfu.ledger.models import LedgerEntry
from bangfu.publicity import kinds
from bangfu.publicity.models import Notice, NoticeStatus, Objection
from bangfu.publicity.services import (
    WEB_OBJECTIONS_PER_HOUR,
    ItemSpec,
    finalise_problems,
    item_correct,
    item_remove,
    items_from_households,
    notice_create,
    notice_finalise,
    notice_publish,
    objection_handle,
    objection_receive,
    web_objections_left,
)
from bangfu.publicity.tests.factories import aid_notice, build_publicity_world, exit_notice, period
from bangfu.registry.models import StatusChange


@pytest.fixture
def world(world):
    return build_publicity_world(world)


def after_end(notice: Notice) -> datetime.date:
    return notice.end + datetime.timedelta(days=1)


def test_exit_list_end_to_end_with_an_upheld_objection(world):
    notice = exit_notice(world)
    assert notice.status == NoticeStatus.PUBLISHED
    assert len(notice.token) >= 40
    first, second = notice.items.order_by("position")
    assert (first.display_name, first.village) == (world.household.head.name, "甲村")
    assert first.decision == {"status": "exited"}

    paper = objection_receive(
        notice=notice,
        actor=world.unit_admin,
        content="该户儿子长期患病, 收入不稳定",
        contact="村民 李某",
        item=first,
    )
    web = objection_receive(
        notice=notice, channel="web", content="第二户已在县城买房", ip="203.0.113.5"
    )
    assert (paper.channel, paper.recorded_by, web.channel, web.ip) == (
        "paper",
        world.unit_admin,
        "web",
        "203.0.113.5",
    )
    assert "还有 2 条异议未处理" in " ".join(finalise_problems(notice, today=after_end(notice)))

    objection_handle(
        actor=world.unit_admin,
        objection=web,
        result="rejected",
        handling="入户核实: 房屋为子女所购, 不影响认定",
        item=second,
    )
    objection_handle(
        actor=world.unit_admin,
        objection=paper,
        result="upheld",
        handling="入户核实, 收入未稳定达标",
    )
    paper.refresh_from_db()
    assert paper.handled_by == world.unit_admin and paper.handled_at is not None
    assert paper.blocks

    # Before the end of the period, and while the upheld line is on the list: refused.
    with pytest.raises(ValidationError) as refused:
        notice_finalise(actor=world.unit_admin, notice=notice, today=notice.end)
    text = " ".join(refused.value.messages)
    assert "期满后才能公告" in text and "异议成立, 须先更正或移出名单" in text
    with pytest.raises(ValidationError, match="异议成立"):
        notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    world.household.refresh_from_db()
    assert world.household.status == "proposed_exit"

    item_remove(actor=world.unit_admin, item=first, reason="异议成立, 暂缓退出")
    notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))

    notice.refresh_from_db()
    world.household.refresh_from_db()
    world.household2.refresh_from_db()
    assert notice.status == NoticeStatus.FINALISED
    assert world.household.status == "proposed_exit"  # taken off the list: unchanged
    assert world.household2.status == "exited"
    step = StatusChange.objects.get(household=world.household2, status="exited")
    assert step.date == timezone.localdate() and notice.title in step.reason
    archive = notice.archive
    assert [i["on_list"] for i in archive["items"]] == [False, True]
    assert archive["items"][1]["applied"]["status"] == "exited"
    assert [o["result"] for o in archive["objections"]] == ["upheld", "rejected"]
    assert archive["start"] == notice.start.isoformat()

    # Frozen: nothing changes any more.
    with pytest.raises(ValidationError, match="已公告"):
        item_remove(actor=world.unit_admin, item=second, reason="x")
    with pytest.raises(ValidationError):
        notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))
    events = AuditEvent.objects.filter(object_type="publicity.notice", object_id=str(notice.pk))
    assert events.count() == 4  # create, publish, remove, finalise
    assert AuditEvent.objects.filter(object_type="publicity.objection").count() == 4


def test_a_corrected_line_no_longer_blocks(world):
    notice = exit_notice(world)
    first = notice.items.get(position=1)
    objection = objection_receive(
        notice=notice, actor=world.unit_admin, content="名字写错了", item=first
    )
    objection_handle(actor=world.unit_admin, objection=objection, result="upheld", handling="属实")
    assert finalise_problems(notice, today=after_end(notice))
    item_correct(actor=world.unit_admin, item=first, display_name="王大明", note="更正姓名")
    assert finalise_problems(notice, today=after_end(notice)) == []
    notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))
    world.household.refresh_from_db()
    assert world.household.status == "exited"
    assert notice.archive["items"][0]["display_name"] == "王大明"


def test_an_upheld_objection_must_name_its_line(world):
    notice = exit_notice(world)
    objection = objection_receive(notice=notice, actor=world.unit_admin, content="有问题")
    with pytest.raises(ValidationError) as refused:
        objection_handle(actor=world.unit_admin, objection=objection, result="upheld", handling="x")
    assert "item" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        objection_handle(actor=world.unit_admin, objection=objection, result="", handling="")
    assert set(refused.value.error_dict) == {"result", "handling"}


def test_one_refused_decision_undoes_the_whole_close(world):
    notice = exit_notice(world)
    # Meanwhile the second household was moved back to 帮扶中 by hand: 帮扶中 → 脱贫 is refused.
    StatusChange.objects.create(
        household=world.household2, status="assisting", date=timezone.localdate()
    )
    world.household2.status = "assisting"
    world.household2.save()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="第 2 行"):
        notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))
    world.household.refresh_from_db()
    notice.refresh_from_db()
    assert world.household.status == "proposed_exit"  # the first line was undone too
    assert notice.status == NoticeStatus.PUBLISHED and notice.archive == {}
    assert AuditEvent.objects.count() == events


def test_aid_list_sums_by_recipient_and_posts_on_finalising(world):
    notice = aid_notice(world)
    rows = [(i.display_name, i.category, i.amount) for i in notice.items.order_by("position")]
    assert rows == [
        (world.household.head.name, "金秋助学", Decimal("500.00")),
        (world.household2.head.name, "金秋助学", Decimal("500.00")),
    ]
    assert notice.is_money
    with pytest.raises(ValidationError, match="审批人"):
        notice_finalise(actor=world.unit_admin, notice=notice, today=after_end(notice))
    notice_finalise(
        actor=world.unit_admin, notice=notice, approver="王主任", today=after_end(notice)
    )
    posted = LedgerEntry.objects.filter(pk__in=[e.pk for e in world.aid_entries])
    assert {(e.status, e.approver) for e in posted} == {("posted", "王主任")}
    assert len(notice.archive["items"][0]["applied"]["entries"]) == 2


def test_correcting_an_aid_amount_changes_the_draft_entry(world):
    notice = aid_notice(world)
    second = notice.items.get(position=2)
    item_correct(actor=world.unit_admin, item=second, amount=Decimal("450"), note="按标准更正")
    entry = LedgerEntry.objects.get(pk=second.decision["entries"][0])
    assert entry.amount == Decimal("450") and entry.status == "draft"
    first = notice.items.get(position=1)  # two entries: corrected in the ledger instead
    with pytest.raises(ValidationError, match="多笔"):
        item_correct(actor=world.unit_admin, item=first, amount=Decimal("1"), note="x")


def test_a_posted_entry_cannot_be_put_on_an_aid_list(world):
    from bangfu.ledger.tests.factories import posted
    from bangfu.publicity.services import items_from_entries

    done = posted(world)
    with pytest.raises(ValidationError, match=done.number):
        items_from_entries(entries=[done])


def test_the_period_is_seven_days_by_default_and_never_under_five(world):
    items = items_from_households(kind="exit", households=[world.household])
    common = {
        "actor": world.unit_admin,
        "kind": "exit",
        "org": world.a1v,
        "items": items,
        "objection_place": "村委会",
        "objection_contact": "韦书记",
    }
    start = datetime.date(2026, 3, 1)
    notice = notice_create(**common, start=start)
    assert notice.end == datetime.date(2026, 3, 8) and notice.days == 7
    assert "拟脱贫名单" in notice.title and notice.conditions  # the kind's wording
    with pytest.raises(ValidationError) as refused:
        notice_create(**common, start=start, end=datetime.date(2026, 3, 5))
    assert "不少于 5 天" in refused.value.error_dict["end"][0].messages[0]
    assert notice_create(**common, start=start, end=datetime.date(2026, 3, 6)).days == 5


def test_a_household_the_kind_does_not_apply_to_is_refused_by_name(world):
    with pytest.raises(ValidationError) as refused:
        items_from_households(kind="exit", households=[world.household3])
    assert world.household3.code in refused.value.messages[0]
    assert items_from_households(kind="assist", households=[world.household3])[0].decision == {
        "status": "assisting"
    }
    worker = items_from_households(kind="worker", households=[world.worker])
    assert worker[0].decision == {"status": "identified"}


def test_no_phone_or_id_number_on_the_public_text(world):
    with pytest.raises(ValidationError) as refused:
        exit_notice(world, publish=False, objection_contact="韦书记 13812345678")
    assert "手机" in refused.value.error_dict["objection_contact"][0].messages[0]
    number = world.household.head.id_number
    spec = ItemSpec(subject=world.household, display_name=f"张三 {number}", village="甲村")
    with pytest.raises(ValidationError, match="身份证号"):
        exit_notice(world, publish=False, items=[spec])
    notice = exit_notice(world)
    with pytest.raises(ValidationError):
        item_correct(
            actor=world.unit_admin,
            item=notice.items.first(),
            village="甲村 139 0000 1111",
            note="x",
        )


def test_only_administrators_of_the_unit_act(world):
    with pytest.raises(PermissionDenied):
        exit_notice(world, publish=False, actor=world.inspector)
    with pytest.raises(PermissionDenied):
        exit_notice(world, publish=False, actor=world.outsider)
    notice = exit_notice(world, publish=False)
    with pytest.raises(PermissionDenied):
        notice_publish(actor=world.outsider, notice=notice)
    with pytest.raises(PermissionDenied):
        notice_publish(actor=world.inspector, notice=notice)
    notice_publish(actor=world.admin, notice=notice)
    with pytest.raises(PermissionDenied):
        objection_receive(notice=notice, actor=world.helper, content="x")
    with pytest.raises(PermissionDenied):
        objection_receive(notice=notice, content="x")  # paper needs staff


def test_web_objections_are_limited_per_address_and_hour(world):
    notice = exit_notice(world)
    for _ in range(WEB_OBJECTIONS_PER_HOUR):
        objection_receive(notice=notice, channel="web", content="意见", ip="198.51.100.7")
    assert web_objections_left("198.51.100.7") == 0
    with pytest.raises(ValidationError, match="一小时内最多"):
        objection_receive(notice=notice, channel="web", content="意见", ip="198.51.100.7")
    objection_receive(notice=notice, channel="web", content="意见", ip="198.51.100.8")
    # An hour later the address may send again.
    Objection.objects.filter(ip="198.51.100.7").update(
        received_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    assert web_objections_left("198.51.100.7") == WEB_OBJECTIONS_PER_HOUR


def test_web_objections_only_during_the_period(world):
    notice = exit_notice(world, open_now=False)
    with pytest.raises(ValidationError, match="公示期已结束"):
        objection_receive(notice=notice, channel="web", content="x", ip="192.0.2.1")
    draft = exit_notice(world, publish=False)
    with pytest.raises(ValidationError):
        objection_receive(notice=draft, channel="web", content="x", ip="192.0.2.1")
    # A paper objection handed in during the period may still be entered afterwards.
    objection_receive(notice=notice, actor=world.unit_admin, content="x")


def test_a_new_kind_plugs_in_with_its_applier(world):
    calls = []

    def apply_award(*, actor, notice, item, day, approver):
        calls.append((item.display_name, item.decision["award"], day))
        return {"award": item.decision["award"]}

    kinds.register_kind(kinds.NoticeKind(key="award", label="拟表彰名单", applier=apply_award))
    try:
        start, end = period(open_now=False)
        notice = notice_create(
            actor=world.unit_admin,
            kind="award",
            org=world.a,
            items=[
                ItemSpec(
                    subject=world.a1v,
                    display_name="甲村",
                    village="甲镇",
                    decision={"award": "先进村"},
                )
            ],
            start=start,
            end=end,
            objection_place="县委组织部",
            objection_contact="张科长",
        )
        notice_publish(actor=world.unit_admin, notice=notice)
        notice_finalise(actor=world.unit_admin, notice=notice)
        assert calls == [("甲村", "先进村", timezone.localdate())]
        assert notice.archive["items"][0]["applied"] == {"award": "先进村"}
        assert notice.kind_label == "拟表彰名单"
    finally:
        kinds.KINDS.pop("award")
