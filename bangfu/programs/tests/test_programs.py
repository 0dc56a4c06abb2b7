"""Templates as data, programs from every template, pairings and coverage end to end."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, matrix
from bangfu.pairings import services as pairing_services
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import coverage
from bangfu.programs import services
from bangfu.programs.definition import definition_problems
from bangfu.programs.models import ProgramTemplate
from bangfu.registry.models import Helper, UnitBeneficiary
from bangfu.registry.tests.factories import PersonFactory, household_with_members

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def templates(db):
    services.load_builtin_templates()
    return {t.code: t for t in ProgramTemplate.objects.all()}


def make_program(world, templates, code: str, *, org=None, area=None, start=D(2025, 9, 1)):
    return services.program_create(
        actor=world.admin,
        code=f"P-{code}",
        name=f"项目 {code}",
        template=templates[code],
        org=org or world.a,
        area=area or world.a,
        start=start,
    )


def helper(world, org, *, tags=(), capacity=3):
    from bangfu.registry.models import Tag

    person = PersonFactory(org=org)
    person.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
    return Helper.objects.create(person=person, org=org, capacity=capacity)


def tagged_person(org, *tags):
    from bangfu.registry.models import Tag

    person = PersonFactory(org=org)
    person.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
    return person


def test_the_six_shipped_templates_are_valid_data(templates):
    assert set(templates) == {"jingzhun", "siyige", "shitu", "chengxiang", "kunnan", "baocun"}
    for template in templates.values():
        assert definition_problems(template.definition) == [], template.code
        assert template.builtin
    four = templates["siyige"].definition
    assert {r["period"] for r in four["rules"] if r["kind"] == "periodic"} == {
        "month",
        "semester",
        "school_year",
    }
    union = templates["kunnan"].definition
    assert [r["occasion"] for r in union["rules"] if r.get("occasion")] == [
        "元旦",
        "春节",
        "五一",
        "十一",
    ]
    assert any(r.get("month") == 6 for r in union["rules"])
    event = next(r for r in union["rules"] if r["kind"] == "event")
    assert event["within_days"] == 7 and set(event["events"]) == {
        "结婚",
        "丧事",
        "生病住院",
        "意外事故",
    }


def test_definition_problems_name_the_place(templates):
    bad = copy.deepcopy(templates["siyige"].definition)
    bad["rules"][2]["period"] = "fortnight"
    bad["rules"][3]["types"] = ["唱歌"]
    bad["pairing"]["max_per_helper"] = 0
    bad["semesters"][0]["start"] = "9月1日"
    problems = definition_problems(bad)
    assert (
        "rules[2].period: “fortnight” 无效, 可选: week, month, quarter, year, semester, "
        "school_year" in problems
    )
    assert "rules[3].types: 活动类型 “唱歌” 未在 activity_types 中定义" in problems
    assert any(p.startswith("pairing.max_per_helper") for p in problems)
    assert any(p.startswith("semesters[0].start") for p in problems)


def test_a_new_template_without_code(world, templates, client):
    client.force_login(world.unit_admin)
    page = client.get(reverse("programs:template_create"), {"from": templates["siyige"].pk})
    text = page.context["form"].initial["definition"]
    definition = json.loads(text)
    assert definition["code"] == "siyige-copy"
    definition["code"], definition["name"] = "sange", "三个一"
    definition["rules"][2]["count"] = 3
    bad = dict(
        definition, rules=[*definition["rules"], {"code": "x", "name": "x", "kind": "periodic"}]
    )
    response = client.post(
        reverse("programs:template_create"), {"definition": json.dumps(bad, ensure_ascii=False)}
    )
    assert "rules[5].types: 应列出至少一种活动类型" in response.content.decode()
    assert not ProgramTemplate.objects.filter(code="sange").exists()
    broken = client.post(reverse("programs:template_create"), {"definition": '{"code": '})
    assert "JSON 格式错误: 第 1 行" in broken.content.decode()
    client.post(
        reverse("programs:template_create"),
        {"definition": json.dumps(definition, ensure_ascii=False)},
    )
    made = ProgramTemplate.objects.get(code="sange")
    assert not made.builtin and made.definition["rules"][2]["count"] == 3
    with pytest.raises(PermissionDenied):
        services.template_save(
            actor=world.admin,
            template=templates["siyige"],
            definition=templates["siyige"].definition,
        )


def test_a_program_adjusts_its_own_copy(world, templates, client):
    program = make_program(world, templates, "siyige")
    client.force_login(world.unit_admin)
    codes = [r["code"] for r in program.rules]
    data = {"form": "rules", "rules-TOTAL_FORMS": len(codes), "rules-INITIAL_FORMS": len(codes)}
    for i, code in enumerate(codes):
        data[f"rules-{i}-code"] = code
    talk = codes.index("talk-monthly")
    data[f"rules-{talk}-count"] = 3
    data[f"rules-{talk}-period"] = "month"
    response = client.post(reverse("programs:program_edit", args=[program.pk]), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert next(r for r in program.rules if r["code"] == "talk-monthly")["count"] == 3
    assert (
        next(r for r in templates["siyige"].definition["rules"] if r["code"] == "talk-monthly")[
            "count"
        ]
        == 1
    )  # the template is untouched
    event = AuditEvent.objects.filter(object_type="programs.program", action="update").last()
    assert event is not None and "definition" in event.after
    with pytest.raises(ValidationError, match="不能改变"):
        changed = copy.deepcopy(program.definition)
        changed["beneficiary"]["kind"] = "household"
        services.program_update(actor=world.admin, program=program, definition=changed)


# -- each template end to end: create a program, pair, read the coverage -------------------


def test_jingzhun_cadres_and_households(world, templates):
    program = make_program(world, templates, "jingzhun", start=D(2026, 1, 1))
    cadre = helper(world, world.a_office, tags=["党员"], capacity=2)
    households = [
        household_with_members(world.a1v, 3, statuses=[(D(2025, 12, 1), "assisting")])
        for _ in range(3)
    ]
    exited = household_with_members(world.a1v, 2, statuses=[(D(2025, 12, 1), "identified")])
    exited.status = "exited"
    exited.save()
    for h in households[:2]:
        pairing_services.pairing_create(
            actor=world.unit_admin, program=program, helper=cadre, household=h, start=D(2026, 1, 5)
        )
    with pytest.raises(ValidationError, match="达到最多帮扶数 2"):
        pairing_services.pairing_create(
            actor=world.unit_admin,
            program=program,
            helper=cadre,
            household=households[2],
            start=D(2026, 1, 5),
        )
    c = coverage(program, day=D(2026, 3, 1))
    assert (c.pool, c.covered, c.active_pairings, c.helpers) == (3, 2, 2, 1)
    assert [h.pk for h in c.uncovered] == [households[2].pk]
    assert [h.pk for h in c.overdue] == []  # household_with_members sets no identified_on
    households[2].identified_on = D(2026, 2, 1)
    households[2].save()
    assert [h.pk for h in coverage(program, day=D(2026, 2, 16)).overdue] == []  # 15 days
    assert [h.pk for h in coverage(program, day=D(2026, 2, 17)).overdue] == [households[2].pk]


def test_siyige_teachers_and_pupils(world, templates):
    program = make_program(world, templates, "siyige", org=world.a, area=world.a1v)
    teachers = [helper(world, world.a, tags=["教师"]) for _ in range(2)]
    helper(world, world.a, tags=["党员"])  # not a teacher: not in this template's pool
    pupils = [tagged_person(world.a1v, "留守儿童") for _ in range(3)]
    tagged_person(world.a1v)  # no priority tag: not in the pool
    for pupil in pupils[:2]:
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper=teachers[0],
            person=pupil,
            start=D(2025, 9, 1),
        )
    with pytest.raises(ValidationError, match="最多 1 个"):
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper=teachers[1],
            person=pupils[0],
            start=D(2025, 9, 1),
        )
    c = coverage(program, day=D(2025, 10, 1))
    assert (c.pool, c.covered, c.helpers) == (3, 2, 2)
    assert [t.pk for t in c.under_minimum] == [teachers[1].pk]  # 每名教师至少一名


def test_shitu_masters_and_new_teachers(world, templates):
    program = make_program(world, templates, "shitu")
    master = helper(world, world.a, tags=["教师"], capacity=2)
    novices = [tagged_person(world.a1, "新教师") for _ in range(3)]
    for novice in novices[:2]:
        pairing_services.pairing_create(
            actor=world.admin, program=program, helper=master, person=novice, start=D(2025, 9, 1)
        )
    c = coverage(program, day=D(2025, 9, 2))
    assert (c.pool, c.covered) == (3, 2)
    with pytest.raises(ValidationError, match="达到最多帮扶数"):
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper=master,
            person=novices[2],
            start=D(2025, 9, 1),
        )


def test_chengxiang_urban_school_and_rural_schools(world, templates):
    from bangfu.orgs.tests.factories import OrgFactory

    urban = OrgFactory(parent=world.a, kind="school", code="A-URBAN", name="城区小学")
    rural = [
        OrgFactory(parent=world.a1, kind="school", code=f"A-RURAL{i}", name=f"村小{i}")
        for i in range(4)
    ]
    for school in rural[:3]:
        UnitBeneficiary.objects.create(org=school)
    program = make_program(world, templates, "chengxiang")
    for school in rural[:2]:
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper_org=urban,
            beneficiary_org=school,
            start=D(2025, 9, 1),
        )
    with pytest.raises(ValidationError, match="帮扶对象应为"):
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper_org=urban,
            household=household_with_members(world.a1v, 1),
            start=D(2025, 9, 1),
        )
    c = coverage(program, day=D(2025, 9, 2))
    assert (c.pool, c.covered, c.helpers) == (3, 2, 1)
    assert [u.org_id for u in c.uncovered] == [rural[2].pk]


def test_kunnan_union_and_workers(world, templates):
    program = make_program(world, templates, "kunnan", start=D(2026, 1, 1))
    officer = helper(world, world.a_office, tags=["工会干部"], capacity=6)
    workers = [
        household_with_members(world.a1v, 2, statuses=[(D(2025, 12, 1), "assisting")])
        for _ in range(2)
    ]
    pairing_services.pairing_create(
        actor=world.admin,
        program=program,
        helper=officer,
        household=workers[0],
        start=D(2026, 1, 2),
    )
    c = coverage(program, day=D(2026, 1, 3))
    assert (c.pool, c.covered) == (2, 1)
    with pytest.raises(ValidationError, match="不在本项目的帮扶范围"):
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper=officer,
            household=household_with_members(world.b1, 1),
            start=D(2026, 1, 2),
        )


def test_baocun_agency_and_village(world, templates):
    from bangfu.orgs.tests.factories import OrgFactory

    agency = OrgFactory(parent=world.b, kind="agency", code="B-AGENCY", name="乙县农业局")
    UnitBeneficiary.objects.create(org=world.a1v)
    program = make_program(world, templates, "baocun", org=world.a, area=world.a1)
    pairing = pairing_services.pairing_create(
        actor=world.admin,
        program=program,
        helper_org=agency,
        beneficiary_org=world.a1v,
        start=D(2025, 9, 1),
    )
    assert pairing.org == world.a1v and str(pairing) == "乙县农业局 → 甲村"
    c = coverage(program, day=D(2025, 9, 2))
    assert (c.pool, c.covered) == (1, 1)
    with pytest.raises(ValidationError, match="帮扶对象应为 village、community"):
        pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper_org=agency,
            beneficiary_org=world.a1,
            start=D(2025, 9, 1),
        )


# -- pairing history and bulk changes -------------------------------------------------------


def test_transfer_keeps_the_history_and_bulk_is_all_or_nothing(world, templates):
    program = make_program(world, templates, "jingzhun", start=D(2026, 1, 1))
    old = helper(world, world.a_office, capacity=5)
    new = helper(world, world.a_office, capacity=1)
    households = [
        household_with_members(world.a1v, 1, statuses=[(D(2025, 12, 1), "assisting")])
        for _ in range(2)
    ]
    pairings = [
        pairing_services.pairing_create(
            actor=world.unit_admin, program=program, helper=old, household=h, start=D(2026, 1, 5)
        )
        for h in households
    ]
    # The new helper can take only one: moving both fails and changes nothing.
    with pytest.raises(ValidationError, match="达到最多帮扶数 1"):
        pairing_services.pairings_transfer_many(
            actor=world.unit_admin, pairings=pairings, day=D(2026, 3, 1), reason="调离", helper=new
        )
    assert Pairing.objects.filter(end__isnull=False).count() == 0
    for p in pairings:
        p.refresh_from_db()
    moved = pairing_services.pairing_transfer(
        actor=world.unit_admin, pairing=pairings[0], day=D(2026, 3, 1), reason="调离", helper=new
    )
    pairings[0].refresh_from_db()
    assert pairings[0].end == D(2026, 2, 28) and pairings[0].end_reason == "调离"
    assert moved.replaces == pairings[0] and moved.helper == new
    assert Pairing.objects.filter(household=households[0]).count() == 2
    n = pairing_services.pairings_end_many(
        actor=world.unit_admin,
        pairings=[moved, pairings[1]],
        end=D(2026, 6, 30),
        reason="已稳定脱贫",
    )
    assert n == 2 and Pairing.objects.filter(end__isnull=True).count() == 0
    with pytest.raises(PermissionDenied):
        pairing_services.pairing_end(
            actor=world.outsider, pairing=moved, end=D(2026, 7, 1), reason="x"
        )


def test_a_helper_sees_only_their_own_pairings_and_beneficiaries(world, templates, client):
    from bangfu.accounts.tests.factories import RoleFactory
    from bangfu.registry.selectors import household_list, person_list

    program = make_program(world, templates, "jingzhun", start=D(2026, 1, 1))
    mine = Helper.objects.create(
        person=PersonFactory(org=world.a1v), org=world.a1v, capacity=5, user=world.helper
    )
    other = helper(world, world.a_office)
    own_household = household_with_members(world.a1v, 2, statuses=[(D(2025, 12, 1), "assisting")])
    foreign = household_with_members(world.a1v, 2, statuses=[(D(2025, 12, 1), "assisting")])
    pairing_services.pairing_create(
        actor=world.admin,
        program=program,
        helper=mine,
        household=own_household,
        start=D(2026, 1, 5),
    )
    theirs = pairing_services.pairing_create(
        actor=world.admin, program=program, helper=other, household=foreign, start=D(2026, 1, 5)
    )
    assert list(household_list(user=world.helper)) == [own_household]
    assert set(person_list(user=world.helper)) == {m.person for m in own_household.members.all()}
    client.force_login(world.helper)
    page = client.get(reverse("pairings:pairing_list"))
    assert [p.household_id for p in page.context["page_obj"]] == [own_household.pk]
    assert client.get(reverse("pairings:pairing_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("registry:household_detail", args=[foreign.pk])).status_code == 404
    assert (
        client.get(reverse("registry:household_detail", args=[own_household.pk])).status_code == 200
    )
    del RoleFactory


def test_pairing_through_the_form(world, templates, client):
    program = make_program(world, templates, "jingzhun", start=D(2026, 1, 1))
    cadre = helper(world, world.a_office, capacity=2)
    household = household_with_members(world.a1v, 2, statuses=[(D(2025, 12, 1), "assisting")])
    client.force_login(world.unit_admin)
    page = client.get(reverse("pairings:pairing_create"), {"program": program.pk})
    assert f"h{household.pk}" in page.content.decode()
    response = client.post(
        reverse("pairings:pairing_create"),
        {
            "program": program.pk,
            "helper": cadre.pk,
            "beneficiary_code": household.code,
            "start": "2026-01-05",
        },
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and pairing.household == household
    again = client.post(
        reverse("pairings:pairing_create"),
        {
            "program": program.pk,
            "helper": cadre.pk,
            "beneficiary": f"h{household.pk}",
            "start": "2026-01-06",
        },
    )
    assert "已有进行中的结对" in again.content.decode()
    missing = client.post(
        reverse("pairings:pairing_create"),
        {
            "program": program.pk,
            "helper": cadre.pk,
            "beneficiary_code": "NOPE",
            "start": "2026-01-06",
        },
    )
    assert "找不到帮扶对象 “NOPE”" in missing.content.decode()


# -- every URL of programs and pairings against every persona -------------------------------

READ = {"admin": 200, "unit_admin": 200, "inspector": 200}


@pytest.fixture
def program_world(world, templates):
    program = make_program(world, templates, "jingzhun", start=D(2026, 1, 1))
    cadre = helper(world, world.a_office, capacity=3)
    household = household_with_members(world.a1v, 1, statuses=[(D(2025, 12, 1), "assisting")])
    world.extra.update(
        program=program,
        template=templates["jingzhun"],
        cadre=cadre,
        pairing=pairing_services.pairing_create(
            actor=world.admin,
            program=program,
            helper=cadre,
            household=household,
            start=D(2026, 1, 5),
        ),
    )
    return world


PROGRAM_CASES = [
    UrlCase("program_list", expect={**READ, "helper": 200}),
    UrlCase("program_create", expect={"admin": 200, "unit_admin": 200}),
    UrlCase("program_detail", expect=READ, kwargs=lambda w: {"pk": w.program.pk}),
    UrlCase(
        "program_edit",
        expect={"admin": 200, "unit_admin": 200},
        kwargs=lambda w: {"pk": w.program.pk},
    ),
    UrlCase("template_list", expect={**READ, "helper": 200}),
    UrlCase("template_create", expect={"admin": 200, "unit_admin": 200}),
    # Templates are shared by every office: not an object of county A.
    UrlCase(
        "template_detail", expect={**READ, "helper": 200}, kwargs=lambda w: {"pk": w.template.pk}
    ),
]
PAIRING_CASES = [
    UrlCase("pairing_list", expect={**READ, "helper": 200}),
    UrlCase(
        "pairing_create",
        expect={"admin": 200, "unit_admin": 200, "outsider": 404},
        data=lambda w: {"program": w.program.pk},
    ),
    UrlCase(
        "pairings_bulk",
        method="post",
        expect={"admin": 302, "unit_admin": 302, "outsider": 404},
        data=lambda w: {"program": w.program.pk},
    ),
    UrlCase("coverage", expect=READ),
    UrlCase("pairing_detail", expect=READ, kwargs=lambda w: {"pk": w.pairing.pk}),
    UrlCase(
        "pairing_end",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.pairing.pk},
    ),
    UrlCase(
        "pairing_transfer",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.pairing.pk},
    ),
]


def test_every_program_and_pairing_url_has_a_case():
    from bangfu.pairings.tests.test_commitments import CASES as COMMITMENT_CASES
    from bangfu.pairings.tests.test_matching import CASES as MATCH_CASES
    from bangfu.pairings.tests.test_plans import CASES as PLAN_CASES

    assert_covers("programs", PROGRAM_CASES)
    assert_covers("pairings", [*PAIRING_CASES, *COMMITMENT_CASES, *PLAN_CASES, *MATCH_CASES])


@pytest.mark.parametrize(("case", "persona"), matrix(PROGRAM_CASES), ids=str)
def test_program_authorization(program_world, case, persona):
    if case.name == "template_detail" and persona == "outsider":
        # Shared templates are readable by every administrator, the outsider included.
        from django.test import Client

        client = Client()
        client.force_login(program_world.outsider)
        url = reverse("programs:template_detail", args=[program_world.template.pk])
        assert client.get(url).status_code == 200
        return
    check(program_world, "programs", case, persona)


@pytest.mark.parametrize(("case", "persona"), matrix(PAIRING_CASES), ids=str)
def test_pairing_authorization(program_world, case, persona):
    check(program_world, "pairings", case, persona)
