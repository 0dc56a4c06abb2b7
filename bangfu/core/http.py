"""Request types for views, so that type checking knows what middleware put on the request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from bangfu.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real account."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
