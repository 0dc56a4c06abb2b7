"""The demo seeds both schemes and an exemplar, once."""

from __future__ import annotations

import datetime

from django.core.management import call_command

from bangfu.assessment.models import Exemplar, Scheme
from bangfu.assessment.periods import window
from bangfu.assessment.scoring import compute


def test_demo_schemes(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Scheme.objects.filter(org__code="450123").count() == 2
    assert Exemplar.objects.count() == 1
    for scheme in Scheme.objects.all():
        result = compute(
            scheme, scheme.org, window("year", "2026"), today=datetime.date(2026, 12, 31)
        )
        for row in result.rows:
            assert row.total == sum(line.contribution for line in row.lines)
