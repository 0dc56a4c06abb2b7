"""Program pages: templates (the six shipped and administrators' own), programs created from
them, and the adjustment of a program's rules."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.orgs.selectors import org_admin_list, org_list
from bangfu.pairings.selectors import coverage, program_get, program_list
from bangfu.programs import services
from bangfu.programs.definition import rule_label
from bangfu.programs.forms import (
    DefinitionForm,
    ProgramEditForm,
    ProgramForm,
    RuleFormSet,
)
from bangfu.programs.models import ProgramTemplate

RULE_PARAMS = ("count", "period", "within_days", "before", "after", "min")


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _template_get(pk: Any) -> ProgramTemplate:
    try:
        return ProgramTemplate.objects.get(pk=pk)
    except (ProgramTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@login_required
def program_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    today = timezone.localdate()
    active = Q(pairings__start__lte=today) & (
        Q(pairings__end__isnull=True) | Q(pairings__end__gte=today)
    )
    programs = (
        program_list(user=request.user)
        .annotate(active_pairings=Count("pairings", filter=active, distinct=True))
        .order_by("-is_active", "-start", "code")
    )
    page = Paginator(programs, 30).get_page(request.GET.get("page"))
    return render(request, "programs/program_list.html", {"page_obj": page})


@login_required
def program_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    program = program_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    can_edit = scope.can_admin_org(program.org)
    rules = [(rule, rule_label(rule)) for rule in program.rules]
    context = {
        "program": program,
        "rules": rules,
        "can_edit": can_edit,
        "coverage": coverage(program) if (scope.read_paths or scope.is_sysadmin) else None,
        "definition": program.definition,
    }
    return render(request, "programs/program_detail.html", context)


@login_required
def program_create(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    initial: dict[str, Any] = {"start": timezone.localdate()}
    if request.GET.get("template"):
        initial["template"] = _template_get(request.GET["template"]).pk
    form = ProgramForm(
        request.POST or None,
        initial=initial,
        orgs=org_admin_list(user=request.user).order_by("path"),
        areas=org_list(user=request.user).order_by("path"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        program = call_service(
            form,
            lambda: services.program_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                template=data["template"],
                org=data["org"],
                area=data["area"],
                start=data["start"],
                end=data["end"],
                description=data["description"],
            ),
        )
        if program is not None:
            messages.success(request, _("已新建项目“%s”") % program.name)
            return redirect("programs:program_detail", pk=program.pk)
    return render(
        request,
        "programs/form.html",
        {"form": form, "title": _("新建帮扶项目"), "back": reverse("programs:program_list")},
    )


@login_required
def program_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Name and dates, each rule's numbers, and (advanced) the whole definition as JSON."""
    program = program_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(program.org):
        raise Http404
    initial = {
        "name": program.name,
        "start": program.start,
        "end": program.end,
        "description": program.description,
        "is_active": program.is_active,
    }
    rules_initial = [
        {"code": r["code"], **{k: r.get(k) for k in RULE_PARAMS}} for r in program.rules
    ]
    which = request.POST.get("form") if request.method == "POST" else None
    form = ProgramEditForm(request.POST if which == "main" else None, initial=initial)
    rules = RuleFormSet(
        request.POST if which == "rules" else None, initial=rules_initial, prefix="rules"
    )
    advanced = DefinitionForm(
        request.POST if which == "definition" else None,
        initial={"definition": json.dumps(program.definition, ensure_ascii=False, indent=2)},
    )
    done = None
    if which == "main" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form, lambda: services.program_update(actor=request.user, program=program, **data)
        )
    elif which == "rules" and rules.is_valid():
        definition = copy.deepcopy(program.definition)
        by_code = {r["code"]: r for r in definition.get("rules", [])}
        for row in rules.cleaned_data:
            rule = by_code.get(row.get("code"))
            if rule is None:
                continue
            for key in RULE_PARAMS:
                if key in rule and row.get(key) not in (None, ""):
                    rule[key] = row[key]
        done = call_service(
            advanced,
            lambda: services.program_update(
                actor=request.user, program=program, definition=definition
            ),
        )
        if done is None:
            messages.error(
                request,
                " ".join(
                    str(e)
                    for e in advanced.non_field_errors() + advanced.errors.get("definition", [])
                ),
            )
    elif which == "definition" and advanced.is_valid():
        done = call_service(
            advanced,
            lambda: services.program_update(
                actor=request.user, program=program, definition=advanced.cleaned_data["definition"]
            ),
        )
    if done is not None:
        messages.success(request, _("已保存项目“%s”") % program.name)
        return redirect("programs:program_detail", pk=program.pk)
    labels = {r["code"]: (r["name"], r["kind"], rule_label(r)) for r in program.rules}
    rule_rows = [
        (f, labels.get(f.initial.get("code") or f["code"].value(), ("", "", "")))
        for f in rules.forms
    ]
    return render(
        request,
        "programs/program_edit.html",
        {
            "program": program,
            "form": form,
            "rules": rules,
            "rule_rows": rule_rows,
            "advanced": advanced,
        },
    )


@login_required
def template_list(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    templates = ProgramTemplate.objects.annotate(n=Count("programs")).order_by("-builtin", "id")
    return render(request, "programs/template_list.html", {"templates": templates})


@login_required
def template_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _reader(request)
    template = _template_get(pk)
    rules = [(rule, rule_label(rule)) for rule in template.definition.get("rules", [])]
    return render(
        request,
        "programs/template_detail.html",
        {
            "template": template,
            "definition": template.definition,
            "rules": rules,
            "json": json.dumps(template.definition, ensure_ascii=False, indent=2),
        },
    )


@login_required
def template_create(request: AuthedRequest) -> HttpResponse:
    """A new template without code: start from a copy of an existing one and edit its JSON."""
    if not scope_of(request.user).is_admin:
        raise Http404
    source = _template_get(request.GET["from"]) if request.GET.get("from") else None
    initial = {}
    if source is not None:
        definition = copy.deepcopy(source.definition)
        definition["code"] = f"{definition['code']}-copy"
        definition["name"] = f"{definition['name']} (副本)"
        initial["definition"] = json.dumps(definition, ensure_ascii=False, indent=2)
    form = DefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        template = call_service(
            form,
            lambda: services.template_save(
                actor=request.user, definition=form.cleaned_data["definition"]
            ),
        )
        if template is not None:
            messages.success(request, _("已保存模板“%s”") % template.name)
            return redirect("programs:template_detail", pk=template.pk)
    return render(request, "programs/template_form.html", {"form": form, "source": source})
