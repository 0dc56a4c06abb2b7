"""考核: schemes (indicators as data), the 进步档案 (students' grades per term) that one
indicator reads, and the exemplars (典型) marked from a scheme's scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    HELPERS = "helpers", _("帮扶责任人")
    UNITS = "units", _("单位")


class Period(models.TextChoices):
    YEAR = "year", _("年度")
    SEMESTER = "semester", _("学期")


class Scheme(models.Model):
    """A scheme (考核方案) of a unit: who is scored (helpers or units), per year or semester, on
    which programs (none named: every program), by the indicators of ``definition``."""

    name = models.CharField(_("名称"), max_length=100)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("考核单位"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("考核对象"), max_length=10, choices=Subject.choices)
    period = models.CharField(_("考核周期"), max_length=10, choices=Period.choices)
    programs = models.ManyToManyField(
        "programs.Program", verbose_name=_("项目"), blank=True, related_name="+"
    )
    definition = models.JSONField(_("指标定义"))
    description = models.CharField(_("说明"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="assessment_scheme_name_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def indicators(self) -> list[dict]:
        return list(self.definition.get("indicators", []))


class Level(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("待提高")


LEVEL_RANK = {Level.FAIL: 1, Level.PASS: 2, Level.GOOD: 3, Level.EXCELLENT: 4}


class ProgressRecord(models.Model):
    """One grade of a student in one course and term (进步档案): a score, a level or both."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("学生"),
        on_delete=models.PROTECT,
        related_name="progress_records",
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    course = models.CharField(_("科目"), max_length=40)
    term = models.CharField(_("学期"), max_length=40, help_text=_("如 2025-2026学年第二学期"))
    recorded_on = models.DateField(_("成绩日期"))
    score = models.DecimalField(_("分数"), max_digits=6, decimal_places=2, null=True, blank=True)
    level = models.CharField(_("等级"), max_length=10, choices=Level.choices, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("进步档案")
        verbose_name_plural = _("进步档案")
        ordering = ["person", "course", "recorded_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "term"], name="assessment_progress_once"
            ),
            models.CheckConstraint(
                condition=~Q(score=None) | ~Q(level=""), name="assessment_progress_has_grade"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "course", "recorded_on"], name="assessment_progress_pcd")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.term} {self.course}"

    @property
    def grade(self) -> str:
        parts = [f"{self.score.normalize():f}"] if self.score is not None else []
        if self.level:
            parts.append(str(self.get_level_display()))
        return " / ".join(parts)


class Exemplar(models.Model):
    """A helper or unit marked as an exemplar (典型) of a scheme's period, with a short write-up
    that everyone taking part in the scheme's programs may read."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="exemplars")
    period = models.CharField(_("考核期"), max_length=20)
    helper = models.ForeignKey(
        "registry.Helper",
        verbose_name=_("帮扶责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    write_up = models.TextField(_("典型事迹"), max_length=2000)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评选人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("评选时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("典型")
        verbose_name_plural = _("典型")
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(helper__isnull=False, unit__isnull=True)
                | Q(helper__isnull=True, unit__isnull=False),
                name="assessment_exemplar_one_subject",
            ),
            models.UniqueConstraint(
                fields=["scheme", "period", "helper"],
                condition=Q(helper__isnull=False),
                name="assessment_exemplar_helper_once",
            ),
            models.UniqueConstraint(
                fields=["scheme", "period", "unit"],
                condition=Q(unit__isnull=False),
                name="assessment_exemplar_unit_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.title}"

    @property
    def subject_name(self) -> str:
        if self.helper_id:
            return self.helper.person.name  # type: ignore[union-attr]
        return self.unit.name if self.unit else ""
