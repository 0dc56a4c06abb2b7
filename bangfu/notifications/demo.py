"""Demo notifications: today's digests of the two demo helpers (ganbu 韦明, jiaoshi 农丽萍) in
their inboxes, and a channel setting for the county that is switched off and points to a local
address (nothing is ever sent by the demo)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.seeding import DemoContext
from bangfu.notifications.digest import build_digests
from bangfu.notifications.models import ChannelConfig, Notification
from bangfu.notifications.services import config_save, digest_keep, mark_read, notice_create
from bangfu.orgs.models import Org
from bangfu.registry.models import Helper


def seed(ctx: DemoContext) -> None:
    admin = ctx.users.get("admin")
    county = Org.objects.filter(code="450123").first()
    if admin is not None and county is not None and not ChannelConfig.objects.exists():
        config_save(
            actor=admin,
            org=county,
            enabled=False,
            email_enabled=False,
            wecom_url="http://127.0.0.1:8099/cgi-bin/webhook/send?key=demo",
        )
        ctx.count("通知渠道")
    helpers = list(
        Helper.objects.filter(user__username__in=("ganbu", "jiaoshi")).select_related(
            "person", "user", "org"
        )
    )
    today = timezone.localdate()
    made = 0
    # The last week's digests, the earlier ones already read, so the inbox looks lived in.
    for back in range(6, -1, -1):
        day = today - datetime.timedelta(days=back)
        for digest in build_digests(day, helpers):
            if digest.is_empty:
                continue
            notification, created = digest_keep(digest)
            if created:
                made += 1
                if back:
                    mark_read(user=notification.user, notification=notification)
    for helper in helpers:
        user = helper.user
        if user is not None and not Notification.objects.filter(user=user, kind="notice").exists():
            notice_create(
                user=user,
                title=str(_("消息提醒已开通")),
                body=str(
                    _(
                        "每天早上, 平台会在这里列出您结对的帮扶对象即将到期和进行中的帮扶要求、"
                        "待响应的生活事件, 以及近 7 天已逾期的事项。记录活动后, 相应事项自动消失。"
                    )
                ),
            )
            made += 1
    if made:
        ctx.count("消息", made)
