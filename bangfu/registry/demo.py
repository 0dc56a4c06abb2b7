"""Demo registry: poor households in the county's villages (精准扶贫一对一), left-behind pupils of
the town's primary school (四个一), teachers old and new (师徒结对), rural schools and a village
helped as units (城乡学校结对, 单位包村), workers in difficulty of the bus group (困难职工帮扶),
and the cadres, teachers and union officers who help them.

Deterministic (a fixed random seed), written through the services (so it is audited), and
idempotent: households, persons and units are looked up by their codes and ID numbers first."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from bangfu.core.idnumber import id_check_digit
from bangfu.core.seeding import DemoContext
from bangfu.registry import services
from bangfu.registry.choices import Cause, Difficulty, Indicator, Status
from bangfu.registry.models import Helper, Household, Person, UnitBeneficiary

SURNAMES = "黄韦陆农李梁蒙覃莫罗潘廖蓝卢马邓何周谭张"
GIVEN = "秀英丽华明军海燕文芳建国桂兰志强玉梅金凤春花德福永红小龙家宝美玲伟"
D = datetime.date


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, surname: str | None = None) -> str:
        while True:
            name = (surname or self.rng.choice(SURNAMES)) + "".join(
                self.rng.sample(GIVEN, self.rng.choice((1, 2)))
            )
            if name not in self.used:
                self.used.add(name)
                return name


def id_number(rng: random.Random, region: str, birth: datetime.date, sex: str) -> str:
    seq = rng.randint(0, 99)
    seventeenth = rng.choice("13579" if sex == "M" else "02468")
    first17 = f"{region}{birth:%Y%m%d}{seq:02d}{seventeenth}"
    return first17 + id_check_digit(first17)


def birth(rng: random.Random, age_from: int, age_to: int) -> datetime.date:
    today = D(2026, 9, 1)
    return today - datetime.timedelta(days=rng.randint(age_from * 365 + 10, age_to * 365 - 10))


def person(
    ctx: DemoContext,
    rng: random.Random,
    names: Names,
    org,
    *,
    sex: str,
    age: tuple,
    surname: str | None = None,
    phone: bool = False,
    **fields,
):
    b = birth(rng, *age)
    number = id_number(rng, "450123", b, sex)
    existing = Person.objects.filter(id_number=number).first()
    if existing:
        return existing
    ctx.count("人员")
    return services.person_create(
        actor=ctx.users["admin"],
        org=org,
        name=names(surname),
        id_number=number,
        phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}" if phone else "",
        **fields,
    )


def household(ctx, org, code: str, *, workers: bool = False) -> None:
    if Household.objects.filter(code=code).exists():
        return
    # Each record draws from a stream of its own, so a second run (which skips what exists)
    # makes exactly the same records as the first.
    rng = random.Random(code)
    names = Names(rng)
    admin = ctx.users["admin"]
    surname = rng.choice(SURNAMES)
    head = person(
        ctx,
        rng,
        names,
        org,
        sex=rng.choice("MMF"),
        age=(35, 70),
        surname=surname,
        phone=True,
        labour=rng.choice(["ordinary", "skilled", "weak"]),
        health=rng.choice(["healthy", "healthy", "chronic", "serious"]),
        employment="employed"
        if workers
        else rng.choice(["township", "county", "out_of_province", "none"]),
        tags=["困难职工"] if workers else ["建档立卡"],
    )
    causes = (
        [Cause.AGE, Cause.DEPENDANTS, Cause.TUITION, Cause.ILLNESS, Cause.ACCIDENT]
        if workers
        else [
            Cause.ILLNESS,
            Cause.DISABILITY,
            Cause.SCHOOLING,
            Cause.NO_SKILLS,
            Cause.NO_LABOUR,
            Cause.NO_CAPITAL,
            Cause.DISASTER,
        ]
    )
    main = rng.choice(causes)
    identified = D(2023, rng.randint(1, 6), rng.randint(1, 28))
    hh = services.household_create(
        actor=admin,
        code=code,
        org=org,
        head=head,
        main_cause=main,
        other_causes=rng.sample([c for c in causes if c != main], rng.randint(0, 2)),
        difficulty=rng.choice(list(Difficulty.values)),
        identified_on=identified,
        housing_safe=rng.random() > 0.1,
        water_safe=rng.random() > 0.1,
        status=Status.IDENTIFIED,
    )
    ctx.count("户")
    if rng.random() < 0.8:
        spouse = person(
            ctx,
            rng,
            names,
            org,
            sex="F" if head.sex == "M" else "M",
            age=(33, 68),
            labour=rng.choice(["ordinary", "weak", "lost"]),
            health="healthy",
        )
        services.member_add(actor=admin, household=hh, person=spouse, relation="spouse")
    for _ in range(rng.randint(0, 3)):
        sex = rng.choice("MF")
        child = person(
            ctx,
            rng,
            names,
            org,
            sex=sex,
            age=(7, 15),
            surname=surname,
            schooling=rng.choice(["primary", "junior"]),
            labour="none",
            tags=["留守儿童"] if rng.random() < 0.4 else [],
        )
        services.member_add(
            actor=admin, household=hh, person=child, relation="son" if sex == "M" else "daughter"
        )
    # A status history that moves on: most are helped, some exit, a few are removed or return.
    roll = rng.random()
    steps = [(identified + datetime.timedelta(days=20), Status.ASSISTING)]
    if roll > 0.85:
        steps = [(D(2024, 3, 15), Status.REMOVED)]
    elif roll > 0.45:
        steps += [(D(2025, 5, 10), Status.PROPOSED_EXIT)]
        if roll > 0.6:
            steps += [(D(2025, 6, 20), Status.EXITED)]
        if roll > 0.8:
            steps += [(D(2026, 3, 1), Status.RETURNED)]
    if workers and roll > 0.5 and steps[-1][1] == Status.ASSISTING:
        steps += [(D(2025, 12, 1), Status.RELIEVED)]
    for day, status in steps:
        services.status_change(
            actor=admin,
            household=hh,
            status=status,
            date=day,
            reason="回头看核实" if status == Status.REMOVED else "",
            decided_by="村两委" if not workers else "基层工会",
        )
    base = Decimal(rng.randint(2600, 4200))
    for year in (2024, 2025):
        wage = (base * Decimal("0.6")).quantize(Decimal("0.01"))
        services.income_set(
            actor=admin,
            household=hh,
            year=year,
            per_capita=base,
            wage=wage,
            business=(base * Decimal("0.25")).quantize(Decimal("0.01")),
            transfer=base - wage - (base * Decimal("0.25")).quantize(Decimal("0.01")),
        )
        base = (base * Decimal("1.12")).quantize(Decimal("1"))
    # A grown son or daughter in about a third of the households — at school, or out of school
    # and working, looking for work or not working (what 七清's 子女待业 counts) — drawn from a
    # stream of their own, so that the rest of the household is as before.
    grown = random.Random(f"{code}/grown")
    if grown.random() < 0.35:
        sex = grown.choice("MF")
        schooling = grown.choice(["not_in_school", "not_in_school", "dropout", "senior", "college"])
        out_of_school = schooling in ("not_in_school", "dropout")
        employment = (
            grown.choice(["unemployed", "none", "county", "province", "out_of_province"])
            if out_of_school
            else ""
        )
        child = person(
            ctx,
            grown,
            Names(grown),
            org,
            sex=sex,
            age=(16, 24),
            surname=surname,
            schooling=schooling,
            employment=employment,
            labour="ordinary",
        )
        services.member_add(
            actor=admin, household=hh, person=child, relation="son" if sex == "M" else "daughter"
        )


def helper(ctx, key: str, org, *, tags: list[str], capacity: int) -> None:
    rng = random.Random(key)
    names = Names(rng)
    sex = rng.choice("MF")
    p = person(
        ctx,
        rng,
        names,
        org,
        sex=sex,
        age=(26, 58),
        phone=True,
        tags=tags,
        labour="skilled",
        employment="employed",
        health="healthy",
    )
    if not Helper.objects.filter(person=p).exists():
        services.helper_create(actor=ctx.users["admin"], person=p, org=org, capacity=capacity)
        ctx.count("帮扶责任人")


def unit(ctx, org, notes: str, indicators: dict[str, list[tuple[int, str]]]) -> None:
    existing = UnitBeneficiary.objects.filter(org=org).first()
    if existing is None:
        existing = services.unit_beneficiary_create(actor=ctx.users["admin"], org=org, notes=notes)
        ctx.count("帮扶单位对象")
        for key, rows in indicators.items():
            for year, value in rows:
                services.indicator_set(
                    actor=ctx.users["admin"],
                    unit=existing,
                    year=year,
                    indicator=key,
                    value=Decimal(value),
                )


def loose_person(ctx, key: str, org, *, age: tuple, **fields) -> None:
    rng = random.Random(key)
    person(ctx, rng, Names(rng), org, sex=rng.choice("MF"), age=age, **fields)


def seed(ctx: DemoContext) -> None:
    from bangfu.registry.quality import load_default_income_lines

    lines = load_default_income_lines()
    if lines:
        ctx.count("收入标准线", lines)
    o = ctx.orgs
    # 精准扶贫一对一: poor households in six villages
    villages = [
        "450123104201",
        "450123104202",
        "450123104203",
        "450123203201",
        "450123203202",
        "450123100201",
    ]
    n = 0
    for code in villages:
        for _ in range(7):
            n += 1
            household(ctx, o[code], f"LA{code[-6:]}{n:03d}")
    # 困难职工帮扶: workers in difficulty of the two union branches
    for i, branch in enumerate(("NNBUS-GH-01", "NNBUS-GH-02")):
        for k in range(6):
            household(ctx, o[branch], f"GH{i + 1}{k + 1:03d}", workers=True)
    # 四个一: pupils of the town school's fifth grade (留守儿童, 孤儿, 单亲家庭 …)
    tags = ["留守儿童", "留守儿童", "孤儿", "单亲家庭", "留守儿童", "残疾人家庭"]
    for cls in ("LAX-SYXX-G5-1", "LAX-SYXX-G5-2"):
        for i, tag in enumerate(tags):
            loose_person(
                ctx,
                f"{cls}-{i}",
                o[cls],
                age=(10, 12),
                schooling="primary",
                labour="none",
                health="healthy",
                tags=[tag],
            )
    # Helpers: cadres and party members, teachers old and new, union officers
    for i in range(5):
        helper(ctx, f"FPB-{i}", o["LAX-FPB"], tags=["党员"], capacity=5)
    for i in range(3):
        helper(ctx, f"NWH-{i}", o["NN-NWH"], tags=["党员"], capacity=3)
    for i in range(6):
        helper(ctx, f"SYXX-{i}", o["LAX-SYXX"], tags=["教师"], capacity=3)
    for i in range(3):
        loose_person(
            ctx,
            f"NTZX-{i}",
            o["LAX-NTZX"],
            age=(22, 26),
            phone=True,
            tags=["教师", "新教师"],
            employment="employed",
            labour="skilled",
        )
    for i in range(3):
        helper(ctx, f"GH-{i}", o["NNBUS-GH"], tags=["工会干部", "党员"], capacity=6)
    # 城乡学校结对 and 单位包村: units helped as a whole, with yearly figures
    unit(
        ctx,
        o["LAX-NTZX"],
        "那桐镇中心小学, 6 个年级 12 个班, 与城区实验小学结对。",
        {
            Indicator.TEACHERS: [(2024, "38"), (2025, "41")],
            Indicator.PUPILS: [(2024, "612"), (2025, "598")],
        },
    )
    unit(
        ctx,
        o["LAX-BQZX"],
        "布泉乡中心小学, 寄宿制, 留守儿童占六成。",
        {
            Indicator.TEACHERS: [(2024, "22"), (2025, "24")],
            Indicator.PUPILS: [(2024, "305"), (2025, "311")],
        },
    )
    unit(
        ctx,
        o["450123104202"],
        "定江村, 市农业委员会包村。主导产业: 香蕉、甘蔗。",
        {
            Indicator.AGRI_INCOME: [(2023, "1520.5"), (2024, "1688.0"), (2025, "1874.3")],
            Indicator.PER_CAPITA_INCOME: [(2023, "8590.4"), (2024, "9620.3"), (2025, "10785.6")],
            Indicator.COLLECTIVE_INCOME: [(2023, "6.2"), (2024, "8.5"), (2025, "12.1")],
        },
    )
