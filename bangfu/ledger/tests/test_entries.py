"""Ledger entries: drafts entered and changed, posting all or none with the approver, posted
entries immutable in the service, the model and the database, reversal and correction, the
drafts an activity makes, and the Chinese messages for bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from bangfu.audit.models import AuditEvent
from bangfu.ledger.models import LedgerEntry, PostedEntryError, SourceKind, Status
from bangfu.ledger.selectors import entry_list, totals
from bangfu.ledger.services import (
    entry_create,
    entry_delete,
    entry_post,
    entry_reverse,
    entry_update,
)
from bangfu.ledger.tests.factories import TODAY, D, entry, posted, visit_with_money


@pytest.fixture
def world(world):
    from bangfu.activities.tests.factories import build_activity_world

    return build_activity_world(world)


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}


# -- drafts ------------------------------------------------------------------------------------


def test_a_draft_gets_a_number_and_an_audit_row(world):
    made = entry(world)
    assert made.status == Status.DRAFT and made.number == f"TZ2026{made.pk:07d}"
    assert AuditEvent.objects.filter(object_id=str(made.pk), action="create").exists()


def test_a_draft_may_be_changed_and_deleted(world):
    made = entry(world)
    entry_update(actor=world.unit_admin, entry=made, amount=Decimal("120"), today=TODAY)
    made.refresh_from_db()
    assert made.amount == Decimal("120.00")
    entry_delete(actor=world.unit_admin, entry=made)
    assert not LedgerEntry.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("persona", ["helper", "inspector", "outsider"])
def test_only_administrators_of_the_unit_keep_its_ledger(world, persona):
    with pytest.raises(PermissionDenied):
        entry(world, actor=world.users[persona])
    made = entry(world)
    with pytest.raises(PermissionDenied):
        entry_post(actor=world.users[persona], entries=[made], approver="王主任")
    with pytest.raises(PermissionDenied):
        entry_delete(actor=world.users[persona], entry=made)


def test_bad_values_are_named_in_chinese(world):
    with pytest.raises(ValidationError) as caught:
        entry_create(
            actor=world.admin,
            org=world.a_office,
            category=" ",
            source_kind=SourceKind.FUND,
            date=D(2026, 7, 1),
            amount=Decimal("-5"),
            quantity=Decimal("3"),
            today=TODAY,
        )
    errors = _messages(caught.value)
    assert errors["category"] == ["请填写类别"]
    assert errors["source_fund"] == ["来源为专项资金时请填写资金名称"]
    assert errors["recipient"] == ["发放记录须有且只有一个受助对象 (户、人或单位)"]
    assert errors["amount"] == ["金额应大于 0 (更正已入账的记录请用“冲销”)"]
    assert errors["goods"] == ["请填写物品名称"]
    assert errors["goods_unit"] == ["请填写物品单位 (册、台、张 …)"]
    assert errors["date"] == ["日期 2026-07-01 晚于今天"]
    with pytest.raises(ValidationError) as caught:
        entry(world, amount=None)
    assert _messages(caught.value)["amount"] == ["金额和物品数量至少填一项"]
    with pytest.raises(ValidationError) as caught:
        entry(world, source_kind=SourceKind.HELPER, source_org=None)
    assert _messages(caught.value)["source_helper"] == ["来源为帮扶人时请选择帮扶人"]
    assert not LedgerEntry.objects.exists()


# -- posting -----------------------------------------------------------------------------------


def test_posting_needs_the_approver(world):
    made = entry(world)
    for approver, message in (("  ", "入账须填写审批人"), ("王" * 51, "审批人最长 50 个字")):
        with pytest.raises(ValidationError) as caught:
            entry_post(actor=world.admin, entries=[made], approver=approver)
        assert _messages(caught.value)["approver"] == [message]
    made.refresh_from_db()
    assert made.status == Status.DRAFT
    entry_post(actor=world.unit_admin, entries=[made], approver=" 王主任 ")
    made.refresh_from_db()
    assert (made.status, made.approver, made.posted_by) == (
        Status.POSTED,
        "王主任",
        world.unit_admin,
    )
    assert made.posted_at is not None


def test_posting_is_all_or_none(world):
    first, second = entry(world), entry(world, amount=Decimal("50"))
    already = posted(world)
    with pytest.raises(ValidationError) as caught:
        entry_post(actor=world.admin, entries=[first, already, second], approver="王主任")
    assert "已入账" in caught.value.messages[0]
    assert set(
        LedgerEntry.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {Status.DRAFT}
    assert entry_post(actor=world.admin, entries=[first, second], approver="王主任") == 2
    assert set(LedgerEntry.objects.values_list("status", flat=True)) == {Status.POSTED}


def test_posting_is_all_or_none_across_units(world):
    """An administrator of 乙县 cannot post 甲县's draft, so theirs is not posted either."""
    from bangfu.registry.tests.factories import household_with_members

    theirs = entry(
        world,
        actor=world.outsider,
        org=world.b,
        program=None,
        source_org=world.b,
        household=household_with_members(world.b1, 1, code="H450124001"),
    )
    ours = entry(world)
    with pytest.raises(PermissionDenied):
        entry_post(actor=world.outsider, entries=[theirs, ours], approver="李局长")
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT


