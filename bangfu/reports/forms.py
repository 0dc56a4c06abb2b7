from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
from bangfu.orgs.models import Org

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    org = OrgChoiceField(
        label=_("单位 (含下属)"), queryset=Org.objects.none(), required=False, empty_label=_("全部")
    )
    date_from = forms.DateField(label=_("起始日期"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("截止日期"), widget=DATE, required=False)
    as_of = forms.DateField(label=_("截至日期"), widget=DATE, required=False)

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期晚于截止日期"))
        return data
