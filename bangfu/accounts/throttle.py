"""Login throttling: too many failures for one account, or from one address, lock further
attempts for the rest of the window. Kept in the database, so that it holds across several
stateless app servers."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bangfu.accounts.models import LoginFailure


def _since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def locked_out(username: str, ip: str | None) -> int:
    """Seconds until the next attempt is allowed (0: allowed now)."""
    limit = settings.LOGIN_MAX_FAILURES
    since = _since()
    recent = LoginFailure.objects.filter(at__gte=since)
    checks: list[tuple[Q, int]] = [(Q(username__iexact=username), limit)]
    if ip:
        # The address limit is wider: several people may share an office's NAT address.
        checks.append((Q(ip=ip), limit * 4))
    waits = []
    for condition, needed in checks:
        times = list(recent.filter(condition).order_by("-at").values_list("at", flat=True)[:needed])
        if len(times) >= needed:
            # The lock lifts when the oldest of these failures leaves the window.
            waits.append((times[-1] - since).total_seconds())
    return int(max(waits)) + 1 if waits else 0


def record_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip)
    LoginFailure.objects.filter(at__lt=_since()).delete()


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
