from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.workflows.definitions import CaseKind
from bangfu.workflows.models import Mark

DATE = forms.DateInput(attrs={"type": "date"})


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CaseKind.choices)
    household = forms.CharField(label=_("户编号"), max_length=40)
    lead_date = forms.DateField(label=_("发起日期 (首次发现线索)"), required=False, widget=DATE)
    notes = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StepForm(forms.Form):
    date = forms.DateField(label=_("日期"), required=False, widget=DATE)
    notes = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signed_on = forms.DateField(label=_("签字日期"), required=False, widget=DATE)
    attachment = forms.FileField(label=_("附件"), required=False)
    override_reason = forms.CharField(label=_("例外理由"), required=False, max_length=300)
    objection_place = forms.CharField(label=_("异议受理地点"), required=False, max_length=200)
    objection_contact = forms.CharField(label=_("受理人及办公电话"), required=False, max_length=200)
    notice_start = forms.DateField(label=_("公示开始"), required=False, widget=DATE)
    notice_end = forms.DateField(label=_("公示截止"), required=False, widget=DATE)


class SendBackForm(forms.Form):
    to_step = forms.ChoiceField(label=_("退回到"), choices=())
    reason = forms.CharField(label=_("退回原因"), max_length=300)

    def __init__(self, *args, steps=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_step"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.key, s.label) for s in steps]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=300)


class CampaignForm(forms.Form):
    org = forms.CharField(label=_("范围 (单位编码)"), max_length=32)
    title = forms.CharField(label=_("名称"), max_length=100)
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DATE)


class MarkForm(forms.Form):
    mark = forms.ChoiceField(label=_("核查结论"), choices=Mark.choices)
    reason = forms.CharField(label=_("理由"), required=False, max_length=300)


class PublishForm(forms.Form):
    objection_place = forms.CharField(label=_("异议受理地点"), max_length=200)
    objection_contact = forms.CharField(label=_("受理人及办公电话"), max_length=200)
    start = forms.DateField(label=_("公示开始"), required=False, widget=DATE)
    end = forms.DateField(label=_("公示截止"), required=False, widget=DATE)
