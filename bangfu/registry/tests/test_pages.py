"""Registry pages through the browser's eyes (the Django test client), and `bangfu report`."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, matrix
from bangfu.registry.models import Household, Member, Person, UnitBeneficiary
from bangfu.registry.tests.factories import PersonFactory, household_with_members, make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date

READ = {"admin": 200, "unit_admin": 200, "inspector": 200}
WRITE = {"admin": 200, "unit_admin": 200}
MOVED = {"admin": 302, "unit_admin": 302}


@pytest.fixture
def world(world):
    hh = household_with_members(world.a1v, 3, code="HW1", statuses=[(D(2024, 1, 1), "identified")])
    world.extra["hh"] = hh
    world.extra["person"] = hh.head
    world.extra["member"] = hh.members.exclude(relation="head").first()
    from bangfu.registry.models import Helper

    world.extra["helper_row"] = Helper.objects.create(
        person=PersonFactory(org=world.a1), org=world.a1, capacity=3
    )
    world.extra["unit"] = UnitBeneficiary.objects.create(org=world.a1v)
    return world


CASES = [
    UrlCase("person_list", expect={**READ, "helper": 200}),
    UrlCase("person_create", expect=WRITE),
    UrlCase("person_detail", expect=READ, kwargs=lambda w: {"pk": w.person.pk}),
    UrlCase("person_edit", expect=WRITE, kwargs=lambda w: {"pk": w.person.pk}),
    UrlCase("person_reveal", method="post", expect=WRITE, kwargs=lambda w: {"pk": w.person.pk}),
    UrlCase("household_list", expect={**READ, "helper": 200}),
    UrlCase("household_create", expect=WRITE),
    UrlCase("household_detail", expect=READ, kwargs=lambda w: {"pk": w.hh.pk}),
    UrlCase("household_edit", expect=WRITE, kwargs=lambda w: {"pk": w.hh.pk}),
    UrlCase("household_reveal", method="post", expect=WRITE, kwargs=lambda w: {"pk": w.hh.pk}),
    UrlCase("member_add", expect=WRITE, kwargs=lambda w: {"pk": w.hh.pk}),
    UrlCase(
        "status_add",
        method="post",
        expect=MOVED,
        kwargs=lambda w: {"pk": w.hh.pk},
        data=lambda w: {"status": "assisting", "date": "2024-02-01"},
    ),
    UrlCase("income_add", expect=WRITE, kwargs=lambda w: {"pk": w.hh.pk}),
    UrlCase("member_remove", method="post", expect=MOVED, kwargs=lambda w: {"pk": w.member.pk}),
    UrlCase("duplicates", expect=READ),
    UrlCase(
        "household_merge",
        method="post",
        expect={"admin": 404, "unit_admin": 404},
        data=lambda w: {"keep": w.hh.pk, "drop": 0},
    ),
    UrlCase("status_report", expect=READ),
    UrlCase("helper_list", expect=READ),
    UrlCase("helper_create", expect=WRITE, kwargs=lambda w: {"person_pk": w.person.pk}),
    UrlCase("helper_edit", expect=WRITE, kwargs=lambda w: {"pk": w.helper_row.pk}),
    UrlCase("unit_list", expect=READ),
    UrlCase("unit_create", expect=WRITE),
    UrlCase("unit_detail", expect=READ, kwargs=lambda w: {"pk": w.unit.pk}),
    UrlCase("quality", expect=READ),
    UrlCase("income_lines", expect=READ),
]


def test_every_url_has_a_case():
    assert_covers("registry", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "registry", case, persona)


def test_household_created_in_the_browser_form(world, client):
    client.force_login(world.unit_admin)
    number = make_id_number(D(1975, 4, 2))
    response = client.post(
        reverse("registry:household_create"),
        {
            "org": world.a1v.pk,
            "code": "HNEW",
            "head_name": "覃大山",
            "head_id_number": number,
            "head_phone": "13877001122",
            "main_cause": "illness",
            "other_causes": ["schooling"],
            "difficulty": "deep",
            "identified_on": "2025-03-01",
            "status": "identified",
            "housing_safe": "true",
            "water_safe": "",
            "address": "那桐村3组",
        },
    )
    household = Household.objects.get(code="HNEW")
    assert response.status_code == 302
    assert household.head.name == "覃大山" and household.head.id_number == number
    assert household.status == "identified" and household.status_since == D(2025, 3, 1)
    assert household.other_cause_list == ["schooling"] and household.housing_safe is True
    assert household.water_safe is None
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "覃大山" in page and number not in page and number[:4] + "*" * 10 in page


def test_bad_form_input_is_explained_and_nothing_is_written(world, client):
    client.force_login(world.unit_admin)
    page = client.post(
        reverse("registry:household_create"),
        {
            "org": world.a1v.pk,
            "code": "HBAD",
            "head_name": "某人",
            "head_id_number": "45012319750402123",
            "status": "identified",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and "18 位" in html
    assert not Household.objects.filter(code="HBAD").exists()
    assert not Person.objects.filter(name="某人").exists()


def test_refused_status_change_says_why(world, client):
    client.force_login(world.unit_admin)
    hh = world.hh
    page = client.post(
        reverse("registry:status_add", args=[hh.pk]),
        {"status": "exited", "date": "2024-03-01"},
        follow=True,
    )
    html = page.content.decode()
    assert "选择一个有效的选项" in html  # 脱贫 is not offered after 新识别
    page = client.post(
        reverse("registry:status_add", args=[hh.pk]),
        {"status": "assisting", "date": "2023-12-01"},
        follow=True,
    )
    assert "早于上一次状态变更" in page.content.decode()
    hh.refresh_from_db()
    assert hh.status == "identified"
    client.post(
        reverse("registry:status_add", args=[hh.pk]),
        {"status": "assisting", "date": "2024-03-01", "reason": "结对帮扶"},
    )
    hh.refresh_from_db()
    assert hh.status == "assisting"


def test_member_added_by_id_reuses_the_registered_person(world, client):
    client.force_login(world.unit_admin)
    other = household_with_members(world.a1v, 1, code="HOTHER")
    existing = other.head
    client.post(
        reverse("registry:member_add", args=[world.hh.pk]),
        {
            "relation": "father",
            "org": world.a1v.pk,
            "name": existing.name,
            "id_number": existing.id_number.lower(),
        },
    )
    assert Member.objects.filter(household=world.hh, person=existing).exists()
    assert Person.objects.filter(id_number=existing.id_number).count() == 1
    # … and the same person in two households now shows on the 一人多户 page.
    html = client.get(reverse("registry:duplicates")).content.decode()
    assert existing.name in html and "HOTHER" in html and "HW1" in html


def test_reveal_is_audited_and_needs_the_permission(world, client):
    person = world.person
    person.phone = "13712345678"
    person.save()
    client.force_login(world.inspector)
    detail = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert person.id_number not in detail and "137****5678" in detail
    assert reverse("registry:person_reveal", args=[person.pk]) not in detail
    assert (
        AuditEvent.objects.filter(
            action="view", object_type="registry.person", actor=world.inspector
        ).count()
        == 1
    )
    client.force_login(world.unit_admin)
    shown = client.post(reverse("registry:person_reveal", args=[person.pk])).content.decode()
    assert person.id_number in shown and "13712345678" in shown
    assert AuditEvent.objects.filter(action="reveal", actor=world.unit_admin).count() == 1
    members = client.post(reverse("registry:household_reveal", args=[world.hh.pk]))
    assert all(m.person.id_number in members.content.decode() for m in world.hh.members.all())


def test_list_search_by_pinyin_and_sort(world, client):
    for name in ("单田芳", "张三", "曾小明", "李四"):
        PersonFactory(org=world.a1v, name=name)
    client.force_login(world.unit_admin)

    def names(**params) -> list[str]:
        page = client.get(reverse("registry:person_list"), params)
        return [p.name for p in page.context["page_obj"]]

    assert names(q="stf") == ["单田芳"]  # 单 as a surname reads shan
    assert names(q="zhangsan") == ["张三"]
    assert names(q="zxm") == ["曾小明"]
    ordered = names(sort="name", org=world.a1v.pk)
    keys = [Person.objects.get(name=n).name_sort for n in ordered]
    # 单 as a surname sorts under S (after 李 Li), not under D.
    assert keys == sorted(keys) and ordered.index("单田芳") > ordered.index("李四")


def test_status_page_shows_the_sentence(world, client):
    household_with_members(
        world.a1v, 2, statuses=[(D(2024, 1, 1), "identified"), (D(2024, 3, 1), "removed")]
    )
    client.force_login(world.inspector)
    page = client.get(
        reverse("registry:status_report"),
        {
            "as_of": "2024-12-31",
            "date_from": "2024-01-01",
            "date_to": "2024-12-31",
            "org": world.a.pk,
        },
    )
    html = page.content.decode()
    assert "截至2024年12月31日, 甲县共登记帮扶对象2户5人" in html
    assert "剔除1户2人" in html


def test_report_status_command(world):
    household_with_members(
        world.a1v, 4, statuses=[(D(2024, 1, 1), "identified"), (D(2024, 2, 1), "assisting")]
    )
    out = StringIO()
    call_command(
        "report",
        "status",
        "--as-of",
        "2024-06-30",
        "--org",
        world.a.code,
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        "--format",
        "json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2024-06-30" and data["org"] == world.a.code
    assert data["by_status"]["帮扶中"] == {"households": 1, "persons": 4}
    assert data["by_status"]["新识别"] == {"households": 1, "persons": 3}  # HW1
    assert data["entries"]["新识别"] == {"households": 2, "persons": 7}
    with pytest.raises(CommandError, match="单位编码 NOPE 不存在"):
        call_command("report", "status", "--as-of", "2024-06-30", "--org", "NOPE")
    with pytest.raises(CommandError, match="不存在的日期"):
        call_command("report", "status", "--as-of", "2024-02-30")


def test_quality_page_lists_findings_with_links(world, client):
    child = world.hh.members.exclude(relation="head").first().person
    child.birth_date = D(2018, 1, 1)
    child.labour = "ordinary"  # under 16 with labour capacity: P012
    child.save()
    client.force_login(world.inspector)
    page = client.get(reverse("registry:quality"), {"org": world.a.pk})
    findings = list(page.context["page_obj"])
    p012 = [f for f in findings if f.code == "P012"]
    assert [f.object_id for f in p012] == [child.pk]
    html = page.content.decode()
    assert "未满16周岁却有劳动能力" in html and p012[0].url in html
    only = client.get(reverse("registry:quality"), {"code": "P012", "severity": "error"})
    assert {f.code for f in only.context["page_obj"]} == {"P012"}
    client.force_login(world.outsider)
    outside = client.get(reverse("registry:quality"), {"code": "P012"})
    assert list(outside.context["page_obj"]) == []


def test_income_lines_are_kept_by_system_administrators(world, client):
    from bangfu.registry.models import IncomeLine

    client.force_login(world.unit_admin)
    assert (
        client.post(reverse("registry:income_lines"), {"year": 2026, "amount": "7000"}).status_code
        == 404
    )
    client.force_login(world.admin)
    client.post(
        reverse("registry:income_lines"),
        {"year": 2026, "region_prefix": "45", "amount": "7000", "source": "监测线"},
    )
    line = IncomeLine.objects.get(year=2026, region_prefix="45")
    assert line.amount == 7000
    assert AuditEvent.objects.filter(object_type="registry.incomeline").exists()
    bad = client.post(
        reverse("registry:income_lines"), {"year": 2026, "region_prefix": "4a", "amount": "1"}
    )
    assert "区划代码前缀只能是数字" in bad.content.decode()
