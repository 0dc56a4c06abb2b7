"""Test personas and the reusable authorization check that every app's URLs go through.

The world: two counties. County A (甲县) has a township and a village; the administrator,
a unit administrator of A, a helper in A's village and an inspector of A live there. County B
(乙县) belongs to the outsider, a unit administrator of B, who must get 404 on every object URL of
A — exactly the answer for an object that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PERSONAS = ("anonymous", "admin", "unit_admin", "helper", "inspector", "outsider")


@dataclass
class World:
    orgs: dict[str, Any]
    users: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in self.orgs:
            return self.orgs[name]
        if name in self.users:
            return self.users[name]
        if name in self.extra:
            return self.extra[name]
        raise AttributeError(name)


def build_world() -> World:
    from bangfu.accounts.tests.factories import RoleFactory, UserFactory
    from bangfu.orgs.tests.factories import OrgFactory

    a = OrgFactory(code="450123", name="甲县", kind="county")
    a1 = OrgFactory(code="450123100", name="甲镇", kind="township", parent=a)
    a1v = OrgFactory(code="450123100201", name="甲村", kind="village", parent=a1)
    a_office = OrgFactory(code="A-OFFICE", name="甲县扶贫办", kind="agency", parent=a)
    b = OrgFactory(code="450124", name="乙县", kind="county")
    b1 = OrgFactory(code="450124100", name="乙镇", kind="township", parent=b)
    users = {
        "admin": UserFactory(username="admin", name="管理员", org=a),
        "unit_admin": UserFactory(
            username="unitadmin", name="甲县管理员", org=a_office, phone="13812345678"
        ),
        "helper": UserFactory(username="helper", name="张帮扶", org=a1v, phone="13900001111"),
        "inspector": UserFactory(username="inspector", name="督查员", org=a),
        "outsider": UserFactory(username="outsider", name="乙县管理员", org=b, phone="13700002222"),
    }
    RoleFactory(user=users["admin"], org=a, role="sysadmin")
    RoleFactory(user=users["unit_admin"], org=a, role="org_admin", can_reveal=True)
    RoleFactory(user=users["helper"], org=a1v, role="helper")
    RoleFactory(user=users["inspector"], org=a, role="inspector")
    RoleFactory(user=users["outsider"], org=b, role="org_admin", can_reveal=True)
    orgs = {"a": a, "a1": a1, "a1v": a1v, "a_office": a_office, "b": b, "b1": b1}
    return World(orgs=orgs, users=users)


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


@dataclass(frozen=True)
class UrlCase:
    """One URL of an app and what each persona gets from it.

    ``kwargs`` builds the URL's arguments from objects of county A; a URL with arguments is an
    object URL, and the outsider must get 404 from it whatever ``expect`` says. ``expect`` maps
    persona → status; personas not named expect ``default``.
    """

    name: str
    expect: dict[str, int]
    kwargs: Callable[[World], dict[str, Any]] | None = None
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    default: int = 404

    def status_for(self, persona: str) -> int:
        if persona == "anonymous":
            return self.expect.get("anonymous", 302)
        if persona == "outsider":
            if self.kwargs is not None:
                return 404
            # On a list page the outsider is a unit administrator of their own county.
            return self.expect.get("outsider", self.expect.get("unit_admin", self.default))
        return self.expect.get(persona, self.default)

    def __str__(self) -> str:
        return self.name


def url_names(namespace: str) -> set[str]:
    """Every named URL of an app namespace."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{prefix}{p.name}")

    walk(get_resolver().url_patterns, "")
    return {n.split(":", 1)[1] for n in names if n.startswith(f"{namespace}:")}


def assert_covers(namespace: str, cases: list[UrlCase]) -> None:
    covered = {c.name for c in cases}
    missing = url_names(namespace) - covered
    assert not missing, f"URLs of {namespace} without an authorization case: {sorted(missing)}"


def matrix(cases: list[UrlCase]) -> list[tuple[UrlCase, str]]:
    return [(case, persona) for case in cases for persona in PERSONAS]


def check(world: World, namespace: str, case: UrlCase, persona: str) -> None:
    from django.urls import reverse

    url = reverse(f"{namespace}:{case.name}", kwargs=case.kwargs(world) if case.kwargs else None)
    client = client_for(world, persona)
    data = case.data(world) if case.data else {}
    response = getattr(client, case.method)(url, data)
    expected = case.status_for(persona)
    assert response.status_code == expected, (
        f"{persona} {case.method.upper()} {url}: {response.status_code}, expected {expected}"
    )
    if persona == "anonymous" and expected == 302:
        assert "/accounts/login/" in response["Location"]
