from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
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
    sort_order = forms.IntegerField(label=_("排序"), initial=0, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, parents, allow_root: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["parent"])
        field.queryset = parents
        field.required = not allow_root
        if not allow_root:
            field.empty_label = None
