"""Demo organisation tree: a county with townships, villages, schools and offices, a city
agency that has adopted a village, and a bus group with its union branches — one place for each
of the six program templates to run."""

from __future__ import annotations

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


def seed(ctx: DemoContext) -> None:
    from bangfu.accounts.demo import bootstrap_admin

    admin = bootstrap_admin(ctx)
    for code, name, kind, parent_code in TREE:
        org = Org.objects.filter(code=code).first()
        if org is None:
            parent = ctx.orgs[parent_code] if parent_code else None
            org = org_create(actor=admin, code=code, name=name, kind=kind, parent=parent)
            ctx.count("单位")
        ctx.orgs[code] = org
