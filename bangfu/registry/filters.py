"""One filter set per registry list: the page, the API and the Excel export use the same one."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.core.idnumber import normalise_id_number
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.registry.choices import (
    CHILD_RELATIONS,
    IN_SCHOOL,
    Cause,
    Difficulty,
    Employment,
    Health,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)
from bangfu.registry.models import Tag
from bangfu.registry.quality import years_before

SORTS_PERSON = [("name", _("姓名拼音")), ("-created", _("最近登记")), ("birth", _("出生日期"))]
SORTS_HOUSEHOLD = [
    ("code", _("户编号")),
    ("head", _("户主姓名拼音")),
    ("-status_since", _("状态日期")),
]


def text_q(value: str, *, name: str, pinyin: str, id_field: str) -> Q:
    """Search by name, pinyin (full or initials: "zhangsan", "zs") or the tail of an ID."""
    value = value.strip()
    if not value:
        return Q()
    query = Q(**{f"{name}__icontains": value}) | Q(**{f"{pinyin}__icontains": value.lower()})
    digits = normalise_id_number(value)
    if len(digits) >= 4 and digits[:-1].isdigit():
        query |= Q(**{f"{id_field}__endswith": digits}) | Q(**{f"{id_field}": digits})
    return query


class _Base(django_filters.FilterSet):
    org = django_filters.ModelChoiceFilter(
        label=_("单位 (含下属)"),
        queryset=Org.objects.none(),
        method="filter_org",
        empty_label=_("全部"),
    )

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.filters["org"].queryset = orgs
            self.form.fields["org"].queryset = orgs  # type: ignore[attr-defined]

    def filter_org(self, qs: QuerySet, name: str, value: Org) -> QuerySet:
        return qs.filter(prefix_q("org__path", value.path))


class PersonFilter(_Base):
    q = django_filters.CharFilter(label=_("姓名、拼音或身份证号"), method="filter_q")
    sex = django_filters.ChoiceFilter(label=_("性别"), choices=Sex.choices, empty_label=_("全部"))
    tag = django_filters.ModelChoiceFilter(
        label=_("标签"), queryset=Tag.objects.all(), field_name="tags", empty_label=_("全部")
    )
    health = django_filters.ChoiceFilter(
        label=_("健康状况"), choices=Health.choices, empty_label=_("全部")
    )
    schooling = django_filters.ChoiceFilter(
        label=_("在校生状况"), choices=Schooling.choices, empty_label=_("全部")
    )
    labour = django_filters.ChoiceFilter(
        label=_("劳动能力"), choices=Labour.choices, empty_label=_("全部")
    )
    employment = django_filters.ChoiceFilter(
        label=_("务工状况"), choices=Employment.choices, empty_label=_("全部")
    )
    relation = django_filters.ChoiceFilter(
        label=_("与户主关系"),
        choices=[("child", _("子女 (之子、之女)")), *Relation.choices],
        method="filter_relation",
        empty_label=_("全部"),
    )
    household_org = django_filters.NumberFilter(
        label=_("所在户的单位"), method="filter_household_org", widget=forms.HiddenInput
    )
    grown_on = django_filters.DateFilter(
        label=_("不在校且满16岁 (截至)"), method="filter_grown_on", widget=forms.HiddenInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORTS_PERSON, method="filter_sort", empty_label=None
    )

    class Meta:
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(text_q(value, name="name", pinyin="name_pinyin", id_field="id_number"))

    def filter_relation(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Members of a household in that relation to its head (子女: sons and daughters)."""
        relations = [str(r) for r in CHILD_RELATIONS] if value == "child" else [value]
        return qs.filter(memberships__relation__in=relations).distinct()

    def filter_household_org(self, qs: QuerySet, name: str, value: float) -> QuerySet:
        """Members of households in a unit's subtree (the 七清 counts households' members)."""
        org = Org.objects.filter(pk=int(value)).first()
        if org is None:
            return qs.none()
        return qs.filter(prefix_q("memberships__household__org__path", org.path)).distinct()

    def filter_grown_on(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        """Not in school and 16 or older on the day, or of unknown birth date (子女待业)."""
        cutoff = years_before(value, 16)
        return qs.exclude(schooling__in=list(IN_SCHOOL)).filter(
            Q(birth_date__lte=cutoff) | Q(birth_date__isnull=True)
        )

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        order = {
            "name": ["name_sort", "id"],
            "-created": ["-created_at", "-id"],
            "birth": ["birth_date", "id"],
        }
        return qs.order_by(*order.get(value, ["name_sort", "id"]))


class HouseholdFilter(_Base):
    q = django_filters.CharFilter(label=_("户编号、户主姓名、拼音或身份证号"), method="filter_q")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, empty_label=_("全部")
    )
    cause = django_filters.ChoiceFilter(
        label=_("致贫原因"), choices=Cause.choices, method="filter_cause", empty_label=_("全部")
    )
    difficulty = django_filters.ChoiceFilter(
        label=_("困难程度"), choices=Difficulty.choices, empty_label=_("全部")
    )
    identified_from = django_filters.DateFilter(
        label=_("识别日期起"),
        field_name="identified_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    identified_to = django_filters.DateFilter(
        label=_("识别日期止"),
        field_name="identified_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORTS_HOUSEHOLD, method="filter_sort", empty_label=None
    )

    class Meta:
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(
            Q(code__icontains=value.strip())
            | text_q(
                value, name="head__name", pinyin="head__name_pinyin", id_field="head__id_number"
            )
        )

    def filter_cause(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(main_cause=value) | Q(other_causes__contains=f",{value},"))

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        order = {
            "code": ["code"],
            "head": ["head__name_sort", "code"],
            "-status_since": ["-status_since", "code"],
        }
        return qs.order_by(*order.get(value, ["code"]))
