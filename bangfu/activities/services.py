"""Recording activities and life events. One transaction each, audited.

Who may record an activity for a pairing: its own helper (the person whose login is linked to
the pairing's helper), or an administrator of the program's organiser, of the beneficiary's
unit or (for a unit helper) of the helping unit. A helper can never record against another
helper's pairing.

Money and goods given in an activity become draft entries of the ledger (one per beneficiary
and per item) that an administrator posts (``bangfu.ledger.services``).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.activities.models import (
    Activity,
    ActivityItem,
    ActivityLink,
    ActivityPhoto,
    LifeEvent,
    Source,
)
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.pairings.models import Pairing
from bangfu.programs.definition import LIFE_EVENTS
from bangfu.programs.models import Program
from bangfu.registry.models import Household, Member, Person

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from bangfu.accounts.models import User

# Fields with a column of their own; every other field of a type goes into ``details``.
COLUMN_FIELDS = ("theme", "content", "amount", "people", "households")
ITEM_FIELDS = ("quantity", "unit")
MAX_PHOTO_BYTES = 15 * 1024 * 1024
PHOTO_EDGE = 1600
EVENT_LINK_DAYS = 30  # how far back an unanswered event is offered to a visit


# -- activity types -------------------------------------------------------------------------


def activity_type(program: Program, name: str) -> dict[str, Any] | None:
    """The program's activity type called ``name`` (its code, its name or one of its aliases:
    上门看望 is 家访), or None."""
    name = (name or "").strip()
    for item in program.activity_types:
        names = {item.get("code"), item.get("name"), *item.get("aliases", [])}
        if name in names:
            return item
    return None


def type_fields(kind: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in kind.get("fields", []) if isinstance(f, dict) and f.get("key")]


def type_has_items(kind: dict[str, Any]) -> bool:
    """Whether the type records goods (a donation: quantity and unit)."""
    return any(f["key"] == "quantity" for f in type_fields(kind))


def ledger_category(program: Program, kind: dict[str, Any], details: dict[str, Any]) -> str:
    """The ledger category of what an activity gives: its 帮扶类别 field when the type has one;
    else the aid category named like the type or one of its aliases (慰问 → 两节慰问 where the
    template calls it so); else the type's own name."""
    if details.get("category"):
        return str(details["category"])
    categories = list(program.definition.get("aid_categories", []))
    for name in (kind.get("code"), kind.get("name"), *kind.get("aliases", [])):
        if name in categories:
            return str(name)
    return str(kind.get("name") or kind.get("code"))


# -- who may record -------------------------------------------------------------------------


def may_log(actor: User, pairing: Pairing) -> bool:
    """Whether ``actor`` may record activities for ``pairing``."""
    if not getattr(actor, "is_authenticated", False):
        return False
    helper = pairing.helper
    if helper is not None and helper.user_id is not None and helper.user_id == actor.pk:
        return True
    scope = scope_of(actor)
    if scope.can_admin_org(pairing.program.org) or scope.can_admin_org(pairing.org):
        return True
    return pairing.helper_org is not None and scope.can_admin_org(pairing.helper_org)


# -- parsing the type's fields --------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _count(value: Any) -> int | None:
    number = _decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


@dataclass
class Fields:
    """What the form or file gave for an activity type, checked."""

    theme: str = ""
    content: str = ""
    amount: Decimal | None = None
    people: int | None = None
    households: int | None = None
    details: dict[str, Any] | None = None


