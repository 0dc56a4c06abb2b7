"""The one filter set of the audit log (page, and later API and export)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.audit.models import Action, AuditEvent

OBJECT_TYPES = [
    ("orgs.org", _("单位")),
    ("accounts.user", _("用户")),
    ("accounts.roleassignment", _("角色分配")),
]


class AuditEventFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(label=_("操作人"), method="filter_person")
    object_type = django_filters.ChoiceFilter(
        label=_("对象类型"), choices=OBJECT_TYPES, empty_label=_("全部")
    )
    object = django_filters.CharFilter(label=_("对象 (名称或编号)"), method="filter_object")
    action = django_filters.ChoiceFilter(
        label=_("操作"), choices=Action.choices, empty_label=_("全部")
    )
    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_person(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(Q(actor_username__icontains=value) | Q(actor_name__icontains=value))

    def filter_object(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(Q(object_id=value) | Q(object_repr__icontains=value))

    def _day_start(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def filter_from(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(at__gte=self._day_start(value))

    def filter_to(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(at__lt=self._day_start(value + datetime.timedelta(days=1)))
