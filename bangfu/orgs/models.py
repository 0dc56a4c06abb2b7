"""The organisation tree (组织机构): every record in bangfu belongs to a unit of it."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.core.pinyin import pinyin_key
from bangfu.core.tree import path_ids, prefix_q
from bangfu.orgs.kinds import OrgKind


class OrgQuerySet(models.QuerySet["Org"]):
    def subtree(self, org: Org, *, include_self: bool = True) -> OrgQuerySet:
        """The unit and everything below it, in one indexed query on the path."""
        qs = self.filter(prefix_q("path", org.path))
        return qs if include_self else qs.exclude(pk=org.pk)


class Org(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/1/5/23/": the ids from the root down to this unit (bangfu.core.tree).
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    # Where the unit is (WGS-84 decimal degrees, both or neither; bangfu.orgs.geo checks them).
    # Persons and households are where their unit is; matching measures distance with them.
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(-180, message=_("经度应在 -180 到 180 度之间")),
            MaxValueValidator(180, message=_("经度应在 -180 到 180 度之间")),
        ],
    )
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(-90, message=_("纬度应在 -90 到 90 度之间")),
            MaxValueValidator(90, message=_("纬度应在 -90 到 90 度之间")),
        ],
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_pinyin = pinyin_key(self.name)
        super().save(*args, **kwargs)

    @property
    def kind_label(self) -> str:
        return str(self.get_kind_display())

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """(longitude, latitude) in degrees, or None when the unit has none."""
        if self.longitude is None or self.latitude is None:
            return None
        return float(self.longitude), float(self.latitude)

    @property
    def coordinates_text(self) -> str:
        """ "107.7, 23.17" (longitude, latitude, trailing zeros dropped), or "" without them."""
        if self.coordinates is None:
            return ""
        return ", ".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in self.coordinates)

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]

    def ancestors(self) -> models.QuerySet[Org]:
        return Org.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def is_descendant_of(self, other: Org) -> bool:
        return self.path.startswith(other.path)
