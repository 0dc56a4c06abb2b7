"""Changes to cases and 回头看 campaigns.

Each service is keyword-only, checks that the actor may act (an administrator of the unit at the
step's level of the household's ancestors, or above), validates with Chinese messages, writes
inside ``transaction.atomic()`` and records the audit event there.

Cases: :func:`case_open`, :func:`step_complete` (the 公示 step creates and publishes the notice;
the step after it is done by finalising that notice, see :mod:`bangfu.workflows.hooks`),
:func:`case_send_back`, :func:`case_cancel`. Campaigns: :func:`campaign_open`,
:func:`campaign_mark`, :func:`campaign_publish`, :func:`campaign_report`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.orgs.kinds import OrgKind
from bangfu.orgs.models import Org
from bangfu.publicity import services as publicity
from bangfu.publicity.models import NoticeStatus
from bangfu.registry.choices import Status
from bangfu.registry.models import Helper, Household, Member, Person
from bangfu.registry.quality import Finding, run_checks
from bangfu.registry.services import status_change
from bangfu.workflows.definitions import LEVELS, Step, definition
from bangfu.workflows.models import (
    ATTACHMENT_MAX_BYTES,
    Campaign,
    CampaignMark,
    CampaignStatus,
    Case,
    CaseStatus,
    Mark,
    StepRecord,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from bangfu.accounts.models import User

# The rank of a place unit: a step of level n is done at the first ancestor ranked ≥ n.
RANKS: dict[str, int] = {
    OrgKind.VILLAGE: 0,
    OrgKind.COMMUNITY: 0,
    OrgKind.TOWNSHIP: 1,
    OrgKind.COUNTY: 2,
    OrgKind.CITY: 3,
    OrgKind.PROVINCE: 4,
}


# -- who may do a step -----------------------------------------------------------------------


def level_unit(org: Org, level: int) -> Org:
    """The unit whose administrators (or those above) do a step of ``level`` for a record of
    ``org``: the nearest ancestor (``org`` included) that is a village (0), township (1) or
    county (2) or higher. Outside the place tree (a union's branches) the level counts units
    up from ``org``: 0 is ``org``, 1 its parent, 2 the one above."""
    chain = [org]
    while chain[-1].parent_id is not None:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    for unit in chain:
        if RANKS.get(unit.kind, -1) >= level:
            return unit
    if any(unit.kind in RANKS for unit in chain):
        return chain[-1]
    return chain[min(level, len(chain) - 1)]


def may_do(actor: User, case: Case, step: Step) -> bool:
    return scope_of(actor).can_admin_org(level_unit(case.org, step.level))


def _check_step_actor(actor: User, case: Case, step: Step) -> None:
    if not may_do(actor, case, step):
        unit = level_unit(case.org, step.level)
        raise PermissionDenied(
            _("“%(step)s”须由%(level)s单位“%(unit)s”或上级的管理员办理")
            % {"step": step.label, "level": LEVELS[step.level], "unit": unit.name}
        )


def _check_admin(actor: User, org: Org) -> None:
    if not scope_of(actor).can_admin_org(org):
        raise PermissionDenied(_("无权办理“%s”的事项") % org.name)


# -- guards: the registry's data-quality checks ----------------------------------------------


class _Undo(Exception):
    pass


def guard_findings(
    *, actor: User, case: Case, day: datetime.date, simulate: bool = True
) -> list[Finding]:
    """What the kind's guards (data-quality checks) find for the case's household once its
    exit is applied. With ``simulate`` the exit is recorded in a savepoint, the checks run,
    and everything is rolled back; without it the exit is already in the records."""
    codes = definition(case.kind).guards
    if not codes or case.household is None:
        return []
    households = Household.objects.filter(pk=case.household.pk)
    if not simulate:
        return run_checks(
            persons=Person.objects.none(),
            households=households,
            helpers=Helper.objects.none(),
            codes=codes,
            today=max(day, timezone.localdate()),
        ).findings
    found: list[Finding] = []
    try:
        with transaction.atomic():
            household = Household.objects.get(pk=case.household.pk)
            status_change(
                actor=actor,
                household=household,
                status=Status.EXITED,
                date=min(day, timezone.localdate()),
                reason="guard",
            )
            found = guard_findings(actor=actor, case=case, day=day, simulate=False)
            raise _Undo
    except _Undo:
        pass
    return found


def check_guards(findings: list[Finding], case: Case, override_reason: str) -> list[str]:
    """The codes of ``findings`` that block the case (none when overridden with a reason)."""
    blocking = [f for f in findings if f.code not in case.overridden]
    if blocking and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": [
                    _("数据校验未通过: %s。如确需办理, 请填写例外理由")
                    % "; ".join(f"{f.code} {f.message}" for f in blocking)
                ]
            }
        )
    return sorted({f.code for f in blocking})


# -- cases -----------------------------------------------------------------------------------

CASE_FIELDS = ("kind", "household_id", "org_id", "step", "status", "lead_date", "deadline")


def _case_state(case: Case) -> dict[str, Any]:
    return {
        "kind": case.kind,
        "household": case.household_id,
        "step": case.step,
        "status": case.status,
        "deadline": case.deadline.isoformat() if case.deadline else None,
    }


def case_open(
    *,
    actor: User,
    kind: str,
    household: Household,
    lead_date: datetime.date | None = None,
    notes: str = "",
) -> Case:
    """Open a case of ``kind`` for ``household`` at its first step. A monitoring case is due
    15 days after ``lead_date`` (the first lead; today by default)."""
    spec = definition(kind)
    _check_admin(actor, household.org)
    lead_date = lead_date or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if (household.status or "") not in spec.opens_from:
        errors["household"] = [
            _("户 %(code)s 当前状态为“%(status)s”, 不能办理%(kind)s")
            % {
                "code": household.code,
                "status": household.get_status_display() or _("未登记状态"),
                "kind": spec.label,
            }
        ]
    elif Case.objects.filter(
        kind=kind, household=household, status__in=(CaseStatus.OPEN, CaseStatus.SENT_BACK)
    ).exists():
        errors["household"] = [_("户 %s 已有办理中的同类事项") % household.code]
    if lead_date > timezone.localdate():
        errors["lead_date"] = [_("日期不能晚于今天")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = Case.objects.create(
            kind=kind,
            household=household,
            org=household.org,
            step=spec.steps[0].key,
            lead_date=lead_date,
            deadline=spec.deadline(lead_date),
            notes=notes.strip(),
            opened_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=case,
            org=case.org,
            after=_case_state(case),
            summary=_("发起%(kind)s: 户 %(code)s") % {"kind": spec.label, "code": household.code},
        )
    return case


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes

    @classmethod
    def from_upload(cls, upload: UploadedFile) -> Attachment:
        if upload.size and upload.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError({"attachment": [_("附件不能超过 5 MB")]})
        return cls(
            name=(upload.name or "attachment")[:200],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            data=upload.read(),
        )


def _record(
    *,
    case: Case,
    step: Step,
    actor: User,
    day: datetime.date,
    notes: str = "",
    signed_on: datetime.date | None = None,
    attachment: Attachment | None = None,
    findings: list[Finding] | None = None,
) -> StepRecord:
    return StepRecord.objects.create(
        case=case,
        step=step.key,
        date=day,
        notes=notes,
        signed_on=signed_on,
        attachment=attachment.data if attachment else None,
        attachment_name=attachment.name if attachment else "",
        attachment_type=attachment.content_type if attachment else "",
        findings=[{"code": f.code, "message": f.message} for f in findings or []],
        done_by=actor,
    )


def _move_status(actor: User, case: Case, target: str, day: datetime.date, reason: str) -> None:
    household = case.household
    assert household is not None
    if household.status == target:
        return
    status_change(
        actor=actor,
        household=household,
        status=target,
        date=day,
        reason=reason,
        decided_by=actor.display_name if hasattr(actor, "display_name") else "",
    )


def step_complete(
    *,
    actor: User,
    case: Case,
    date: datetime.date | None = None,
    notes: str = "",
    signed_on: datetime.date | None = None,
    attachment: Attachment | None = None,
    override_reason: str = "",
    objection_place: str = "",
    objection_contact: str = "",
    notice_start: datetime.date | None = None,
    notice_end: datetime.date | None = None,
) -> Case:
    """Complete the case's current step. A step may move the household's status, require a
    signature date, run the guards, or (the 公示 step) create and publish the notice. The step
    done by a notice is completed here by finalising that notice (refused while it cannot be:
    a pending objection, an upheld one whose line is uncorrected, the period not over)."""
    spec = definition(case.kind)
    if not case.is_active:
        raise ValidationError(_("事项已%s, 不能继续办理") % case.get_status_display())
    step = spec.step(case.step)
    _check_step_actor(actor, case, step)
    day = date or timezone.localdate()
    notes = notes.strip()
    errors: dict[str, list[str]] = {}
    if day > timezone.localdate():
        errors["date"] = [_("日期不能晚于今天")]
    if step.signature and signed_on is None:
        errors["signed_on"] = [_("请填写签字日期")]
    if signed_on is not None and signed_on > timezone.localdate():
        errors["signed_on"] = [_("签字日期不能晚于今天")]
    if errors:
        raise ValidationError(errors)
    if step.by_notice:
        return _finalise_by_notice(actor=actor, case=case, step=step)
    findings: list[Finding] = []
    overridden: list[str] = []
    if step.notice_kind and spec.guards:
        findings = guard_findings(actor=actor, case=case, day=day)
        overridden = check_guards(findings, case, override_reason)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        before = _case_state(case)
        if step.status:
            _move_status(actor, case, step.status, day, _("%s: ") % spec.label + step.label)
        record = _record(
            case=case,
            step=step,
            actor=actor,
            day=day,
            notes=notes,
            signed_on=signed_on,
            attachment=attachment,
            findings=findings if overridden else [],
        )
        if overridden:
            case.overridden = sorted({*case.overridden, *overridden})
            case.override_reason = override_reason.strip()[:300]
        if step.notice_kind:
            case.notice = _publish_notice(
                actor=actor,
                case=case,
                kind=step.notice_kind,
                start=notice_start or day,
                end=notice_end,
                place=objection_place,
                contact=objection_contact,
            )
        following = spec.after(step.key)
        if following is None:
            case.status, case.closed_at = CaseStatus.DONE, timezone.now()
        else:
            case.step, case.status = following.key, CaseStatus.OPEN
        case.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=case,
            org=case.org,
            before=before,
            after=_case_state(case)
            | {"record": record.pk, "overridden": overridden, "reason": case.override_reason},
            summary=_("%(kind)s 户 %(code)s: 完成“%(step)s”")
            % {"kind": spec.label, "code": _code(case), "step": step.label},
        )
    return case


def _code(case: Case) -> str:
    return case.household.code if case.household else str(case.pk)


def _publish_notice(
    *,
    actor: User,
    case: Case,
    kind: str,
    start: datetime.date,
    end: datetime.date | None,
    place: str,
    contact: str,
) -> Any:
    assert case.household is not None
    household = Household.objects.select_related("org", "head").get(pk=case.household.pk)
    items = publicity.items_from_households(kind=kind, households=[household])
    for item in items:
        item.decision = {**item.decision, "case": case.pk}
    notice = publicity.notice_create(
        actor=actor,
        kind=kind,
        org=household.org,
        items=items,
        start=start,
        end=end,
        objection_place=place,
        objection_contact=contact,
    )
    return publicity.notice_publish(actor=actor, notice=notice)


def _case_item(case: Case) -> Any:
    if case.notice is None:
        return None
    return case.notice.items.filter(decision__case=case.pk).first()


def _finalise_by_notice(*, actor: User, case: Case, step: Step) -> Case:
    notice = case.notice
    if notice is None:
        raise ValidationError(_("尚未公示, 不能%s") % step.label)
    item = _case_item(case)
    if item is not None and not item.on_list:
        raise ValidationError(
            _("本户已移出公示名单 (%s), 请退回重新办理或撤销") % item.removed_reason
        )
    if notice.status != NoticeStatus.FINALISED:
        # The notice's applier (hooks.advance_case) completes the step in this transaction.
        publicity.notice_finalise(actor=actor, notice=notice)
    case.refresh_from_db()
    return case


def complete_by_notice(*, actor: User, case_id: int, notice: Any, day: datetime.date) -> dict:
    """Called by the notice's applier, inside ``notice_finalise``'s transaction, after the
    line's status decision was applied: check the level and the guards on the real records,
    record the step and close the case. Raising undoes the whole close."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("household", "org")
        .get(pk=case_id)
    )
    spec = definition(case.kind)
    step = spec.step(case.step)
    if not (step.by_notice and case.is_active and case.notice_id == notice.pk):
        raise ValidationError(_("事项 %s 不在待公告环节") % _code(case))
    if not may_do(actor, case, step):
        unit = level_unit(case.org, step.level)
        raise ValidationError(
            _("“%(step)s”须由%(level)s单位“%(unit)s”或上级的管理员办理")
            % {"step": step.label, "level": LEVELS[step.level], "unit": unit.name}
        )
    findings = guard_findings(actor=actor, case=case, day=day, simulate=False)
    blocking = [f for f in findings if f.code not in case.overridden]
    if blocking:
        raise ValidationError(
            _("数据校验未通过: %s") % "; ".join(f"{f.code} {f.message}" for f in blocking)
        )
    before = _case_state(case)
    record = _record(case=case, step=step, actor=actor, day=day, notes=notice.title)
    following = spec.after(step.key)
    if following is None:
        case.status, case.closed_at = CaseStatus.DONE, timezone.now()
    else:
        case.step, case.status = following.key, CaseStatus.OPEN
    case.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=case,
        org=case.org,
        before=before,
        after=_case_state(case) | {"record": record.pk, "notice": notice.pk},
        summary=_("%(kind)s 户 %(code)s: 公示期满, 完成“%(step)s”")
        % {"kind": spec.label, "code": _code(case), "step": step.label},
    )
    return {"case": case.pk, "step": step.key}


