"""Background tasks (Django's Tasks API through django-tasks, database backend by default).

``bangfu notify --enqueue`` puts :data:`send_daily_digests` in the queue and a worker
(``bangfu db_worker``) runs it; ``bangfu notify`` runs the same function at once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from bangfu.orgs.models import Org


@task()
def send_daily_digests(date: str | None = None, org: str | None = None) -> dict[str, Any]:
    """Build and send the daily digests of ``date`` (ISO, default today) for the unit with code
    ``org`` and below (default: every unit). Arguments and result are JSON, as the queue keeps
    them in the database."""
    from bangfu.notifications.services import run_daily

    day = datetime.date.fromisoformat(date) if date else None
    unit = Org.objects.get(code=org) if org else None
    report = run_daily(day or timezone.localdate(), org=unit)
    return report.as_dict()