def check_fields(
    program: Program, kind: dict[str, Any], values: dict[str, Any]
) -> tuple[Fields, dict[str, list[str]]]:
    """The type's fields from ``values`` (by key), and the errors by key in Chinese."""
    errors: dict[str, list[str]] = {}
    out = Fields(details={})
    assert out.details is not None
    categories = list(program.definition.get("aid_categories", []))
    for field in type_fields(kind):
        key, label, ftype = field["key"], field.get("label", field["key"]), field.get("type")
        raw = values.get(key)
        text = "" if raw is None else str(raw).strip()
        if key in ITEM_FIELDS:
            continue  # goods come as items
        if not text:
            if field.get("required"):
                errors.setdefault(key, []).append(_("“%s”不能为空") % label)
            continue
        try:
            value: Any
            if ftype == "amount":
                value = _decimal(text)
                if value is not None and value < 0:
                    raise ValueError
            elif ftype == "count":
                value = _count(text)
                if value is not None and value < 0:
                    raise ValueError
            elif ftype == "aid_category":
                if categories and text not in categories:
                    errors.setdefault(key, []).append(
                        _("“%(label)s”应为 %(choices)s 之一, 实际为“%(value)s”")
                        % {"label": label, "choices": "、".join(categories), "value": text}
                    )
                    continue
                value = text
            elif ftype == "date":
                value = datetime.date.fromisoformat(text).isoformat()
            else:
                limit = 5000 if ftype == "textarea" else 200
                if len(text) > limit:
                    errors.setdefault(key, []).append(
                        _("“%(label)s”最长 %(n)s 个字") % {"label": label, "n": limit}
                    )
                    continue
                value = text
        except ValueError:
            what = {
                "amount": _("不小于 0 的金额"),
                "count": _("不小于 0 的整数"),
                "date": _("日期"),
            }.get(str(ftype), _("有效值"))
            errors.setdefault(key, []).append(
                _("“%(label)s”应为%(what)s, 实际为“%(value)s”")
                % {"label": label, "what": what, "value": text}
            )
            continue
        if key in COLUMN_FIELDS:
            setattr(out, key, value)
        else:
            out.details[key] = value
    return out, errors


@dataclass
class Item:
    name: str
    quantity: Decimal
    unit: str
    value: Decimal | None = None


def tally(counts: str, links: int, people: int | None, households: int | None) -> tuple[int, int]:
    """What an activity adds to the figures: (户次, 人次).

    A type that counts households adds the households it reached: the 户数 typed for a unit's
    visit to a village, else one per beneficiary served (a trip to twenty households is 20 户次).
    A type that counts persons adds its 人次 when given (a training of 60), else one per
    beneficiary. A type that counts sessions adds neither."""
    if counts == "households":
        return (households if households is not None else links), 0
    if counts == "persons":
        return 0, (people if people is not None else links)
    return 0, 0


def _beneficiary_household(pairing: Pairing) -> Household | None:
    if pairing.household_id:
        return pairing.household
    if pairing.person_id:
        member = Member.objects.filter(person_id=pairing.person_id).select_related("household")
        first = member.first()
        return first.household if first else None
    return None


def _event_subjects(pairings: Iterable[Pairing]) -> tuple[set[int], set[int]]:
    """The households and persons whose events fall on these pairings: a household's events and
    its members'; a person's and their household's."""
    households: set[int] = set()
    persons: set[int] = set()
    for p in pairings:
        if p.household_id:
            households.add(p.household_id)
        if p.person_id:
            persons.add(p.person_id)
            households.update(
                Member.objects.filter(person_id=p.person_id).values_list("household_id", flat=True)
            )
    persons.update(
        Member.objects.filter(household_id__in=households).values_list("person_id", flat=True)
    )
    return households, persons


def event_subjects_of(event: LifeEvent) -> tuple[set[int], set[int]]:
    """The households and persons whose pairings an event falls on: a household's event on
    the household and its members; a person's on the person and their households."""
    households: set[int] = set()
    persons: set[int] = set()
    if event.household_id:
        households.add(event.household_id)
        persons.update(
            Member.objects.filter(household_id=event.household_id).values_list(
                "person_id", flat=True
            )
        )
    if event.person_id:
        persons.add(event.person_id)
        households.update(
            Member.objects.filter(person_id=event.person_id).values_list("household_id", flat=True)
        )
    return households, persons