def _withdraw_line(actor: User, case: Case, reason: str) -> None:
    item = _case_item(case)
    notice = case.notice
    if item is not None and item.on_list and notice and notice.status != NoticeStatus.FINALISED:
        publicity.item_remove(actor=actor, item=item, reason=reason)
    case.notice = None


def case_send_back(*, actor: User, case: Case, reason: str, to_step: str = "") -> Case:
    """Send the case back to an earlier step (the first by default) with a reason. A line it
    has on a running notice is taken off that notice with the same reason."""
    spec = definition(case.kind)
    if not case.is_active:
        raise ValidationError(_("事项已%s, 不能退回") % case.get_status_display())
    step = spec.step(case.step)
    _check_step_actor(actor, case, step)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写退回原因")]
    target = to_step or spec.steps[0].key
    try:
        if spec.index(target) >= spec.index(step.key):
            errors["to_step"] = [_("只能退回到之前的环节")]
    except ValueError:
        errors["to_step"] = [_("未知环节")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        before = _case_state(case)
        if case.notice_id and spec.index(target) <= spec.index(_notice_step(case)):
            _withdraw_line(actor, case, _("退回: %s") % reason)
        StepRecord.objects.create(
            case=case,
            step=step.key,
            date=timezone.localdate(),
            sent_back=True,
            reason=reason[:300],
            done_by=actor,
        )
        case.step, case.status = target, CaseStatus.SENT_BACK
        case.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=case,
            org=case.org,
            before=before,
            after=_case_state(case) | {"reason": reason},
            summary=_("%(kind)s 户 %(code)s: 从“%(step)s”退回“%(to)s”")
            % {
                "kind": spec.label,
                "code": _code(case),
                "step": step.label,
                "to": spec.step(target).label,
            },
        )
    return case


