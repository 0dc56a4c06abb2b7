from __future__ import annotations

import datetime

from django import template

from bangfu.core.masking import mask_id_number, mask_phone
from bangfu.core.parsing import at_precision

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value)


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value)


@register.filter
def precise_date(value: datetime.date | None, precision: str | None = None) -> str:
    """A stored date at the precision it is known to: ``{{ h.identified_on|precise_date:
    h.identified_precision }}`` gives 2014 (a year), 2014-10 (a month) or 2014-10-01 (a day, also
    for a NULL precision); "" for no date (so that ``|default:"—"`` applies). A year or a month
    is stored as its first day (docs/registry.md); showing 2014-01-01 would claim a day nobody
    knows."""
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return at_precision(value, precision)