def open_events(pairings: Sequence[Pairing], day: datetime.date) -> list[LifeEvent]:
    """Events on these pairings' beneficiaries from the last :data:`EVENT_LINK_DAYS` days up to
    ``day``: those a visit on ``day`` may answer."""
    households, persons = _event_subjects(pairings)
    if not households and not persons:
        return []
    from django.db.models import Q

    since = day - datetime.timedelta(days=EVENT_LINK_DAYS)
    return list(
        LifeEvent.objects.filter(
            Q(household_id__in=households) | Q(person_id__in=persons),
            date__gte=since,
            date__lte=day,
        )
        .select_related("household__head", "person")
        .order_by("-date")
    )


def _rule_events(program: Program, type_code: str) -> list[tuple[set[str], int]]:
    """The program's event rules a visit of this type answers: (event kinds, within days)."""
    out = []
    for rule in program.rules:
        if rule.get("kind") == "event" and type_code in rule.get("types", []):
            out.append((set(rule.get("events", [])), int(rule.get("within_days", 7))))
    return out


def _record(activity: Activity) -> dict[str, Any]:
    return {
        "program": activity.program.code,
        "type": activity.type,
        "date": activity.date.isoformat(),
        "theme": activity.theme,
        "content": activity.content[:200],
        "amount": str(activity.amount) if activity.amount is not None else None,
        "people": activity.people,
        "households": activity.households,
        "details": activity.details,
        "pairings": [link.pairing_id for link in activity.links.all()],
    }


def activity_create(
    *,
    actor: User,
    program: Program,
    type: str,
    date: datetime.date,
    pairings: Sequence[Pairing],
    values: dict[str, Any] | None = None,
    items: Sequence[Item] = (),
    events: Sequence[LifeEvent] | None = None,
    client_key: str | None = None,
    source: str = Source.WEB,
    today: datetime.date | None = None,
) -> Activity:
    """Record an activity of ``type`` on ``date`` serving ``pairings`` of ``program``.

    ``values`` holds the type's fields by key (theme, content, amount, people, subject …).
    ``events``: the life events it answers; None links the beneficiaries' unanswered events the
    program's event rules say a visit of this type answers (within their days). ``client_key``
    makes the call idempotent: a second call with the same key returns the first activity."""
    if client_key:
        existing = Activity.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.recorded_by_id != getattr(actor, "pk", None):
                raise PermissionDenied(_("该记录已由他人提交"))
            return existing
    today = today or timezone.localdate()
    kind = activity_type(program, type)
    errors: dict[str, list[str]] = {}
    if kind is None:
        names = "、".join(str(t.get("code")) for t in program.activity_types)
        raise ValidationError(
            {
                "type": [
                    _("“%(type)s”不是本项目的活动类型, 可选: %(names)s")
                    % {"type": type, "names": names}
                ]
            }
        )
    pairings = list(dict.fromkeys(pairings))
    if not pairings:
        errors["pairings"] = [_("请选择至少一个帮扶对象")]
    for pairing in pairings:
        if not may_log(actor, pairing):
            raise PermissionDenied(_("无权为结对“%s”记录活动: 只能记录本人负责的结对") % pairing)
        if pairing.program_id != program.pk:
            errors.setdefault("pairings", []).append(_("结对“%s”不属于本项目") % pairing)
        elif not pairing.is_active_on(date):
            errors.setdefault("pairings", []).append(
                _("结对“%(p)s”在 %(d)s 不在帮扶期内 (%(s)s 至 %(e)s)")
                % {"p": pairing, "d": date, "s": pairing.start, "e": pairing.end or _("今")}
            )
    if date > today:
        errors["date"] = [_("活动日期 %s 晚于今天") % date]
    fields, field_errors = check_fields(program, kind, values or {})
    for key, messages in field_errors.items():
        errors.setdefault(key, []).extend(messages)
    items = list(items)
    if items and not type_has_items(kind):
        errors.setdefault("items", []).append(_("“%s”不登记物品") % kind["code"])
    for i, item in enumerate(items, start=1):
        if not item.name.strip() or not item.unit.strip() or item.quantity <= 0:
            errors.setdefault("items", []).append(
                _("第 %s 项物品: 名称、数量 (大于 0) 和单位都要填写") % i
            )
        if item.value is not None and item.value < 0:
            errors.setdefault("items", []).append(_("第 %s 项物品: 价值不能为负数") % i)
    if errors:
        raise ValidationError(errors)

    helpers = {p.helper_id for p in pairings}
    helper = pairings[0].helper if len(helpers) == 1 and pairings[0].helper_id else None
    helper_orgs = {p.helper_org_id for p in pairings}
    helper_org = None
    if helper is None:
        helper_org = (
            pairings[0].helper_org
            if len(helper_orgs) == 1 and pairings[0].helper_org_id
            else program.org
        )
    org = helper.org if helper is not None else helper_org
    assert org is not None
    counts = str(kind.get("counts", "sessions"))
    visits, persons = tally(counts, len(pairings), fields.people, fields.households)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                program=program,
                type=str(kind["code"]),
                counts=counts,
                date=date,
                theme=fields.theme,
                content=fields.content,
                details=fields.details or {},
                amount=fields.amount,
                people=fields.people,
                households=fields.households,
                household_visits=visits,
                person_times=persons,
                helper=helper,
                helper_org=helper_org,
                org=org,
                source=source,
                client_key=client_key or None,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            ActivityLink.objects.bulk_create(
                ActivityLink(
                    activity=activity,
                    pairing=p,
                    program=program,
                    type=activity.type,
                    date=date,
                    household=_beneficiary_household(p),
                    person=p.person,
                    beneficiary_org=p.beneficiary_org,
                )
                for p in pairings
            )
            ActivityItem.objects.bulk_create(
                ActivityItem(
                    activity=activity,
                    name=i.name.strip(),
                    quantity=i.quantity,
                    unit=i.unit.strip(),
                    value=i.value,
                )
                for i in items
            )
            _link_events(activity, pairings, events)
            from bangfu.ledger.services import entries_for_activity

            entries_for_activity(
                actor=actor,
                activity=activity,
                category=ledger_category(program, kind, activity.details),
            )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                obj=activity,
                after=_record(activity),
                summary=_("记录活动 %(type)s %(date)s (%(n)s 个对象)")
                % {"type": activity.type, "date": date, "n": len(pairings)},
            )
    except IntegrityError:
        # Two sends of the same queued entry at once: the other one was recorded.
        if client_key:
            existing = Activity.objects.filter(client_key=client_key).first()
            if existing is not None:
                if existing.recorded_by_id != getattr(actor, "pk", None):
                    raise PermissionDenied(_("该记录已由他人提交")) from None
                return existing
        raise
    return activity


