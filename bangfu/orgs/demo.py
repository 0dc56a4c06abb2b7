"""Demo organisation tree: a county with townships, villages, schools and offices, a city
agency that has adopted a village, and a bus group with its union branches — one place for each
of the six program templates to run."""

from __future__ import annotations

from decimal import Decimal

from bangfu.core.seeding import DemoContext
from bangfu.orgs.models import Org
from bangfu.orgs.services import org_create

# (code, name, kind, parent code)
TREE: list[tuple[str, str, str, str | None]] = [
    ("450100", "南宁市", "city", None),
    ("450123", "隆安县", "county", "450100"),
    ("LAX-FPB", "隆安县扶贫开发领导小组办公室", "agency", "450123"),
    ("LAX-JYJ", "隆安县教育局", "agency", "450123"),
    ("LAX-ZGH", "隆安县总工会", "union", "450123"),
    ("450123100", "城厢镇", "township", "450123"),
    ("450123100001", "震东社区", "community", "450123100"),
    ("450123100201", "东信村", "village", "450123100"),
    ("450123100202", "宝塔村", "village", "450123100"),
    ("LAX-CXYEY", "城厢镇中心幼儿园", "kindergarten", "450123100"),
    ("450123104", "那桐镇", "township", "450123"),
    ("450123104201", "那桐村", "village", "450123104"),
    ("450123104202", "定江村", "village", "450123104"),
    ("450123104203", "浪湾村", "village", "450123104"),
    ("LAX-NTZX", "那桐镇中心小学", "school", "450123104"),
    ("450123203", "布泉乡", "township", "450123"),
    ("450123203201", "布泉村", "village", "450123203"),
    ("450123203202", "高峰村", "village", "450123203"),
    ("LAX-BQZX", "布泉乡中心小学", "school", "450123203"),
    ("LAX-SYXX", "隆安县城区实验小学", "school", "450123"),
    ("LAX-SYXX-G5", "五年级", "grade", "LAX-SYXX"),
    ("LAX-SYXX-G5-1", "五(1)班", "class", "LAX-SYXX-G5"),
    ("LAX-SYXX-G5-2", "五(2)班", "class", "LAX-SYXX-G5"),
    ("LAX-SYXX-DZB", "实验小学党支部", "party_branch", "LAX-SYXX"),
    ("NN-NWH", "南宁市农业委员会", "agency", "450100"),
    ("NNBUS", "南宁公交集团", "group", "450100"),
    ("NNBUS-01", "南宁公交第一分公司", "company", "NNBUS"),
    ("NNBUS-02", "南宁公交第二分公司", "company", "NNBUS"),
    ("NNBUS-GH", "南宁公交集团工会", "union", "NNBUS"),
    ("NNBUS-GH-01", "第一分公司基层分会", "union_branch", "NNBUS-GH"),
    ("NNBUS-GH-02", "第二分公司基层分会", "union_branch", "NNBUS-GH"),
]


# Where the units are (longitude, latitude; WGS-84 degrees, plausible rather than surveyed):
# 隆安县's seat 城厢镇 near 107.69°E 23.17°N, 那桐镇 to the south-west, 布泉乡 up in the
# north-west hills; 南宁市's units in the city. Grades, classes and the party branch sit at
# their school. Matching measures distance with them (docs/matching.md).
COORDINATES: dict[str, tuple[str, str]] = {
    "450100": ("108.366543", "22.817002"),
    "450123": ("107.696153", "23.166028"),
    "LAX-FPB": ("107.694210", "23.167320"),
    "LAX-JYJ": ("107.699870", "23.164150"),
    "LAX-ZGH": ("107.691530", "23.169480"),
    "450123100": ("107.692980", "23.170210"),
    "450123100001": ("107.700340", "23.172560"),
    "450123100201": ("107.731260", "23.198430"),
    "450123100202": ("107.668910", "23.142370"),
    "LAX-CXYEY": ("107.690120", "23.168040"),
    "450123104": ("107.583420", "23.041860"),
    "450123104201": ("107.575630", "23.046290"),
    "450123104202": ("107.612480", "23.018750"),
    "450123104203": ("107.548170", "23.071940"),
    "LAX-NTZX": ("107.581950", "23.043170"),
    "450123203": ("107.436280", "23.367940"),
    "450123203201": ("107.440830", "23.371560"),
    "450123203202": ("107.408260", "23.342790"),
    "LAX-BQZX": ("107.437690", "23.365820"),
    "LAX-SYXX": ("107.695180", "23.162960"),
    "LAX-SYXX-G5": ("107.695180", "23.162960"),
    "LAX-SYXX-G5-1": ("107.695180", "23.162960"),
    "LAX-SYXX-G5-2": ("107.695180", "23.162960"),
    "LAX-SYXX-DZB": ("107.695180", "23.162960"),
    "NN-NWH": ("108.327950", "22.815830"),
    "NNBUS": ("108.352160", "22.800740"),
    "NNBUS-01": ("108.298530", "22.849170"),
    "NNBUS-02": ("108.401270", "22.787620"),
    "NNBUS-GH": ("108.352160", "22.800740"),
    "NNBUS-GH-01": ("108.298530", "22.849170"),
    "NNBUS-GH-02": ("108.401270", "22.787620"),
}


def seed(ctx: DemoContext) -> None:
    from bangfu.accounts.demo import bootstrap_admin

    admin = bootstrap_admin(ctx)
    for code, name, kind, parent_code in TREE:
        org = Org.objects.filter(code=code).first()
        if org is None:
            parent = ctx.orgs[parent_code] if parent_code else None
            longitude, latitude = COORDINATES.get(code, (None, None))
            org = org_create(
                actor=admin,
                code=code,
                name=name,
                kind=kind,
                parent=parent,
                longitude=Decimal(longitude) if longitude else None,
                latitude=Decimal(latitude) if latitude else None,
            )
            ctx.count("单位")
        ctx.orgs[code] = org
