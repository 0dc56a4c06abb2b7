"""Pairing changes: create, end, transfer to another helper (keeping the history), sign the
commitment letters. One transaction each, audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

PAIRING_FIELDS = (
    "program",
    "helper",
    "helper_org",
    "household",
    "person",
    "beneficiary_org",
    "start",
    "end",
    "end_reason",
)


def _record(pairing: Pairing) -> dict[str, Any]:
    return {
        "program": pairing.program.code,
        "helper": pairing.helper_name,
        "beneficiary": pairing.beneficiary_name,
        "start": pairing.start.isoformat(),
        "end": pairing.end.isoformat() if pairing.end else None,
        "end_reason": pairing.end_reason,
    }


def _may_manage(actor: User, program: Program, org: Org) -> None:
    scope = scope_of(actor)
    if not (scope.can_admin_org(program.org) or scope.can_admin_org(org)):
        raise PermissionDenied(_("无权管理该项目的结对"))


def pairing_create(
    *,
    actor: User,
    program: Program,
    start: datetime.date,
    helper: Helper | None = None,
    helper_org: Org | None = None,
    household: Household | None = None,
    person: Person | None = None,
    beneficiary_org: Org | None = None,
    replaces: Pairing | None = None,
) -> Pairing:
    """Pair a helper with a beneficiary in a program, as its template says who helps whom."""
    errors: dict[str, list[str]] = {}
    helper_kind, beneficiary_kind = program.helper_kind, program.beneficiary_kind
    if helper_kind == "person" and (helper is None or helper_org is not None):
        errors["helper"] = [_("该项目的帮扶人应为个人 (%s)") % program.helper_label]
    if helper_kind == "unit" and (helper_org is None or helper is not None):
        errors["helper"] = [_("该项目的帮扶人应为单位 (%s)") % program.helper_label]
    given = {"household": household, "person": person, "unit": beneficiary_org}
    if given[beneficiary_kind] is None or any(
        v is not None for k, v in given.items() if k != beneficiary_kind
    ):
        errors["beneficiary"] = [_("该项目的帮扶对象应为%s") % program.beneficiary_label]
    if errors:
        raise ValidationError(errors)
    target = household or person or beneficiary_org
    org = target.org if household or person else beneficiary_org  # type: ignore[union-attr]
    assert org is not None
    _may_manage(actor, program, org)
    if not org.is_descendant_of(program.area):
        raise ValidationError(
            {
                "beneficiary": [
                    _("%(who)s不在本项目的帮扶范围“%(area)s”内")
                    % {
                        "who": getattr(target, "name", None) or str(target),
                        "area": program.area.name,
                    }
                ]
            }
        )
    if beneficiary_org is not None:
        kinds = program.definition["beneficiary"].get("org_kinds") or []
        if kinds and beneficiary_org.kind not in kinds:
            raise ValidationError(
                {
                    "beneficiary": [
                        _("“%(org)s”是%(kind)s, 该项目的帮扶对象应为 %(kinds)s")
                        % {
                            "org": beneficiary_org.name,
                            "kind": beneficiary_org.kind_label,
                            "kinds": "、".join(kinds),
                        }
                    ]
                }
            )
    if program.end and start > program.end:
        raise ValidationError({"start": [_("开始日期晚于项目结束日期")]})
    if start < program.start:
        raise ValidationError({"start": [_("开始日期早于项目开始日期 %s") % program.start]})
    side = {"household": household, "person": person, "beneficiary_org": beneficiary_org}
    side = {k: v for k, v in side.items() if v is not None}
    active = Pairing.objects.filter(program=program, **side).active_on(start)
    if replaces is not None:
        active = active.exclude(pk=replaces.pk)
    same = active.filter(helper=helper) if helper else active.filter(helper_org=helper_org)
    if same.exists():
        raise ValidationError({"helper": [_("该帮扶人与该对象已有进行中的结对")]})
    allowed = int(program.pairing_settings.get("helpers_per_beneficiary", 1))
    if active.count() >= allowed:
        raise ValidationError(
            {
                "beneficiary": [
                    _(
                        "该对象已有 %(n)s 个进行中的结对, 本项目每个对象最多 %(max)s 个; "
                        "如需更换帮扶人请用“调整”"
                    )
                    % {"n": active.count(), "max": allowed}
                ]
            }
        )
    if helper is not None:
        if not helper.is_active:
            raise ValidationError({"helper": [_("%s 已不在岗") % helper.person.name]})
        load = Pairing.objects.filter(helper=helper).active_on(start)
        if replaces is not None:
            load = load.exclude(pk=replaces.pk)
        if load.count() >= helper.capacity:
            raise ValidationError(
                {
                    "helper": [
                        _("%(name)s 已有 %(n)s 个结对, 达到最多帮扶数 %(cap)s")
                        % {"name": helper.person.name, "n": load.count(), "cap": helper.capacity}
                    ]
                }
            )
    with transaction.atomic():
        pairing = Pairing.objects.create(
            program=program,
            helper=helper,
            helper_org=helper_org,
            household=household,
            person=person,
            beneficiary_org=beneficiary_org,
            org=org,
            start=start,
            replaces=replaces,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=pairing,
            after=_record(pairing),
            summary=_("结对 %s") % pairing,
        )
    return pairing


def pairing_end(*, actor: User, pairing: Pairing, end: datetime.date, reason: str) -> Pairing:
    _may_manage(actor, pairing.program, pairing.org)
    if pairing.end is not None:
        raise ValidationError({"end": [_("该结对已于 %s 结束") % pairing.end]})
    if end < pairing.start:
        raise ValidationError({"end": [_("结束日期早于开始日期 %s") % pairing.start]})
    if not reason.strip():
        raise ValidationError({"end_reason": [_("请填写结束原因")]})
    with transaction.atomic():
        before = _record(pairing)
        pairing.end, pairing.end_reason = end, reason.strip()
        pairing.save(update_fields=["end", "end_reason"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=pairing,
            before=before,
            after=_record(pairing),
            summary=_("结束结对 %s") % pairing,
        )
    return pairing


def pairing_transfer(
    *,
    actor: User,
    pairing: Pairing,
    day: datetime.date,
    reason: str,
    helper: Helper | None = None,
    helper_org: Org | None = None,
) -> Pairing:
    """Change the helper: the old pairing ends the day before ``day`` with the reason, and a new
    one, which ``replaces`` it, starts on ``day``; the history keeps both."""
    with transaction.atomic():
        pairing_end(
            actor=actor, pairing=pairing, end=day - datetime.timedelta(days=1), reason=reason
        )
        return pairing_create(
            actor=actor,
            program=pairing.program,
            start=day,
            helper=helper,
            helper_org=helper_org,
            household=pairing.household,
            person=pairing.person,
            beneficiary_org=pairing.beneficiary_org,
            replaces=pairing,
        )


def pairings_end_many(
    *, actor: User, pairings: Iterable[Pairing], end: datetime.date, reason: str
) -> int:
    """End several pairings at once, all or none."""
    with transaction.atomic():
        n = 0
        for pairing in pairings:
            pairing_end(actor=actor, pairing=pairing, end=end, reason=reason)
            n += 1
    return n


def pairings_transfer_many(
    *,
    actor: User,
    pairings: Iterable[Pairing],
    day: datetime.date,
    reason: str,
    helper: Helper | None = None,
    helper_org: Org | None = None,
) -> list[Pairing]:
    """Move several pairings to one new helper at once (a helper leaves), all or none."""
    with transaction.atomic():
        return [
            pairing_transfer(
                actor=actor, pairing=p, day=day, reason=reason, helper=helper, helper_org=helper_org
            )
            for p in pairings
        ]


def pairing_sign(
    *, actor: User, pairing: Pairing, side: str, day: datetime.date | None = None
) -> Pairing:
    """Record the day one side signed its commitment letter (双承诺)."""
    _may_manage(actor, pairing.program, pairing.org)
    if side not in ("helper", "beneficiary"):
        raise ValueError(side)
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"day": [_("签订日期晚于今天")]})
    field = f"{side}_signed_on"
    with transaction.atomic():
        before = {field: getattr(pairing, field)}
        setattr(pairing, field, day)
        pairing.save(update_fields=[field])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=pairing,
            before=before,
            after={field: day},
            summary=_("承诺书签订 %s") % pairing,
        )
    return pairing
