"""Ledger changes: enter a draft, change or delete it, post it (with the approver), reverse a
posted entry. One transaction each, audited. An administrator of the unit that keeps the ledger
does all of these; activities add drafts of what they gave (:func:`entries_for_activity`)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.ledger.models import Direction, LedgerEntry, SourceKind, Status

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.activities.models import Activity
    from bangfu.orgs.models import Org
    from bangfu.programs.models import Program
    from bangfu.registry.models import Helper, Household, Person

EDITABLE = (
    "program",
    "direction",
    "category",
    "source_kind",
    "source_org",
    "source_helper",
    "source_fund",
    "household",
    "person",
    "recipient_org",
    "amount",
    "goods",
    "quantity",
    "goods_unit",
    "date",
    "note",
)


def _record(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "number": entry.number,
        "direction": entry.direction,
        "category": entry.category,
        "source": entry.source_name,
        "recipient": entry.recipient_name,
        "amount": str(entry.amount) if entry.amount is not None else None,
        "goods": entry.goods,
        "quantity": str(entry.quantity) if entry.quantity is not None else None,
        "goods_unit": entry.goods_unit,
        "date": entry.date.isoformat(),
        "approver": entry.approver,
        "status": entry.status,
    }


def _may_keep(actor: User, org: Org) -> None:
    if not scope_of(actor).can_admin_org(org):
        raise PermissionDenied(_("无权管理“%s”的台帐") % org.name)


def _number(entry: LedgerEntry) -> str:
    return f"TZ{entry.date:%Y}{entry.pk:07d}"


def _placeholder() -> str:
    """A unique stand-in for the number until the row has its id (fits the 20 characters)."""
    return f"tmp-{uuid.uuid4().hex[:16]}"


def check_entry(values: dict[str, Any], *, today: datetime.date) -> dict[str, list[str]]:
    """The problems of an entry's values, by field, in Chinese."""
    errors: dict[str, list[str]] = {}
    if not str(values.get("category") or "").strip():
        errors["category"] = [_("请填写类别")]
    kind = values.get("source_kind")
    if kind == SourceKind.UNIT and values.get("source_org") is None:
        errors["source_org"] = [_("来源为单位时请选择来源单位")]
    elif kind == SourceKind.HELPER and values.get("source_helper") is None:
        errors["source_helper"] = [_("来源为帮扶人时请选择帮扶人")]
    elif kind == SourceKind.FUND and not str(values.get("source_fund") or "").strip():
        errors["source_fund"] = [_("来源为专项资金时请填写资金名称")]
    elif kind not in SourceKind.values:
        errors["source_kind"] = [_("请选择来源类型")]
    recipients = [values.get(k) for k in ("household", "person", "recipient_org")]
    given = [r for r in recipients if r is not None]
    if values.get("direction", Direction.OUT) == Direction.OUT and len(given) != 1:
        errors["recipient"] = [_("发放记录须有且只有一个受助对象 (户、人或单位)")]
    amount: Decimal | None = values.get("amount")
    quantity: Decimal | None = values.get("quantity")
    if amount is None and quantity is None:
        errors["amount"] = [_("金额和物品数量至少填一项")]
    if amount is not None and amount <= 0:
        errors["amount"] = [_("金额应大于 0 (更正已入账的记录请用“冲销”)")]
    if quantity is not None:
        if quantity <= 0:
            errors["quantity"] = [_("数量应大于 0")]
        if not str(values.get("goods") or "").strip():
            errors["goods"] = [_("请填写物品名称")]
        if not str(values.get("goods_unit") or "").strip():
            errors["goods_unit"] = [_("请填写物品单位 (册、台、张 …)")]
    day = values.get("date")
    if day is None:
        errors["date"] = [_("请填写日期")]
    elif day > today:
        errors["date"] = [_("日期 %s 晚于今天") % day]
    return errors


def entry_create(
    *,
    actor: User,
    org: Org,
    category: str,
    source_kind: str,
    date: datetime.date,
    direction: str = Direction.OUT,
    program: Program | None = None,
    source_org: Org | None = None,
    source_helper: Helper | None = None,
    source_fund: str = "",
    household: Household | None = None,
    person: Person | None = None,
    recipient_org: Org | None = None,
    amount: Decimal | None = None,
    goods: str = "",
    quantity: Decimal | None = None,
    goods_unit: str = "",
    note: str = "",
    activity: Activity | None = None,
    today: datetime.date | None = None,
) -> LedgerEntry:
    """Enter a draft entry in ``org``'s ledger."""
    values = {k: v for k, v in locals().items() if k in EDITABLE}
    if activity is None:
        _may_keep(actor, org)
    errors = check_entry(values, today=today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = LedgerEntry(
            org=org,
            number=_placeholder(),
            activity=activity,
            created_by=actor if getattr(actor, "pk", None) else None,
            status=Status.DRAFT,
        )
        for key, value in values.items():
            setattr(entry, key, value.strip() if isinstance(value, str) else value)
        entry.save()
        entry.number = _number(entry)
        entry.save(update_fields=["number"])
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=entry,
            after=_record(entry),
            summary=_("台帐录入 %s") % entry,
        )
    return entry


