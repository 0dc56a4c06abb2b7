"""Demo ledger: the drafts the demo activities made are posted by each organiser's approver,
except those of the last three weeks (left for the administrator to approve); one posted entry
is corrected by a reversal and a new entry; the union's 困难职工帮扶资金 receives an allocation
and pays daily aid from it, so the fund shows a balance."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from bangfu.core.seeding import DemoContext
from bangfu.ledger.models import Direction, LedgerEntry, SourceKind, Status
from bangfu.ledger.services import entry_create, entry_post, entry_reverse
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program

D = datetime.date
APPROVERS = {
    "2026-JZ": "黄建华",
    "2026-SYG": "梁秀英",
    "2026-ST": "梁秀英",
    "2026-CX": "陆永明",
    "2026-KN": "覃卫东",
    "2026-BC": "韦志刚",
}
FUND = "困难职工帮扶资金"


def seed(ctx: DemoContext) -> None:
    if LedgerEntry.objects.filter(status=Status.POSTED).exists():
        return
    admin = ctx.users["admin"]
    today = timezone.localdate()
    recent = today - datetime.timedelta(days=21)
    for code, approver in APPROVERS.items():
        drafts = list(
            LedgerEntry.objects.filter(
                program__code=code, status=Status.DRAFT, date__lt=recent
            ).order_by("date", "pk")
        )
        if drafts:
            entry_post(actor=admin, entries=drafts, approver=approver)
    # A correction: the cold store was settled at 228,600 元, not 230,000 元.
    store = LedgerEntry.objects.filter(
        program__code="2026-BC", amount=Decimal("230000"), status=Status.POSTED
    ).first()
    if store is not None:
        entry_reverse(actor=admin, entry=store, reason="按实际结算金额更正", date=D(2026, 7, 10))
        corrected = entry_create(
            actor=admin,
            org=store.org,
            program=store.program,
            category=store.category,
            source_kind=store.source_kind,
            source_org=store.source_org,
            recipient_org=store.recipient_org,
            amount=Decimal("228600"),
            date=D(2026, 7, 10),
            note="援建冷库 (按实际结算)",
        )
        entry_post(actor=admin, entries=[corrected], approver=APPROVERS["2026-BC"])
    # The union's fund: an allocation in, daily aid out.
    kn = Program.objects.filter(code="2026-KN").first()
    union = Org.objects.filter(code="NNBUS-GH").first()
    if kn is not None and union is not None:
        made = [
            entry_create(
                actor=admin,
                org=union,
                program=kn,
                direction=Direction.IN,
                category="日常帮扶",
                source_kind=SourceKind.FUND,
                source_fund=FUND,
                amount=Decimal("50000"),
                date=D(2026, 1, 8),
                note="集团拨付年度困难职工帮扶资金",
            )
        ]
        for i, pairing in enumerate(
            Pairing.objects.filter(program=kn, end=None).select_related("household")[:4]
        ):
            made.append(
                entry_create(
                    actor=admin,
                    org=union,
                    program=kn,
                    category="日常帮扶",
                    source_kind=SourceKind.FUND,
                    source_fund=FUND,
                    household=pairing.household,
                    amount=Decimal(1000 + 500 * (i % 2)),
                    date=D(2026, 3, 3 + i),
                    note="日常生活救助",
                )
            )
        entry_post(actor=admin, entries=made, approver=APPROVERS["2026-KN"])
    ctx.count("台帐记录", LedgerEntry.objects.count())
