"""The demo's notices: a published 拟脱贫名单 with a paper and a web objection, and a finalised
aid list whose entries were posted; running the seed again adds none."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from bangfu.ledger.models import LedgerEntry
from bangfu.publicity.models import Notice, NoticeStatus


@pytest.mark.django_db
def test_demo_notices():
    with open("/dev/null", "w") as out:
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", stdout=out)
    published = Notice.objects.get(kind="exit")
    assert published.status == NoticeStatus.PUBLISHED and published.items.count() >= 2
    assert sorted(published.objections.values_list("channel", "result")) == [
        ("paper", "rejected"),
        ("web", "pending"),
    ]
    aid = Notice.objects.get(kind="aid")
    assert aid.status == NoticeStatus.FINALISED and aid.archive["items"]
    ids = [i for item in aid.items.all() for i in item.decision["entries"]]
    assert set(LedgerEntry.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "posted"
    }
