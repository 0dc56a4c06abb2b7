"""The suggestion page of a program (匹配建议): the optimal helpers for its unpaired
beneficiaries, each with its explanation and a checkbox; the administrator accepts all of them,
some or none. Only administrators of the program's organising unit see it (others get 404, as
for a program that does not exist)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.core.http import AuthedRequest
from bangfu.pairings.matching import MatchError, Suggestion, apply, match_day, suggest
from bangfu.pairings.selectors import program_get
from bangfu.programs.models import Program

MAX_ROWS = 500  # suggestions shown (and selectable) on the page; "accept all" takes every one
SHOWN_IN_MESSAGE = 5


def _program(request: AuthedRequest, pk: int) -> Program:
    program = program_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(program.org):
        raise Http404
    return program


@login_required
def match(request: AuthedRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    day = match_day(program)
    result, problem = None, ""
    try:
        result = suggest(program, day=day)
    except MatchError as exc:
        problem = str(exc)
    context = {
        "program": program,
        "day": day,
        "result": result,
        "problem": problem,
        "rows": result.suggestions[:MAX_ROWS] if result else [],
        "left": result.unmatched[:MAX_ROWS] if result else [],
        "max_rows": MAX_ROWS,
    }
    return render(request, "pairings/match.html", context)


def _picked(values: list[str]) -> list[tuple[int, int]]:
    """The ticked suggestions, posted as "helper key:beneficiary key"."""
    pairs = []
    for value in values:
        helper, _sep, beneficiary = value.partition(":")
        pairs.append((int(helper), int(beneficiary)))
    return pairs


@login_required
@require_POST
def match_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    day = match_day(program)
    back = redirect("pairings:match", pk=program.pk)
    chosen: list[Suggestion] | list[tuple[int, int]]
    if request.POST.get("action") == "all":
        try:
            result = suggest(program, day=day)
        except MatchError as exc:
            messages.error(request, str(exc))
            return back
        if result.digest != request.POST.get("digest", ""):
            messages.error(
                request,
                _("建议已发生变化 (有新的结对或帮扶人变动), 请查看新的建议后再接受"),
            )
            return back
        chosen = result.suggestions
    else:
        try:
            chosen = _picked(request.POST.getlist("pick"))
        except ValueError:
            messages.error(request, _("所选的建议无效, 请刷新页面后重新选择"))
            return back
    if not chosen:
        messages.warning(request, _("请先勾选要接受的建议"))
        return back
    try:
        created = apply(program, chosen, actor=request.user, start=day)
    except ValidationError as exc:
        messages.error(request, _("未建立任何结对: %s") % " ".join(exc.messages))
        return back
    except PermissionDenied as exc:
        messages.error(request, _("未建立任何结对: %s") % exc)
        return back
    names = "; ".join(str(p) for p in created[:SHOWN_IN_MESSAGE])
    if len(created) > SHOWN_IN_MESSAGE:
        names += _(" 等")
    messages.success(
        request, _("已建立 %(n)d 个结对: %(names)s") % {"n": len(created), "names": names}
    )
    return back
