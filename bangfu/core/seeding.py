"""Shared state of the demo seeders (``<app>/demo.py``), which run in INSTALLED_APPS order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    stdout: Any = None
    orgs: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, unit
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def summary(self, *, password: str) -> str:
        made = ", ".join(f"{k} {v}" for k, v in self.created.items()) or "无新增 (已是最新)"
        lines = [f"演示数据: {made}", "", f"演示账号 (密码均为 {password}):"]
        width = max((len(u) for u, _r, _o in self.accounts), default=8)
        for username, role, unit in self.accounts:
            lines.append(f"  {username.ljust(width)}  {role} · {unit}")
        return "\n".join(lines)
