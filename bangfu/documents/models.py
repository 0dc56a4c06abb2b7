"""Word templates an administrator uploaded to replace the built-in 工作总结 template, for the
whole platform (``org`` empty) or for one unit and its subtree. The file itself is kept in the
database, so that it travels with the backups and needs no shared media directory."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SUMMARY = "summary", _("工作总结")


class DocumentTemplate(models.Model):
    kind = models.CharField(_("文档"), max_length=20, choices=Kind.choices, default=Kind.SUMMARY)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("适用单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空为全平台通用"),
    )
    name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件"))
    size = models.PositiveIntegerField(_("大小(字节)"))
    placeholders = models.JSONField(_("占位符"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("文档模板")
        verbose_name_plural = _("文档模板")
        ordering = ["kind", "org__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "org"], name="documents_template_per_org"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(org__isnull=True), name="documents_template_global"
            ),
        ]

    def __str__(self) -> str:
        where = self.org.name if self.org_id and self.org else _("全平台")
        return f"{self.get_kind_display()} · {where} · {self.name}"
