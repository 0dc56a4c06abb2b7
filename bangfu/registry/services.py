"""Changes to the registry. Each service checks the actor's reach, validates with Chinese
messages that name the field, writes in one transaction and records the audit event there."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.core.parsing import normalise_phone, phone_problem
from bangfu.registry.choices import TRANSITIONS, Relation, Status
from bangfu.registry.models import (
    Helper,
    Household,
    HouseholdIncome,
    Member,
    Person,
    StatusChange,
    Tag,
    UnitBeneficiary,
    UnitIndicator,
    join_causes,
)

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

PERSON_FIELDS = (
    "org",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "health",
    "schooling",
    "labour",
    "employment",
    "notes",
    "education",
    "grade",
    "document_type",
    "disability_category",
    "disability_level",
)
HOUSEHOLD_FIELDS = (
    "code",
    "org",
    "head",
    "main_cause",
    "other_causes",
    "difficulty",
    "identified_on",
    "housing_safe",
    "water_safe",
    "address",
)


def _check_can_write(actor: User, org: Org) -> None:
    if not scope_of(actor).can_admin_org(org):
        raise PermissionDenied(_("无权修改“%s”的数据") % org.name)


# -- persons ---------------------------------------------------------------------------------


def clean_person(
    *,
    name: str,
    id_number: str = "",
    phone: str = "",
    sex: str = "",
    birth_date: datetime.date | None = None,
    instance: Person | None = None,
) -> dict[str, Any]:
    """Validate and normalise a person's identity fields; derive sex and birth date from the ID.

    Returns the cleaned values or raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"name": "".join(name.split()), "sex": sex, "birth_date": birth_date}
    if not cleaned["name"]:
        errors["name"] = [_("姓名不能为空")]
    number = ""
    if id_number:
        try:
            info = parse_id_number(id_number)
        except IdNumberError as exc:
            errors["id_number"] = [str(exc)]
        else:
            number = info.number
            cleaned["sex"] = info.sex
            cleaned["birth_date"] = info.birth_date
            clash = Person.objects.filter(id_number=number)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            other = clash.first()
            if other is not None:
                errors["id_number"] = [
                    _("身份证号 %(id)s 已登记为“%(name)s”, 一个身份证号只能对应一人")
                    % {"id": number, "name": other.name}
                ]
    cleaned["id_number"] = number
    phone = normalise_phone(phone) if phone else ""
    if phone:
        problem = phone_problem(phone)
        if problem:
            errors["phone"] = [problem]
    cleaned["phone"] = phone
    if errors:
        raise ValidationError(errors)
    return cleaned


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        tag, _created = Tag.objects.get_or_create(name=name[:20])
        tags.append(tag)
    return tags


def person_create(
    *,
    actor: User,
    org: Org,
    name: str,
    id_number: str = "",
    phone: str = "",
    sex: str = "",
    birth_date: datetime.date | None = None,
    tags: Iterable[str] = (),
    health: str = "",
    schooling: str = "",
    labour: str = "",
    employment: str = "",
    notes: str = "",
    education: str | None = None,
    grade: int | None = None,
    document_type: str | None = None,
    disability_category: int | None = None,
    disability_level: int | None = None,
) -> Person:
    _check_can_write(actor, org)
    cleaned = clean_person(
        name=name, id_number=id_number, phone=phone, sex=sex, birth_date=birth_date
    )
    with transaction.atomic():
        person = Person.objects.create(
            org=org,
            health=health,
            schooling=schooling,
            labour=labour,
            employment=employment,
            notes=notes,
            education=education,
            grade=grade,
            document_type=document_type,
            disability_category=disability_category,
            disability_level=disability_level,
            **cleaned,
        )
        person.tags.set(_tags(tags))
        after = snapshot(person, PERSON_FIELDS) | {"tags": sorted(tags)}
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=person,
            after=after,
            summary=_("新增人员 %s") % person.name,
        )
    return person


