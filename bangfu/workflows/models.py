"""Cases (退出, 建档, 解困, 返贫监测) with their step records, and 回头看 campaigns with their
marks. The steps of each kind are code (:mod:`bangfu.workflows.definitions`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.workflows.definitions import CaseKind, definition

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


class CaseStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    SENT_BACK = "sent_back", _("已退回")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


class Case(models.Model):
    kind = models.CharField(_("类型"), max_length=20, choices=CaseKind.choices)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="cases"
    )
    step = models.CharField(_("当前环节"), max_length=30)
    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    lead_date = models.DateField(_("发起日期"))
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    notice = models.ForeignKey(
        "publicity.Notice",
        verbose_name=_("公示"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    # Data-quality checks overridden for this case, and why.
    overridden = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(_("例外理由"), max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("办理事项")
        verbose_name_plural = _("办理事项")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"], name="workflows_case_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household or self.person or ''}"

    @property
    def definition(self):
        return definition(self.kind)

    @property
    def current_step(self):
        return self.definition.step(self.step)

    @property
    def is_active(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.SENT_BACK)

    @property
    def overdue(self) -> bool:
        return bool(self.deadline and self.is_active and timezone.localdate() > self.deadline)

    @property
    def days_left(self) -> int | None:
        if not self.deadline or not self.is_active:
            return None
        return (self.deadline - timezone.localdate()).days


class StepRecord(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records")
    step = models.CharField(_("环节"), max_length=30)
    date = models.DateField(_("日期"))
    notes = models.TextField(_("情况说明"), blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    attachment_name = models.CharField(_("附件"), max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    signed_on = models.DateField(_("签字日期"), null=True, blank=True)
    # Sent back to an earlier step: ``step`` is where it was, ``reason`` why.
    sent_back = models.BooleanField(default=False)
    reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    # What the data-quality guards found at this step, if they were overridden.
    findings = models.JSONField(default=list, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["done_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"

    @property
    def step_label(self) -> str:
        try:
            return str(definition(self.case.kind).step(self.step).label)
        except KeyError:
            return self.step


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("核查中")
    PUBLISHED = "published", _("已公示")


class Campaign(models.Model):
    """A 回头看 review over a unit's subtree."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="campaigns"
    )
    title = models.CharField(_("名称"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    remove_notice = models.ForeignKey(
        "publicity.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assist_notice = models.ForeignKey(
        "publicity.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Mark(models.TextChoices):
    KEEP = "keep", _("保留")
    REMOVE = "remove", _("剔除")
    ADD = "add", _("新增")


class CampaignMark(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="marks")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="campaign_marks"
    )
    mark = models.CharField(_("核查结论"), max_length=10, choices=Mark.choices)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)
    # The line of the 拟剔除/拟帮扶 notice the mark was published on.
    notice_item = models.ForeignKey(
        "publicity.NoticeItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("核查结论")
        verbose_name_plural = _("核查结论")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="workflows_one_mark_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.household_id} {self.mark}"
