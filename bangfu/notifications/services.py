"""Making, keeping and sending the daily digests; a unit's channel settings.

:func:`run_daily` is the daily job (``bangfu notify`` and the task ``send_daily_digests``):

1. build every helper's digest for the day (:mod:`bangfu.notifications.digest`) and keep it as
   a notification, at most one per user and day — a digest already made that day is kept as it
   was, so re-running changes and sends nothing twice;
2. e-mail each digest to its helper where the unit's channel settings allow it;
3. post one message per unit with group robots, listing its helpers' counts.

Each message sent is claimed in the delivery log first (one row per day, channel and target),
so two runs never send the same message; a failure is recorded there with its reason and the
next run of the same day tries it again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import User
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record, snapshot
from bangfu.core.tree import path_ids
from bangfu.notifications import channels
from bangfu.notifications.channels import ChannelError
from bangfu.notifications.digest import Digest, build_digests, helpers_to_notify
from bangfu.notifications.models import (
    Channel,
    ChannelConfig,
    Delivery,
    Kind,
    Notification,
    Status,
)
from bangfu.orgs.models import Org

# A delivery claimed but never finished (the process died) may be taken again after this.
STALE_CLAIM = datetime.timedelta(minutes=15)
CONFIG_FIELDS = ("enabled", "email_enabled", "wecom_url", "dingtalk_url", "dingtalk_secret")


# -- channel settings -----------------------------------------------------------------------


def nearest_configs(orgs: Iterable[Org]) -> dict[int, ChannelConfig | None]:
    """unit id → the channel settings that apply to it: its own, or its nearest ancestor's."""
    orgs = list(orgs)
    wanted = {pk for org in orgs for pk in path_ids(org.path)}
    configs = {
        c.org_id: c for c in ChannelConfig.objects.filter(org_id__in=wanted).select_related("org")
    }
    out: dict[int, ChannelConfig | None] = {}
    for org in orgs:
        out[org.pk] = next(
            (configs[pk] for pk in reversed(path_ids(org.path)) if pk in configs), None
        )
    return out


def config_save(*, actor: User, org: Org, **values: Any) -> ChannelConfig:
    """Create or change a unit's channel settings (audited; the secret is not logged)."""
    unknown = set(values) - set(CONFIG_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        config = ChannelConfig.objects.select_for_update().filter(org=org).first()
        created = config is None
        if config is None:
            config = ChannelConfig(org=org)
        shown = [f for f in CONFIG_FIELDS if f != "dingtalk_secret"]
        before = None if created else snapshot(config, shown)
        for name, value in values.items():
            setattr(config, name, value)
        config.updated_by = actor
        config.save()
        after = snapshot(config, shown)
        after["dingtalk_secret"] = "******" if config.dingtalk_secret else ""
        audit_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=config,
            org=org,
            summary=_("通知渠道: %(org)s") % {"org": org.name},
            before=before,
            after=after,
        )
    return config


# -- notifications --------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications, or all of them, as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    return qs.update(read_at=timezone.now())


def notice_create(*, user: User, title: str, body: str = "") -> Notification:
    return Notification.objects.create(
        user=user, kind=Kind.NOTICE, day=timezone.localdate(), title=title[:200], body=body
    )


def inbox_url() -> str:
    if not settings.SITE_URL:
        return ""
    return settings.SITE_URL + reverse("notifications:inbox")


def digest_keep(digest: Digest) -> tuple[Notification, bool]:
    """The digest as the user's notification of the day: made now, or the one made earlier."""
    values = {
        "kind": Kind.DIGEST,
        "title": digest.title,
        "body": digest.text,
        "items": [i.as_dict() for i in digest.items],
        "due_count": digest.due_count,
        "overdue_count": digest.overdue_count,
        "event_count": digest.event_count,
        "org_id": digest.org_id,
    }
    existing = Notification.objects.filter(user_id=digest.user_id, day=digest.day, kind=Kind.DIGEST)
    found = existing.first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user_id=digest.user_id, day=digest.day, **values
            ), True
    except IntegrityError:  # made by a run at the same moment
        return existing.get(), False


# -- the delivery log -----------------------------------------------------------------------


