"""Demo 公示: a published 拟脱贫名单 of the village with the most households proposed for exit,
with one objection handed in on paper (handled: rejected) and one sent from the public page
(pending); and a finalised 帮扶资金发放名单 of recent draft aid, whose entries were posted when
it closed. Through the services (audited); skipped when the demo already has notices."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from bangfu.core.seeding import DemoContext
from bangfu.ledger.models import Direction, LedgerEntry
from bangfu.ledger.models import Status as EntryStatus
from bangfu.orgs.models import Org
from bangfu.publicity.models import Notice
from bangfu.publicity.services import (
    items_from_entries,
    items_from_households,
    notice_create,
    notice_finalise,
    notice_publish,
    objection_handle,
    objection_receive,
)
from bangfu.registry.choices import Status
from bangfu.registry.models import Household


def _exit_list(ctx: DemoContext, today: datetime.date) -> None:
    admin = ctx.users["admin"]
    proposed = Household.objects.filter(status=Status.PROPOSED_EXIT)
    counts = Counter(proposed.values_list("org_id", flat=True))
    if not counts:
        return
    village = Org.objects.get(pk=counts.most_common(1)[0][0])
    households = list(proposed.filter(org=village).select_related("org", "head")[:8])
    start = today - datetime.timedelta(days=2)
    notice = notice_create(
        actor=admin,
        kind="exit",
        org=village,
        title=f"{village.name}{today.year}年拟脱贫户公示",
        items=items_from_households(kind="exit", households=households),
        start=start,
        objection_place=f"{village.name}村民委员会办公室",
        objection_contact="村党支部书记, 办公电话 0771-6321000",
    )
    notice_publish(actor=admin, notice=notice)
    first = notice.items.order_by("position").first()
    paper = objection_receive(
        notice=notice,
        actor=admin,
        content="反映该户家中有病人, 医疗支出较大, 担心返贫。",
        contact="同村村民 (来访)",
        item=first,
    )
    objection_handle(
        actor=admin,
        objection=paper,
        result="rejected",
        handling="驻村工作队入户核实: 已纳入医保和大病救助, 家庭收入稳定超过标准线, 异议不成立。",
    )
    objection_receive(
        notice=notice,
        channel="web",
        content="名单第二户子女在外务工收入情况请再核实。",
        ip="192.0.2.10",
        item=notice.items.order_by("position")[1] if len(households) > 1 else None,
    )
    ctx.count("公示", 1)


def _aid_list(ctx: DemoContext, today: datetime.date) -> None:
    admin = ctx.users["admin"]
    drafts = (
        LedgerEntry.objects.filter(
            status=EntryStatus.DRAFT, direction=Direction.OUT, amount__isnull=False
        )
        .exclude(household=None, person=None)
        .select_related("org", "household__head", "household__org", "person__org")
    )
    by_keeper = Counter(drafts.values_list("org_id", "category"))
    if not by_keeper:
        return
    (org_id, category), _n = by_keeper.most_common(1)[0]
    entries = list(drafts.filter(org_id=org_id, category=category).order_by("date", "pk")[:10])
    keeper = entries[0].org
    start = today - datetime.timedelta(days=9)
    notice = notice_create(
        actor=admin,
        kind="aid",
        org=keeper,
        title=f"{keeper.name}{category}资金发放公示",
        items=items_from_entries(entries=entries),
        start=start,
        objection_place=f"{keeper.name}办公室",
        objection_contact="财务室, 办公电话 0771-6321001",
    )
    notice_publish(actor=admin, notice=notice)
    notice_finalise(actor=admin, notice=notice, approver="黄建华", today=today)
    ctx.count("公告", 1)


def seed(ctx: DemoContext) -> None:
    if Notice.objects.exists() or "admin" not in ctx.users:
        return
    today = timezone.localdate()
    _exit_list(ctx, today)
    _aid_list(ctx, today)
