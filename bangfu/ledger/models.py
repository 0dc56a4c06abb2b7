"""The funds and materials ledger (专项台帐).

Every aid in money or in kind is a ledger entry: category (金秋助学, 两节慰问 … from the
program's template), source (a unit, a helper or a named fund), recipient, amount in 元 or goods
with quantity and unit, date and approver. An entry goes draft → posted; a posted entry is never
edited or deleted (the database refuses it too): a correction is a reversal, an entry with the
opposite amount and quantity that ``reverses`` the original, plus a new entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    POSTED = "posted", _("已入账")


class Direction(models.TextChoices):
    OUT = "out", _("发放")
    IN = "in", _("拨入")


class SourceKind(models.TextChoices):
    UNIT = "unit", _("单位")
    HELPER = "helper", _("帮扶人")
    FUND = "fund", _("专项资金")


class PostedEntryError(Exception):
    """Raised on an attempt to change or delete a posted entry."""


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def delete(self) -> Any:
        if self.filter(status=Status.POSTED).exists():
            raise PostedEntryError("posted ledger entries cannot be deleted")
        return super().delete()


class LedgerEntry(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    # The unit that keeps the entry in its ledger (the program's organiser, or the unit of the
    # one who entered it); readers of its subtree read the entry.
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("台帐单位"), on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    direction = models.CharField(
        _("收支"), max_length=3, choices=Direction.choices, default=Direction.OUT
    )
    category = models.CharField(_("类别"), max_length=40)
    source_kind = models.CharField(_("来源类型"), max_length=6, choices=SourceKind.choices)
    source_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("来源单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_helper = models.ForeignKey(
        "registry.Helper",
        verbose_name=_("来源帮扶人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_fund = models.CharField(_("资金名称"), max_length=100, blank=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("受助户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("受助人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    recipient_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("受助单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(
        _("金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    goods = models.CharField(_("物品"), max_length=100, blank=True)
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goods_unit = models.CharField(_("物品单位"), max_length=10, blank=True)
    date = models.DateField(_("日期"))
    approver = models.CharField(_("审批人"), max_length=50, blank=True)
    note = models.CharField(_("摘要"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=6, choices=Status.choices, default=Status.DRAFT)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("来自活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("入账人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("入账时间"), null=True, blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("台帐记录")
        verbose_name_plural = _("台帐记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["org", "date"], name="ledger_org_date"),
            models.Index(fields=["category", "date"], name="ledger_category_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="ledger_amount_or_goods",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | ~Q(goods_unit=""),
                name="ledger_goods_have_unit",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(approver=""),
                name="ledger_posted_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and type(self).objects.filter(pk=self.pk, status=Status.POSTED).exists():
            raise PostedEntryError("a posted ledger entry cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == Status.POSTED:
            raise PostedEntryError("a posted ledger entry cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def recipient_name(self) -> str:
        if self.household_id and self.household:
            head = self.household.head
            return f"{head.name if head else ''}户 ({self.household.code})"
        if self.person_id and self.person:
            return self.person.name
        return self.recipient_org.name if self.recipient_org else ""

    @property
    def source_name(self) -> str:
        if self.source_kind == SourceKind.HELPER and self.source_helper:
            return self.source_helper.person.name
        if self.source_kind == SourceKind.UNIT and self.source_org:
            return self.source_org.name
        return self.source_fund

    @property
    def is_posted(self) -> bool:
        return self.status == Status.POSTED

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None