def person_update(*, actor: User, person: Person, **fields: Any) -> Person:
    """Change a person's fields (any of PERSON_FIELDS and ``tags``)."""
    _check_can_write(actor, person.org)
    if "org" in fields and fields["org"] != person.org:
        _check_can_write(actor, fields["org"])
    identity = {
        k: fields.get(k, getattr(person, k))
        for k in ("name", "id_number", "phone", "sex", "birth_date")
    }
    cleaned = clean_person(**identity, instance=person)
    tags = fields.pop("tags", None)
    with transaction.atomic():
        before = snapshot(person, PERSON_FIELDS) | {
            "tags": sorted(t.name for t in person.tags.all())
        }
        for key, value in {**fields, **cleaned}.items():
            if key not in PERSON_FIELDS:
                raise ValueError(f"unknown person field {key}")
            setattr(person, key, value)
        person.save()
        if tags is not None:
            person.tags.set(_tags(tags))
        after = snapshot(person, PERSON_FIELDS) | {
            "tags": sorted(t.name for t in person.tags.all())
        }
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=person,
                before=before,
                after=after,
                summary=_("修改人员 %s") % person.name,
            )
    return person


# -- households ------------------------------------------------------------------------------


def household_create(
    *,
    actor: User,
    code: str,
    org: Org,
    head: Person | None = None,
    main_cause: str = "",
    other_causes: Iterable[str] = (),
    difficulty: str = "",
    identified_on: datetime.date | None = None,
    housing_safe: bool | None = None,
    water_safe: bool | None = None,
    address: str = "",
    status: str = "",
) -> Household:
    """A new household; with ``head`` the head is its first member, with ``status`` its first
    status step is recorded on ``identified_on`` (or today)."""
    _check_can_write(actor, org)
    code = code.strip()
    if not code:
        raise ValidationError({"code": [_("户编号不能为空")]})
    if Household.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("户编号 %s 已存在") % code]})
    with transaction.atomic():
        household = Household.objects.create(
            code=code,
            org=org,
            head=head,
            main_cause=main_cause,
            other_causes=join_causes([c for c in other_causes if c and c != main_cause]),
            difficulty=difficulty,
            identified_on=identified_on,
            housing_safe=housing_safe,
            water_safe=water_safe,
            address=address,
        )
        if head is not None:
            Member.objects.create(household=household, person=head, relation=Relation.HEAD)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=household,
            after=snapshot(household, HOUSEHOLD_FIELDS),
            summary=_("新增户 %s") % household,
        )
        if status:
            status_change(
                actor=actor,
                household=household,
                status=status,
                date=identified_on or timezone.localdate(),
                reason=_("建档"),
            )
    return household


def household_update(*, actor: User, household: Household, **fields: Any) -> Household:
    _check_can_write(actor, household.org)
    if "org" in fields and fields["org"] != household.org:
        _check_can_write(actor, fields["org"])
    if "other_causes" in fields and not isinstance(fields["other_causes"], str):
        fields["other_causes"] = join_causes(list(fields["other_causes"]))
    with transaction.atomic():
        before = snapshot(household, HOUSEHOLD_FIELDS)
        for key, value in fields.items():
            if key not in HOUSEHOLD_FIELDS or key == "code":
                raise ValueError(f"cannot change household field {key}")
            setattr(household, key, value)
        household.save()
        after = snapshot(household, HOUSEHOLD_FIELDS)
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=household,
                before=before,
                after=after,
                summary=_("修改户 %s") % household,
            )
    return household


def member_add(*, actor: User, household: Household, person: Person, relation: str) -> Member:
    _check_can_write(actor, household.org)
    if Member.objects.filter(household=household, person=person).exists():
        raise ValidationError({"person": [_("%s 已是该户成员") % person.name]})
    if relation == Relation.HEAD and household.members.filter(relation=Relation.HEAD).exists():
        raise ValidationError({"relation": [_("该户已有户主")]})
    with transaction.atomic():
        member = Member.objects.create(household=household, person=person, relation=relation)
        if relation == Relation.HEAD:
            household.head = person
            household.save(update_fields=["head"])
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=member,
            org=household.org,
            after={"household": household.code, "person": person.pk, "relation": relation},
            summary=_("%(person)s 加入户 %(code)s")
            % {"person": person.name, "code": household.code},
        )
    return member


def member_remove(*, actor: User, member: Member) -> None:
    household = member.household
    _check_can_write(actor, household.org)
    with transaction.atomic():
        if household.head_id == member.person_id:
            household.head = None
            household.save(update_fields=["head"])
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=member,
            org=household.org,
            before={
                "household": household.code,
                "person": member.person_id,
                "relation": member.relation,
            },
            summary=_("%(person)s 移出户 %(code)s")
            % {"person": member.person.name, "code": household.code},
        )
        member.delete()


