"""The dashboard (工作台): who the user is, where they stand and what they may see."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Role
from bangfu.accounts.scope import scope_of
from bangfu.accounts.selectors import assignment_list, user_list
from bangfu.audit.selectors import event_list
from bangfu.core.http import AuthedRequest
from bangfu.orgs.kinds import OrgKind
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list


def _reach(assignment, scope) -> str:
    org = assignment.org
    below = Org.objects.subtree(org, include_self=False).count()
    if assignment.role == Role.SYSADMIN:
        return _("全部单位、用户和数据")
    if assignment.role == Role.ORG_ADMIN:
        return _("查看和管理“%(org)s”及下属 %(n)s 个单位的数据和用户") % {
            "org": org.name,
            "n": below,
        }
    if assignment.role == Role.INSPECTOR:
        return _("只读查看“%(org)s”及下属 %(n)s 个单位") % {"org": org.name, "n": below}
    return _("在“%(org)s”只看到本人的帮扶关系和帮扶对象") % {"org": org.name}


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    scope = scope_of(user)
    assignments = list(assignment_list(user=user, of=user))
    orgs = org_list(user=user)
    by_kind = dict(orgs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    kinds = [(str(label), by_kind[value]) for value, label in OrgKind.choices if value in by_kind]
    kinds.reverse()  # ECharts draws the first category at the bottom
    chart = {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "yAxis": {"type": "category", "data": [k for k, _n in kinds]},
        "xAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": _("单位数"),
                "data": [n for _k, n in kinds],
                "itemStyle": {"color": "#c0392b"},
                "barMaxWidth": 36,
            }
        ],
    }
    recent = None
    week_events = None
    if scope.can_read_audit:
        events = event_list(user=user)
        week_events = events.filter(at__gte=timezone.now() - datetime.timedelta(days=7)).count()
        recent = events.select_related("actor")[:8]
    context = {
        "assignments": [(a, _reach(a, scope)) for a in assignments],
        "org_count": orgs.count(),
        "user_count": user_list(user=user).count()
        if scope.read_paths or scope.is_sysadmin
        else None,
        "week_events": week_events,
        "recent_events": recent,
        "chart": chart if kinds else None,
        "ancestors": list(user.org.ancestors()) if user.org else [],
    }
    return render(request, "core/dashboard.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    """For the reverse proxy and monitoring: 200 when the database answers, else 503."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
