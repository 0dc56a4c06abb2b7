"""The ledger's filter sets: one for the list page, which the Excel export (专项台帐) reuses so
that the file holds what the page showed, and one for the totals page (posted entries only, so
no status filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.core.idnumber import normalise_id_number
from bangfu.core.tree import prefix_q
from bangfu.ledger.models import Direction, SourceKind, Status
from bangfu.orgs.models import Org
from bangfu.programs.models import Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def recipient_q(value: str) -> Q:
    """Entries whose recipient matches a 户编号, a name, the tail of an ID number or a unit's
    code or name."""
    value = value.strip()
    if not value:
        return Q()
    query = (
        Q(household__code__icontains=value)
        | Q(household__head__name__icontains=value)
        | Q(person__name__icontains=value)
        | Q(recipient_org__name__icontains=value)
        | Q(recipient_org__code=value)
    )
    digits = normalise_id_number(value)
    if len(digits) >= 4 and digits[:-1].isdigit():
        query |= Q(person__id_number__endswith=digits) | Q(
            household__head__id_number__endswith=digits
        )
    return query


class _LedgerFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(label=_("类别"), field_name="category")
    direction = django_filters.ChoiceFilter(
        label=_("收支"), choices=Direction.choices, empty_label=_("全部")
    )
    program = django_filters.ModelChoiceFilter(
        label=_("项目"), queryset=Program.objects.none(), empty_label=_("全部")
    )
    source_kind = django_filters.ChoiceFilter(
        label=_("来源类型"), choices=SourceKind.choices, empty_label=_("全部")
    )
    recipient = django_filters.CharFilter(
        label=_("受助对象 (户编号、姓名、单位)"), method="filter_recipient"
    )
    org = django_filters.ModelChoiceFilter(
        label=_("台帐单位 (含下属)"),
        queryset=Org.objects.none(),
        to_field_name="code",
        method="filter_org",
        empty_label=_("全部"),
    )
    date_from = django_filters.DateFilter(
        label=_("日期起"), field_name="date", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("日期止"), field_name="date", lookup_expr="lte", widget=DATE
    )
    q = django_filters.CharFilter(label=_("编号、摘要、来源或审批人"), method="filter_q")

    class Meta:
        fields: list[str] = []

    def __init__(self, *args: Any, orgs: Any = None, programs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.filters["org"].queryset = orgs
            self.form.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        if programs is not None:
            self.filters["program"].queryset = programs
            self.form.fields["program"].queryset = programs  # type: ignore[attr-defined]

    def filter_org(self, qs: QuerySet, name: str, value: Org) -> QuerySet:
        return qs.filter(prefix_q("org__path", value.path))

    def filter_recipient(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(recipient_q(value))

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(number__icontains=value)
            | Q(note__icontains=value)
            | Q(category__icontains=value)
            | Q(approver__icontains=value)
            | Q(source_fund__icontains=value)
            | Q(source_org__name__icontains=value)
            | Q(source_helper__person__name__icontains=value)
            | Q(goods__icontains=value)
        )


class EntryFilter(_LedgerFilter):
    """The list page and the export: drafts and posted entries alike unless ``status`` says."""

    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, empty_label=_("全部")
    )


class TotalsFilter(_LedgerFilter):
    """The totals page: the period and the subtree, and the other list filters."""


def filtered(filterset: django_filters.FilterSet) -> QuerySet:
    """The filter set's rows; the whole queryset when no filter was given."""
    return filterset.qs if filterset.is_bound else filterset.queryset