def income_set(
    *,
    actor: User,
    household: Household,
    year: int,
    per_capita: Decimal,
    wage: Decimal | None = None,
    business: Decimal | None = None,
    transfer: Decimal | None = None,
) -> HouseholdIncome:
    _check_can_write(actor, household.org)
    with transaction.atomic():
        income, created = HouseholdIncome.objects.update_or_create(
            household=household,
            year=year,
            defaults={
                "per_capita": per_capita,
                "wage": wage,
                "business": business,
                "transfer": transfer,
            },
        )
        audit_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=income,
            org=household.org,
            after={
                "year": year,
                "per_capita": per_capita,
                "wage": wage,
                "business": business,
                "transfer": transfer,
            },
            summary=_("%(code)s %(year)s 年收入") % {"code": household.code, "year": year},
        )
    return income


# -- status history --------------------------------------------------------------------------


def transition_problem(current: str | None, new: str) -> str | None:
    """Why a household in ``current`` status cannot move to ``new`` (None: it can)."""
    allowed = TRANSITIONS.get(current or None, set())
    if new in allowed:
        return None
    labels = dict(Status.choices)
    names = "、".join(str(labels[s]) for s in Status.values if s in allowed) or "—"
    if not current:
        return str(_("首次登记的状态只能是: %(allowed)s") % {"allowed": names})
    return str(
        _("当前状态为“%(current)s”, 不能直接变为“%(new)s”; 可变为: %(allowed)s")
        % {"current": labels.get(current, current), "new": labels.get(new, new), "allowed": names}
    )


def status_change(
    *,
    actor: User,
    household: Household,
    status: str,
    date: datetime.date,
    reason: str = "",
    decided_by: str = "",
) -> StatusChange:
    """Record one step of the household's status history, if the move is a sensible one."""
    _check_can_write(actor, household.org)
    if status not in Status.values:
        raise ValidationError({"status": [_("未知状态 %s") % status]})
    if date > timezone.localdate():
        raise ValidationError({"date": [_("日期 %s 晚于今天") % date.isoformat()]})
    last = household.history.order_by("-date", "-id").first()
    if last is not None and date < last.date:
        raise ValidationError(
            {
                "date": [
                    _("日期 %(date)s 早于上一次状态变更 (%(last)s, %(status)s)")
                    % {
                        "date": date.isoformat(),
                        "last": last.date.isoformat(),
                        "status": last.get_status_display(),
                    }
                ]
            }
        )
    problem = transition_problem(last.status if last else None, status)
    if problem:
        raise ValidationError({"status": [problem]})
    with transaction.atomic():
        change = StatusChange.objects.create(
            household=household,
            status=status,
            date=date,
            reason=reason,
            decided_by=decided_by,
            recorded_by=actor if actor.pk else None,
        )
        before = {"status": household.status, "status_since": household.status_since}
        household.status, household.status_since = status, date
        if status == Status.IDENTIFIED and household.identified_on is None:
            household.identified_on = date
        household.save(update_fields=["status", "status_since", "identified_on"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=household,
            before=before,
            after={"status": status, "status_since": date, "reason": reason},
            summary=_("户 %(code)s 状态变为 %(status)s")
            % {"code": household.code, "status": change.get_status_display()},
        )
    return change


# -- one person in several households (一人多户) ----------------------------------------------


def household_merge(*, actor: User, keep: Household, drop: Household) -> Household:
    """Resolve 一人多户 by merging ``drop`` into ``keep``: members move over (a person already
    in ``keep`` stays once), incomes of years ``keep`` lacks move over, and ``drop`` is deleted.
    Its status history is kept in the audit record."""
    _check_can_write(actor, keep.org)
    _check_can_write(actor, drop.org)
    if keep.pk == drop.pk:
        raise ValidationError(_("不能把一户合并到自身"))
    with transaction.atomic():
        before = {
            "drop": drop.code,
            "members": list(drop.members.values_list("person_id", "relation")),
            "history": [(c.date.isoformat(), c.status, c.reason) for c in drop.history.all()],
        }
        kept = set(keep.members.values_list("person_id", flat=True))
        for member in drop.members.select_related("person"):
            if member.person_id in kept:
                continue
            relation = Relation.OTHER if member.relation == Relation.HEAD else member.relation
            Member.objects.create(household=keep, person=member.person, relation=relation)
        years = set(keep.incomes.values_list("year", flat=True))
        drop.incomes.exclude(year__in=years).update(household=keep)
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=drop,
            before=before,
            summary=_("户 %(drop)s 并入 %(keep)s") % {"drop": drop.code, "keep": keep.code},
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=keep,
            after={"merged": drop.code},
            summary=_("合并户 %s") % drop.code,
        )
        drop.members.all().delete()
        drop.delete()
    return keep


