"""Reads of notices. Staff read the notices of the units of their subtree (administrators and
inspectors); a notice outside the reader's reach is not found (404), as one that does not exist.
The public page finds a published or finalised notice by its token only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from bangfu.accounts.scope import scope_of
from bangfu.publicity.models import Notice, NoticeItem, NoticeStatus, Objection, Result

if TYPE_CHECKING:
    from bangfu.accounts.models import User


def may_read(user: User) -> bool:
    scope = scope_of(user)
    return scope.is_sysadmin or bool(scope.read_paths)


def notice_list(*, user: User) -> QuerySet[Notice]:
    scope = scope_of(user)
    if not (scope.is_sysadmin or scope.read_paths):
        return Notice.objects.none()
    return (
        Notice.objects.filter(scope.read_q("org__path"))
        .select_related("org")
        .annotate(
            item_count=Count("items", filter=Q(items__removed_at=None), distinct=True),
            objection_count=Count("objections", distinct=True),
            pending_count=Count(
                "objections", filter=Q(objections__result=Result.PENDING), distinct=True
            ),
        )
        .order_by("-start", "-id")
    )


def notice_get(*, user: User, pk: Any) -> Notice:
    try:
        return notice_list(user=user).get(pk=int(pk))
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def item_get(*, notice: Notice, pk: Any) -> NoticeItem:
    try:
        return notice.items.get(pk=int(pk))
    except (NoticeItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def objection_get(*, notice: Notice, pk: Any) -> Objection:
    try:
        return notice.objections.select_related("item").get(pk=int(pk))
    except (Objection.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def public_notice(token: str) -> Notice:
    """A notice the public may read: published or finalised, found by its token (a draft is
    not found)."""
    try:
        return Notice.objects.select_related("org").get(
            token=token, status__in=[NoticeStatus.PUBLISHED, NoticeStatus.FINALISED]
        )
    except Notice.DoesNotExist as exc:
        raise Http404 from exc


def public_items(notice: Notice) -> list[dict[str, Any]]:
    """The lines the public sees, and only what they may see: a number, a name, a village, and
    on money lists the category and amount. After the close, the archive's lines on the list."""
    if notice.status == NoticeStatus.FINALISED and notice.archive.get("items"):
        rows = [i for i in notice.archive["items"] if i.get("on_list")]
        return [
            {
                "position": n,
                "display_name": i["display_name"],
                "village": i["village"],
                "category": i.get("category") or "",
                "amount": i.get("amount"),
            }
            for n, i in enumerate(rows, 1)
        ]
    return [
        {
            "position": n,
            "display_name": i.display_name,
            "village": i.village,
            "category": i.category,
            "amount": i.amount,
        }
        for n, i in enumerate(notice.items.filter(removed_at=None).order_by("position"), 1)
    ]
