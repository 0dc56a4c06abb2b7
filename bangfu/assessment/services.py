"""Writes of the assessment app: schemes, exemplars and grades (进步档案). Each checks the
actor's right, validates (Chinese messages naming the field) and writes with its audit row in
one transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.assessment.definition import scheme_problems
from bangfu.assessment.models import Exemplar, Level, Period, ProgressRecord, Scheme, Subject
from bangfu.assessment.periods import window
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.orgs.models import Org
from bangfu.registry.models import Helper, Person

if TYPE_CHECKING:
    from bangfu.accounts.models import User

SCHEME_FIELDS = ("name", "org", "subject", "period", "definition", "description", "is_active")
EXEMPLAR_FIELDS = ("scheme", "period", "helper", "unit", "title", "write_up")
PROGRESS_FIELDS = ("person", "course", "term", "recorded_on", "score", "level", "note")


def scheme_save(
    *,
    actor: User,
    org: Org,
    name: str,
    subject: str,
    period: str,
    definition: Any,
    programs: Any = (),
    description: str = "",
    is_active: bool = True,
    scheme: Scheme | None = None,
) -> Scheme:
    """Create a scheme (or change one): the actor administers its unit (and, for a change, the
    unit it had)."""
    scope = scope_of(actor)
    if not scope.can_admin_org(org) or (scheme is not None and not scope.can_admin_org(scheme.org)):
        raise PermissionDenied(_("只有本单位管理员可以设置考核方案"))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("名称不能为空")]
    if subject not in Subject.values:
        errors["subject"] = [_("考核对象无效")]
    if period not in Period.values:
        errors["period"] = [_("考核周期无效")]
    problems = scheme_problems(definition, subject=subject)
    if problems:
        errors["definition"] = problems
    clash = Scheme.objects.filter(org=org, name=name)
    if scheme is not None:
        clash = clash.exclude(pk=scheme.pk)
    if name and clash.exists():
        errors["name"] = [_("本单位已有名为“%s”的考核方案") % name]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = snapshot(scheme, SCHEME_FIELDS) if scheme is not None else None
        if before is not None:
            before["programs"] = sorted(scheme.programs.values_list("code", flat=True))  # type: ignore[union-attr]
        if scheme is None:
            scheme = Scheme(org=org)
        scheme.org, scheme.name, scheme.subject, scheme.period = org, name, subject, period
        scheme.definition, scheme.description, scheme.is_active = definition, description, is_active
        scheme.save()
        scheme.programs.set(list(programs))
        after = snapshot(scheme, SCHEME_FIELDS)
        after["programs"] = sorted(scheme.programs.values_list("code", flat=True))
        audit_record(
            actor=actor,
            action=Action.CREATE if before is None else Action.UPDATE,
            obj=scheme,
            org=org,
            before=before,
            after=after,
            summary=_("考核方案 %s") % name,
        )
    return scheme


def exemplar_mark(
    *,
    actor: User,
    scheme: Scheme,
    period: str,
    title: str,
    write_up: str,
    helper: Helper | None = None,
    unit: Org | None = None,
) -> Exemplar:
    """Mark a helper or a unit of the scheme's unit as an exemplar of a period, with a write-up.
    The actor administers the scheme's unit."""
    if not scope_of(actor).can_admin_org(scheme.org):
        raise PermissionDenied(_("只有考核单位的管理员可以评选典型"))
    errors: dict[str, list[str]] = {}
    try:
        window(scheme.period, period)
    except ValueError:
        errors["period"] = [_("考核期“%s”无效") % period]
    if (helper is None) == (unit is None):
        errors["__all__"] = [_("应选择一名帮扶责任人或一个单位")]
    subject_org = helper.org if helper is not None else unit
    if subject_org is not None and not subject_org.path.startswith(scheme.org.path):
        errors["__all__"] = [_("典型应在考核单位范围内")]
    if (helper is not None and scheme.subject != "helpers") or (
        unit is not None and scheme.subject != "units"
    ):
        errors["__all__"] = [_("典型与考核方案的考核对象不一致")]
    title, write_up = (title or "").strip(), (write_up or "").strip()
    if not title:
        errors["title"] = [_("标题不能为空")]
    if not write_up:
        errors["write_up"] = [_("典型事迹不能为空")]
    elif len(write_up) > 2000:
        errors["write_up"] = [_("典型事迹最多 2000 字")]
    if not errors and (
        Exemplar.objects.filter(scheme=scheme, period=period, helper=helper, unit=unit).exists()
    ):
        errors["__all__"] = [_("已评为本期典型")]
    if errors or subject_org is None:
        raise ValidationError(errors)
    with transaction.atomic():
        exemplar = Exemplar.objects.create(
            scheme=scheme,
            period=period,
            helper=helper,
            unit=unit,
            org=subject_org,
            title=title,
            write_up=write_up,
            marked_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=exemplar,
            org=subject_org,
            after=snapshot(exemplar, EXEMPLAR_FIELDS),
            summary=_("评为典型: %s") % exemplar.subject_name,
        )
    return exemplar


def exemplar_unmark(*, actor: User, exemplar: Exemplar) -> None:
    if not scope_of(actor).can_admin_org(exemplar.scheme.org):
        raise PermissionDenied(_("只有考核单位的管理员可以撤销典型"))
    with transaction.atomic():
        before = snapshot(exemplar, EXEMPLAR_FIELDS)
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=exemplar,
            org=exemplar.org,
            before=before,
            summary=_("撤销典型: %s") % exemplar.subject_name,
        )
        exemplar.delete()


def progress_record(
    *,
    actor: User,
    person: Person,
    course: str,
    term: str,
    recorded_on: datetime.date,
    score: Decimal | None = None,
    level: str = "",
    note: str = "",
) -> ProgressRecord:
    """Record a student's grade for a course and term (进步档案): by a helper for the students of
    their own pairings, or by an administrator of the student's unit."""
    from bangfu.assessment.selectors import own_students

    if not own_students(user=actor).filter(pk=person.pk).exists():
        raise PermissionDenied(_("只能为自己结对的学生记录成绩"))
    errors: dict[str, list[str]] = {}
    course, term = (course or "").strip(), (term or "").strip()
    if not course:
        errors["course"] = [_("科目不能为空")]
    if not term:
        errors["term"] = [_("学期不能为空")]
    if score is None and not level:
        errors["score"] = [_("分数和等级至少填写一项")]
    if score is not None and not Decimal(0) <= score <= Decimal(1000):
        errors["score"] = [_("分数应在 0 到 1000 之间")]
    if level and level not in Level.values:
        errors["level"] = [_("等级无效")]
    if (
        course
        and term
        and ProgressRecord.objects.filter(person=person, course=course, term=term).exists()
    ):
        errors["term"] = [
            _("%(name)s 的 %(term)s %(course)s 成绩已记录")
            % {"name": person.name, "term": term, "course": course}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = ProgressRecord.objects.create(
            person=person,
            org=person.org,
            course=course,
            term=term,
            recorded_on=recorded_on,
            score=score,
            level=level,
            note=note,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=record,
            org=person.org,
            after=snapshot(record, PROGRESS_FIELDS),
            summary=_("进步档案: %s") % record,
        )
    return record