# -- posted entries are immutable ----------------------------------------------------------------


def test_the_service_refuses_to_change_or_delete_a_posted_entry(world):
    made = posted(world)
    with pytest.raises(ValidationError) as caught:
        entry_update(actor=world.admin, entry=made, amount=Decimal("1"), today=TODAY)
    assert caught.value.messages == [f"记录 {made.number} 已入账, 不能修改或删除; 请用“冲销”更正"]
    with pytest.raises(ValidationError):
        entry_delete(actor=world.admin, entry=made)
    with pytest.raises(ValidationError):
        entry_post(actor=world.admin, entries=[made], approver="再次")
    made.refresh_from_db()
    assert made.amount == Decimal("100.00")


def test_the_model_refuses_to_save_or_delete_a_posted_entry(world):
    made = posted(world)
    made.amount = Decimal("1")
    with pytest.raises(PostedEntryError):
        made.save()
    with pytest.raises(PostedEntryError):
        made.delete()
    with pytest.raises(PostedEntryError):
        LedgerEntry.objects.filter(pk=made.pk).delete()
    made.refresh_from_db()
    assert made.amount == Decimal("100.00")


def test_the_database_refuses_an_update_of_a_posted_entry(world):
    """The trigger of migration 0002, on SQLite and on PostgreSQL alike."""
    made = posted(world)
    draft = entry(world)
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=made.pk).update(amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=made.pk).update(status=Status.DRAFT)
    made.refresh_from_db()
    assert (made.amount, made.status) == (Decimal("100.00"), Status.POSTED)
    # A draft is still a row like any other.
    assert LedgerEntry.objects.filter(pk=draft.pk).update(amount=7) == 1


# -- reversal and correction -------------------------------------------------------------------


def test_a_correction_is_a_reversal_plus_a_new_entry(world):
    wrong = posted(
        world, amount=Decimal("1000"), goods="图书", quantity=Decimal("10"), goods_unit="册"
    )
    reversal = entry_reverse(
        actor=world.unit_admin, entry=wrong, reason="金额录错", date=D(2026, 2, 1)
    )
    assert reversal.status == Status.POSTED and reversal.reverses == wrong
    assert (reversal.amount, reversal.quantity) == (Decimal("-1000.00"), Decimal("-10.00"))
    assert reversal.note == f"冲销 {wrong.number}: 金额录错"
    assert reversal.approver == wrong.approver and reversal.date == D(2026, 2, 1)
    right = posted(
        world, amount=Decimal("100"), goods="图书", quantity=Decimal("10"), goods_unit="册"
    )
    wrong.refresh_from_db()
    assert wrong.amount == Decimal("1000.00") and wrong.status == Status.POSTED
    result = totals(entry_list(user=world.admin), by="category")
    assert result.total.amount == Decimal("100.00")
    assert result.total.goods == {"册": Decimal("10.00")}
    assert result.total.household_times == 1
    assert right.reverses is None


def test_reversal_rules(world):
    draft = entry(world)
    with pytest.raises(ValidationError) as caught:
        entry_reverse(actor=world.admin, entry=draft, reason="x")
    assert caught.value.messages == ["只有已入账的记录需要冲销; 草稿可直接修改或删除"]
    made = posted(world)
    with pytest.raises(ValidationError) as caught:
        entry_reverse(actor=world.admin, entry=made, reason="  ")
    assert caught.value.messages == ["请填写冲销原因"]
    with pytest.raises(ValidationError) as caught:
        entry_reverse(actor=world.admin, entry=made, reason="错", date=D(2026, 1, 9))
    assert caught.value.messages == ["冲销日期不能早于原记录日期 2026-01-10"]
    with pytest.raises(PermissionDenied):
        entry_reverse(actor=world.inspector, entry=made, reason="错")
    reversal = entry_reverse(actor=world.admin, entry=made, reason="错")
    with pytest.raises(ValidationError) as caught:
        entry_reverse(actor=world.admin, entry=made, reason="错")
    assert caught.value.messages == [f"记录 {made.number} 已冲销"]
    with pytest.raises(ValidationError) as caught:
        entry_reverse(actor=world.admin, entry=reversal, reason="错")
    assert caught.value.messages == ["冲销记录不能再冲销"]


# -- activities ------------------------------------------------------------------------------


def test_an_activity_s_money_becomes_drafts_the_helper_sees(world):
    activity = visit_with_money(world)
    drafts = list(LedgerEntry.objects.filter(activity=activity).order_by("id"))
    assert [(d.household, d.amount, d.category, d.status) for d in drafts] == [
        (world.household, Decimal("500.00"), "两节慰问", Status.DRAFT),
        (world.household2, Decimal("500.00"), "两节慰问", Status.DRAFT),
    ]
    assert {d.org for d in drafts} == {world.a_office}
    assert {d.source_helper for d in drafts} == {world.cadre}
    manual = entry(world)
    assert set(entry_list(user=world.helper)) == set(drafts)
    assert set(entry_list(user=world.inspector)) == {*drafts, manual}
    assert not entry_list(user=world.outsider).exists()
    # The helper records, but posting is for administrators.
    with pytest.raises(PermissionDenied):
        entry_post(actor=world.helper, entries=drafts, approver="李帮扶")