def _notice_step(case: Case) -> str:
    return next(s.key for s in definition(case.kind).steps if s.notice_kind)


def case_cancel(*, actor: User, case: Case, reason: str) -> Case:
    """Cancel the case: its line comes off a running notice, and a status the case set is
    undone (拟脱贫 → 帮扶中, 解困 → 帮扶中)."""
    spec = definition(case.kind)
    _check_admin(actor, case.org)
    if not case.is_active:
        raise ValidationError(_("事项已%s, 不能撤销") % case.get_status_display())
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销原因")]})
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        before = _case_state(case)
        if case.notice_id:
            _withdraw_line(actor, case, _("撤销: %s") % reason)
        household = case.household
        if household is not None and household.status in spec.undo:
            _move_status(
                actor, case, spec.undo[household.status], timezone.localdate(), _("撤销: ") + reason
            )
        StepRecord.objects.create(
            case=case,
            step=case.step,
            date=timezone.localdate(),
            reason=reason[:300],
            done_by=actor,
        )
        case.status, case.closed_at = CaseStatus.CANCELLED, timezone.now()
        case.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=case,
            org=case.org,
            before=before,
            after=_case_state(case) | {"reason": reason},
            summary=_("撤销%(kind)s: 户 %(code)s") % {"kind": spec.label, "code": _code(case)},
        )
    return case


