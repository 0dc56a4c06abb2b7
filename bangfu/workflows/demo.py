"""Demo workflows: an exit case at its 公示 step (evaluated, verified, signed), a worker filing case
after the union's first review, a 返贫 monitoring case three days before its deadline, and a
回头看 campaign over a township with households marked 保留 / 剔除 / 新增. Through the services
(audited); each part is skipped when no household fits, and all when the demo has cases."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bangfu.core.seeding import DemoContext
from bangfu.registry.choices import Status
from bangfu.registry.models import Household
from bangfu.workflows import services
from bangfu.workflows.models import Case, Mark


def _part(ctx: DemoContext, label: str, run) -> None:
    try:
        with transaction.atomic():
            run()
            ctx.count(label, 1)
    except (ValidationError, PermissionDenied):
        pass


def seed(ctx: DemoContext) -> None:
    if Case.objects.exists() or "admin" not in ctx.users:
        return
    admin = ctx.users["admin"]
    today = timezone.localdate()
    old = today - datetime.timedelta(days=365)
    # Exits, monitoring and 回头看 are about the villages' registered poor households (精准扶贫),
    # not the union's workers.
    assisting = (
        Household.objects.filter(
            status=Status.ASSISTING, identified_on__lte=old, org__kind="village"
        )
        .select_related("org", "head")
        .order_by("code")
    )

    def exit_case() -> None:
        household = assisting.first()
        if household is None:
            raise ValidationError("none")
        case = services.case_open(actor=admin, kind="exit", household=household)
        for _step in range(3):
            case = services.step_complete(
                actor=admin, case=case, notes="评议、核实通过", signed_on=today
            )

    def worker_case() -> None:
        household = Household.objects.filter(status="").select_related("org").first()
        if household is None:
            raise ValidationError("none")
        case = services.case_open(actor=admin, kind="worker_filing", household=household)
        case = services.step_complete(actor=admin, case=case, notes="职工本人申请")
        services.step_complete(actor=admin, case=case, notes="基层工会初审通过")

    def monitoring_case() -> None:
        household = (
            Household.objects.filter(status=Status.EXITED, org__kind="village")
            .select_related("org")
            .order_by("code")
            .first()
        )
        if household is None:
            raise ValidationError("none")
        case = services.case_open(
            actor=admin,
            kind="monitoring",
            household=household,
            lead_date=today - datetime.timedelta(days=12),
            notes="网格员反映户主因病住院",
        )
        services.step_complete(actor=admin, case=case, notes="网格员反映")

    def campaign() -> None:
        first = assisting.exclude(cases__isnull=False).first()
        if first is None or first.org.parent is None:
            raise ValidationError("none")
        township = first.org.parent
        subtree = Household.objects.filter(org__path__startswith=township.path).select_related(
            "org"
        )
        c = services.campaign_open(
            actor=admin,
            org=township,
            title=f"{today.year}年{township.name}回头看",
            start=today - datetime.timedelta(days=20),
            end=today + datetime.timedelta(days=10),
        )
        keep = list(subtree.filter(status=Status.ASSISTING).exclude(cases__isnull=False)[:6])
        removals = keep[:2] if len(keep) > 2 else []
        if keep[len(removals) :]:
            services.campaign_mark(
                actor=admin, campaign=c, households=keep[len(removals) :], mark=Mark.KEEP
            )
        if removals:
            services.campaign_mark(
                actor=admin,
                campaign=c,
                households=removals,
                mark=Mark.REMOVE,
                reason="家庭成员有财政供养人员",
            )
        added = list(subtree.filter(status=Status.IDENTIFIED)[:1])
        if added:
            services.campaign_mark(
                actor=admin, campaign=c, households=added, mark=Mark.ADD, reason="识别时漏评"
            )

    _part(ctx, "退出事项", exit_case)
    _part(ctx, "建档事项", worker_case)
    _part(ctx, "返贫监测", monitoring_case)
    _part(ctx, "回头看", campaign)