def entries_for_activity(*, actor: User, activity: Activity, category: str) -> list[LedgerEntry]:
    """Draft entries for what an activity gave: its amount to each beneficiary it served, and
    each of its goods to each. Kept by the program's organiser; the source is the helper, or the
    helping unit."""
    if activity.amount is None and not activity.items.exists():
        return []
    source: dict[str, Any] = (
        {"source_kind": SourceKind.HELPER, "source_helper": activity.helper}
        if activity.helper_id
        else {"source_kind": SourceKind.UNIT, "source_org": activity.helper_org}
    )
    made: list[LedgerEntry] = []
    links = activity.links.select_related("pairing")
    for link in links:
        pairing = link.pairing
        recipient = {
            "household": pairing.household,
            "person": pairing.person,
            "recipient_org": pairing.beneficiary_org,
        }
        common = {
            "actor": actor,
            "org": activity.program.org,
            "program": activity.program,
            "category": category,
            "date": activity.date,
            "activity": activity,
            "note": (activity.theme or activity.content or activity.type)[:500],
            "today": activity.date,
            **source,
            **recipient,
        }
        if activity.amount is not None and activity.amount > 0:
            made.append(entry_create(**common, amount=activity.amount))
        for item in activity.items.all():
            made.append(
                entry_create(
                    **common,
                    amount=item.value,
                    goods=item.name,
                    quantity=item.quantity,
                    goods_unit=item.unit,
                )
            )
    return made


def _draft(entry: LedgerEntry) -> None:
    if entry.status != Status.DRAFT:
        raise ValidationError(
            {"status": [_("记录 %s 已入账, 不能修改或删除; 请用“冲销”更正") % entry.number]}
        )


def entry_update(
    *, actor: User, entry: LedgerEntry, today: datetime.date | None = None, **values: Any
) -> LedgerEntry:
    """Change a draft entry."""
    _may_keep(actor, entry.org)
    _draft(entry)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    merged = {k: getattr(entry, k) for k in EDITABLE} | values
    errors = check_entry(merged, today=today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = _record(entry)
        for key, value in values.items():
            setattr(entry, key, value.strip() if isinstance(value, str) else value)
        entry.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=entry,
            before=before,
            after=_record(entry),
            summary=_("修改台帐草稿 %s") % entry.number,
        )
    return entry


def entry_delete(*, actor: User, entry: LedgerEntry) -> None:
    _may_keep(actor, entry.org)
    _draft(entry)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=entry,
            before=_record(entry),
            summary=_("删除台帐草稿 %s") % entry.number,
        )
        entry.delete()


def entry_post(*, actor: User, entries: list[LedgerEntry], approver: str) -> int:
    """Post drafts, all or none, with the name of who approved them. Returns how many."""
    approver = approver.strip()
    if not approver:
        raise ValidationError({"approver": [_("入账须填写审批人")]})
    if len(approver) > 50:
        raise ValidationError({"approver": [_("审批人最长 50 个字")]})
    for entry in entries:
        _may_keep(actor, entry.org)
        _draft(entry)
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            entry.status = Status.POSTED
            entry.approver = approver
            entry.posted_at = now
            entry.posted_by = actor if getattr(actor, "pk", None) else None
            entry.save(update_fields=["status", "approver", "posted_at", "posted_by"])
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=entry,
                before={"status": Status.DRAFT},
                after={"status": Status.POSTED, "approver": approver},
                summary=_("台帐入账 %s") % entry.number,
            )
    return len(entries)


def entry_reverse(
    *, actor: User, entry: LedgerEntry, reason: str, date: datetime.date | None = None
) -> LedgerEntry:
    """Reverse a posted entry: a posted entry with the opposite amount and quantity, dated
    ``date`` (today by default), that names the original. An entry is reversed at most once,
    and a reversal is not itself reversed."""
    _may_keep(actor, entry.org)
    if entry.status != Status.POSTED:
        raise ValidationError({"status": [_("只有已入账的记录需要冲销; 草稿可直接修改或删除")]})
    if entry.is_reversal:
        raise ValidationError({"status": [_("冲销记录不能再冲销")]})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"status": [_("记录 %s 已冲销") % entry.number]})
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写冲销原因")]})
    day = date or timezone.localdate()
    if day < entry.date:
        raise ValidationError({"date": [_("冲销日期不能早于原记录日期 %s") % entry.date]})
    with transaction.atomic():
        reversal = LedgerEntry(
            number=_placeholder(),
            org=entry.org,
            program=entry.program,
            direction=entry.direction,
            category=entry.category,
            source_kind=entry.source_kind,
            source_org=entry.source_org,
            source_helper=entry.source_helper,
            source_fund=entry.source_fund,
            household=entry.household,
            person=entry.person,
            recipient_org=entry.recipient_org,
            amount=-entry.amount if entry.amount is not None else None,
            goods=entry.goods,
            quantity=-entry.quantity if entry.quantity is not None else None,
            goods_unit=entry.goods_unit,
            date=day,
            approver=entry.approver,
            note=(_("冲销 %(n)s: %(r)s") % {"n": entry.number, "r": reason.strip()})[:500],
            status=Status.DRAFT,
            reverses=entry,
            activity=entry.activity,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        reversal.save()
        reversal.number = _number(reversal)
        reversal.status = Status.POSTED
        reversal.posted_at = timezone.now()
        reversal.posted_by = actor if getattr(actor, "pk", None) else None
        reversal.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=reversal,
            after=_record(reversal),
            summary=_("冲销台帐记录 %(n)s: %(r)s") % {"n": entry.number, "r": reason.strip()},
        )
    return reversal