# -- helpers and unit beneficiaries ----------------------------------------------------------


def helper_create(
    *, actor: User, person: Person, org: Org, capacity: int = 5, user: Any = None
) -> Helper:
    _check_can_write(actor, org)
    if capacity < 1:
        raise ValidationError({"capacity": [_("最多帮扶数至少为 1")]})
    if Helper.objects.filter(person=person).exists():
        raise ValidationError({"person": [_("%s 已是帮扶责任人") % person.name]})
    with transaction.atomic():
        helper = Helper.objects.create(person=person, org=org, capacity=capacity, user=user)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=helper,
            after={"person": person.pk, "org": org.pk, "capacity": capacity},
            summary=_("登记帮扶责任人 %s") % person.name,
        )
    return helper


def helper_update(
    *,
    actor: User,
    helper: Helper,
    org: Org | None = None,
    capacity: int | None = None,
    is_active: bool | None = None,
) -> Helper:
    _check_can_write(actor, helper.org)
    with transaction.atomic():
        before = snapshot(helper, ("org", "capacity", "is_active"))
        if org is not None:
            _check_can_write(actor, org)
            helper.org = org
        if capacity is not None:
            if capacity < 1:
                raise ValidationError({"capacity": [_("最多帮扶数至少为 1")]})
            helper.capacity = capacity
        if is_active is not None:
            helper.is_active = is_active
        helper.save()
        after = snapshot(helper, ("org", "capacity", "is_active"))
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=helper,
                before=before,
                after=after,
                summary=_("修改帮扶责任人 %s") % helper.person.name,
            )
    return helper


def unit_beneficiary_create(*, actor: User, org: Org, notes: str = "") -> UnitBeneficiary:
    _check_can_write(actor, org)
    if UnitBeneficiary.objects.filter(org=org).exists():
        raise ValidationError({"org": [_("%s 已登记为帮扶对象") % org.name]})
    with transaction.atomic():
        unit = UnitBeneficiary.objects.create(org=org, notes=notes)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=unit,
            org=org,
            after={"org": org.pk, "notes": notes},
            summary=_("登记帮扶单位对象 %s") % org.name,
        )
    return unit


def indicator_set(
    *, actor: User, unit: UnitBeneficiary, year: int, indicator: str, value: Decimal
) -> UnitIndicator:
    _check_can_write(actor, unit.org)
    with transaction.atomic():
        row, created = UnitIndicator.objects.update_or_create(
            unit=unit, year=year, indicator=indicator, defaults={"value": value}
        )
        audit_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=row,
            org=unit.org,
            after={"year": year, "indicator": indicator, "value": value},
            summary=_("%(unit)s %(year)s 年 %(name)s")
            % {"unit": unit.org.name, "year": year, "name": row.get_indicator_display()},
        )
    return row


def income_line_set(
    *, actor: User, year: int, amount: Decimal, region_prefix: str = "", source: str = ""
) -> Any:
    """Add or change the income line of a year and region (system administrators only)."""
    from bangfu.registry.models import IncomeLine

    if not scope_of(actor).is_sysadmin:
        raise PermissionDenied(_("只有系统管理员可以修改收入标准线"))
    with transaction.atomic():
        line, created = IncomeLine.objects.update_or_create(
            year=year,
            region_prefix=region_prefix or "",
            defaults={"amount": amount, "source": source},
        )
        audit_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=line,
            after={
                "year": year,
                "region_prefix": region_prefix,
                "amount": amount,
                "source": source,
            },
            summary=_("收入标准线 %s") % line,
        )
    return line
