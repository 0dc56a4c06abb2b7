from __future__ import annotations

import datetime
import random

import factory

from bangfu.core.idnumber import id_check_digit
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.registry.models import Household, Member, Person, StatusChange


def make_id_number(
    birth: datetime.date = datetime.date(1980, 5, 17),
    *,
    sex: str = "M",
    region: str = "450123",
    seq: int | None = None,
) -> str:
    """A valid 18-digit ID number (GB 11643) for tests."""
    seq = random.randint(0, 49) if seq is None else seq
    digit17 = (seq * 2 + (1 if sex == "M" else 0)) % 10
    first17 = f"{region}{birth:%Y%m%d}{seq % 100:02d}{digit17}"
    return first17 + id_check_digit(first17)


_seq = iter(range(10_000_000))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    org = factory.SubFactory(OrgFactory)
    name = factory.Sequence(lambda n: f"张{n}")
    id_number = factory.LazyFunction(
        lambda: make_id_number(
            datetime.date(1950, 1, 1) + datetime.timedelta(days=next(_seq) % 20000),
            seq=next(_seq) % 50,
        )
    )


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"H{n:08d}")
    org = factory.SubFactory(OrgFactory)


def household_with_members(org, n: int, *, code: str | None = None, statuses=()) -> Household:
    """A household of ``n`` members (the first is the head) with the given (date, status) steps."""
    household = HouseholdFactory(org=org, **({"code": code} if code else {}))
    for i in range(n):
        person = PersonFactory(org=org)
        Member.objects.create(
            household=household, person=person, relation="head" if i == 0 else "son"
        )
        if i == 0:
            household.head = person
    for day, status in statuses:
        StatusChange.objects.create(household=household, status=status, date=day)
        household.status, household.status_since = status, day
    household.save()
    return household
