"""Demo activities and life events for the six programs, recorded through the same services the
pages use, up to today:

- 精准扶贫一对一: a monthly household visit by each cadre (a few months missed), 春节 and 国庆
  慰问 with money, a measure or two, a training of 60 by the county office and one collective
  visit of the county office to many households at once;
- 四个一: a monthly talk with a theme, a home visit a semester, a warmth delivery a school year;
- 师徒结对: lesson observations most weeks, reflections, a report lesson and a unit analysis;
- 城乡学校结对: seminars, observations, reflections, the leaders' joint meeting each semester,
  a demo lesson sent to the village schools and a donation of computers;
- 困难职工帮扶: the 五必访 visits around 元旦, 春节, 五一, 十一 and in June, 金秋助学 aid, and life
  events (hospital stays, a wedding, a funeral) mostly visited within the 7 days;
- 单位包村: the yearly survey, 658 books and money donated, trainings of 600 人次 in all, and the
  spring festival condolence visit of 30 households.

A few entries come from the phone (some synced after being offline) and a few carry photos."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bangfu.activities.models import Activity, Source
from bangfu.activities.services import Item, activity_create, event_create, photo_add
from bangfu.core.seeding import DemoContext
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Member

D = datetime.date
DAY = datetime.timedelta(days=1)

VISIT_NOTES = [
    "入户了解家庭收入和生产情况, 宣讲产业奖补政策",
    "查看养殖的鸡苗长势, 协调技术员下周上门指导",
    "了解子女上学情况, 核对教育资助是否到位",
    "帮助联系县城务工岗位, 登记务工意向",
    "核实医保缴费和慢病卡办理情况",
    "查看住房和饮水情况, 记录需要维修的地方",
    "与户主商量明年种植计划, 推荐砂糖橘新品种",
]
TALK_THEMES = [
    ("学习习惯", "聊了每天的作业安排, 约定放学后先完成作业再看电视"),
    ("想念父母", "孩子说想念在广东打工的妈妈, 帮他和妈妈视频通话"),
    ("同学关系", "了解到和同桌闹了矛盾, 引导他主动和好"),
    ("期中考试", "分析数学错题, 鼓励他保持进步"),
    ("安全教育", "讲了防溺水和交通安全"),
    ("理想", "聊长大想当什么, 他说想当医生"),
]
WORKER_NOTES = [
    "节前走访, 送去米、油和慰问金, 了解家庭困难",
    "了解子女就业情况, 推荐公司内部岗位",
    "了解住院报销进度, 协助申请医疗互助",
]


def _months(start: D, end: D) -> list[D]:
    out, day = [], D(start.year, start.month, 1)
    while day <= end:
        out.append(day)
        day = D(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def _photo(day: D, seed: int) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (rng.randint(120, 200), rng.randint(140, 200), 120))
    draw = ImageDraw.Draw(image)
    for _i in range(12):
        x, y = rng.randint(0, 1500), rng.randint(0, 1100)
        draw.rectangle(
            (x, y, x + rng.randint(60, 300), y + rng.randint(60, 200)), fill=(90, 110, 70)
        )
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = f"{day:%Y:%m:%d} 10:{seed % 60:02d}:00"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70, exif=exif)
    return SimpleUploadedFile(f"IMG_{day:%Y%m%d}_{seed}.jpg", buffer.getvalue())


class Recorder:
    def __init__(self, ctx: DemoContext, today: D) -> None:
        self.ctx, self.today = ctx, today
        self.admin = ctx.users["admin"]
        self.made = 0

    def actor_for(self, pairing: Pairing) -> Any:
        helper = pairing.helper
        if helper is not None and helper.user_id:
            return helper.user
        return self.admin

    def log(
        self,
        program: Program,
        type: str,
        day: D,
        pairings: list[Pairing],
        values: dict[str, Any],
        *,
        actor: Any = None,
        items: list[Item] | None = None,
        source: str = Source.WEB,
        key: str | None = None,
    ) -> Activity | None:
        live = [p for p in pairings if p.is_active_on(day)]
        if not live or day > self.today:
            return None
        activity = activity_create(
            actor=actor or self.actor_for(live[0]),
            program=program,
            type=type,
            date=day,
            pairings=live,
            values=values,
            items=items or [],
            source=source,
            client_key=key,
            today=self.today,
        )
        self.made += 1
        return activity


def _jingzhun(r: Recorder, program: Program, rng: random.Random) -> None:
    pairings = list(Pairing.objects.filter(program=program).select_related("helper__user"))
    for p in pairings:
        end = min(p.end or r.today, r.today)
        for month in _months(p.start, end):
            if rng.random() < 0.1:  # a missed month now and then
                continue
            day = month + DAY * rng.randint(2, 25)
            day = min(max(day, p.start), end)
            phone = p.helper is not None and p.helper.user_id is not None and rng.random() < 0.5
            r.log(
                program,
                "走访",
                day,
                [p],
                {"content": rng.choice(VISIT_NOTES)},
                source=Source.OFFLINE if phone else Source.WEB,
                key=f"demo-jz-{p.pk}-{month:%Y%m}" if phone else None,
            )
        for day, amount, note in (
            (D(2026, 2, 10), "500", "春节慰问"),
            (D(2026, 9, 28), "300", "国庆慰问"),
        ):
            r.log(program, "慰问", day, [p], {"amount": amount, "content": f"{note}, 送米油"})
    active = [p for p in pairings if p.is_active_on(D(2026, 4, 15))]
    # The county office's collective visit: one activity, many households.
    r.log(
        program,
        "走访",
        D(2026, 4, 15),
        active[:20],
        {"content": "县扶贫办集中入户走访, 核对家庭人口和收入信息"},
        actor=r.admin,
    )
    r.log(
        program,
        "培训",
        D(2026, 3, 20),
        active[:12],
        {"content": "砂糖橘种植技术培训", "people": 60},
        actor=r.admin,
    )
    for p in active[:6]:
        r.log(
            program,
            "帮扶",
            D(2026, 5, 8) + DAY * rng.randint(0, 20),
            [p],
            {"measure": "产业", "content": "发放鸡苗 100 羽和饲料", "amount": "1200"},
        )


def _siyige(r: Recorder, program: Program, rng: random.Random) -> None:
    for p in Pairing.objects.filter(program=program).select_related("helper__user"):
        for month in _months(max(p.start, D(2025, 9, 1)), r.today):
            if month.month in (2, 7, 8) or rng.random() < 0.08:  # holidays, a miss
                continue
            theme, content = rng.choice(TALK_THEMES)
            r.log(
                program,
                "谈心",
                month + DAY * rng.randint(3, 24),
                [p],
                {"theme": theme, "content": content},
            )
        for day in (D(2025, 11, 8), D(2026, 4, 18), D(2026, 10, 24)):
            if rng.random() < 0.9:
                r.log(
                    program,
                    "家访",
                    day + DAY * rng.randint(0, 10),
                    [p],
                    {"content": "上门看望, 与奶奶交流孩子在家的学习和生活"},
                )
        r.log(
            program, "送温暖", D(2026, 1, 16), [p], {"content": "送去冬衣和文具", "amount": "200"}
        )
        r.log(
            program, "送温暖", D(2026, 11, 20), [p], {"content": "送去棉被和书包", "amount": "200"}
        )


def _shitu(r: Recorder, program: Program, rng: random.Random) -> None:
    for p in Pairing.objects.filter(program=program).select_related("helper__user"):
        day = max(p.start, D(2025, 9, 15))
        while day <= r.today:
            if day.month not in (2, 7, 8) and rng.random() < 0.85:
                r.log(
                    program,
                    "听课",
                    day,
                    [p],
                    {"subject": "语文", "grade": "四年级", "content": "指出课堂提问设计可以更开放"},
                )
            day += DAY * 7
        for month in _months(D(2025, 10, 1), r.today):
            if month.month not in (2, 7, 8):
                r.log(
                    program,
                    "教学反思",
                    month + DAY * 25,
                    [p],
                    {"theme": "课堂提问", "content": "本月反思: 学生参与面不够广"},
                )
        for day, kind, text in (
            (D(2025, 10, 20), "汇报课", "《父爱之舟》"),
            (D(2025, 12, 10), "单元分析", "第五单元教材分析"),
            (D(2026, 4, 22), "汇报课", "《青山处处埋忠骨》"),
            (D(2026, 6, 5), "单元分析", "第八单元教材分析"),
            (D(2026, 10, 21), "汇报课", "《桥》"),
        ):
            values = {"subject": "语文", "content": text} if kind == "汇报课" else {"content": text}
            r.log(program, kind, day, [p], values)


def _chengxiang(r: Recorder, program: Program, rng: random.Random) -> None:
    pairings = list(Pairing.objects.filter(program=program))
    for start in (D(2025, 9, 1), D(2026, 2, 1), D(2026, 9, 1)):
        r.log(
            program,
            "联席会议",
            start + DAY * 6,
            pairings,
            {"content": "两校领导联席会议, 商定本学期教研计划"},
        )
        for offset in (25, 70):
            r.log(
                program,
                "研讨",
                start + DAY * offset,
                pairings,
                {"theme": "农村小学阅读教学", "people": 24},
            )
        for p in pairings:
            for offset in (30, 60, 95):
                r.log(
                    program,
                    "听课",
                    start + DAY * offset,
                    [p],
                    {"subject": "数学", "grade": "五年级"},
                )
            r.log(program, "反思", start + DAY * 100, [p], {"theme": "同课异构的收获"})
    r.log(program, "送教下乡", D(2026, 5, 12), pairings, {"subject": "英语", "people": 80})
    r.log(
        program,
        "捐赠",
        D(2026, 3, 5),
        pairings,
        {"content": "捐赠教学电脑"},
        items=[Item("教学电脑", Decimal(5), "台", Decimal(17500))],
    )


def _kunnan(r: Recorder, program: Program, rng: random.Random) -> None:
    pairings = list(
        Pairing.objects.filter(program=program).select_related("helper__user", "household")
    )
    occasions = [D(2026, 1, 1), D(2026, 2, 17), D(2026, 5, 1), D(2026, 6, 15), D(2026, 10, 1)]
    for p in pairings:
        for occasion in occasions:
            if rng.random() < 0.12:
                continue
            day = occasion - DAY * rng.randint(0, 10)
            r.log(
                program,
                "慰问" if occasion.month in (1, 2) else "走访",
                day,
                [p],
                {
                    "content": rng.choice(WORKER_NOTES),
                    **({"amount": "800"} if occasion.month in (1, 2) else {}),
                },
            )
    for p in pairings[:3]:
        r.log(
            program,
            "救助",
            D(2026, 8, 25),
            [p],
            {"category": "金秋助学", "amount": "2000", "content": "子女考上大学, 发放金秋助学金"},
        )
    for p in pairings[3:5]:
        r.log(
            program,
            "救助",
            D(2026, 4, 10),
            [p],
            {"category": "医疗互助", "amount": "1500", "content": "住院医疗互助补助"},
        )


def _baocun(r: Recorder, program: Program, rng: random.Random) -> None:
    pairings = list(Pairing.objects.filter(program=program))
    admin = r.admin
    r.log(
        program,
        "调研",
        D(2026, 3, 12),
        pairings,
        {"content": "驻村调研: 村集体经济以砂糖橘和林下养鸡为主, 缺冷库"},
        actor=admin,
    )
    r.log(
        program,
        "捐赠",
        D(2026, 4, 23),
        pairings,
        {"content": "世界读书日向村农家书屋赠书"},
        items=[Item("图书", Decimal(658), "册", Decimal(19740))],
        actor=admin,
    )
    r.log(
        program,
        "项目",
        D(2026, 6, 18),
        pairings,
        {"measure": "产业", "content": "援建冷库一座", "amount": "230000"},
        actor=admin,
    )
    for day, people in ((D(2026, 5, 16), 300), (D(2026, 9, 9), 300)):
        r.log(
            program,
            "培训",
            day,
            pairings,
            {"content": "农业实用技术培训", "people": people},
            actor=admin,
        )
    r.log(
        program, "慰问", D(2026, 2, 5), pairings, {"households": 30, "amount": "6000"}, actor=admin
    )


def _events(r: Recorder, rng: random.Random) -> int:
    """Life events on the workers' and the poor households' members; most visited in time."""
    made = 0
    kn = Program.objects.get(code="2026-KN")
    kinds = [
        ("生病住院", D(2026, 3, 14)),
        ("结婚", D(2026, 5, 20)),
        ("丧事", D(2026, 7, 3)),
        ("意外事故", D(2026, 9, 12)),
        ("生病住院", D(2026, 11, 18)),
    ]
    pairings = list(
        Pairing.objects.filter(program=kn, end=None).select_related("household", "helper__user")
    )
    for i, (kind, day) in enumerate(kinds):
        if not pairings or day > r.today:
            continue
        p = pairings[i % len(pairings)]
        members = list(Member.objects.filter(household=p.household).select_related("person"))
        subject: dict[str, Any] = {"household": p.household}
        if kind == "生病住院" and members:
            subject = {"person": members[-1].person}
        event_create(
            actor=r.admin, kind=kind, date=day, note="工会小组长报告", today=r.today, **subject
        )
        made += 1
        if i != 3:  # the accident is still waiting for its visit (shown as not visited)
            r.log(
                kn,
                "走访",
                min(day + DAY * rng.randint(1, 5), r.today),
                [p],
                {"content": f"{kind}后上门看望, 送去慰问"},
            )
    jz = Program.objects.get(code="2026-JZ")
    jp = Pairing.objects.filter(program=jz, end=None).select_related("household").first()
    if jp is not None:
        event_create(
            actor=r.admin,
            kind="受灾",
            date=D(2026, 8, 2),
            household=jp.household,
            note="台风吹翻屋顶",
            today=r.today,
        )
        made += 1
    return made


def seed(ctx: DemoContext) -> None:
    if Activity.objects.exists():
        return
    rng = random.Random("activities")
    today = timezone.localdate()
    r = Recorder(ctx, today)
    programs = {p.code: p for p in Program.objects.all()}
    for code, fill in (
        ("2026-JZ", _jingzhun),
        ("2026-SYG", _siyige),
        ("2026-ST", _shitu),
        ("2026-CX", _chengxiang),
        ("2026-KN", _kunnan),
        ("2026-BC", _baocun),
    ):
        if code in programs:
            fill(r, programs[code], rng)
    events = _events(r, rng)
    # A few photos, each with the date it was taken.
    for i, activity in enumerate(
        Activity.objects.filter(type__in=["走访", "捐赠", "培训"]).order_by("-date")[:4]
    ):
        photo_add(actor=r.admin, activity=activity, upload=_photo(activity.date, i + 1))
    ctx.count("帮扶活动", r.made)
    ctx.count("生活事件", events)
