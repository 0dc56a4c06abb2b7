"""Changes to notices (公示): create one from a selection, publish it, take lines off or correct
them, receive and handle objections, and finalise it — which freezes the archive (公告) and
applies the decisions it carried, all in one transaction.

Each service is keyword-only, checks that the actor administers the notice's unit (and the units
of the records it names), validates with Chinese messages that name the field, writes inside
``transaction.atomic()`` and records the audit event there. The one exception to "an actor" is
:func:`objection_receive` from the public page, where the sender has no account.

For later releases (workflows, 考核):

- build lines with :func:`items_from_households`, :func:`items_from_entries` or :class:`ItemSpec`
  directly, then :func:`notice_create` and :func:`notice_publish`;
- register new kinds of list with their applier in :mod:`bangfu.publicity.kinds`;
- :func:`finalise_problems` says why a notice cannot be finalised yet.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.ledger.models import Direction, LedgerEntry
from bangfu.ledger.models import Status as EntryStatus
from bangfu.orgs.models import Org
from bangfu.publicity.kinds import NoticeKind, get_kind, kind_label
from bangfu.publicity.models import (
    CONTENT_MAX_CHARS,
    DEFAULT_DAYS,
    MIN_DAYS,
    Channel,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    Result,
    SubjectKind,
)
from bangfu.registry.choices import Status
from bangfu.registry.models import Household, Person

if TYPE_CHECKING:
    from bangfu.accounts.models import User

NOTICE_FIELDS = (
    "kind",
    "org",
    "title",
    "conditions",
    "procedure",
    "start",
    "end",
    "objection_place",
    "objection_contact",
    "status",
)
# Objections through the public page: at most this many per address and hour.
WEB_OBJECTIONS_PER_HOUR = 5
CONTENT_MAX = CONTENT_MAX_CHARS

# What a public text must never contain: an 18-digit ID number (GB 11643) or a mobile number.
ID_PATTERN = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
MOBILE_PATTERN = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def personal_data_problem(text: str) -> str | None:
    """Why ``text`` may not appear on a public notice (None: it may)."""
    compact = re.sub(r"[\s-]", "", text)
    if ID_PATTERN.search(text) or ID_PATTERN.search(compact):
        return _("不能包含身份证号")
    if MOBILE_PATTERN.search(text) or MOBILE_PATTERN.search(compact):
        return _("不能包含手机号码; 请填写办公电话 (座机)")
    return None


def _check_public(values: dict[str, str], labels: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, text in values.items():
        problem = personal_data_problem(text or "")
        if problem:
            errors[key] = [f"{labels.get(key, key)}{problem}"]
    return errors


def _admin(actor: User, org: Org) -> None:
    if not scope_of(actor).can_admin_org(org):
        raise PermissionDenied(_("无权管理“%s”的公示") % org.name)


def _mutable(notice: Notice) -> None:
    if notice.status == NoticeStatus.FINALISED:
        raise ValidationError(_("公示“%s”已公告, 不能再修改") % notice.title)


# -- lines -----------------------------------------------------------------------------------


@dataclass
class ItemSpec:
    """One line to put on a notice: the record, the decision, and what the public sees."""

    subject: Household | Person | Org
    display_name: str
    village: str = ""
    decision: dict[str, Any] = field(default_factory=dict)
    category: str = ""
    amount: Decimal | None = None
    # The units whose administrator may decide this line (checked by notice_create).
    orgs: tuple[Org, ...] = ()


def _household_name(household: Household) -> str:
    head = household.head
    return head.name if head else _("户编号 %s") % household.code


def items_from_households(*, kind: str, households: Iterable[Household]) -> list[ItemSpec]:
    """Lines for a status list: each household with the status the kind moves it to. A
    household the kind does not apply to (e.g. not 拟脱贫 on a 拟脱贫名单) is refused by name."""
    spec = get_kind(kind)
    assert spec is not None
    labels = dict(Status.choices)
    items, wrong = [], []
    for household in households:
        target = spec.moves.get(household.status or "")
        if target is None:
            wrong.append(
                f"{_household_name(household)} ({household.code}, "
                f"{labels.get(household.status, _('未登记状态'))})"
            )
            continue
        items.append(
            ItemSpec(
                subject=household,
                display_name=_household_name(household),
                village=household.org.name,
                decision={"status": target},
                orgs=(household.org,),
            )
        )
    if wrong:
        raise ValidationError(
            {
                "items": [
                    _("以下户的当前状态不能列入“%(kind)s”: %(list)s")
                    % {"kind": spec.label, "list": "、".join(wrong)}
                ]
            }
        )
    return items


def items_from_entries(*, entries: Iterable[LedgerEntry]) -> list[ItemSpec]:
    """Lines for an aid list: draft 发放 entries in money, one line per recipient and category
    with the sum; finalising posts them."""
    groups: dict[tuple[str, int, str], list[LedgerEntry]] = {}
    problems = []
    for entry in entries:
        if entry.status != EntryStatus.DRAFT or entry.direction != Direction.OUT:
            problems.append(entry.number)
            continue
        if entry.amount is None:
            problems.append(entry.number)
            continue
        if entry.household_id:
            key = ("household", entry.household_id, entry.category)
        elif entry.person_id:
            key = ("person", entry.person_id, entry.category)
        else:
            key = ("org", entry.recipient_org_id or 0, entry.category)
        groups.setdefault(key, []).append(entry)
    if problems:
        raise ValidationError(
            {"items": [_("只能公示未入账的发放金额记录: %s") % "、".join(problems)]}
        )
    items = []
    for (kind, _pk, category), group in groups.items():
        first = group[0]
        subject: Household | Person | Org
        if kind == "household" and first.household is not None:
            subject = first.household
            name, village = _household_name(subject), subject.org.name
        elif kind == "person" and first.person is not None:
            subject = first.person
            name, village = subject.name, subject.org.name
        else:
            assert first.recipient_org is not None
            subject = first.recipient_org
            name, village = subject.name, ""
        items.append(
            ItemSpec(
                subject=subject,
                display_name=name,
                village=village,
                category=category,
                amount=sum((e.amount or Decimal(0) for e in group), Decimal(0)),
                decision={"entries": [e.pk for e in group]},
                orgs=tuple({e.org_id: e.org for e in group}.values()),
            )
        )
    return items


def _subject_fields(subject: Household | Person | Org) -> dict[str, Any]:
    if isinstance(subject, Household):
        return {"subject_kind": SubjectKind.HOUSEHOLD, "household": subject}
    if isinstance(subject, Person):
        return {"subject_kind": SubjectKind.PERSON, "person": subject}
    return {"subject_kind": SubjectKind.ORG, "subject_org": subject}


def _subject_org(subject: Household | Person | Org) -> Org:
    return subject if isinstance(subject, Org) else subject.org


def _item_record(item: NoticeItem) -> dict[str, Any]:
    return {
        "position": item.position,
        "subject": item.subject_kind,
        "subject_id": item.household_id or item.person_id or item.subject_org_id,
        "display_name": item.display_name,
        "village": item.village,
        "category": item.category,
        "amount": str(item.amount) if item.amount is not None else None,
        "decision": item.decision,
    }


# -- notices ---------------------------------------------------------------------------------


def check_period(start: datetime.date | None, end: datetime.date | None) -> dict[str, list[str]]:
    if start is None:
        return {"start": [_("请填写公示开始日期")]}
    if end is None:
        return {"end": [_("请填写公示截止日期")]}
    if (end - start).days < MIN_DAYS:
        return {
            "end": [
                _("公示期不少于 %(min)d 天: 截止日期最早为 %(day)s")
                % {"min": MIN_DAYS, "day": (start + datetime.timedelta(days=MIN_DAYS)).isoformat()}
            ]
        }
    return {}


LABELS = {
    "title": "标题",
    "conditions": "条件",
    "procedure": "程序",
    "objection_place": "受理地点",
    "objection_contact": "受理人及电话",
    "display_name": "姓名",
    "village": "所在村",
}


def notice_create(
    *,
    actor: User,
    kind: str,
    org: Org,
    title: str = "",
    items: list[ItemSpec],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    conditions: str | None = None,
    procedure: str | None = None,
    objection_place: str = "",
    objection_contact: str = "",
) -> Notice:
    """A draft notice of ``kind`` published by ``org`` with the given lines. The period starts
    ``start`` (today) and ends ``end`` (start + 7 days), never under 5 days; conditions and
    procedure default to the kind's wording."""
    spec = get_kind(kind)
    assert spec is not None
    _admin(actor, org)
    for item in items:
        for unit in item.orgs or (_subject_org(item.subject),):
            _admin(actor, unit)
    start = start or timezone.localdate()
    end = end or start + datetime.timedelta(days=DEFAULT_DAYS)
    values = {
        "title": (title or "").strip()
        or _("%(org)s%(kind)s公示") % {"org": org.name, "kind": spec.label},
        "conditions": (str(spec.conditions) if conditions is None else conditions).strip(),
        "procedure": (str(spec.procedure) if procedure is None else procedure).strip(),
        "objection_place": objection_place.strip(),
        "objection_contact": objection_contact.strip(),
    }
    errors = check_period(start, end)
    if len(values["title"]) > 100:
        errors["title"] = [_("标题最长 100 个字")]
    if not values["objection_place"]:
        errors["objection_place"] = [_("请填写异议受理地点")]
    if not values["objection_contact"]:
        errors["objection_contact"] = [_("请填写异议受理人及办公电话")]
    if not items:
        errors["items"] = [_("请至少选择一个公示对象")]
    errors.update(_check_public(values, LABELS))
    for item in items:
        problem = personal_data_problem(f"{item.display_name} {item.village}")
        if problem:
            errors.setdefault("items", []).append(f"{item.display_name}: {problem}")
        if spec.money and item.amount is None:
            errors.setdefault("items", []).append(_("%s: 缺少金额") % item.display_name)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            org=org,
            start=start,
            end=end,
            created_by=actor,
            **values,
        )
        NoticeItem.objects.bulk_create(
            NoticeItem(
                notice=notice,
                position=i,
                decision=spec_item.decision,
                display_name=spec_item.display_name[:100],
                village=spec_item.village[:100],
                category=spec_item.category[:40],
                amount=spec_item.amount if spec.money else None,
                **_subject_fields(spec_item.subject),
            )
            for i, spec_item in enumerate(items, 1)
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=notice,
            after=snapshot(notice, NOTICE_FIELDS)
            | {"items": [_item_record(i) for i in notice.items.all()]},
            summary=_("新建公示 %(title)s (%(n)d 个对象)")
            % {"title": notice.title, "n": len(items)},
        )
    return notice


