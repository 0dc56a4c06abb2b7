"""The audit log: append-only, written with the change, searchable, scoped."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bangfu.audit.models import AuditEvent
from bangfu.audit.services import audit_record
from bangfu.core.testing import UrlCase, assert_covers, check, matrix
from bangfu.orgs.services import org_create, org_update

pytestmark = pytest.mark.django_db

CASES = [
    UrlCase("list", expect={"admin": 200, "unit_admin": 200}),
    UrlCase(
        "detail", expect={"admin": 200, "unit_admin": 200}, kwargs=lambda w: {"pk": w.event.pk}
    ),
]


@pytest.fixture
def world(world):
    world.extra["event"] = org_create(
        actor=world.admin, code="A-LOG", name="日志测试", kind="agency", parent=world.a1
    ) and AuditEvent.objects.get(object_repr="日志测试")
    return world


def test_every_url_has_a_case():
    assert_covers("audit", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "audit", case, persona)


def test_events_cannot_be_changed_or_deleted(world):
    event = world.event
    event.summary = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_audit_needs_the_callers_transaction(world):
    with pytest.raises(RuntimeError, match="transaction"):
        audit_record(actor=world.admin, action="update", obj=world.a)


def test_unit_admin_reads_only_their_subtree(world, client):
    org_create(actor=world.admin, code="B-LOG", name="乙县日志", kind="agency", parent=world.b)
    client.force_login(world.unit_admin)
    html = client.get(reverse("audit:list")).content.decode()
    assert "日志测试" in html and "乙县日志" not in html
    client.force_login(world.outsider)
    html = client.get(reverse("audit:list")).content.decode()
    assert "乙县日志" in html and "日志测试" not in html


def test_search_by_person_object_and_date(world, client):
    org = world.a_office
    org_update(
        actor=world.unit_admin,
        org=org,
        code=org.code,
        name="甲县乡村振兴局",
        kind="agency",
        parent=world.a,
    )
    with transaction.atomic():
        old = audit_record(actor=world.admin, action="update", obj=world.a1, summary="旧记录")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))
    client.force_login(world.admin)

    def found(**params) -> set[str]:
        page = client.get(reverse("audit:list"), params)
        return {e.summary for e in page.context["page_obj"]}

    assert found(person="甲县管理员") == {"修改单位 甲县乡村振兴局"}
    assert found(person="unitadmin") == {"修改单位 甲县乡村振兴局"}
    assert "旧记录" in found(object="甲镇")
    assert found(object=str(org.pk), object_type="orgs.org") == {"修改单位 甲县乡村振兴局"}
    today = timezone.localdate()
    recent = found(date_from=(today - datetime.timedelta(days=1)).isoformat())
    assert "旧记录" not in recent and "修改单位 甲县乡村振兴局" in recent
    old_day = (timezone.localtime(timezone.now() - datetime.timedelta(days=40))).date()
    assert found(date_from=old_day.isoformat(), date_to=old_day.isoformat()) == {"旧记录"}


def test_detail_shows_before_and_after(world, client):
    org_update(
        actor=world.admin,
        org=world.a1,
        code=world.a1.code,
        name="甲镇(新)",
        kind="township",
        parent=world.a,
    )
    event = AuditEvent.objects.get(action="update", object_id=str(world.a1.pk))
    client.force_login(world.admin)
    html = client.get(reverse("audit:detail", args=[event.pk])).content.decode()
    assert "甲镇(新)" in html and ">甲镇<" in html
    assert event.changed_fields() == [("name", "甲镇", "甲镇(新)")]


def test_detail_masks_phone_numbers(world, client):
    from bangfu.accounts.services import user_update

    user_update(
        actor=world.admin,
        user=world.helper,
        name=world.helper.name,
        org=world.helper.org,
        phone="13612345678",
    )
    event = AuditEvent.objects.get(action="update", object_id=str(world.helper.pk))
    assert event.after["phone"] == "13612345678"  # stored in full, shown masked
    client.force_login(world.admin)
    html = client.get(reverse("audit:detail", args=[event.pk])).content.decode()
    assert "136****5678" in html and "139****1111" in html
    assert "13612345678" not in html and "13900001111" not in html
