"""The organisation tree: subtree queries, moves, validation, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from bangfu.audit.models import AuditEvent
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list, org_search
from bangfu.orgs.services import org_create, org_delete, org_update
from bangfu.orgs.tests.factories import OrgFactory

pytestmark = pytest.mark.django_db


def test_subtree_contains_exactly_the_descendants(world):
    # /1/5/ must not match /1/50/: make ids that share a prefix.
    siblings = [
        OrgFactory(parent=world.a1, kind="village", code=f"4501231003{i:02d}") for i in range(12)
    ]
    subtree = set(Org.objects.subtree(world.a1).values_list("pk", flat=True))
    assert subtree == {world.a1.pk, world.a1v.pk, *(s.pk for s in siblings)}
    assert world.a.pk not in subtree and world.b1.pk not in subtree
    for org in siblings:
        own = set(Org.objects.subtree(org).values_list("pk", flat=True))
        assert own == {org.pk}, f"{org.path} matched another unit's subtree"
    assert set(
        Org.objects.subtree(world.a1, include_self=False).values_list("pk", flat=True)
    ) == subtree - {world.a1.pk}


def test_subtree_query_is_one_indexed_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Org.objects.subtree(world.a))
    sql, params = Org.objects.subtree(world.a).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan and "path" in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            assert "Index" in plan and "path" in plan, plan


def test_create_places_the_unit_and_audits_it(world):
    org = org_create(
        actor=world.unit_admin, code="450123100202", name="乙村", kind="village", parent=world.a1
    )
    assert org.path == f"{world.a1.path}{org.pk}/" and org.depth == 2
    event = AuditEvent.objects.get(object_type="orgs.org", object_id=str(org.pk), action="create")
    assert event.actor == world.unit_admin
    assert event.after["code"] == "450123100202" and event.after["parent"] == world.a1.pk
    assert event.org_path == org.path


def test_move_reroots_the_whole_subtree(world):
    deep = OrgFactory(parent=world.a1v, kind="party_branch", code="A-PB")
    org_update(
        actor=world.admin,
        org=world.a1,
        code=world.a1.code,
        name=world.a1.name,
        kind="township",
        parent=world.a,
    )  # unchanged parent: nothing moves
    # Move 甲镇 (with its village and branch) under county B: codes must follow, so use agency.
    agency = OrgFactory(parent=world.a, kind="agency", code="A-AG")
    sub = OrgFactory(parent=agency, kind="party_branch", code="A-AG-PB")
    org_update(
        actor=world.admin, org=agency, code="A-AG", name=agency.name, kind="agency", parent=world.b1
    )
    agency.refresh_from_db()
    sub.refresh_from_db()
    assert agency.path == f"{world.b1.path}{agency.pk}/" and agency.depth == 2
    assert sub.path == f"{agency.path}{sub.pk}/" and sub.depth == 3
    assert sub.pk in set(Org.objects.subtree(world.b).values_list("pk", flat=True))
    assert sub.pk not in set(Org.objects.subtree(world.a).values_list("pk", flat=True))
    deep.refresh_from_db()
    assert deep.path.startswith(world.a1v.path)
    event = AuditEvent.objects.filter(object_id=str(agency.pk), action="update").get()
    assert event.before["parent"] == world.a.pk and event.after["parent"] == world.b1.pk


def test_cannot_move_a_unit_under_its_own_descendant(world):
    with pytest.raises(ValidationError) as exc:
        org_update(
            actor=world.admin,
            org=world.a_office,
            code="A-OFFICE",
            name="x",
            kind="agency",
            parent=OrgFactory(parent=world.a_office, code="A-OFF-1"),
        )
    assert "不能是本单位或其下属单位" in str(exc.value)


@pytest.mark.parametrize(
    ("code", "kind", "parent", "message"),
    [
        ("45012", "county", None, "6 位数字"),
        ("450123105", "village", "a1", "12 位数字"),
        ("450199100201", "village", "a1", "应以 450123100 开头"),
        ("450123100209", "village", None, "不能作为顶级单位"),
        ("G5", "grade", "a1", "不能设在“乡镇(街道)”之下"),
        ("bad code!", "agency", "a", "只能由字母"),
        ("450123100201", "village", "a1", "已被其他单位使用"),
    ],
)
def test_validation_names_the_reason(world, code, kind, parent, message):
    with pytest.raises(ValidationError) as exc:
        org_create(
            actor=world.admin,
            code=code,
            name="新单位",
            kind=kind,
            parent=world.orgs[parent] if parent else None,
        )
    assert message in str(exc.value)
    assert not Org.objects.filter(name="新单位").exists()


def test_unit_admin_stays_inside_their_subtree(world):
    with pytest.raises(PermissionDenied):
        org_create(actor=world.unit_admin, code="X1", name="x", kind="agency", parent=None)
    with pytest.raises(PermissionDenied):
        org_create(actor=world.unit_admin, code="X2", name="x", kind="agency", parent=world.b)
    with pytest.raises(PermissionDenied):
        org_update(
            actor=world.unit_admin,
            org=world.a_office,
            code="A-OFFICE",
            name="x",
            kind="agency",
            parent=world.b,
        )
    with pytest.raises(PermissionDenied):
        org_update(
            actor=world.outsider,
            org=world.a1,
            code=world.a1.code,
            name="x",
            kind="township",
            parent=world.a,
        )
    with pytest.raises(PermissionDenied):
        org_create(actor=world.inspector, code="X3", name="x", kind="agency", parent=world.a)


def test_delete_only_an_empty_unit(world):
    with pytest.raises(ValidationError, match="下属单位"):
        org_delete(actor=world.admin, org=world.a1)
    with pytest.raises(ValidationError, match="用户"):
        org_delete(actor=world.admin, org=world.a1v)  # the helper lives there
    empty = OrgFactory(parent=world.a, code="A-EMPTY")
    org_delete(actor=world.unit_admin, org=empty)
    assert not Org.objects.filter(code="A-EMPTY").exists()
    assert AuditEvent.objects.filter(
        action="delete", object_type="orgs.org", object_repr=empty.name
    ).exists()


def test_a_failed_change_leaves_no_audit_row(world, monkeypatch):
    import bangfu.orgs.services as services

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        org_create(actor=world.admin, code="A-NEW", name="新机关", kind="agency", parent=world.a)
    assert not Org.objects.filter(code="A-NEW").exists()


def test_visibility_by_role(world):
    every = set(Org.objects.values_list("pk", flat=True))
    a_tree = {o.pk for o in (world.a, world.a1, world.a1v, world.a_office)}
    assert set(org_list(user=world.admin).values_list("pk", flat=True)) == every
    assert set(org_list(user=world.unit_admin).values_list("pk", flat=True)) == a_tree
    assert set(org_list(user=world.inspector).values_list("pk", flat=True)) == a_tree
    assert set(org_list(user=world.helper).values_list("pk", flat=True)) == {world.a1v.pk}
    assert set(org_list(user=world.outsider).values_list("pk", flat=True)) == {
        world.b.pk,
        world.b1.pk,
    }


def test_search_by_name_code_and_pinyin(world):
    OrgFactory(parent=world.a1, kind="village", code="450123100209", name="那桐村")
    names = lambda text: {o.name for o in org_search(user=world.unit_admin, text=text)}  # noqa: E731
    assert names("ntc") == {"那桐村"}
    assert names("natong") == {"那桐村"}
    assert names("4501231002") == {"甲村", "那桐村"}
    assert names("甲") == {"甲县", "甲镇", "甲村", "甲县扶贫办"}
    assert names("yixian") == set()  # 乙县 is outside the unit admin's subtree
    assert {o.name for o in org_search(user=world.outsider, text="yixian")} == {"乙县"}


def test_pages_create_and_edit_a_unit(world, client):
    client.force_login(world.unit_admin)
    form = client.get("/orgs/new/", {"parent": world.a1.pk}).content.decode()
    assert '<option value="village" selected>' in form  # a township's child is a village
    response = client.post(
        "/orgs/new/",
        {
            "parent": world.a1.pk,
            "kind": "village",
            "code": "450123100299",
            "name": "新村",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    org = Org.objects.get(code="450123100299")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org.pk}/"
    bad = client.post(
        f"/orgs/{org.pk}/edit/",
        {
            "parent": world.a1.pk,
            "kind": "village",
            "code": "450199100299",
            "name": "新村",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "应以 450123100 开头" in html
    org.refresh_from_db()
    assert org.code == "450123100299"
    # The tree's lazy children fragment lists the new village under 甲镇.
    fragment = client.get(f"/orgs/{world.a1.pk}/children/").content.decode()
    assert "新村" in fragment and "甲村" in fragment and "<html" not in fragment
