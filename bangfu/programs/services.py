"""Writes for templates and programs; one transaction each, with the audit row."""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
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


MIGRATE_ACTOR = "bangfu migrate"


@dataclass
class BuiltinResult:
    """What :func:`install_builtin_templates` did: codes created, codes given the shipped
    version, and codes left alone because one of the office's own templates already holds the
    code or the name (with the reason, in Chinese)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def builtin_definitions() -> dict[str, dict[str, Any]]:
    """The shipped definitions by code, read from ``programs/data/templates/*.json`` and
    checked (docs/programs.md)."""
    return {
        code: _valid(json.loads((TEMPLATE_DIR / f"{code}.json").read_text("utf-8")))
        for code in SHIPPED
    }


def install_builtin_templates(
    *, model: Any = None, using: str = DEFAULT_DB_ALIAS, actor_username: str = MIGRATE_ACTOR
) -> BuiltinResult:
    """Make the six shipped templates equal their data files: create a missing one, give a
    built-in one whose stored name or definition differs from its file the shipped version,
    touch nothing else.

    Run after every ``bangfu migrate`` (``ProgramsConfig.ready`` connects it to
    ``post_migrate``), so a fresh install has the templates and an upgrade brings new versions
    (docs/programs.md, "Built-in templates after migrate"). Programs are not touched: each holds
    its own copy of the definition taken when it was created (:func:`program_create`).
    Idempotent: a second run changes and records nothing. A template the office made itself
    that holds a shipped code or name is left alone and reported in ``skipped``.

    ``model`` is the ``ProgramTemplate`` to write with: the post_migrate handler passes the
    migrated state's model, whose fields are those of the tables as they are. A template
    brought to a new version is audited (before and after) with no user: the actor is the
    program ``bangfu migrate``, kept as text only. Installing a missing one is not audited: it is
    part of the release, as the migrations are, and an audit row on every fresh database (test
    databases included) would be noise in a log that records people's changes.
    """
    model = model or ProgramTemplate
    result = BuiltinResult()
    fields = ("code", "name", "definition", "builtin")
    with transaction.atomic(using=using):
        rows = model._default_manager.using(using)
        for code, definition in builtin_definitions().items():
            name = definition["name"]
            template = rows.filter(code=code).first()
            if template is not None and not template.builtin:
                result.skipped.append(
                    _("模板编码 %(code)s 已被自建模板“%(name)s”使用, 内置模板“%(builtin)s”未安装")
                    % {"code": code, "name": template.name, "builtin": name}
                )
                continue
            holder = rows.filter(name=name).exclude(code=code).first()
            if holder is not None:
                result.skipped.append(
                    _(
                        "模板名称“%(name)s”已被模板 %(code)s 使用, "
                        "内置模板 %(builtin)s 未安装或未更新"
                    )
                    % {"name": name, "code": holder.code, "builtin": code}
                )
                continue
            if template is None:
                rows.create(code=code, name=name, definition=definition, builtin=True)
                result.created.append(code)
                continue
            if template.definition == definition and template.name == name:
                continue
            before = snapshot(template, fields)
            template.name, template.definition = name, definition
            template.save(using=using, update_fields=["name", "definition", "updated_at"])
            result.updated.append(code)
            if using == DEFAULT_DB_ALIAS:
                audit_record(
                    actor=None,
                    actor_username=actor_username,
                    action=Action.UPDATE,
                    obj=template,
                    org=None,
                    before=before,
                    after=snapshot(template, fields),
                    object_repr=name,
                    summary=_("内置项目模板 %s 更新为新版本") % name,
                )
    return result


def load_builtin_templates(*, actor_username: str = "bangfu") -> int:
    """Create or refresh the six shipped templates from their data files; returns how many were
    created (:func:`install_builtin_templates`, which ``bangfu migrate`` already ran, so the
    demo seeder and tests usually find nothing to do). Programs keep their own copies, so
    refreshing a template changes no program."""
    return len(install_builtin_templates(actor_username=actor_username).created)


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
