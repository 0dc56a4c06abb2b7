"""Long lists of ids in parts small enough for one SQL statement (SQLite allows 32,766
parameters, PostgreSQL 65,535), and the placeholders of a raw statement's IN list."""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Sized
from typing import TypeVar

T = TypeVar("T")


def chunked(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``values`` in consecutive parts of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def placeholders(values: Sized) -> str:
    """One ``%s`` per value, comma-separated: a raw statement's IN list."""
    return ", ".join(["%s"] * len(values))