# -- 回头看 ----------------------------------------------------------------------------------


def campaign_open(
    *, actor: User, org: Org, title: str, start: datetime.date, end: datetime.date
) -> Campaign:
    """Open a 回头看 review over ``org``'s subtree for a period."""
    _check_admin(actor, org)
    title = title.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("请填写名称")]
    if end < start:
        errors["end"] = [_("结束日期不能早于开始日期")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            org=org, title=title[:100], start=start, end=end, opened_by=actor
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=campaign,
            org=org,
            after={"org": org.code, "title": campaign.title, "start": str(start), "end": str(end)},
            summary=_("开展回头看 %s") % campaign.title,
        )
    return campaign


# Which statuses a household may have for each mark.
MARK_STATUSES: dict[str, set[str]] = {
    Mark.KEEP: set(Status.values) - {Status.REMOVED},
    Mark.REMOVE: set(Status.values) - {Status.REMOVED},
    Mark.ADD: {Status.IDENTIFIED, Status.RETURNED},
}


def campaign_mark(
    *,
    actor: User,
    campaign: Campaign,
    households: Iterable[Household],
    mark: str,
    reason: str = "",
) -> list[CampaignMark]:
    """Mark households of the campaign's subtree 保留 / 剔除 / 新增 (a mark replaces the
    household's earlier one). 剔除 and 新增 need a reason; 新增 is for households 新识别 or 返贫
    (they go on the 拟帮扶名单)."""
    _check_admin(actor, campaign.org)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("回头看已公示, 不能再修改核查结论"))
    reason = reason.strip()
    households = list(households)
    errors: dict[str, list[str]] = {}
    if mark not in Mark.values:
        errors["mark"] = [_("请选择核查结论")]
    elif mark != Mark.KEEP and not reason:
        errors["reason"] = [_("剔除或新增须填写理由")]
    if not households:
        errors["households"] = [_("请至少选择一户")]
    wrong = []
    for household in households:
        _check_admin(actor, household.org)
        if not household.org.path.startswith(campaign.org.path):
            wrong.append(_("%s 不在回头看范围内") % household.code)
        elif mark in MARK_STATUSES and (household.status or "") not in MARK_STATUSES[mark]:
            wrong.append(
                _("%(code)s 当前状态“%(status)s”不能标记为%(mark)s")
                % {
                    "code": household.code,
                    "status": household.get_status_display() or _("未登记状态"),
                    "mark": Mark(mark).label,
                }
            )
    if wrong:
        errors["households"] = wrong
    if errors:
        raise ValidationError(errors)
    marks = []
    with transaction.atomic():
        for household in households:
            obj, _created = CampaignMark.objects.update_or_create(
                campaign=campaign,
                household=household,
                defaults={
                    "mark": mark,
                    "reason": reason[:300],
                    "reviewer": actor,
                    "marked_at": timezone.now(),
                },
            )
            marks.append(obj)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=campaign,
            org=campaign.org,
            after={"mark": mark, "reason": reason, "households": [h.code for h in households]},
            summary=_("回头看 %(title)s: %(n)d 户标记为%(mark)s")
            % {"title": campaign.title, "n": len(households), "mark": Mark(mark).label},
        )
    return marks


