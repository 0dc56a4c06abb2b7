"""Forms of the program pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
from bangfu.orgs.models import Org
from bangfu.programs.definition import PERIOD_LABELS, PERIODS, definition_problems
from bangfu.programs.models import ProgramTemplate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgramForm(forms.Form):
    template = forms.ModelChoiceField(label=_("模板"), queryset=ProgramTemplate.objects.all())
    code = forms.CharField(
        label=_("编码"),
        max_length=40,
        help_text=_("项目的唯一编码, 导入结对和活动时使用, 如 2026-SYG"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    org = OrgChoiceField(label=_("主办单位"), queryset=Org.objects.none())
    area = OrgChoiceField(
        label=_("帮扶范围"),
        queryset=Org.objects.none(),
        required=False,
        help_text=_("帮扶对象所在的单位 (含下属); 留空为主办单位"),
    )
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, orgs: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class ProgramEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("进行中"), required=False)


class RuleForm(forms.Form):
    """The adjustable numbers of one rule (a school that wants three talks a month)."""

    code = forms.CharField(widget=forms.HiddenInput)
    count = forms.IntegerField(label=_("次数"), min_value=1, max_value=1000, required=False)
    period = forms.ChoiceField(
        label=_("周期"),
        required=False,
        choices=[("", "—")] + [(p, PERIOD_LABELS[p]) for p in PERIODS],
    )
    within_days = forms.IntegerField(
        label=_("事件后天数"), min_value=0, max_value=365, required=False
    )
    before = forms.IntegerField(label=_("节前天数"), min_value=0, max_value=60, required=False)
    after = forms.IntegerField(label=_("节后天数"), min_value=0, max_value=60, required=False)
    min = forms.IntegerField(label=_("至少"), min_value=0, max_value=100, required=False)


RuleFormSet = forms.formset_factory(RuleForm, extra=0)


class DefinitionForm(forms.Form):
    """A whole definition as JSON, for a new template or the advanced edit of a program."""

    definition = forms.CharField(
        label=_("定义 (JSON)"),
        widget=forms.Textarea(attrs={"rows": 28, "class": "mono"}),
        help_text=_("字段说明见 docs/programs.md; 保存前会逐项检查并指出错误位置"),
    )

    def clean_definition(self) -> dict[str, Any]:
        text = self.cleaned_data["definition"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON 格式错误: 第 %(line)s 行第 %(col)s 列: %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None
        problems = definition_problems(data)
        if problems:
            raise forms.ValidationError(problems)
        return data
