"""What a user may see and change, computed once per request from their role assignments.

Deny by default: a user with no assignment sees nothing. Every selector filters through
:func:`scope_of`, so a record outside the user's reach is never fetched, and the view answers 404
exactly as for a record that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from bangfu.accounts.models import Role
from bangfu.core.tree import any_prefix_q, collapse_prefixes

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_sysadmin: bool = False
    # Subtrees (paths) the user administers: read and write.
    admin_paths: tuple[str, ...] = ()
    # Subtrees the user may read: administered ones and inspected ones.
    read_paths: tuple[str, ...] = ()
    # Units where the user is a helper: they see their own pairings there, and the unit itself.
    helper_org_ids: tuple[int, ...] = ()
    # Subtrees where the user may reveal full ID and phone numbers.
    reveal_paths: tuple[str, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    # -- questions about one unit ---------------------------------------------------------
    def can_read_org(self, org: Org) -> bool:
        return self.is_sysadmin or any(org.path.startswith(p) for p in self.read_paths)

    def can_admin_org(self, org: Org) -> bool:
        return self.is_sysadmin or any(org.path.startswith(p) for p in self.admin_paths)

    def can_reveal_in(self, org: Org | None) -> bool:
        if self.is_sysadmin:
            return True
        return org is not None and any(org.path.startswith(p) for p in self.reveal_paths)

    @property
    def is_admin(self) -> bool:
        return self.is_sysadmin or bool(self.admin_paths)

    @property
    def can_manage_users(self) -> bool:
        return self.is_admin

    @property
    def can_read_audit(self) -> bool:
        return self.is_admin

    # -- filters for querysets --------------------------------------------------------------
    def read_q(self, path_field: str) -> Q:
        """Rows whose unit (reached through ``path_field``, e.g. ``"org__path"``) may be read."""
        if self.is_sysadmin:
            return Q()
        return any_prefix_q(path_field, self.read_paths)

    def admin_q(self, path_field: str) -> Q:
        if self.is_sysadmin:
            return Q()
        return any_prefix_q(path_field, self.admin_paths)


ANONYMOUS = Scope(user_id=None)


def scope_of(user: User | None) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_bangfu_scope", None)
    if cached is not None:
        return cached
    admin: list[str] = []
    read: list[str] = []
    reveal: list[str] = []
    helper: list[int] = []
    roles: set[str] = set()
    sysadmin = False
    for a in user.assignments.select_related("org").filter(org__is_active=True):
        roles.add(a.role)
        if a.role == Role.SYSADMIN:
            sysadmin = True
        elif a.role == Role.ORG_ADMIN:
            admin.append(a.org.path)
            read.append(a.org.path)
        elif a.role == Role.INSPECTOR:
            read.append(a.org.path)
        elif a.role == Role.HELPER:
            helper.append(a.org_id)
        if a.can_reveal and a.role in (Role.ORG_ADMIN, Role.INSPECTOR):
            reveal.append(a.org.path)
    scope = Scope(
        user_id=user.pk,
        is_sysadmin=sysadmin,
        admin_paths=tuple(collapse_prefixes(admin)),
        read_paths=tuple(collapse_prefixes(read)),
        helper_org_ids=tuple(sorted(set(helper))),
        reveal_paths=tuple(collapse_prefixes(reveal)),
        roles=frozenset(roles),
    )
    user._bangfu_scope = scope  # type: ignore[attr-defined]
    return scope


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's assignments changed."""
    if hasattr(user, "_bangfu_scope"):
        del user._bangfu_scope
