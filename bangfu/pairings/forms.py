"""Forms of the pairing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.orgs.models import Org
from bangfu.registry.models import Helper

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HelperChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:  # type: ignore[override]
        return f"{obj.person.name} · {obj.org.name}"


class OrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.code})"


class PairingForm(forms.Form):
    """Who helps whom from when: the helper is a person or a unit and the beneficiary a
    household, a person or a unit, as the program's template says."""

    helper = HelperChoiceField(label=_("帮扶人"), queryset=Helper.objects.none(), required=False)
    helper_org = OrgField(label=_("帮扶单位"), queryset=Org.objects.none(), required=False)
    beneficiary = forms.ChoiceField(label=_("帮扶对象"), required=False)
    beneficiary_code = forms.CharField(
        label=_("或输入户编号、身份证号或单位编码"), required=False, max_length=40
    )
    start = forms.DateField(label=_("开始日期"), widget=DATE, initial=timezone.localdate)

    def __init__(
        self,
        *args: Any,
        program: Any,
        helpers: Any,
        helper_orgs: Any,
        beneficiaries: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if program.helper_kind == "person":
            self.fields.pop("helper_org")
            self.fields["helper"].queryset = helpers  # type: ignore[attr-defined]
            self.fields["helper"].required = True
            self.fields["helper"].label = program.helper_label
        else:
            self.fields.pop("helper")
            self.fields["helper_org"].queryset = helper_orgs  # type: ignore[attr-defined]
            self.fields["helper_org"].required = True
            self.fields["helper_org"].label = program.helper_label
        self.fields["beneficiary"].label = program.beneficiary_label
        self.fields["beneficiary"].choices = [("", "—"), *beneficiaries]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("beneficiary") and not cleaned.get("beneficiary_code"):
            raise forms.ValidationError(_("请选择帮扶对象, 或输入其户编号、身份证号或单位编码"))
        return cleaned


class EndForm(forms.Form):
    end = forms.DateField(label=_("结束日期"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(
        label=_("结束原因"), max_length=200, help_text=_("如: 已稳定脱贫、帮扶人调离、学生毕业")
    )


class TransferForm(forms.Form):
    helper = HelperChoiceField(
        label=_("新的帮扶人"), queryset=Helper.objects.none(), required=False
    )
    helper_org = OrgField(label=_("新的帮扶单位"), queryset=Org.objects.none(), required=False)
    day = forms.DateField(label=_("自何日起"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def __init__(
        self, *args: Any, program: Any, helpers: Any, helper_orgs: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if program is None or program.helper_kind == "person":
            self.fields.pop("helper_org")
            self.fields["helper"].queryset = helpers  # type: ignore[attr-defined]
            self.fields["helper"].required = True
        else:
            self.fields.pop("helper")
            self.fields["helper_org"].queryset = helper_orgs  # type: ignore[attr-defined]
            self.fields["helper_org"].required = True
