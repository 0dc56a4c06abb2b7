"""Writes for templates and programs; one transaction each, with the audit row."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.programs.definition import definition_problems
from bangfu.programs.models import Program, ProgramTemplate

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

TEMPLATE_DIR = Path(__file__).resolve().parent / "data" / "templates"
SHIPPED = ("jingzhun", "siyige", "shitu", "chengxiang", "kunnan", "baocun")


def _valid(definition: Any) -> dict[str, Any]:
    problems = definition_problems(definition)
    if problems:
        raise ValidationError({"definition": problems})
    return definition


def load_builtin_templates() -> int:
    """Create or refresh the six shipped templates from their data files; returns how many were
    created. Programs keep their own copies, so refreshing a template changes no program."""
    created = 0
    for code in SHIPPED:
        definition = _valid(json.loads((TEMPLATE_DIR / f"{code}.json").read_text("utf-8")))
        _template, made = ProgramTemplate.objects.update_or_create(
            code=code,
            defaults={"name": definition["name"], "definition": definition, "builtin": True},
        )
        created += made
    return created


def template_save(
    *, actor: User, definition: Any, template: ProgramTemplate | None = None
) -> ProgramTemplate:
    """Create an administrator's own template (or change one of theirs); built-in templates are
    copied, not changed."""
    if not scope_of(actor).is_admin:
        raise PermissionDenied(_("只有管理员可以定义项目模板"))
    if template is not None and template.builtin:
        raise PermissionDenied(_("内置模板不能修改, 请复制后修改"))
    definition = _valid(definition)
    clash = ProgramTemplate.objects.filter(code=definition["code"])
    clash_name = ProgramTemplate.objects.filter(name=definition["name"])
    if template is not None:
        clash, clash_name = clash.exclude(pk=template.pk), clash_name.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"definition": [_("模板编码 %s 已存在") % definition["code"]]})
    if clash_name.exists():
        raise ValidationError({"definition": [_("模板名称 %s 已存在") % definition["name"]]})
    with transaction.atomic():
        before = snapshot(template, ("code", "name", "definition")) if template else None
        if template is None:
            template = ProgramTemplate.objects.create(
                code=definition["code"], name=definition["name"], definition=definition
            )
            action = Action.CREATE
        else:
            template.code, template.name, template.definition = (
                definition["code"],
                definition["name"],
                definition,
            )
            template.save()
            action = Action.UPDATE
        audit_record(
            actor=actor,
            action=action,
            obj=template,
            org=None,
            before=before,
            after=snapshot(template, ("code", "name", "definition")),
            summary=_("项目模板 %s") % template.name,
        )
    return template


def program_create(
    *,
    actor: User,
    code: str,
    name: str,
    template: ProgramTemplate,
    org: Org,
    start: datetime.date,
    end: datetime.date | None = None,
    description: str = "",
    area: Org | None = None,
) -> Program:
    """A program from a template: it takes its own copy of the template's definition. Its
    beneficiaries are found in ``area`` (default: the organising unit's own subtree)."""
    scope = scope_of(actor)
    if not scope.can_admin_org(org):
        raise PermissionDenied(_("无权在“%s”建立项目") % org.name)
    area = area or org
    if not (scope.can_admin_org(area) or scope.can_read_org(area) or area == org):
        raise PermissionDenied(_("无权把“%s”作为帮扶范围") % area.name)
    errors: dict[str, list[str]] = {}
    code = code.strip()
    if not code:
        errors["code"] = [_("编码不能为空")]
    elif Program.objects.filter(code=code).exists():
        errors["code"] = [_("项目编码 %s 已存在") % code]
    if not name.strip():
        errors["name"] = [_("名称不能为空")]
    if end and end < start:
        errors["end"] = [_("结束日期早于开始日期")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        program = Program.objects.create(
            code=code,
            name=name.strip(),
            template=template,
            org=org,
            area=area,
            start=start,
            end=end,
            description=description,
            definition=copy.deepcopy(template.definition),
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=program,
            after=snapshot(program, ("code", "name", "template", "org", "start", "end")),
            summary=_("新建帮扶项目 %s") % program.name,
        )
    return program


PROGRAM_FIELDS = ("name", "area", "start", "end", "description", "is_active", "definition")


def program_update(*, actor: User, program: Program, **changes: Any) -> Program:
    """Change any of PROGRAM_FIELDS; a new ``definition`` (adjusted rules, counts, semesters …)
    is checked like a template's and must keep who helps whom."""
    if not scope_of(actor).can_admin_org(program.org):
        raise PermissionDenied(_("无权修改该项目"))
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"unknown program fields {sorted(unknown)}")
    definition = changes.get("definition")
    if definition is not None:
        _valid(definition)
        for side in ("helper", "beneficiary"):
            if definition[side]["kind"] != program.definition[side]["kind"]:
                raise ValidationError(
                    {"definition": [_("项目已建立后不能改变 %s.kind (帮扶双方的类型)") % side]}
                )
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationError({"name": [_("名称不能为空")]})
    start = changes.get("start", program.start)
    end = changes.get("end", program.end)
    if end and end < start:
        raise ValidationError({"end": [_("结束日期早于开始日期")]})
    with transaction.atomic():
        before = snapshot(program, PROGRAM_FIELDS)
        for key, value in changes.items():
            setattr(program, key, value)
        program.save()
        after = snapshot(program, PROGRAM_FIELDS)
        if after != before:
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                obj=program,
                before=before,
                after=after,
                summary=_("修改帮扶项目 %s") % program.name,
            )
    return program


def rule_set(*, actor: User, program: Program, code: str, **params: Any) -> Program:
    """Adjust one rule's parameters (count, period, within_days, before/after, min)."""
    definition = copy.deepcopy(program.definition)
    for rule in definition.get("rules", []):
        if rule.get("code") == code:
            rule.update({k: v for k, v in params.items() if v is not None})
            break
    else:
        raise ValidationError({"code": [_("项目没有规则 %s") % code]})
    return program_update(actor=actor, program=program, definition=definition)
