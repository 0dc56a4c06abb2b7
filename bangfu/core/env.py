"""Typed readers for the BANGFU_* environment variables.

Settings come from the environment so that one build runs on a laptop, on a county office's
intranet server and in CI. A wrong value must stop the process at start-up with a message that
names the variable and says what it expects, rather than run with a silently different setting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None:
        if required:
            raise ImproperlyConfigured(
                f"环境变量 {name} 未设置 (the environment variable {name} is required)"
            )
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"环境变量 {name} 的值 {value!r} 无效, 应为 true 或 false "
        f"({name} must be true or false, got {value!r})"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"环境变量 {name} 的值 {value!r} 不是整数 "
            f"({name} must be a whole number, got {value!r})"
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(
            f"环境变量 {name} 的值 {number} 小于 {minimum} ({name} must be at least {minimum})"
        )
    return number


def env_list(name: str, default: Sequence[str] = ()) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: Sequence[str], default: str, *, upper: bool = False) -> str:
    value = _raw(name)
    if value is None:
        return default
    if upper:
        value = value.upper()
    if value not in choices:
        allowed = ", ".join(choices)
        raise ImproperlyConfigured(
            f"环境变量 {name} 的值 {value!r} 无效, 可选: {allowed} "
            f"({name} must be one of {allowed}, got {value!r})"
        )
    return value


def env_time_zone(name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = _raw(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"环境变量 {name} 的值 {value!r} 不是有效的时区, 例如 Asia/Shanghai "
            f"({name} must be an IANA time zone such as Asia/Shanghai)"
        ) from None
    return value
