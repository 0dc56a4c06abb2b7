"""Column mappings remembered per unit and file layout (docs/import-export.md, "Column mapping").

A file from another system names a column in a way the kind does not know (户主证件号 for
户主身份证号). On the upload page the administrator says once which field such a column is, or
that it is not to be imported; the choice is kept here for their unit and the file's layout (the
kind and the fingerprint of its header row, ``Sheet.layout``), and the next file with the same
headers is read with it. Written only through ``bangfu.transfer.mappings`` (with an audit row).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ColumnMapping(models.Model):
    """How the unknown columns of one layout of one kind are read, for one unit."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("数据类型"), max_length=40)
    # SHA-256 (hex) of the normalised header row (bangfu.transfer.reader.layout_key).
    layout = models.CharField(_("表头指纹"), max_length=64)
    # The normalised header row the fingerprint was taken from, for reading the record.
    headers = models.JSONField(_("表头"), default=list)
    # {header as the file writes it: column key, or "" for 不导入 (ignored by choice)}
    columns = models.JSONField(_("列对应关系"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("列对应关系")
        verbose_name_plural = _("列对应关系")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind", "layout"], name="transfer_mapping_once_per_layout"
            )
        ]
        indexes = [models.Index(fields=["kind", "layout"], name="transfer_mapping_layout")]

    def __str__(self) -> str:
        return f"{self.kind} · {', '.join(self.columns)}"
