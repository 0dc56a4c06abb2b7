from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.orgs.models import Org
from bangfu.publicity.kinds import kind_choices
from bangfu.publicity.models import CONTENT_MAX_CHARS, NoticeItem, Result
from bangfu.registry.choices import Status

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SelectionForm(forms.Form):
    """What to put on the list: the kind, then households by unit and status, or draft ledger
    entries by unit, category and period."""

    kind = forms.ChoiceField(label=_("公示类型"), choices=())
    unit = forms.CharField(label=_("单位编码 (含下级)"), required=False, max_length=32)
    status = forms.ChoiceField(label=_("当前状态"), required=False, choices=())
    category = forms.CharField(label=_("类别"), required=False, max_length=40)
    date_from = forms.DateField(label=_("日期自"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("日期至"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = kind_choices()
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("全部可列入的状态")), *Status.choices]


class NoticeForm(forms.Form):
    org = forms.ModelChoiceField(label=_("公示单位"), queryset=Org.objects.none())
    title = forms.CharField(label=_("标题"), required=False, max_length=100)
    start = forms.DateField(label=_("公示开始"), widget=DATE)
    end = forms.DateField(
        label=_("公示截止"),
        required=False,
        widget=DATE,
        help_text=_("不填为开始日期后 7 天; 公示期不少于 5 天"),
    )
    conditions = forms.CharField(label=_("条件"), widget=forms.Textarea(attrs={"rows": 3}))
    procedure = forms.CharField(label=_("程序"), widget=forms.Textarea(attrs={"rows": 2}))
    objection_place = forms.CharField(label=_("受理地点"), max_length=200)
    objection_contact = forms.CharField(
        label=_("受理人及电话"),
        max_length=200,
        help_text=_("公开显示, 请填写办公电话 (座机), 不要填写个人手机号"),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.fields["org"]
        assert isinstance(org, forms.ModelChoiceField)
        org.queryset = orgs


class PaperObjectionForm(forms.Form):
    content = forms.CharField(
        label=_("异议内容"), max_length=CONTENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact = forms.CharField(label=_("联系方式"), required=False, max_length=100)
    item = forms.ModelChoiceField(
        label=_("涉及对象"), queryset=NoticeItem.objects.none(), required=False
    )
    received_on = forms.DateField(label=_("收到日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.fields["item"]
        assert isinstance(item, forms.ModelChoiceField)
        item.queryset = items


class HandleForm(forms.Form):
    result = forms.ChoiceField(
        label=_("处理结果"),
        choices=[(Result.UPHELD, Result.UPHELD.label), (Result.REJECTED, Result.REJECTED.label)],
    )
    handling = forms.CharField(
        label=_("核查处理情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    item = forms.ModelChoiceField(
        label=_("涉及对象"), queryset=NoticeItem.objects.none(), required=False
    )

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.fields["item"]
        assert isinstance(item, forms.ModelChoiceField)
        item.queryset = items


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("移出原因"), max_length=300)


class CorrectForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=100)
    village = forms.CharField(label=_("所在村"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("金额(元)"), required=False, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("更正说明"), max_length=300)


class FinaliseForm(forms.Form):
    approver = forms.CharField(
        label=_("审批人"),
        required=False,
        max_length=50,
        help_text=_("发放名单必填: 台帐记录以此审批人入账"),
    )


class PublicObjectionForm(forms.Form):
    item = forms.TypedChoiceField(label=_("涉及对象 (可不选)"), required=False, coerce=int)
    content = forms.CharField(
        label=_("异议内容"), max_length=CONTENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact = forms.CharField(
        label=_("联系方式 (可不填, 仅工作人员可见)"), required=False, max_length=100
    )

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.fields["item"]
        assert isinstance(item, forms.TypedChoiceField)
        item.choices = [("", "—")] + [
            (r["position"], f"{r['position']}. {r['display_name']}") for r in rows
        ]
