"""Materialised paths: a subtree is one indexed range query on SQLite and on PostgreSQL.

Every organisation carries ``path``, the ids from the root down to itself, e.g. ``/1/5/23/``. A
unit's subtree is every row whose path starts with the unit's path. The ``/`` terminator keeps
``/1/5/`` from matching ``/1/50/``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

SEP = "/"


def child_path(parent_path: str | None, pk: int) -> str:
    return f"{parent_path or SEP}{pk}{SEP}"


def path_ids(path: str) -> list[int]:
    """The ids of a path, root first."""
    return [int(part) for part in path.strip(SEP).split(SEP) if part]


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose ``field`` starts with ``prefix``, written so that the index on it is used.

    PostgreSQL: ``LIKE 'prefix%'`` uses the ``varchar_pattern_ops`` index that Django adds to every
    indexed CharField (a plain range would follow the database's locale collation, which may
    ignore punctuation). SQLite: its LIKE uses no index under the default collation, but a range
    on the plain binary-collated column does.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def any_prefix_q(field: str, prefixes: list[str] | tuple[str, ...]) -> Q:
    """Rows under any of several subtrees; an empty list matches nothing (deny by default)."""
    query = Q(pk__in=[])
    for prefix in collapse_prefixes(prefixes):
        query |= prefix_q(field, prefix)
    return query


def collapse_prefixes(prefixes: list[str] | tuple[str, ...]) -> list[str]:
    """Drop prefixes that lie inside another one of the list (a subtree of a subtree)."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return kept
