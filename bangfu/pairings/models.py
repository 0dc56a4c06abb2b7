"""Pairings (结对): who helps whom in a program, from when to when.

A helper is a registered person (``registry.Helper``) or a whole unit; a beneficiary is a
household, a person or a unit, as the program's template says. A pairing is never overwritten:
changing a helper ends the pairing (with a reason) and starts a new one that ``replaces`` it,
so the history stays."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PairingQuerySet(models.QuerySet["Pairing"]):
    def active_on(self, day: datetime.date) -> PairingQuerySet:
        return self.filter(Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))


class Pairing(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    helper = models.ForeignKey(
        "registry.Helper",
        verbose_name=_("帮扶人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    helper_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("帮扶单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helper_pairings",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("帮扶对象 (个人)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    beneficiary_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("帮扶对象 (单位)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="beneficiary_pairings",
    )
    # The beneficiary's unit, kept here so that scoping is one indexed filter on the path.
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("对象所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("接替"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
    )
    helper_signed_on = models.DateField(_("帮扶人签订承诺书日期"), null=True, blank=True)
    beneficiary_signed_on = models.DateField(_("帮扶对象签订承诺书日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["program", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(helper__isnull=False) & Q(helper_org__isnull=True))
                | (Q(helper__isnull=True) & Q(helper_org__isnull=False)),
                name="pairings_one_helper_side",
            ),
            models.CheckConstraint(
                condition=(
                    Q(household__isnull=False)
                    & Q(person__isnull=True)
                    & Q(beneficiary_org__isnull=True)
                )
                | (
                    Q(household__isnull=True)
                    & Q(person__isnull=False)
                    & Q(beneficiary_org__isnull=True)
                )
                | (
                    Q(household__isnull=True)
                    & Q(person__isnull=True)
                    & Q(beneficiary_org__isnull=False)
                ),
                name="pairings_one_beneficiary",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="pairings_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "end"], name="pairings_program_end"),
            models.Index(fields=["helper", "end"], name="pairings_helper_end"),
        ]

    def __str__(self) -> str:
        return f"{self.helper_name} → {self.beneficiary_name}"

    @property
    def helper_name(self) -> str:
        if self.helper_id and self.helper:
            return self.helper.person.name
        return self.helper_org.name if self.helper_org else ""

    @property
    def beneficiary_name(self) -> str:
        if self.household_id and self.household:
            head = self.household.head
            return f"{head.name if head else ''}户 ({self.household.code})"
        if self.person_id and self.person:
            return self.person.name
        return self.beneficiary_org.name if self.beneficiary_org else ""

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


# -- plans (帮扶计划) ------------------------------------------------------------------------


class Plan(models.Model):
    """A plan (帮扶计划): goals and measures. Without a pairing it is the program's common plan
    (共性计划, the routine requirements every pairing shares, one per program); with one it is
    that pairing's personal plan (个性计划, fitted to what this beneficiary needs, one per
    pairing). The seed asks for both: "除了常规性质的‘共性’计划要求, 更要……制定‘个性’计划"."""

    program = models.ForeignKey(
        "programs.Program", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="plans"
    )
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("结对"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text=_("为空表示项目的共性计划"),
    )
    goals = models.TextField(_("帮扶目标"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")
        ordering = ["program", "pairing", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(pairing__isnull=True),
                name="plans_one_common_per_program",
            ),
            models.UniqueConstraint(fields=["pairing"], name="plans_one_per_pairing"),
        ]

    def __str__(self) -> str:
        if self.pairing_id is None:
            return f"{self.program} · {_('共性计划')}"
        return f"{self.pairing} · {_('个性计划')}"

    @property
    def is_common(self) -> bool:
        return self.pairing_id is None


class PlanMeasure(models.Model):
    """One measure of a plan (帮扶措施): its type among the program's measure types (产业, 就业,
    … for households; 教研共建, 课堂互访, … for schools), what is done, and optionally a target
    counted from recorded activities of one type — ``target_count`` per ``period`` (每学期研讨 2
    次) or by ``due_date``. Progress is always computed from the records, never typed in."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="measures"
    )
    measure_type = models.CharField(
        _("措施类型"), max_length=40, blank=True, help_text=_("为空表示常规要求 (按活动计数)")
    )
    description = models.CharField(_("措施内容"), max_length=500)
    activity_type = models.CharField(
        _("计入的活动类型"), max_length=40, blank=True, help_text=_("该类活动记录计入完成数")
    )
    target_count = models.PositiveIntegerField(_("目标次数"), null=True, blank=True)
    period = models.CharField(_("计数周期"), max_length=20, blank=True)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    responsible = models.CharField(_("责任人"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["plan", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_count__isnull=True) | Q(target_count__gte=1),
                name="plan_measures_target_positive",
            ),
            models.CheckConstraint(
                condition=Q(period="") | Q(due_date__isnull=True),
                name="plan_measures_period_or_due_date",
            ),
        ]

    def __str__(self) -> str:
        kind = self.measure_type or _("常规")
        return f"{kind}: {self.description}"