def notice_publish(*, actor: User, notice: Notice) -> Notice:
    """Put a draft notice up: its public page opens and objections are taken."""
    _admin(actor, notice.org)
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布"))
    if not notice.items.filter(removed_at=None).exists():
        raise ValidationError(_("名单为空, 不能发布"))
    with transaction.atomic():
        notice.status = NoticeStatus.PUBLISHED
        notice.published_at = timezone.now()
        notice.published_by = actor
        notice.save(update_fields=["status", "published_at", "published_by"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=notice,
            before={"status": NoticeStatus.DRAFT},
            after={"status": NoticeStatus.PUBLISHED},
            summary=_("发布公示 %s") % notice.title,
        )
    return notice


def item_remove(*, actor: User, item: NoticeItem, reason: str) -> NoticeItem:
    """Take a line off the list (it stays in the archive, marked): its decision is not applied."""
    notice = item.notice
    _admin(actor, notice.org)
    _mutable(notice)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写移出原因")]})
    if not item.on_list:
        raise ValidationError(_("%s 已移出名单") % item.display_name)
    with transaction.atomic():
        item.removed_at = timezone.now()
        item.removed_reason = reason[:300]
        item.save(update_fields=["removed_at", "removed_reason"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=notice,
            before=_item_record(item),
            after={"removed": True, "reason": item.removed_reason},
            summary=_("公示 %(title)s 移出 %(name)s")
            % {"title": notice.title, "name": item.display_name},
        )
    return item


def item_correct(
    *,
    actor: User,
    item: NoticeItem,
    note: str,
    display_name: str | None = None,
    village: str | None = None,
    amount: Decimal | None = None,
) -> NoticeItem:
    """Correct a line (its name, village or amount) and say what was corrected. On an aid list
    a new amount is carried to the line's draft ledger entry (only a line of one entry)."""
    from bangfu.ledger.services import entry_update

    notice = item.notice
    _admin(actor, notice.org)
    _mutable(notice)
    note = note.strip()
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = [_("请填写更正说明")]
    new = {
        "display_name": (display_name if display_name is not None else item.display_name).strip(),
        "village": (village if village is not None else item.village).strip(),
    }
    if not new["display_name"]:
        errors["display_name"] = [_("姓名不能为空")]
    errors.update(_check_public(new | {"correction_note": note}, LABELS))
    entries: list[LedgerEntry] = []
    if amount is not None and amount != item.amount:
        if not notice.is_money:
            errors["amount"] = [_("该名单不涉及金额")]
        elif amount <= 0:
            errors["amount"] = [_("金额应大于 0")]
        else:
            entries = list(LedgerEntry.objects.filter(pk__in=item.decision.get("entries") or []))
            if len(entries) != 1:
                errors["amount"] = [_("该行包含多笔台帐记录, 请在台帐中分别更正后重新公示")]
    if not item.on_list:
        errors["display_name"] = [_("%s 已移出名单") % item.display_name]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = _item_record(item)
        item.display_name, item.village = new["display_name"][:100], new["village"][:100]
        if entries:
            entry_update(actor=actor, entry=entries[0], amount=amount)
            item.amount = amount
        item.corrected_at = timezone.now()
        item.correction_note = note[:300]
        item.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=notice,
            before=before,
            after=_item_record(item) | {"note": item.correction_note},
            summary=_("公示 %(title)s 更正 %(name)s: %(note)s")
            % {"title": notice.title, "name": item.display_name, "note": item.correction_note},
        )
    return item


# -- objections ------------------------------------------------------------------------------


def web_objections_left(ip: str | None) -> int:
    """How many more objections this address may send through the public page this hour.
    Counted from the objections themselves, in the database (holds across app servers)."""
    if not ip:
        return WEB_OBJECTIONS_PER_HOUR
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = Objection.objects.filter(channel=Channel.WEB, ip=ip, received_at__gte=since).count()
    return max(0, WEB_OBJECTIONS_PER_HOUR - sent)


def objection_receive(
    *,
    notice: Notice,
    content: str,
    channel: str = Channel.PAPER,
    actor: User | None = None,
    contact: str = "",
    item: NoticeItem | None = None,
    ip: str | None = None,
    received_at: datetime.datetime | None = None,
) -> Objection:
    """Record an objection. On paper (``channel="paper"``) a staff member of the notice's unit
    enters it, while the notice is published; through the public page (``"web"``) anyone may
    send one during the period, at most :data:`WEB_OBJECTIONS_PER_HOUR` per address and hour."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("未知渠道 %s") % channel]})
    if channel == Channel.PAPER:
        if actor is None:
            raise PermissionDenied(_("书面异议须由工作人员录入"))
        _admin(actor, notice.org)
        if notice.status != NoticeStatus.PUBLISHED:
            raise ValidationError(_("只有公示中的名单可以登记异议"))
    else:
        if not notice.is_open_on():
            raise ValidationError(_("公示期已结束或尚未开始, 不再受理网上异议"))
        if web_objections_left(ip) <= 0:
            raise ValidationError(
                _("同一网络一小时内最多提交 %d 条异议, 请稍后再试或到受理地点书面反映")
                % WEB_OBJECTIONS_PER_HOUR
            )
    content = content.strip()
    errors: dict[str, list[str]] = {}
    if not content:
        errors["content"] = [_("请填写异议内容")]
    elif len(content) > CONTENT_MAX:
        errors["content"] = [_("异议内容最长 %d 字") % CONTENT_MAX]
    if len(contact.strip()) > 100:
        errors["contact"] = [_("联系方式最长 100 字")]
    if item is not None and item.notice_id != notice.pk:
        errors["item"] = [_("所选对象不在本名单中")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        objection = Objection.objects.create(
            notice=notice,
            item=item,
            channel=channel,
            content=content,
            contact=contact.strip(),
            received_at=received_at or timezone.now(),
            ip=ip if channel == Channel.WEB else None,
            recorded_by=actor if channel == Channel.PAPER else None,
        )
        audit_record(
            actor=actor,
            actor_username="" if actor else "public",
            action=Action.CREATE,
            obj=objection,
            org=notice.org,
            after={
                "notice": notice.pk,
                "item": item.position if item else None,
                "channel": channel,
                "content": content,
            },
            summary=_("公示 %(title)s 收到异议 (%(channel)s)")
            % {"title": notice.title, "channel": objection.get_channel_display()},
        )
    return objection


def objection_handle(
    *,
    actor: User,
    objection: Objection,
    result: str,
    handling: str,
    item: NoticeItem | None = None,
) -> Objection:
    """Record how an objection was checked and the result. An upheld objection must name the
    line it concerns: the notice cannot be finalised until that line is corrected or removed."""
    notice = objection.notice
    _admin(actor, notice.org)
    _mutable(notice)
    handling = handling.strip()
    errors: dict[str, list[str]] = {}
    if result not in (Result.UPHELD, Result.REJECTED):
        errors["result"] = [_("请选择处理结果: 异议成立或异议不成立")]
    if not handling:
        errors["handling"] = [_("请填写核查处理情况")]
    target = item or objection.item
    if target is not None and target.notice_id != notice.pk:
        errors["item"] = [_("所选对象不在本名单中")]
    if result == Result.UPHELD and target is None:
        errors["item"] = [_("异议成立时请选择涉及的对象, 以便更正或移出")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {
            "result": objection.result,
            "handling": objection.handling,
            "item": objection.item_id,
        }
        objection.item = target
        objection.result = result
        objection.handling = handling
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=objection,
            org=notice.org,
            before=before,
            after={"result": result, "handling": handling, "item": objection.item_id},
            summary=_("公示 %(title)s 异议处理: %(result)s")
            % {"title": notice.title, "result": objection.get_result_display()},
        )
    return objection


# -- closing ---------------------------------------------------------------------------------


def finalise_problems(notice: Notice, *, today: datetime.date | None = None) -> list[str]:
    """Why ``notice`` cannot be finalised on ``today`` (empty: it can)."""
    today = today or timezone.localdate()
    problems = []
    if notice.status != NoticeStatus.PUBLISHED:
        problems.append(_("只有公示中的名单可以公告"))
    elif today <= notice.end:
        problems.append(_("公示期至 %s 结束, 期满后才能公告") % notice.end.isoformat())
    pending = notice.objections.filter(result=Result.PENDING).count()
    if pending:
        problems.append(_("还有 %d 条异议未处理") % pending)
    for objection in notice.objections.filter(result=Result.UPHELD).select_related("item"):
        if objection.blocks:
            assert objection.item is not None
            problems.append(
                _("第 %(n)d 行“%(name)s”的异议成立, 须先更正或移出名单")
                % {"n": objection.item.position, "name": objection.item.display_name}
            )
    if not notice.items.filter(removed_at=None).exists():
        problems.append(_("名单为空"))
    return problems


def _archive(notice: Notice, applied: dict[int, dict[str, Any]], actor: User) -> dict[str, Any]:
    def when(value: datetime.datetime | None) -> str | None:
        return timezone.localtime(value).isoformat(timespec="minutes") if value else None

    return {
        "kind": notice.kind,
        "kind_label": kind_label(notice.kind),
        "title": notice.title,
        "org": {"code": notice.org.code, "name": notice.org.name},
        "conditions": notice.conditions,
        "procedure": notice.procedure,
        "start": notice.start.isoformat(),
        "end": notice.end.isoformat(),
        "objection_place": notice.objection_place,
        "objection_contact": notice.objection_contact,
        "published_at": when(notice.published_at),
        "finalised_at": when(notice.finalised_at),
        "finalised_by": actor.display_name if hasattr(actor, "display_name") else str(actor),
        "items": [
            {
                "position": item.position,
                "display_name": item.display_name,
                "village": item.village,
                "category": item.category,
                "amount": str(item.amount) if item.amount is not None else None,
                "on_list": item.on_list,
                "removed_reason": item.removed_reason,
                "correction_note": item.correction_note,
                "applied": applied.get(item.pk),
            }
            for item in notice.items.order_by("position")
        ],
        "objections": [
            {
                "channel": o.channel,
                "received_at": when(o.received_at),
                "item": o.item.position if o.item else None,
                "content": o.content,
                "handling": o.handling,
                "result": o.result,
                "handled_by": o.handled_by.display_name if o.handled_by else "",
                "handled_at": when(o.handled_at),
            }
            for o in notice.objections.select_related("item", "handled_by")
        ],
    }


def notice_finalise(
    *,
    actor: User,
    notice: Notice,
    approver: str = "",
    today: datetime.date | None = None,
) -> Notice:
    """Close a notice whose period is over into its 公告: apply each remaining line's decision
    through the kind's applier (statuses through the registry, aid through the ledger's
    posting with ``approver``), freeze the archive, and audit it — all in one transaction, so
    one refused decision leaves everything as it was. Refused while an objection is pending or
    an upheld one's line is still on the list uncorrected."""
    _admin(actor, notice.org)
    spec: NoticeKind | None = get_kind(notice.kind)
    assert spec is not None
    approver = approver.strip()
    today = today or timezone.localdate()
    problems = finalise_problems(notice, today=today)
    if spec.money and not approver:
        problems.append(_("发放名单公告时须填写审批人"))
    if problems:
        raise ValidationError(problems)
    items = list(
        notice.items.filter(removed_at=None)
        .select_related("household__org", "household__head", "person__org", "subject_org")
        .order_by("position")
    )
    day = min(today, timezone.localdate())
    with transaction.atomic():
        # Lock the row: two administrators finalising at once apply the decisions once.
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.status != NoticeStatus.PUBLISHED:
            raise ValidationError(_("只有公示中的名单可以公告"))
        applied: dict[int, dict[str, Any]] = {}
        for item in items:
            try:
                applied[item.pk] = spec.applier(
                    actor=actor, notice=notice, item=item, day=day, approver=approver
                )
            except ValidationError as exc:
                raise ValidationError(
                    _("第 %(n)d 行“%(name)s”: %(why)s")
                    % {"n": item.position, "name": item.display_name, "why": " ".join(exc.messages)}
                ) from exc
        notice.status = NoticeStatus.FINALISED
        notice.finalised_at = timezone.now()
        notice.finalised_by = actor
        notice.archive = _archive(notice, applied, actor)
        notice.save(update_fields=["status", "finalised_at", "finalised_by", "archive"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=notice,
            before={"status": NoticeStatus.PUBLISHED},
            after={"status": NoticeStatus.FINALISED, "applied": len(applied), "approver": approver},
            summary=_("公示 %(title)s 期满公告, 执行 %(n)d 项决定")
            % {"title": notice.title, "n": len(applied)},
        )
    return notice
