"""The inbox (消息): a user's daily digests and notices; and the channel settings of a unit
(通知渠道) for its administrators, with a button that sends a test message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.core.http import AuthedRequest
from bangfu.notifications import services
from bangfu.notifications.digest import section_labels
from bangfu.notifications.forms import ChannelConfigForm
from bangfu.notifications.models import ChannelConfig, Delivery, Notification
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_admin_list


def _own(request: AuthedRequest, pk: int) -> Notification:
    """One of the user's own notifications, or 404 (also for anybody else's)."""
    found = Notification.objects.filter(user=request.user, pk=pk).first()
    if found is None:
        raise Http404
    return found


def _admin_org(request: AuthedRequest, pk: int) -> Org:
    """A unit the user administers, or 404 (the same for one that does not exist)."""
    found = org_admin_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user).order_by("-day", "-id")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "unread": services.unread_count(request.user),
        "can_configure": scope_of(request.user).is_admin,
    }
    return render(request, "notifications/inbox.html", context)


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    if notification.read_at is None:
        services.mark_read(user=request.user, notification=notification)
        notification.read_at = timezone.now()
    labels = section_labels()
    sections = []
    for name, label in labels.items():
        items = [i for i in notification.items if i.get("section") == name]
        if items:
            sections.append((name, label, items))
    context = {"notification": notification, "sections": sections}
    return render(request, "notifications/detail.html", context)


@login_required
@require_POST
def mark_read_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    services.mark_read(user=request.user, notification=notification)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    n = services.mark_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": n})
    return redirect("notifications:inbox")


@login_required
def channel_list(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.is_admin:
        raise Http404
    units = org_admin_list(user=request.user)
    code = request.GET.get("code", "").strip()
    if code:
        found = units.filter(code=code).first()
        if found is not None:
            return redirect("notifications:channel_edit", org_pk=found.pk)
        messages.error(request, _("没有您可管理的编码为 %(code)s 的单位") % {"code": code})
    configs = (
        ChannelConfig.objects.filter(scope.admin_q("org__path"))
        .select_related("org")
        .order_by("org__path")
    )
    roots = units.exclude(parent__in=units).order_by("sort_order", "code")[:50]
    return render(request, "notifications/channel_list.html", {"configs": configs, "roots": roots})


@login_required
def channel_edit(request: AuthedRequest, org_pk: int) -> HttpResponse:
    org = _admin_org(request, org_pk)
    config = ChannelConfig.objects.filter(org=org).first()
    # Read before validation, which copies the (empty) submitted secret onto the instance.
    secret = config.dingtalk_secret if config else ""
    form = ChannelConfigForm(request.POST or None, instance=config, has_secret=bool(secret))
    if request.method == "POST" and form.is_valid():
        values = form.values(secret)
        services.config_save(actor=request.user, org=org, **values)
        messages.success(request, _("已保存“%(org)s”的通知渠道") % {"org": org.name})
        return redirect("notifications:channel_edit", org_pk=org.pk)
    inherited = None
    if config is None:
        inherited = services.nearest_configs([org]).get(org.pk)
    deliveries = Delivery.objects.filter(org=org).order_by("-day", "-updated_at")[:30]
    context = {
        "org": org,
        "config": config,
        "inherited": inherited,
        "form": form,
        "deliveries": deliveries,
    }
    return render(request, "notifications/channel_edit.html", context)


@login_required
@require_POST
def channel_test(request: AuthedRequest, org_pk: int) -> HttpResponse:
    org = _admin_org(request, org_pk)
    config = ChannelConfig.objects.filter(org=org).select_related("org").first()
    results = services.send_test(actor=request.user, config=config) if config else []
    if not results:
        messages.error(request, _("尚未设置任何通知渠道, 请先保存"))
    for label, error in results:
        if error:
            messages.error(
                request, _("%(channel)s 发送失败: %(error)s") % {"channel": label, "error": error}
            )
        else:
            messages.success(request, _("%(channel)s 测试消息已发送") % {"channel": label})
    return redirect("notifications:channel_edit", org_pk=org.pk)
