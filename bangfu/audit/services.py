"""Writing audit events. Services call :func:`audit_record` inside their own transaction, so
that a change and its audit row are committed together or not at all."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from bangfu.audit.models import Action, AuditEvent
from bangfu.core.middleware import current_request_info


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The given fields of ``obj`` as JSON-safe values (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _jsonable(getattr(obj, attname))
    return data


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_record(
    *,
    actor: Any,
    action: Action | str,
    obj: models.Model | None = None,
    org: Any = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor_username: str = "",
) -> AuditEvent:
    """Append one audit event. Must run inside the caller's transaction (checked)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    info = current_request_info()
    # A command line's stand-in actor has no row: its name is kept as text only.
    saved = getattr(actor, "pk", None) is not None
    user = actor if saved and getattr(actor, "is_authenticated", False) else None
    if user is None and actor is not None and not actor_username:
        actor_username = getattr(actor, "username", "")
    if org is None and obj is not None:
        org = getattr(obj, "org", None) if not _is_org(obj) else obj
    event = AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_username=(user.username if user else actor_username)[:150],
        actor_name=(getattr(user, "name", "") if user else "")[:50],
        action=str(action),
        object_type=object_type or (object_type_of(obj) if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        org=org,
        org_path=getattr(org, "path", "") or "",
        summary=summary[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=info.ip if info else None,
        user_agent=info.user_agent if info else "",
        request_id=info.request_id if info else "",
    )
    event.save()
    return event


def _is_org(obj: models.Model) -> bool:
    return obj._meta.label_lower == "orgs.org"


def audit_personal_view(*, actor: Any, obj: models.Model, summary: str, action: str = Action.VIEW):
    """Record that ``actor`` looked at a record holding personal data (or revealed it)."""
    with transaction.atomic():
        return audit_record(actor=actor, action=action, obj=obj, summary=summary)
