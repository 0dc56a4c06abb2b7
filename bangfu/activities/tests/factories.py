"""Programs of the six templates in county A, each with pairings, for the activity, event and
ledger tests.

- ``jingzhun`` (甲县扶贫办): the helper persona's cadre 李帮扶 → two households of 甲村
  (``pairing``, ``pairing2``); another cadre 王干部 → a third household (``other_pairing``).
- ``kunnan`` (甲县总工会): 李帮扶 → a worker household (``worker_pairing``).
- ``siyige``: 陈老师 → a student (``student_pairing``); ``shitu``: 陈老师 → 新老师.
- ``chengxiang``: 甲县实验小学 → 甲村小学 (``school_pairing``); ``baocun``: 甲县扶贫办 → 甲村
  (``village_pairing``).
"""

from __future__ import annotations

import datetime
from typing import Any

from bangfu.core.testing import World
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.pairings.services import pairing_create
from bangfu.programs.models import ProgramTemplate
from bangfu.programs.services import load_builtin_templates, program_create
from bangfu.registry.models import Helper, UnitBeneficiary
from bangfu.registry.tests.factories import PersonFactory, household_with_members

D = datetime.date
START = D(2025, 9, 1)


def person(org: Any, name: str) -> Any:
    p = PersonFactory(org=org)
    p.name = name
    p.save()
    return p


def program(world: World, template: str, org: Any, code: str | None = None) -> Any:
    return program_create(
        actor=world.admin,
        code=code or f"P-{template}",
        name=f"甲县{ProgramTemplate.objects.get(code=template).name}",
        template=ProgramTemplate.objects.get(code=template),
        org=org,
        area=world.a,
        start=D(2025, 1, 1),
    )


def build_activity_world(world: World) -> World:
    load_builtin_templates()
    admin = world.admin
    union = OrgFactory(code="A-UNION", name="甲县总工会", kind="union", parent=world.a)
    programs = {
        code: program(world, code, org)
        for code, org in (
            ("jingzhun", world.a_office),
            ("kunnan", union),
            ("siyige", world.a),
            ("shitu", world.a),
            ("chengxiang", world.a),
            ("baocun", world.a_office),
        )
    }
    cadre = Helper.objects.create(
        person=person(world.a1, "李帮扶"), org=world.a1, user=world.helper, capacity=10
    )
    cadre2 = Helper.objects.create(person=person(world.a1, "王干部"), org=world.a1, capacity=10)
    teacher = Helper.objects.create(person=person(world.a1, "陈老师"), org=world.a1, capacity=10)
    h1 = household_with_members(world.a1v, 3, code="H450123001")
    h2 = household_with_members(world.a1v, 2, code="H450123002")
    h3 = household_with_members(world.a1v, 2, code="H450123003")
    worker = household_with_members(world.a1v, 2, code="H450123004")
    student = h1.members.exclude(person=h1.head).first().person
    newbie = person(world.a1, "新老师")
    urban = OrgFactory(name="甲县实验小学", kind="school", parent=world.a)
    rural = OrgFactory(name="甲村小学", kind="school", parent=world.a1v)
    UnitBeneficiary.objects.create(org=rural)
    UnitBeneficiary.objects.get_or_create(org=world.a1v)

    def pair(code: str, **kw: Any) -> Any:
        return pairing_create(actor=admin, program=programs[code], start=START, **kw)

    world.extra.update(
        programs=programs,
        union=union,
        cadre=cadre,
        cadre2=cadre2,
        teacher=teacher,
        household=h1,
        household2=h2,
        household3=h3,
        worker=worker,
        student=student,
        urban=urban,
        rural=rural,
        pairing=pair("jingzhun", helper=cadre, household=h1),
        pairing2=pair("jingzhun", helper=cadre, household=h2),
        other_pairing=pair("jingzhun", helper=cadre2, household=h3),
        worker_pairing=pair("kunnan", helper=cadre, household=worker),
        student_pairing=pair("siyige", helper=teacher, person=student),
        mentor_pairing=pair("shitu", helper=teacher, person=newbie),
        school_pairing=pair("chengxiang", helper_org=urban, beneficiary_org=rural),
        village_pairing=pair("baocun", helper_org=world.a_office, beneficiary_org=world.a1v),
    )
    return world