def _link_events(
    activity: Activity, pairings: Sequence[Pairing], events: Sequence[LifeEvent] | None
) -> None:
    candidates = {e.pk: e for e in open_events(pairings, activity.date)}
    if events is not None:
        chosen = []
        for event in events:
            if event.pk not in candidates:
                raise ValidationError(
                    {"events": [_("事件“%s”不属于所选对象或不在活动日期前 30 天内") % event]}
                )
            chosen.append(event)
        activity.events.set(chosen)
        return
    rules = _rule_events(activity.program, activity.type)
    chosen = [
        e
        for e in candidates.values()
        if not e.answered_by.exists()
        and any(e.kind in kinds and (activity.date - e.date).days <= days for kinds, days in rules)
    ]
    if chosen:
        activity.events.set(chosen)


def activity_update(
    *,
    actor: User,
    activity: Activity,
    date: datetime.date,
    values: dict[str, Any],
    today: datetime.date | None = None,
) -> Activity:
    """Change what an activity says (date and the type's fields). Money it gave that is posted
    to the ledger cannot change here: the ledger corrects it by a reversal."""
    links = list(
        activity.links.select_related("pairing__program", "pairing__helper", "pairing__org")
    )
    for link in links:
        if not may_log(actor, link.pairing):
            raise PermissionDenied(_("无权修改该活动"))
    today = today or timezone.localdate()
    program = activity.program
    kind = activity_type(program, activity.type) or {"code": activity.type, "fields": []}
    fields, errors = check_fields(program, kind, values)
    if date > today:
        errors["date"] = [_("活动日期 %s 晚于今天") % date]
    for link in links:
        if not link.pairing.is_active_on(date):
            errors.setdefault("date", []).append(
                _("结对“%(p)s”在 %(d)s 不在帮扶期内") % {"p": link.pairing, "d": date}
            )
    posted = activity.ledger_entries.filter(status="posted").exists()
    money_changed = fields.amount != activity.amount or date != activity.date
    if posted and money_changed:
        errors.setdefault("amount", []).append(
            _("该活动的金额已入账, 不能修改金额或日期; 请在台帐中冲销后更正")
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = _record(activity)
        activity.date = date
        activity.theme, activity.content = fields.theme, fields.content
        activity.amount, activity.people, activity.households = (
            fields.amount,
            fields.people,
            fields.households,
        )
        activity.details = fields.details or {}
        activity.household_visits, activity.person_times = tally(
            activity.counts, len(links), fields.people, fields.households
        )
        activity.save()
        activity.links.update(date=date)
        if not posted:
            from bangfu.ledger.services import entries_for_activity

            activity.ledger_entries.filter(status="draft").delete()
            entries_for_activity(
                actor=actor,
                activity=activity,
                category=ledger_category(program, kind, activity.details),
            )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=activity,
            before=before,
            after=_record(activity),
            summary=_("修改活动 %s") % activity,
        )
    return activity


