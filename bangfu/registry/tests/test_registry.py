"""Registry services: identity rules, status history, 一人多户, and the dynamic-management
figures compared with a plain-Python count of the same records."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bangfu.audit.models import AuditEvent
from bangfu.registry import services
from bangfu.registry.models import Household, Member
from bangfu.registry.selectors import household_list, multi_household_persons, status_figures
from bangfu.registry.tests.factories import PersonFactory, household_with_members, make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date


def test_person_identity_is_derived_and_normalised(world):
    number = make_id_number(D(2012, 3, 4), sex="F")
    raw = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + number[-1]
    person = services.person_create(
        actor=world.unit_admin,
        org=world.a1v,
        name=" 李 小 红 ",
        id_number=raw,
        phone="138 1234 5678",
        tags=["留守儿童", "孤儿"],
    )
    assert person.name == "李小红" and person.id_number == number
    assert person.sex == "F" and person.birth_date == D(2012, 3, 4)
    assert person.phone == "13812345678"
    assert sorted(t.name for t in person.tags.all()) == ["孤儿", "留守儿童"]
    assert AuditEvent.objects.filter(action="create", object_type="registry.person").exists()


def test_one_id_number_is_one_person(world):
    number = make_id_number()
    services.person_create(actor=world.admin, org=world.a1v, name="甲", id_number=number)
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            actor=world.admin, org=world.a1v, name="乙", id_number=number.lower()
        )
    assert "已登记为“甲”" in str(exc.value)


def test_bad_identity_fields_are_named(world):
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            actor=world.admin, org=world.a1v, name="", id_number="45012319800517001", phone="12345"
        )
    errors = exc.value.message_dict
    assert set(errors) == {"name", "id_number", "phone"}
    assert "18 位" in errors["id_number"][0]


def test_scope_bounds_registry_writes_and_reads(world):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=world.outsider, org=world.a1v, name="x")
    with pytest.raises(PermissionDenied):
        services.person_create(actor=world.inspector, org=world.a1v, name="x")
    household = household_with_members(world.a1v, 2)
    assert list(household_list(user=world.inspector)) == [household]
    assert list(household_list(user=world.outsider)) == []
    assert list(household_list(user=world.helper)) == []  # no pairings yet: nothing


def test_status_moves_only_sensibly(world):
    head = PersonFactory(org=world.a1v)
    household = services.household_create(
        actor=world.unit_admin,
        code="H1",
        org=world.a1v,
        head=head,
        status="identified",
        identified_on=D(2024, 1, 10),
    )
    assert household.status == "identified" and household.members.get().relation == "head"
    with pytest.raises(ValidationError) as exc:
        services.status_change(
            actor=world.unit_admin, household=household, status="exited", date=D(2024, 2, 1)
        )
    assert "当前状态为“新识别”, 不能直接变为“脱贫”; 可变为: 帮扶中、剔除" in str(exc.value)
    with pytest.raises(ValidationError, match="早于上一次状态变更"):
        services.status_change(
            actor=world.unit_admin, household=household, status="assisting", date=D(2023, 12, 31)
        )
    for day, status in (
        (D(2024, 2, 1), "assisting"),
        (D(2025, 6, 1), "proposed_exit"),
        (D(2025, 7, 1), "exited"),
        (D(2026, 3, 1), "returned"),
    ):
        services.status_change(
            actor=world.unit_admin, household=household, status=status, date=day, reason="测试"
        )
    household.refresh_from_db()
    assert household.status == "returned" and household.status_since == D(2026, 3, 1)
    assert list(household.history.values_list("status", flat=True)) == [
        "identified",
        "assisting",
        "proposed_exit",
        "exited",
        "returned",
    ]
    with pytest.raises(ValidationError, match="晚于今天"):
        services.status_change(
            actor=world.unit_admin, household=household, status="assisting", date=D(2999, 1, 1)
        )


def test_one_person_in_two_households_is_found_and_merged(world):
    a = household_with_members(world.a1v, 3, code="HA")
    b = household_with_members(world.a1v, 2, code="HB")
    shared = a.members.exclude(relation="head").first().person
    Member.objects.create(household=b, person=shared, relation="son")
    assert list(multi_household_persons(user=world.unit_admin)) == [shared]
    services.household_merge(actor=world.unit_admin, keep=a, drop=b)
    assert not Household.objects.filter(code="HB").exists()
    assert a.members.count() == 5  # 3 + b's own two; the shared son stays once
    assert a.members.filter(relation="head").count() == 1
    assert list(multi_household_persons(user=world.unit_admin)) == []
    event = AuditEvent.objects.get(action="delete", object_type="registry.household")
    assert event.before["drop"] == "HB"


def test_status_figures_match_a_plain_count(world):
    plan = [  # (members, steps)
        (3, [(D(2023, 1, 5), "identified"), (D(2023, 2, 1), "assisting")]),
        (
            2,
            [
                (D(2023, 1, 5), "identified"),
                (D(2023, 2, 1), "assisting"),
                (D(2024, 5, 1), "proposed_exit"),
                (D(2024, 8, 1), "exited"),
            ],
        ),
        (4, [(D(2023, 1, 5), "identified"), (D(2024, 3, 1), "removed")]),
        (1, [(D(2024, 9, 1), "identified")]),
        (5, [(D(2023, 1, 5), "assisting"), (D(2024, 6, 1), "proposed_exit")]),
    ]
    made = [household_with_members(world.a1v, n, statuses=steps) for n, steps in plan]
    household_with_members(world.b1, 2, statuses=[(D(2023, 1, 1), "identified")])  # elsewhere
    as_of = D(2024, 6, 30)
    figures = status_figures(
        households=household_list(user=world.admin),
        as_of=as_of,
        org=world.a,
        date_from=D(2024, 1, 1),
        date_to=D(2024, 12, 31),
    )
    # The same figures, counted by hand from the plan.
    expected: dict[str, list[int]] = {}
    entries: dict[str, list[int]] = {}
    for (n, steps), _h in zip(plan, made, strict=True):
        current = [s for d, s in steps if d <= as_of]
        if current:
            expected.setdefault(current[-1], [0, 0])
            expected[current[-1]][0] += 1
            expected[current[-1]][1] += n
        for status in {s for d, s in steps if D(2024, 1, 1) <= d <= as_of}:
            entries.setdefault(status, [0, 0])
            entries[status][0] += 1
            entries[status][1] += n
    for status, figure in figures.by_status.items():
        assert [figure.households, figure.persons] == expected.get(status, [0, 0]), status
    for status, figure in figures.entries.items():
        assert [figure.households, figure.persons] == entries.get(status, [0, 0]), status
    data = figures.as_json()
    assert data["by_status"]["帮扶中"] == {"households": 1, "persons": 3}
    assert data["by_status"]["拟脱贫"] == {"households": 2, "persons": 7}
    assert data["entries"]["剔除"] == {"households": 1, "persons": 4}
    assert data["org"] == world.a.code and data["as_of"] == "2024-06-30"
    sentence = figures.sentence()
    assert "共登记帮扶对象4户14人" in sentence and "剔除1户4人" in sentence
    assert "未脱贫3户10人" in sentence