def campaign_publish(
    *,
    actor: User,
    campaign: Campaign,
    objection_place: str,
    objection_contact: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Campaign:
    """Put the campaign's removals on a 拟剔除名单 and its additions on a 拟帮扶名单 (both
    published by the campaign's unit); finalising them applies the statuses."""
    _check_admin(actor, campaign.org)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("回头看已公示"))
    marks = {
        kind: list(
            campaign.marks.filter(mark=mark)
            .select_related("household__org", "household__head")
            .order_by("household__code")
        )
        for kind, mark in (("remove", Mark.REMOVE), ("assist", Mark.ADD))
    }
    if not marks["remove"] and not marks["assist"]:
        raise ValidationError(_("没有剔除或新增的户, 无需公示"))
    with transaction.atomic():
        for kind, rows in marks.items():
            if not rows:
                continue
            items = publicity.items_from_households(
                kind=kind, households=[m.household for m in rows]
            )
            for item, mark in zip(items, rows, strict=True):
                item.decision = {**item.decision, "campaign_mark": mark.pk}
            notice = publicity.notice_create(
                actor=actor,
                kind=kind,
                org=campaign.org,
                items=items,
                start=start,
                end=end,
                objection_place=objection_place,
                objection_contact=objection_contact,
            )
            publicity.notice_publish(actor=actor, notice=notice)
            lines = {i.position: i for i in notice.items.all()}
            for position, mark in enumerate(rows, 1):
                mark.notice_item = lines[position]
                mark.save(update_fields=["notice_item"])
            if kind == "remove":
                campaign.remove_notice = notice
            else:
                campaign.assist_notice = notice
        campaign.status = CampaignStatus.PUBLISHED
        campaign.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=campaign,
            org=campaign.org,
            before={"status": CampaignStatus.OPEN},
            after={
                "status": CampaignStatus.PUBLISHED,
                "remove_notice": campaign.remove_notice_id,
                "assist_notice": campaign.assist_notice_id,
            },
            summary=_("回头看 %s: 剔除和新增名单已公示") % campaign.title,
        )
    return campaign


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    households: int
    persons: int


