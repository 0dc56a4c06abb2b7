"""Demo pairings for the six programs: most beneficiaries paired (a few left without a helper,
some of them overdue), commitment letters mostly signed, one helper changed with its history,
and the two demo helper accounts (韦明, 农丽萍) carrying pairings of their own."""

from __future__ import annotations

import datetime
import random

from bangfu.core.idnumber import id_check_digit
from bangfu.core.seeding import DemoContext
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import beneficiary_pool, helper_pool
from bangfu.pairings.services import pairing_create, pairing_sign, pairing_transfer
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Person
from bangfu.registry.services import helper_create, person_create

D = datetime.date


def _account_helper(
    ctx: DemoContext,
    username: str,
    org_code: str,
    birth: datetime.date,
    tags: list[str],
    capacity: int,
) -> Helper:
    """The Helper record of a demo login account (so that the helper sees their pairings)."""
    user = ctx.users[username]
    existing = Helper.objects.filter(user=user).first()
    if existing:
        return existing
    first17 = f"450123{birth:%Y%m%d}07{'1' if username == 'ganbu' else '2'}"
    number = first17 + id_check_digit(first17)
    person = Person.objects.filter(id_number=number).first() or person_create(
        actor=ctx.users["admin"],
        org=ctx.orgs[org_code],
        name=user.name,
        id_number=number,
        phone=user.phone,
        tags=tags,
        labour="skilled",
        employment="employed",
        health="healthy",
    )
    ctx.count("帮扶责任人")
    return helper_create(
        actor=ctx.users["admin"],
        person=person,
        org=ctx.orgs[org_code],
        capacity=capacity,
        user=user,
    )


def _pair_people(
    ctx: DemoContext,
    program: Program,
    *,
    leave: int,
    start: datetime.date,
    first: Helper | None = None,
) -> list[Pairing]:
    """Pair the pool's beneficiaries with the pool's helpers in turn, leaving ``leave`` out."""
    admin = ctx.users["admin"]
    helpers = list(helper_pool(program).order_by("pk"))
    if first is not None:
        helpers = [first, *[h for h in helpers if h.pk != first.pk]]
    pool = list(beneficiary_pool(program).order_by("pk"))
    made = []
    load = {h.pk: Pairing.objects.filter(helper=h).active_on(start).count() for h in helpers}
    kind = program.beneficiary_kind
    for i, beneficiary in enumerate(pool[: max(0, len(pool) - leave)]):
        for k in range(len(helpers)):
            helper = helpers[(i + k) % len(helpers)]
            if load[helper.pk] < min(
                helper.capacity, program.pairing_settings.get("max_per_helper", 99)
            ):
                break
        else:
            break
        side = {"household": beneficiary} if kind == "household" else {"person": beneficiary}
        day = start + datetime.timedelta(days=i % 20)
        made.append(pairing_create(actor=admin, program=program, start=day, helper=helper, **side))
        load[helper.pk] += 1
    return made


def _sign(ctx: DemoContext, pairings: list[Pairing], rng: random.Random) -> None:
    for pairing in pairings:
        if rng.random() < 0.8:
            day = pairing.start + datetime.timedelta(days=rng.randint(1, 20))
            pairing_sign(actor=ctx.users["admin"], pairing=pairing, side="helper", day=day)
            if rng.random() < 0.85:
                pairing_sign(
                    actor=ctx.users["admin"],
                    pairing=pairing,
                    side="beneficiary",
                    day=day + datetime.timedelta(days=rng.randint(0, 5)),
                )


MEASURES = [
    ("产业", "发展林下养鸡 200 羽, 协调鸡苗和技术指导"),
    ("就业", "推荐长子到县工业园务工"),
    ("教育", "落实两名子女的教育资助"),
    ("健康", "办理慢性病门诊卡, 落实家庭医生签约"),
]


def seed_plans(ctx: DemoContext) -> None:
    """The common plan of every program from its template, and personal plans for a few."""
    from bangfu.pairings.models import Plan
    from bangfu.pairings.plans import common_plan_from_template, measure_add, plan_save

    if Plan.objects.exists():
        return
    admin = ctx.users["admin"]
    for program in Program.objects.order_by("pk"):
        common_plan_from_template(actor=admin, program=program)
    jz = Program.objects.get(code="2026-JZ")
    for i, pairing in enumerate(Pairing.objects.filter(program=jz, end=None).order_by("pk")[:6]):
        plan_save(
            actor=admin,
            program=jz,
            pairing=pairing,
            goals="两年内实现稳定增收, 家庭人均纯收入超过当年监测线",
        )
        for measure_type, text in MEASURES[: 2 + i % 3]:
            measure_add(
                actor=admin,
                program=jz,
                pairing=pairing,
                measure_type=measure_type,
                description=text,
                responsible=pairing.helper_name,
            )
    ctx.count("帮扶计划", Plan.objects.count())


def seed(ctx: DemoContext) -> None:
    if Pairing.objects.exists():
        seed_plans(ctx)
        return
    rng = random.Random("pairings")
    admin = ctx.users["admin"]
    ganbu = _account_helper(ctx, "ganbu", "LAX-FPB", D(1982, 7, 14), ["党员"], 5)
    jiaoshi = _account_helper(ctx, "jiaoshi", "LAX-SYXX", D(1988, 3, 2), ["教师"], 3)
    programs = {p.code: p for p in Program.objects.all()}

    jz = _pair_people(ctx, programs["2026-JZ"], leave=5, start=D(2026, 1, 10), first=ganbu)
    # One helper changed mid-year: the old pairing stays in the history.
    if len(jz) > 3:
        day = D(2026, 6, 1)
        spare = sorted(
            (h for h in helper_pool(programs["2026-JZ"]) if h.pk != jz[3].helper_id),
            key=lambda h: Pairing.objects.filter(helper=h).active_on(day).count() - h.capacity,
        )[0]
        pairing_transfer(actor=admin, pairing=jz[3], day=day, reason="原帮扶干部调离", helper=spare)
    syg = _pair_people(ctx, programs["2026-SYG"], leave=1, start=D(2025, 9, 10), first=jiaoshi)
    st = _pair_people(ctx, programs["2026-ST"], leave=0, start=D(2025, 9, 15))
    kn = _pair_people(ctx, programs["2026-KN"], leave=2, start=D(2026, 1, 5))
    urban = Org.objects.get(code="LAX-SYXX")
    cx = [
        pairing_create(
            actor=admin,
            program=programs["2026-CX"],
            start=D(2025, 9, 1),
            helper_org=urban,
            beneficiary_org=Org.objects.get(code=code),
        )
        for code in ("LAX-NTZX", "LAX-BQZX")
    ]
    bc = [
        pairing_create(
            actor=admin,
            program=programs["2026-BC"],
            start=D(2024, 3, 1),
            helper_org=Org.objects.get(code="NN-NWH"),
            beneficiary_org=Org.objects.get(code="450123104202"),
        )
    ]
    for group in (jz, syg, st, kn, cx, bc):
        _sign(ctx, group, rng)
    ctx.count("结对", Pairing.objects.count())
    seed_plans(ctx)
