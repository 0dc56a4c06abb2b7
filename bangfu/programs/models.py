"""Program templates (data: the six shipped ones and administrators' own) and programs (帮扶项目)
created from them, each with its own copy of the definition to adjust."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramTemplate(models.Model):
    """A template: who helps whom, activity types, aid categories, measures, semesters, rules.
    The six shipped templates are loaded from ``programs/data/templates/*.json``."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    definition = models.JSONField(_("定义"))
    builtin = models.BooleanField(_("内置"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("项目模板")
        verbose_name_plural = _("项目模板")
        ordering = ["-builtin", "id"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A program an office runs (2026年教师结对帮扶留守儿童, 困难职工帮扶, 市农业委员会包村): its
    own copy of the template's definition, which the office may adjust (three talks a month
    instead of one) without touching the template or other programs."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    template = models.ForeignKey(
        ProgramTemplate, verbose_name=_("模板"), on_delete=models.PROTECT, related_name="programs"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="programs"
    )
    # Where the beneficiaries are: the pool of a program is what the area's subtree holds (a city
    # agency adopts a village of another county; a county office runs the county's households).
    area = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("帮扶范围"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("帮扶对象所在的单位 (含下属); 默认为主办单位"),
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    definition = models.JSONField(_("规则与设置"))
    description = models.CharField(_("说明"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")
        ordering = ["-start", "code"]

    def __str__(self) -> str:
        return self.name

    # -- what the definition says ------------------------------------------------------------
    @property
    def helper_kind(self) -> str:
        return str(self.definition["helper"]["kind"])

    @property
    def beneficiary_kind(self) -> str:
        return str(self.definition["beneficiary"]["kind"])

    @property
    def helper_label(self) -> str:
        return str(self.definition["helper"].get("label", ""))

    @property
    def beneficiary_label(self) -> str:
        return str(self.definition["beneficiary"].get("label", ""))

    @property
    def pairing_settings(self) -> dict[str, Any]:
        return dict(self.definition.get("pairing", {}))

    @property
    def rules(self) -> list[dict[str, Any]]:
        return list(self.definition.get("rules", []))

    @property
    def activity_types(self) -> list[dict[str, Any]]:
        return list(self.definition.get("activity_types", []))
