"""公示: a list of proposed decisions put before the public for a period, with the objections it
received, closed into a frozen 公告 whose decisions are applied to the records.

- :class:`Notice` — one list: its kind (拟帮扶名单, 拟脱贫名单 …, see ``kinds.py``), the unit that
  publishes it, what it says (conditions, procedure, period, where and to whom to object), an
  unguessable token for the public page, and its state: draft → published → finalised.
- :class:`NoticeItem` — one line of the list: the record it concerns (a household, a person or a
  unit), the decision it carries (``decision``: a target status, ledger entry ids …) and what the
  public sees (a name, a village, an amount for money lists). Removed lines stay, marked.
- :class:`Objection` — an objection (异议) received on paper or through the public page, and how
  it was handled (upheld / rejected, by whom, when).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_DAYS = 5
DEFAULT_DAYS = 7
CONTENT_MAX_CHARS = 2000


def new_token() -> str:
    """32 random bytes, URL-safe (43 characters): the public page's address."""
    return secrets.token_urlsafe(32)


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("公示中")
    FINALISED = "finalised", _("已公告")


class Notice(models.Model):
    # Not a choices field: kinds are registered in code (kinds.py), so later releases add
    # kinds without a migration.
    kind = models.CharField(_("类型"), max_length=30)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("公示单位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=100)
    conditions = models.TextField(_("条件"), blank=True)
    procedure = models.TextField(_("程序"), blank=True)
    start = models.DateField(_("公示开始"))
    end = models.DateField(_("公示截止"))
    objection_place = models.CharField(_("受理地点"), max_length=200)
    objection_contact = models.CharField(_("受理人及电话"), max_length=200)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    # What the notice was when it closed: its text, its lines (removed ones marked), the
    # objections and their handling, and what was applied. Never changed afterwards.
    archive = models.JSONField(_("公告存档"), default=dict, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="publicity_notice_org_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        from bangfu.publicity.kinds import kind_label

        return kind_label(self.kind)

    @property
    def is_money(self) -> bool:
        from bangfu.publicity.kinds import get_kind

        spec = get_kind(self.kind, missing_ok=True)
        return bool(spec and spec.money)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def is_open_on(self, day: datetime.date | None = None) -> bool:
        """Published and within its period on ``day`` (today): objections are taken."""
        day = day or timezone.localdate()
        return self.status == NoticeStatus.PUBLISHED and self.start <= day <= self.end

    def period_over(self, day: datetime.date | None = None) -> bool:
        return (day or timezone.localdate()) > self.end


class SubjectKind(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    PERSON = "person", _("人员")
    ORG = "org", _("单位")


class NoticeItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("序号"))
    subject_kind = models.CharField(_("对象类型"), max_length=10, choices=SubjectKind.choices)
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_org = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What finalising applies, read by the kind's applier: {"status": "exited"},
    # {"entries": [12, 13]} …
    decision = models.JSONField(_("决定"), default=dict, blank=True)
    # What the public sees: a name and a village, the category and amount on money lists.
    display_name = models.CharField(_("姓名/名称"), max_length=100)
    village = models.CharField(_("所在村(单位)"), max_length=100, blank=True)
    category = models.CharField(_("类别"), max_length=40, blank=True)
    amount = models.DecimalField(
        _("金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    removed_reason = models.CharField(_("移出原因"), max_length=300, blank=True)
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)
    correction_note = models.CharField(_("更正说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("公示对象")
        verbose_name_plural = _("公示对象")
        ordering = ["notice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="publicity_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_name}"

    @property
    def on_list(self) -> bool:
        return self.removed_at is None


class Channel(models.TextChoices):
    PAPER = "paper", _("书面/来访")
    WEB = "web", _("网上")


class Result(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")


class Objection(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    item = models.ForeignKey(
        NoticeItem,
        verbose_name=_("涉及对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objections",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    content = models.TextField(_("异议内容"))
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    # Web objections only: the sender's address, for the hourly limit.
    ip = models.GenericIPAddressField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handling = models.TextField(_("核查处理情况"), blank=True)
    result = models.CharField(
        _("处理结果"), max_length=10, choices=Result.choices, default=Result.PENDING
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["channel", "ip", "received_at"], name="publicity_objection_rate")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d}"

    @property
    def blocks(self) -> bool:
        """Upheld, and its line is still on the list uncorrected since the decision."""
        item = self.item
        if self.result != Result.UPHELD or item is None or not item.on_list:
            return False
        return item.corrected_at is None or (
            self.handled_at is not None and item.corrected_at < self.handled_at
        )
