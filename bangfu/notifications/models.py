"""Notifications (消息提醒): what a helper should do today, kept in the app and sent out.

- :class:`Notification` is one message to one user: the daily digest (每日待办, at most one per
  user and day, which makes re-running the daily job harmless) or a notice.
- :class:`ChannelConfig` is a unit's outgoing channels: e-mail to its helpers and the webhook of
  a 企业微信 or 钉钉 group robot. Nothing is sent anywhere unless a unit administrator sets it up;
  a unit without a configuration uses its nearest ancestor's.
- :class:`Delivery` is the log of what was sent through which channel, and what failed (a failed
  delivery is tried again by the next run of the same day).
"""

from __future__ import annotations

import urllib.parse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def validate_webhook_url(value: str) -> None:
    """An http(s) address with a host; intranet names without a dot (http://robot-proxy:8080/)
    are allowed, unlike Django's URL validator."""
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value.strip():
        raise ValidationError(_("请输入以 http:// 或 https:// 开头的完整地址"), code="invalid")


class Kind(models.TextChoices):
    DIGEST = "digest", _("每日待办")
    NOTICE = "notice", _("通知")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.DIGEST)
    day = models.DateField(_("日期"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # The digest's items as data: [{"section", "rule", "rule_name", "beneficiary", "end" …}].
    items = models.JSONField(_("事项"), default=list, blank=True)
    due_count = models.PositiveIntegerField(_("待办"), default=0)
    overdue_count = models.PositiveIntegerField(_("已逾期"), default=0)
    event_count = models.PositiveIntegerField(_("生活事件"), default=0)
    # The helper's unit when the digest was made: it decides the channels.
    org = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day"],
                condition=Q(kind="digest"),
                name="notifications_one_digest_per_day",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notifications_user_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelConfig(models.Model):
    """A unit's outgoing channels. It applies to the helpers of the unit and of every unit
    below it that has no configuration of its own."""

    org = models.OneToOneField(
        "orgs.Org",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="notification_channels",
    )
    enabled = models.BooleanField(_("启用"), default=True)
    email_enabled = models.BooleanField(
        _("发送邮件"), default=False, help_text=_("给填写了邮箱的帮扶责任人发送每日待办邮件")
    )
    wecom_url = models.CharField(
        _("企业微信群机器人 Webhook 地址"),
        max_length=500,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_("例如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, 或内网代理地址"),
    )
    dingtalk_url = models.CharField(
        _("钉钉群机器人 Webhook 地址"),
        max_length=500,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_("例如 https://oapi.dingtalk.com/robot/send?access_token=…, 或内网代理地址"),
    )
    dingtalk_secret = models.CharField(
        _("钉钉加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("机器人安全设置选择“加签”时填写, 以 SEC 开头"),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["org__path"]

    def __str__(self) -> str:
        return str(self.org)

    @property
    def robots(self) -> list[str]:
        """The group robots that are set up: "wecom", "dingtalk"."""
        if not self.enabled:
            return []
        return [name for name in ("wecom", "dingtalk") if getattr(self, f"{name}_url")]

    @property
    def sends_email(self) -> bool:
        return self.enabled and self.email_enabled


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


class Status(models.TextChoices):
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One message of one day through one channel to one target (a user's mailbox or a unit's
    group robot); the row is kept and updated when a failed message is tried again."""

    day = models.DateField(_("日期"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # "user:<id>" for e-mail, "org:<id>" for a group robot.
    target = models.CharField(_("对象"), max_length=40)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.CharField(_("接收方"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("最近尝试"), auto_now=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-day", "-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "target"], name="notifications_one_delivery"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.target} {self.status}"
