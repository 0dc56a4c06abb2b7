"""Demo schemes: a 2026 helper scheme of the county (隆安县) on the demo programs of 精准扶贫 and
困难职工, a unit scheme for its villages, and one exemplar with a write-up — all through the
services, so they have their audit rows."""

from __future__ import annotations

from bangfu.assessment.models import Exemplar, Scheme
from bangfu.assessment.services import exemplar_mark, scheme_save
from bangfu.core.seeding import DemoContext
from bangfu.orgs.models import Org
from bangfu.programs.models import Program
from bangfu.registry.models import Helper

HELPER_SCHEME = {
    "indicators": [
        {
            "code": "compliance",
            "name": "走访任务完成率",
            "weight": 35,
            "metric": "compliance_rate",
            "scaling": {"kind": "linear", "low": 60, "high": 100},
        },
        {
            "code": "visits",
            "name": "走访户次",
            "weight": 25,
            "metric": "household_visits",
            "scaling": {"kind": "linear", "low": 0, "high": 24},
        },
        {
            "code": "aid",
            "name": "帮扶资金",
            "weight": 10,
            "metric": "aid_amount_wan",
            "scaling": {"kind": "linear", "low": 0, "high": 1},
        },
        {
            "code": "exits",
            "name": "脱贫户数",
            "weight": 20,
            "metric": "exits",
            "scaling": {"kind": "steps", "steps": [[0, 0], [1, 80], [2, 100]]},
        },
        {
            "code": "objections",
            "name": "公示异议成立",
            "weight": 10,
            "metric": "objections_upheld",
            "direction": "lower",
            "scaling": {"kind": "steps", "steps": [[0, 100], [1, 40], [2, 0]]},
        },
    ]
}

VILLAGE_SCHEME = {
    "org_kinds": ["village"],
    "indicators": [
        {
            "code": "growth",
            "name": "农民人均纯收入增长",
            "weight": 40,
            "metric": "village_income_growth",
            "scaling": {"kind": "linear", "low": 0, "high": 15},
        },
        {
            "code": "coverage",
            "name": "结对覆盖率",
            "weight": 30,
            "metric": "coverage_rate",
            "scaling": {"kind": "percent"},
        },
        {
            "code": "compliance",
            "name": "走访任务完成率",
            "weight": 30,
            "metric": "compliance_rate",
            "scaling": {"kind": "linear", "low": 60, "high": 100},
        },
    ],
}


def seed(ctx: DemoContext) -> None:
    admin = ctx.users.get("admin")
    county = Org.objects.filter(code="450123").first()
    if admin is None or county is None:
        return
    helper_scheme = Scheme.objects.filter(org=county, name="2026年帮扶责任人考核").first()
    if helper_scheme is None:
        helper_scheme = scheme_save(
            actor=admin,
            org=county,
            name="2026年帮扶责任人考核",
            subject="helpers",
            period="year",
            definition=HELPER_SCHEME,
            programs=Program.objects.filter(code__in=("2026-JZ", "2026-KN")),
            description=(
                "按走访任务、走访户次、帮扶资金、脱贫成效和公示异议考核, 不计在线时长和签到。"
            ),
        )
        ctx.count("考核方案")
    if not Scheme.objects.filter(org=county, name="2026年村级帮扶成效考核").exists():
        scheme_save(
            actor=admin,
            org=county,
            name="2026年村级帮扶成效考核",
            subject="units",
            period="year",
            definition=VILLAGE_SCHEME,
            description="各村农民人均纯收入增长、结对覆盖和走访任务完成情况。",
        )
        ctx.count("考核方案")
    helper = Helper.objects.filter(user__username="ganbu").select_related("org").first()
    if helper is None or Exemplar.objects.filter(scheme=helper_scheme).exists():
        return
    exemplar_mark(
        actor=admin,
        scheme=helper_scheme,
        period="2026",
        helper=helper,
        title="一户一策, 跑出脱贫加速度",
        write_up=(
            "坚持每月入户走访, 为结对户制定养牛和务工两条增收路子, 联系技能培训 3 次, "
            "帮助 1 户按期脱贫。走访记录、帮扶资金和脱贫档案均可在系统中查到。"
        ),
    )
    ctx.count("典型")
