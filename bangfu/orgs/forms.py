from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
from bangfu.orgs.geo import coordinate_problems
from bangfu.orgs.kinds import OrgKind
from bangfu.orgs.models import Org


class OrgForm(forms.Form):
    parent = OrgChoiceField(
        label=_("上级单位"),
        queryset=Org.objects.none(),
        required=False,
        empty_label=_("(顶级单位)"),
    )
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    code = forms.CharField(
        label=_("编码"),
        max_length=32,
        help_text=_(
            "地方单位填区划代码 (县 6 位, 乡镇 9 位, 村/社区 12 位); 其他单位填字母数字编码"
        ),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("办公电话"), max_length=30, required=False)
    longitude = forms.DecimalField(
        label=_("经度"),
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=9,
        decimal_places=6,
        help_text=_("WGS-84 坐标, 以度为单位的小数, 东经为正 (如 107.7); 与纬度同时填写或都不填"),
        error_messages={
            "invalid": _("经度应为以度为单位的小数, 如 107.71"),
            "min_value": _("经度应在 -180 到 180 度之间"),
            "max_value": _("经度应在 -180 到 180 度之间"),
            "max_decimal_places": _("经度最多保留 6 位小数"),
            "max_digits": _("经度最多保留 6 位小数"),
        },
    )
    latitude = forms.DecimalField(
        label=_("纬度"),
        required=False,
        min_value=-90,
        max_value=90,
        max_digits=8,
        decimal_places=6,
        help_text=_("以度为单位的小数, 北纬为正 (如 23.17)"),
        error_messages={
            "invalid": _("纬度应为以度为单位的小数, 如 23.17"),
            "min_value": _("纬度应在 -90 到 90 度之间"),
            "max_value": _("纬度应在 -90 到 90 度之间"),
            "max_decimal_places": _("纬度最多保留 6 位小数"),
            "max_digits": _("纬度最多保留 6 位小数"),
        },
    )
    sort_order = forms.IntegerField(label=_("排序"), initial=0, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, parents, allow_root: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["parent"])
        field.queryset = parents
        field.required = not allow_root
        if not allow_root:
            field.empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        longitude, latitude = data.get("longitude"), data.get("latitude")
        if "longitude" not in self.errors and "latitude" not in self.errors:
            for key, messages in coordinate_problems(longitude, latitude).items():
                for message in messages:
                    self.add_error(key, message)
        return data
