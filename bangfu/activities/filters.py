"""One filter set per list: the activity diary's page and its Excel and Word exports use the same
one, and so do the life events'."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.activities.models import Activity, ActivityLink, LifeEvent, Source
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org
from bangfu.programs.definition import LIFE_EVENTS
from bangfu.programs.models import Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityFilter(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(
        label=_("项目"), queryset=Program.objects.none(), empty_label=_("全部")
    )
    type = django_filters.CharFilter(label=_("活动类型"))
    start = django_filters.DateFilter(
        label=_("起始日期"), field_name="date", lookup_expr="gte", widget=DATE
    )
    end = django_filters.DateFilter(
        label=_("截止日期"), field_name="date", lookup_expr="lte", widget=DATE
    )
    org = django_filters.ModelChoiceFilter(
        label=_("单位 (含下属)"),
        queryset=Org.objects.none(),
        method="filter_org",
        empty_label=_("全部"),
    )
    source = django_filters.ChoiceFilter(
        label=_("来源"), choices=Source.choices, empty_label=_("全部")
    )
    q = django_filters.CharFilter(label=_("帮扶人、对象或内容"), method="filter_q")

    class Meta:
        model = Activity
        fields: list[str] = []

    def __init__(self, *args, programs=None, orgs=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.filters["program"].queryset = programs
            self.form.fields["program"].queryset = programs  # type: ignore[attr-defined]
        if orgs is not None:
            self.filters["org"].queryset = orgs
            self.form.fields["org"].queryset = orgs  # type: ignore[attr-defined]

    def filter_org(self, qs: QuerySet, name: str, value: Org) -> QuerySet:
        """Done by a unit of the subtree, or serving a beneficiary there."""
        reached = ActivityLink.objects.filter(prefix_q("pairing__org__path", value.path))
        return qs.filter(
            prefix_q("org__path", value.path) | Q(pk__in=reached.values("activity_id"))
        )

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        people = (
            Q(pairing__household__head__name__icontains=value)
            | Q(pairing__household__code=value)
            | Q(pairing__person__name__icontains=value)
            | Q(pairing__beneficiary_org__name__icontains=value)
        )
        reached = ActivityLink.objects.filter(people).values("activity_id")
        return qs.filter(
            Q(theme__icontains=value)
            | Q(content__icontains=value)
            | Q(helper__person__name__icontains=value)
            | Q(helper_org__name__icontains=value)
            | Q(pk__in=reached)
        )


class EventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("事件类型"), choices=[(k, k) for k in LIFE_EVENTS], empty_label=_("全部")
    )
    start = django_filters.DateFilter(
        label=_("起始日期"), field_name="date", lookup_expr="gte", widget=DATE
    )
    end = django_filters.DateFilter(
        label=_("截止日期"), field_name="date", lookup_expr="lte", widget=DATE
    )
    answered = django_filters.ChoiceFilter(
        label=_("走访情况"),
        choices=[("yes", _("已走访")), ("no", _("未走访"))],
        method="filter_answered",
        empty_label=_("全部"),
    )
    q = django_filters.CharFilter(label=_("姓名或户编号"), method="filter_q")

    class Meta:
        model = LifeEvent
        fields: list[str] = []

    def filter_answered(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        answered = qs.filter(answered_by__isnull=False).values("pk")
        return qs.filter(pk__in=answered) if value == "yes" else qs.exclude(pk__in=answered)

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(household__code=value)
            | Q(household__head__name__icontains=value)
            | Q(person__name__icontains=value)
        )