def activity_delete(*, actor: User, activity: Activity, reason: str) -> None:
    """Delete an activity recorded by mistake (with the reason, in the audit log). Refused once
    money or goods it gave are posted to the ledger."""
    for link in activity.links.select_related(
        "pairing__program", "pairing__helper", "pairing__org"
    ):
        if not may_log(actor, link.pairing):
            raise PermissionDenied(_("无权删除该活动"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写删除原因")]})
    if activity.ledger_entries.filter(status="posted").exists():
        raise ValidationError({"reason": [_("该活动发放的钱物已入账, 不能删除; 请先在台帐中冲销")]})
    with transaction.atomic():
        before = _record(activity)
        activity.ledger_entries.filter(status="draft").delete()
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=activity,
            before=before,
            summary=_("删除活动 %(a)s: %(r)s") % {"a": activity, "r": reason.strip()},
        )
        activity.delete()


# -- photos ---------------------------------------------------------------------------------


def _exif_taken_at(image: Any) -> datetime.datetime | None:
    try:
        exif = image.getexif()
        raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, DateTime
    except Exception:
        return None
    if not raw:
        return None
    try:
        taken = datetime.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(taken)


def photo_add(*, actor: User, activity: Activity, upload: UploadedFile) -> ActivityPhoto:
    """Keep a photo of an activity, downscaled to at most 1600 px on its long edge (JPEG), with
    the date the photo says it was taken. No location is required or kept."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    links = activity.links.select_related("pairing__program", "pairing__helper", "pairing__org")
    if not any(may_log(actor, link.pairing) for link in links):
        raise PermissionDenied(_("无权为该活动上传照片"))
    if upload.size and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": [_("照片不能超过 15 MB")]})
    try:
        with Image.open(upload) as opened:
            taken = _exif_taken_at(opened)
            image = ImageOps.exif_transpose(opened)
            image = image.convert("RGB")
            image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(
            {"photo": [_("“%s”不是可识别的图片文件") % (upload.name or "")]}
        ) from None
    with transaction.atomic():
        photo = ActivityPhoto.objects.create(
            activity=activity,
            image=buffer.getvalue(),
            width=image.width,
            height=image.height,
            taken_at=taken,
            original_name=(upload.name or "")[:200],
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=activity,
            after={"photo": photo.original_name, "taken_at": str(taken or "")},
            summary=_("为活动 %s 上传照片") % activity,
        )
    return photo


def photo_delete(*, actor: User, photo: ActivityPhoto) -> None:
    activity = photo.activity
    links = activity.links.select_related("pairing__program", "pairing__helper", "pairing__org")
    if not any(may_log(actor, link.pairing) for link in links):
        raise PermissionDenied(_("无权删除该照片"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=activity,
            before={"photo": photo.original_name},
            summary=_("删除活动 %s 的照片") % activity,
        )
        photo.delete()


# -- life events ----------------------------------------------------------------------------


def _may_register_event(actor: User, subject: Household | Person) -> bool:
    scope = scope_of(actor)
    if scope.can_admin_org(subject.org):
        return True
    # A helper registers events on their own beneficiaries.
    helper = getattr(actor, "helper_profile", None) if actor.is_authenticated else None
    if helper is None:
        return False
    if isinstance(subject, Household):
        pairings = Pairing.objects.filter(helper=helper, household=subject)
        members = Member.objects.filter(household=subject).values("person_id")
        pairings = pairings | Pairing.objects.filter(helper=helper, person_id__in=members)
    else:
        households = Member.objects.filter(person=subject).values("household_id")
        pairings = Pairing.objects.filter(helper=helper, person=subject) | Pairing.objects.filter(
            helper=helper, household_id__in=households
        )
    return pairings.filter(end__isnull=True).exists()


def event_kinds() -> tuple[str, ...]:
    return LIFE_EVENTS


def event_create(
    *,
    actor: User,
    kind: str,
    date: datetime.date,
    household: Household | None = None,
    person: Person | None = None,
    note: str = "",
    source: str = Source.WEB,
    today: datetime.date | None = None,
) -> LifeEvent:
    """Register a life event on a household or a person."""
    subject: Household | Person | None = household or person
    errors: dict[str, list[str]] = {}
    if subject is None or (household is not None and person is not None):
        errors["subject"] = [_("请指定一户或一人")]
    if kind not in LIFE_EVENTS:
        errors["kind"] = [
            _("事件类型“%(kind)s”无效, 可选: %(all)s")
            % {"kind": kind, "all": "、".join(LIFE_EVENTS)}
        ]
    today = today or timezone.localdate()
    if date > today:
        errors["date"] = [_("事件日期 %s 晚于今天") % date]
    if errors:
        raise ValidationError(errors)
    assert subject is not None
    if not _may_register_event(actor, subject):
        raise PermissionDenied(_("无权为该对象登记事件"))
    if LifeEvent.objects.filter(household=household, person=person, kind=kind, date=date).exists():
        raise ValidationError(
            {"kind": [_("该对象在 %(d)s 已登记“%(k)s”") % {"d": date, "k": kind}]}
        )
    with transaction.atomic():
        event = LifeEvent.objects.create(
            household=household,
            person=person,
            kind=kind,
            date=date,
            note=note.strip()[:500],
            org=subject.org,
            source=source,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=event,
            after={"kind": kind, "date": date.isoformat(), "subject": event.subject_name},
            summary=_("登记事件 %s") % event,
        )
    return event


def event_delete(*, actor: User, event: LifeEvent, reason: str) -> None:
    if not scope_of(actor).can_admin_org(event.org):
        raise PermissionDenied(_("无权删除该事件"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写删除原因")]})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=event,
            before={"kind": event.kind, "date": event.date.isoformat()},
            summary=_("删除事件 %(e)s: %(r)s") % {"e": event, "r": reason.strip()},
        )
        event.answered_by.clear()
        event.delete()


def event_answer(*, actor: User, event: LifeEvent, activity: Activity) -> None:
    """Link a visit to the event it answered."""
    links = list(
        activity.links.select_related("pairing__program", "pairing__helper", "pairing__org")
    )
    if not any(may_log(actor, link.pairing) for link in links):
        raise PermissionDenied(_("无权修改该活动"))
    if event.pk not in {e.pk for e in open_events([link.pairing for link in links], activity.date)}:
        raise ValidationError(
            {"activity": [_("该活动不是对该事件对象的走访, 或日期不在事件后 30 天内")]}
        )
    with transaction.atomic():
        activity.events.add(event)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=event,
            after={"answered_by": activity.pk},
            summary=_("事件 %(e)s 由活动 %(a)s 响应") % {"e": event, "a": activity},
        )