def _persons(household_ids: list[int]) -> int:
    return Member.objects.filter(household_id__in=household_ids).count()


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """The campaign's result from the records: households and persons (members) by mark, and
    the removals and additions actually applied (on a finalised notice, line not taken off)."""
    rows = []
    for mark in Mark:
        ids = list(campaign.marks.filter(mark=mark).values_list("household_id", flat=True))
        rows.append(ReportRow(mark.value, str(mark.label), len(ids), _persons(ids)))
    applied = {}
    for mark in (Mark.REMOVE, Mark.ADD):
        ids = list(
            campaign.marks.filter(
                mark=mark,
                notice_item__removed_at=None,
                notice_item__notice__status=NoticeStatus.FINALISED,
            ).values_list("household_id", flat=True)
        )
        applied[mark.value] = ReportRow(mark.value, str(mark.label), len(ids), _persons(ids))
    households_in_scope = (
        Household.objects.filter(org__path__startswith=campaign.org.path)
        .exclude(status__in=["", Status.REMOVED])
        .aggregate(n=Count("pk"))["n"]
    )
    removed = applied[Mark.REMOVE]
    return {
        "rows": rows,
        "applied": applied,
        "unmarked": max(households_in_scope - sum(r.households for r in rows), 0),
        "summary": _("剔除%(h)d户%(p)d人") % {"h": removed.households, "p": removed.persons},
    }
