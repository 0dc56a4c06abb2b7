"""Masking of personal numbers for display and export (4401**********1234, 138****1234)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Keep the first 4 and last 4 characters of an ID number."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****1234 for a mobile; a landline keeps its area code and last 4 digits."""
    if not value:
        return ""
    value = str(value)
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    head = value.split("-", 1)[0] if "-" in value else value[:3]
    return head + "-" + "*" * max(0, len(value) - len(head) - 5) + value[-4:]


PHONE_FIELDS = {"phone", "mobile", "contact_phone_personal"}
ID_FIELDS = {"id_number", "head_id_number"}


def mask_personal(field: str, value: object) -> object:
    """Mask ``value`` when ``field`` names a phone or ID number; other values pass unchanged."""
    if isinstance(value, str):
        if field in PHONE_FIELDS:
            return mask_phone(value)
        if field in ID_FIELDS:
            return mask_id_number(value)
    return value
