"""Forms of the registry pages. They parse input; the services validate and write."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.forms import OrgChoiceField
from bangfu.core.parsing import split_tags
from bangfu.orgs.models import Org
from bangfu.registry.choices import (
    Cause,
    Difficulty,
    DisabilityCategory,
    DisabilityLevel,
    DocumentType,
    Education,
    Employment,
    Health,
    Indicator,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)

BLANK: list[tuple[Any, Any]] = [("", "—")]
# The 在校生状况 values that have grades (年级): the school stages.
SCHOOL_STAGES = {
    Schooling.PRIMARY,
    Schooling.JUNIOR,
    Schooling.SENIOR,
    Schooling.VOCATIONAL,
    Schooling.COLLEGE,
    Schooling.UNIVERSITY,
}
TRI = [("", _("未知")), ("true", _("是")), ("false", _("否"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _tri(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class _Scoped(forms.Form):
    org = OrgChoiceField(label=_("所属单位"), queryset=Org.objects.none())

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class PersonForm(_Scoped):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        help_text=_("18 位; 性别和出生日期由身份证号得出"),
    )
    sex = forms.ChoiceField(
        label=_("性别 (无身份证号时)"), choices=BLANK + Sex.choices, required=False
    )
    birth_date = forms.DateField(label=_("出生日期 (无身份证号时)"), required=False, widget=DATE)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    tags = forms.CharField(
        label=_("标签"), required=False, help_text=_("多个标签用顿号或逗号分隔, 如 党员、留守儿童")
    )
    health = forms.ChoiceField(label=_("健康状况"), choices=BLANK + Health.choices, required=False)
    schooling = forms.ChoiceField(
        label=_("在校生状况"), choices=BLANK + Schooling.choices, required=False
    )
    labour = forms.ChoiceField(label=_("劳动能力"), choices=BLANK + Labour.choices, required=False)
    employment = forms.ChoiceField(
        label=_("务工状况"), choices=BLANK + Employment.choices, required=False
    )
    education = forms.ChoiceField(
        label=_("文化程度"), choices=BLANK + Education.choices, required=False
    )
    grade = forms.TypedChoiceField(
        label=_("年级"),
        choices=BLANK + [(n, str(n)) for n in range(1, 7)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("在校生所在年级, 按学段计: 七年级为初中 1 年级, 普通高中二年级为高中 2 年级"),
    )
    document_type = forms.ChoiceField(
        label=_("证件类型"),
        choices=BLANK + DocumentType.choices,
        required=False,
        help_text=_("身份证号所属的证件; 不填为居民身份证"),
    )
    disability_category = forms.TypedChoiceField(
        label=_("残疾类别"),
        choices=BLANK + DisabilityCategory.choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    disability_level = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=BLANK + DisabilityLevel.choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(label=_("备注"), max_length=500, required=False)

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags") or "")

    def clean(self) -> dict[str, Any]:
        """A grade belongs to a school stage: 年级 needs a 在校生状况 that is a stage."""
        data = super().clean() or {}
        if data.get("grade") and data.get("schooling") not in SCHOOL_STAGES:
            self.add_error("grade", _("填写年级时, 在校生状况须为在读的学段 (小学、初中、高中 …)"))
        return data


class MemberForm(PersonForm):
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    field_order = ["relation", "name", "id_number"]


class HouseholdForm(_Scoped):
    code = forms.CharField(label=_("户编号"), max_length=40)
    head_name = forms.CharField(label=_("户主姓名"), max_length=50)
    head_id_number = forms.CharField(label=_("户主身份证号"), max_length=30, required=False)
    head_phone = forms.CharField(label=_("户主联系电话"), max_length=30, required=False)
    main_cause = forms.ChoiceField(
        label=_("主要致贫原因"), choices=BLANK + Cause.choices, required=False
    )
    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"),
        choices=Cause.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    difficulty = forms.ChoiceField(
        label=_("困难程度"), choices=BLANK + Difficulty.choices, required=False
    )
    identified_on = forms.DateField(label=_("识别日期"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("初始状态"),
        choices=[
            (Status.IDENTIFIED, Status.IDENTIFIED.label),
            (Status.ASSISTING, Status.ASSISTING.label),
        ],
        initial=Status.IDENTIFIED,
    )
    housing_safe = forms.ChoiceField(label=_("住房安全"), choices=TRI, required=False)
    water_safe = forms.ChoiceField(label=_("饮水安全"), choices=TRI, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def clean_housing_safe(self) -> bool | None:
        return _tri(self.cleaned_data.get("housing_safe") or "")

    def clean_water_safe(self) -> bool | None:
        return _tri(self.cleaned_data.get("water_safe") or "")


class HouseholdEditForm(HouseholdForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("code", "head_name", "head_id_number", "head_phone", "status"):
            self.fields.pop(name)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=Status.choices)

    def __init__(self, *args, current: str | None = None, **kwargs) -> None:
        """Offer only the statuses the household may move to from ``current``."""
        super().__init__(*args, **kwargs)
        from bangfu.registry.choices import TRANSITIONS

        allowed = TRANSITIONS.get(current or None, set())
        field = self.fields["status"]
        field.choices = [(v, label) for v, label in Status.choices if v in allowed]  # type: ignore[attr-defined]

    date = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)
    decided_by = forms.CharField(
        label=_("决定人/机构"),
        max_length=100,
        required=False,
        help_text=_("如: 村两委、乡镇人民政府"),
    )


class IncomeForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year
    )
    per_capita = forms.DecimalField(label=_("人均纯收入(元)"), max_digits=12, decimal_places=2)
    wage = forms.DecimalField(
        label=_("工资性收入(元)"), max_digits=12, decimal_places=2, required=False
    )
    business = forms.DecimalField(
        label=_("生产经营性收入(元)"), max_digits=12, decimal_places=2, required=False
    )
    transfer = forms.DecimalField(
        label=_("转移性收入(元)"), max_digits=12, decimal_places=2, required=False
    )


class HelperForm(_Scoped):
    capacity = forms.IntegerField(label=_("最多帮扶数"), min_value=1, max_value=200, initial=5)


class IndicatorForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        initial=lambda: timezone.localdate().year - 1,
    )
    indicator = forms.ChoiceField(label=_("指标"), choices=Indicator.choices)
    value = forms.DecimalField(label=_("数值"), max_digits=14, decimal_places=2)


class StatusReportForm(forms.Form):
    org = OrgChoiceField(
        label=_("单位 (含下属)"), queryset=Org.objects.none(), required=False, empty_label=_("全部")
    )
    as_of = forms.DateField(label=_("截至日期"), widget=DATE, required=False)
    date_from = forms.DateField(label=_("变动起始"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("变动截止"), widget=DATE, required=False)

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]

    def as_of_or_today(self) -> datetime.date:
        return (self.cleaned_data.get("as_of") if self.is_valid() else None) or timezone.localdate()


class UnitForm(forms.Form):
    org = OrgChoiceField(label=_("村、学校或幼儿园"), queryset=Org.objects.none())
    notes = forms.CharField(
        label=_("基本情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class QualityForm(forms.Form):
    org = OrgChoiceField(
        label=_("单位 (含下属)"), queryset=Org.objects.none(), required=False, empty_label=_("全部")
    )
    code = forms.ChoiceField(label=_("校验规则"), required=False)
    severity = forms.ChoiceField(
        label=_("级别"),
        required=False,
        choices=[
            ("", _("全部")),
            ("error", _("错误")),
            ("warning", _("警告")),
            ("info", _("提示")),
        ],
    )

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        from bangfu.registry.quality import CHECKS

        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["code"].choices = [("", _("全部"))] + [  # type: ignore[attr-defined]
            (d.code, f"{d.code} {d.title}") for d in CHECKS
        ]


class IncomeLineForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region_prefix = forms.RegexField(
        label=_("区划代码前缀"),
        regex=r"^\d{0,12}$",
        required=False,
        help_text=_("留空为全国标准; 如 45 为广西, 450123 为某县"),
        error_messages={"invalid": _("区划代码前缀只能是数字")},
    )
    amount = forms.DecimalField(
        label=_("标准(元/人·年)"), max_digits=10, decimal_places=2, min_value=0
    )
    source = forms.CharField(label=_("依据"), max_length=200, required=False)