def _claim(day: datetime.date, channel: str, target: str, **fields: Any) -> Delivery | None:
    """Take the right to send one message: a new row, or a failed (or stale) one taken back.
    None when it was sent already or another run is sending it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                day=day, channel=channel, target=target, status=Status.SENDING, attempts=1, **fields
            )
    except IntegrityError:
        pass
    taken = (
        Delivery.objects.filter(day=day, channel=channel, target=target)
        .filter(
            Q(status=Status.FAILED) | Q(status=Status.SENDING, updated_at__lt=now - STALE_CLAIM)
        )
        .update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now, **fields)
    )
    if not taken:
        return None
    return Delivery.objects.get(day=day, channel=channel, target=target)


def _attempt(delivery: Delivery, send: Callable[[], None]) -> bool:
    try:
        send()
    except ChannelError as exc:
        delivery.status, delivery.error = Status.FAILED, str(exc)[:500]
    else:
        delivery.status, delivery.error, delivery.sent_at = Status.SENT, "", timezone.now()
    delivery.save(update_fields=["status", "error", "sent_at", "updated_at"])
    return delivery.status == Status.SENT


# -- messages -------------------------------------------------------------------------------


def email_subject(notification: Notification) -> str:
    return _("【结对帮扶】%(title)s") % {"title": notification.title}


def email_body(notification: Notification) -> str:
    body = notification.body
    link = inbox_url()
    if link:
        body += "\n\n" + _("在平台中查看: %(url)s") % {"url": link}
    return body


def robot_message(org: Org, day: datetime.date, rows: list[Notification]) -> tuple[str, str]:
    """(title, markdown) of a unit's daily message: each helper's counts, no personal data
    about the people helped."""
    title = _("%(day)s 每日待办 · %(org)s") % {"day": day.isoformat(), "org": org.name}
    lines = [f"### {title}", ""]
    lines.append(_("%(n)d 名帮扶责任人有待办事项:") % {"n": len(rows)})
    lines.append("")
    for n in rows:
        parts = [_("待办 %(n)d 项") % {"n": n.due_count}]
        if n.event_count:
            parts.append(_("生活事件 %(n)d 项") % {"n": n.event_count})
        if n.overdue_count:
            parts.append(_("已逾期 %(n)d 项") % {"n": n.overdue_count})
        lines.append(f"- {n.user.name}: {', '.join(parts)}")
    link = inbox_url()
    if link:
        lines += ["", f"[{_('在平台中查看')}]({link})"]
    return title, "\n".join(lines)


def send_robot(config: ChannelConfig, channel: str, title: str, text: str) -> None:
    if channel == Channel.WECOM:
        channels.send_wecom(config.wecom_url, text)
    elif channel == Channel.DINGTALK:
        channels.send_dingtalk(config.dingtalk_url, config.dingtalk_secret, title, text)
    else:  # pragma: no cover
        raise ChannelError(f"unknown channel {channel}")


def robot_url(config: ChannelConfig, channel: str) -> str:
    return str(getattr(config, f"{channel}_url", ""))


# -- the daily run --------------------------------------------------------------------------


@dataclass
class RunReport:
    day: datetime.date
    dry_run: bool = False
    helpers: int = 0
    created: int = 0
    kept: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, channel: str, ok: bool) -> None:
        bucket = self.sent if ok else self.failed
        bucket[channel] = bucket.get(channel, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "dry_run": self.dry_run,
            "helpers": self.helpers,
            "created": self.created,
            "kept": self.kept,
            "sent": self.sent,
            "failed": self.failed,
            "errors": self.errors,
        }

    @property
    def summary(self) -> str:
        labels = dict(Channel.choices)

        def counts(bucket: dict[str, int]) -> str:
            return ", ".join(f"{labels[c]} {bucket[c]}" for c in labels if c in bucket) or "0"

        if self.dry_run:
            return _("%(day)s (试运行, 未保存也未发送): %(h)d 名帮扶责任人有待办") % {
                "day": self.day.isoformat(),
                "h": self.created,
            }
        text = _("%(day)s: 新建每日待办 %(created)d 条, 已有 %(kept)d 条; ") + _(
            "已发送 %(sent)s; 失败 %(failed)s"
        )
        return text % {
            "day": self.day.isoformat(),
            "created": self.created,
            "kept": self.kept,
            "sent": counts(self.sent),
            "failed": counts(self.failed),
        }


def _digest_line(digest: Digest, config: ChannelConfig | None, email: str) -> str:
    line = _("%(name)s: 待办 %(todo)d 项 (生活事件 %(events)d), 已逾期 %(overdue)d 项") % {
        "name": digest.name,
        "todo": digest.todo_count,
        "events": digest.event_count,
        "overdue": digest.overdue_count,
    }
    if config is not None and config.sends_email and email:
        line += " · " + _("邮件 %(to)s") % {"to": email}
    return line


def run_daily(day: datetime.date, *, org: Org | None = None, dry_run: bool = False) -> RunReport:
    """Build, keep and send the digests of ``day`` (for ``org``'s subtree, or everywhere)."""
    report = RunReport(day=day, dry_run=dry_run)
    helpers = list(helpers_to_notify(org))
    report.helpers = len(helpers)
    digests = [d for d in build_digests(day, helpers) if not d.is_empty]
    orgs = {h.org_id: h.org for h in helpers}
    configs = nearest_configs(orgs.values())
    emails = {h.user_id: (h.user.email if h.user else "") for h in helpers}
    if dry_run:
        report.created = len(digests)
        for d in digests:
            report.lines.append(_digest_line(d, configs.get(d.org_id), emails.get(d.user_id, "")))
            report.lines.extend("    " + line for line in d.text.splitlines()[1:] if line)
        robots = _robot_groups(configs, [(d.org_id, d.name) for d in digests])
        for config, names in robots:
            for channel in config.robots:
                report.lines.append(
                    _("群机器人 %(channel)s · %(org)s: %(n)d 名帮扶责任人")
                    % {
                        "channel": Channel(channel).label,
                        "org": config.org.name,
                        "n": len(names),
                    }
                )
        return report

    kept: list[Notification] = []
    for d in digests:
        notification, created = digest_keep(d)
        kept.append(notification)
        if created:
            report.created += 1
        else:
            report.kept += 1
        report.lines.append(_digest_line(d, configs.get(d.org_id), emails.get(d.user_id, "")))

    # E-mail, one per helper and day.
    for notification in kept:
        mail_config = configs.get(notification.org_id or 0)
        address = emails.get(notification.user_id, "")
        if mail_config is None or not mail_config.sends_email or not address:
            continue
        delivery = _claim(
            day,
            Channel.EMAIL,
            f"user:{notification.user_id}",
            notification=notification,
            recipient=address,
            org=mail_config.org,
        )
        if delivery is None:
            continue
        send = partial(
            channels.send_email,
            to=address,
            subject=email_subject(notification),
            body=email_body(notification),
        )
        ok = _attempt(delivery, send)
        report.count(Channel.EMAIL, ok)
        if not ok:
            report.errors.append(f"{Channel.EMAIL.label} {address}: {delivery.error}")

    # Group robots, one message per unit and day, from the day's kept digests.
    rows = (
        Notification.objects.filter(day=day, kind=Kind.DIGEST, org_id__in=list(orgs))
        .select_related("user")
        .order_by("user__name", "pk")
    )
    by_config: dict[int, tuple[ChannelConfig, list[Notification]]] = {}
    for n in rows:
        found = configs.get(n.org_id or 0)
        if found is not None and found.robots:
            by_config.setdefault(found.pk, (found, []))[1].append(n)
    for config, group in by_config.values():
        title, text = robot_message(config.org, day, group)
        for channel in config.robots:
            url = robot_url(config, channel)
            delivery = _claim(
                day,
                channel,
                f"org:{config.org_id}",
                org=config.org,
                recipient=channels.describe_url(url),
            )
            if delivery is None:
                continue
            ok = _attempt(delivery, partial(send_robot, config, channel, title, text))
            report.count(channel, ok)
            if not ok:
                label = Channel(channel).label
                report.errors.append(f"{label} {config.org.name}: {delivery.error}")
    return report


def _robot_groups(
    configs: dict[int, ChannelConfig | None], digests: list[tuple[int, str]]
) -> list[tuple[ChannelConfig, list[str]]]:
    groups: dict[int, tuple[ChannelConfig, list[str]]] = {}
    for org_id, name in digests:
        config = configs.get(org_id)
        if config is not None and config.robots:
            groups.setdefault(config.pk, (config, []))[1].append(name)
    return list(groups.values())


# -- the settings page's test button --------------------------------------------------------


def send_test(*, actor: User, config: ChannelConfig) -> list[tuple[str, str]]:
    """Send a short test message through every channel the unit has set up, now; returns
    (channel label, "" or the error) for each. Nothing is written to the delivery log."""
    title = _("测试消息 · %(org)s") % {"org": config.org.name}
    text = _("这是结对帮扶管理平台的测试消息, 由 %(name)s 于 %(at)s 发送。") % {
        "name": actor.name or actor.username,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    results: list[tuple[str, str]] = []
    if config.email_enabled:
        try:
            if not actor.email:
                raise ChannelError(_("您的账号没有填写邮箱"))
            channels.send_email(to=actor.email, subject=title, body=text)
            results.append((str(Channel.EMAIL.label), ""))
        except ChannelError as exc:
            results.append((str(Channel.EMAIL.label), str(exc)))
    for channel in ("wecom", "dingtalk"):
        if not robot_url(config, channel):
            continue
        try:
            send_robot(config, channel, title, f"### {title}\n\n{text}")
            results.append((str(Channel(channel).label), ""))
        except ChannelError as exc:
            results.append((str(Channel(channel).label), str(exc)))
    return results
