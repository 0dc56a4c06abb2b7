"""workers: the union's roster of workers in difficulty (docs/import-export.md, "workers").

The layout is a union's own export of its 困难职工 records (sheet 困难职工数据: 职工姓名, 单位名称,
性别, 年龄, 身份证, 银行卡, 家庭地址, 职工身份, 联系电话, 备注荣誉, 家庭人数, 家庭收入, 审核状态,
困难标准, 致困原因, 说明; search index file 20165923235), with the 档案编号 and 建档时间 of the
全国总工会 困难职工档案 forms.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from bangfu.orgs.tests.factories import OrgFactory
from bangfu.registry.choices import Cause, DatePrecision, Difficulty, Employment, Relation, Status
from bangfu.registry.models import Household, Member, Person, StatusChange, Tag
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.kinds.workers import derived_code
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
HEADERS = [
    "档案编号",
    "职工姓名",
    "单位名称",
    "性别",
    "身份证",
    "银行卡",
    "家庭地址",
    "联系电话",
    "家庭人数",
    "家庭收入",
    "困难标准",
    "致困原因",
    "建档时间",
]


@pytest.fixture
def branch(world):
    return OrgFactory(
        code="NNBUS-GH-01", name="公交集团第一基层分会", kind="union_branch", parent=world.a
    )


def test_a_union_roster_registers_households_headed_by_tagged_workers(world, branch, tmp_path):
    old_hand = PersonFactory(org=branch, name="潘师傅", id_number=new_id(61), phone="")
    old_hand.tags.add(Tag.objects.create(name="党员"))
    fresh = new_id(62, sex="F")
    path = tmp_path / "困难职工数据.xlsx"
    rows = messy_xlsx(
        path,
        HEADERS,
        [
            [
                *("GH2023-007", "潘师傅", "公交集团第一基层分会", "男", old_hand.id_number),
                *("6222…", "南宁市友爱路 8 号", "13800002222", 4, 36000),
                *("深度困难职工", "因病致困", "2023.6"),
            ],
            [
                *(None, "黎女士", "公交集团第一基层分会", "女", fresh, None, None, None, 3),
                *(28000, "相对困难", "子女就学负担重", "2024-03-15"),
            ],
        ],
    )
    result = run_import("workers", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)

    first = Household.objects.get(code="GH2023-007")
    assert (first.org, first.head, first.main_cause, first.difficulty) == (
        branch,
        old_hand,
        Cause.ILLNESS,
        Difficulty.DEEP,
    )
    assert (first.identified_on, first.identified_precision) == (
        datetime.date(2023, 6, 1),
        DatePrecision.MONTH,
    )
    assert (first.status, first.address) == (Status.IDENTIFIED, "南宁市友爱路 8 号")
    step = StatusChange.objects.get(household=first)
    assert (step.status, step.date, step.reason, step.imported_from) == (
        Status.IDENTIFIED,
        datetime.date(2023, 6, 1),
        "建档",
        "困难职工数据.xlsx",
    )
    old_hand.refresh_from_db()
    assert (old_hand.phone, old_hand.employment) == ("13800002222", Employment.EMPLOYED)
    assert sorted(t.name for t in old_hand.tags.all()) == ["党员", "困难职工"]
    assert Member.objects.get(household=first).relation == Relation.HEAD

    second = Household.objects.get(head__id_number=fresh)
    assert second.code == derived_code(fresh) and fresh not in second.code
    assert second.code.startswith("ZG") and len(second.code) == 14
    worker = second.head
    assert (worker.name, worker.org, worker.employment) == ("黎女士", branch, Employment.EMPLOYED)
    assert [t.name for t in worker.tags.all()] == ["困难职工"]
    assert (second.main_cause, second.difficulty) == (Cause.TUITION, Difficulty.RELATIVE)

    assert [(w.row, w.column) for w in result.warnings] == [(rows[0], "建档时间")]
    assert {"家庭人数", "家庭收入", "银行卡", "性别"} <= set(result.ignored)

    # Again: nothing changes. Then a status and a difficulty change.
    again = run_import("workers", path, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    plain_xlsx(
        path,
        ["职工姓名", "身份证号", "所属工会", "困难程度", "状态"],
        [["黎女士", fresh, "公交集团第一基层分会", "深度困难", "帮扶中"]],
    )
    result = run_import("workers", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 1)
    second.refresh_from_db()
    assert (second.difficulty, second.status, second.status_since) == (
        Difficulty.DEEP,
        Status.ASSISTING,
        timezone.localdate(),
    )
    assert StatusChange.objects.filter(household=second).count() == 2

    # The export imports back changing nothing.
    out = tmp_path / "导出.xlsx"
    outcome = export_kind(get_kind("workers"), user=world.unit_admin, dest=out, unmask=True)
    assert outcome.rows == 2
    result = run_import("workers", out, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)


def test_every_row_of_a_roster_is_checked_before_anything_is_written(world, branch, tmp_path):
    OrgFactory(code="GH-X1", name="同名分会", kind="union_branch", parent=world.a)
    OrgFactory(code="GH-X2", name="同名分会", kind="union_branch", parent=world.a)
    taken = Household.objects.create(code="GH-TAKEN", org=branch)
    member = PersonFactory(org=branch, name="覃师傅")
    elsewhere = Household.objects.create(code="GH-OTHER", org=branch)
    Member.objects.create(household=elsewhere, person=member, relation=Relation.SON)
    b_branch = OrgFactory(code="GH-B", name="乙县分会", kind="union_branch", parent=world.b)
    ids = [new_id(70 + i) for i in range(5)]
    path = tmp_path / "roster.xlsx"
    plain_xlsx(
        path,
        ["档案编号", "姓名", "身份证号", "所属工会", "致困原因", "所属组织编码"],
        [
            [None, "甲", ids[0], "不存在的工会", "因病", None],
            [None, "乙", ids[1], "同名分会", "因病", None],
            ["GH-TAKEN", "丙", ids[2], "公交集团第一基层分会", "因病", None],
            [None, "覃师傅", member.id_number, "公交集团第一基层分会", "因病", None],
            [None, "丁", ids[3], None, "因病", b_branch.code],
            [None, "戊", ids[4], None, "缺钱", None],
        ],
    )
    before = (Person.objects.count(), Household.objects.count())
    result = run_import("workers", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "所属工会", "“不存在的工会”不是您管理的单位的名称; 请填写单位的全称或所属组织编码"),
        (3, "所属工会", "有多个单位名为“同名分会”: GH-X1、GH-X2; 请填写所属组织编码"),
        (4, "档案编号", "户编号 GH-TAKEN 已登记为其他户 (户主不是该职工)"),
        (5, "身份证号", "该职工已是户 GH-OTHER 的成员; 请先从原户移出, 或在户的页面登记"),
        (6, "所属组织编码", "无权导入到单位 GH-B (乙县分会)"),
        (7, "所属工会", "请填写所属工会 (单位名称) 或所属组织编码"),
        (
            7,
            "致困原因",
            "“缺钱”不是有效的致困原因, 可填写: "
            + "、".join(str(label) for _v, label in Cause.choices),
        ),
    ]
    assert (Person.objects.count(), Household.objects.count()) == before
    assert taken.head is None
