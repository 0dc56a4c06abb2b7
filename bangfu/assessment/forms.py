"""Forms of the assessment pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
from bangfu.assessment.models import Level, Period, Subject
from bangfu.orgs.models import Org
from bangfu.programs.models import Program
from bangfu.registry.models import Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchemeForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    org = OrgChoiceField(label=_("考核单位"), queryset=Org.objects.none())
    subject = forms.ChoiceField(label=_("考核对象"), choices=Subject.choices)
    period = forms.ChoiceField(label=_("考核周期"), choices=Period.choices)
    programs = forms.ModelMultipleChoiceField(
        label=_("项目"),
        queryset=Program.objects.none(),
        required=False,
        help_text=_("不选则包括所有项目"),
    )
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    definition = forms.CharField(
        label=_("指标定义 (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "mono"}),
        help_text=_("字段说明见 docs/assessment.md; 保存前会逐项检查并指出错误位置"),
    )

    def __init__(self, *args: Any, orgs: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["programs"].queryset = programs  # type: ignore[attr-defined]

    def clean_definition(self) -> Any:
        text = self.cleaned_data["definition"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON 格式错误: 第 %(line)s 行第 %(col)s 列: %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None


class ExemplarForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    write_up = forms.CharField(
        label=_("典型事迹"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("简要写明做法和成效, 项目内的人员都能看到"),
    )


class ProgressForm(forms.Form):
    person = forms.ModelChoiceField(label=_("学生"), queryset=Person.objects.none())
    course = forms.CharField(label=_("科目"), max_length=40)
    term = forms.CharField(label=_("学期"), max_length=40, help_text=_("如 2025-2026学年第二学期"))
    recorded_on = forms.DateField(label=_("成绩日期"), widget=DATE)
    score = forms.DecimalField(
        label=_("分数"), max_digits=6, decimal_places=2, required=False, min_value=0
    )
    level = forms.ChoiceField(label=_("等级"), choices=[("", "—"), *Level.choices], required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons  # type: ignore[attr-defined]
