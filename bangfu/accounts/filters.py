"""The one filter set of the user list."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Role
from bangfu.core.tree import prefix_q
from bangfu.orgs.models import Org


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名、账号或拼音"), method="filter_q")
    org = django_filters.ModelChoiceFilter(
        label=_("单位 (含下属)"),
        queryset=Org.objects.none(),
        method="filter_org",
        empty_label=_("全部"),
    )
    role = django_filters.ChoiceFilter(
        label=_("角色"), choices=Role.choices, method="filter_role", empty_label=_("全部")
    )
    is_active = django_filters.BooleanFilter(label=_("状态"))

    class Meta:
        fields: list[str] = []

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.filters["org"].queryset = orgs
            self.form.fields["org"].queryset = orgs
        self.form.fields["is_active"].widget.choices = [
            ("", _("全部")),
            ("true", _("启用")),
            ("false", _("停用")),
        ]

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(
            Q(name__icontains=value)
            | Q(username__icontains=value)
            | Q(name_pinyin__icontains=value.lower())
        )

    def filter_org(self, qs: QuerySet, name: str, value: Org) -> QuerySet:
        return qs.filter(prefix_q("org__path", value.path))

    def filter_role(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(assignments__role=value).distinct()
