"""How a report's value shows on the page and in print: 1234.50 → "1,234.50", None → "—"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    if value is None or value == "":
        return "—" if value is None else ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if value == value.to_integral():
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
