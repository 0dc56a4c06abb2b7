"""Finding a household's unit from a national export (bangfu/transfer/kinds/places.py): the
village code inside a 户码, or the 县/乡/村 (组) names, loosely matched, with the candidates named
when a name is ambiguous or unknown.

The name columns are the national layouts' own: 县(市、区、旗), 乡(镇), 行政村, 自然村, 户编号,
人编号 in the 已脱贫人口名单 export class of xiaoxinllleee/idap-service
(bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/entity/SgtzglYtprkmd.java);
镇 / 村 / 组 in the customer rosters of the same repository; 区县 / 乡镇 / 村组（社区） in the
student aid export of yxdtyut/poorInfo (src/main/java/com/mizhi/yxd/vo/PoorExportVo.java);
行政村编号 / 行政村 / 自然村屯 in glaaa-aa/smart-countryside-vue3
(smart-countryside-sys/qfy-module-family/src/main/java/com/qfy/modules/family/model/FamilyBaseVo.java).
"""

from __future__ import annotations

import pytest

from bangfu.registry.models import Household
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds.places import group_key, loose_key
from bangfu.transfer.tests.national import (
    county_tree,
    messages,
    national_admin,
    roster_rows,
    warnings_of,
)
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["户码", "户主姓名", "户主身份证号", "识别时间", "状态"]


@pytest.fixture
def tree(db):
    return county_tree()


def household_rows(codes: list[str]) -> list[list[object]]:
    return [[code, f"户主{i}", new_id(i), "2014", "帮扶中"] for i, code in enumerate(codes)]


def test_loose_keys():
    assert loose_key("township", "那桐镇人民政府") == ("", "那桐")
    assert loose_key("village", "东信村委会") == ("v", "东信")
    assert loose_key("village", "震东居委会") == ("c", "震东")
    assert loose_key("village", "村") == ("", "村")  # never stripped to nothing
    assert {
        group_key(n, "浪湾村") for n in ("第一村民小组", "一组", "1组", "01", "浪湾村一组")
    } == {"1"}
    assert group_key("十二组") == "12" and group_key("二十队") == "20"


def test_unit_from_the_village_code_inside_the_huma(tree, tmp_path):
    """A 16-digit 户码 as text and a 15-digit one as a number: the first 12 digits are
    浪湾村's 统计用区划代码; the 户码 becomes the 户编号."""
    path = tmp_path / "户码.xlsx"
    plain_xlsx(
        path,
        HEADERS,
        [
            ["4501231042030012", "黄德明", new_id(1), "2014", "帮扶中"],
            [450123104201001, "陆秀兰", new_id(2, sex="F"), "201410", "帮扶中"],
        ],
    )
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert result.created == 2
    first = Household.objects.get(code="4501231042030012")
    second = Household.objects.get(code="450123104201001")
    assert (first.org, second.org) == (tree.langwan, tree.natong_village)
    assert first.head.org == tree.langwan


def test_huma_whose_prefix_is_no_unit(tree, tmp_path):
    path = tmp_path / "户码.xlsx"
    numbers = plain_xlsx(path, HEADERS, household_rows(["4501231042990012"]))
    result = run_import("households", path, actor=tree.admin)
    assert messages(result) == [
        (
            numbers[0],
            "户码",
            "户码的前 12 位 450123104299 不是已登记的村 (社区) 的编码; "
            "请填写所属组织编码, 或 县、乡、村 名称",
        )
    ]
    assert not Household.objects.exists()


def test_names_matched_loosely_are_warnings(tree, tmp_path):
    path = tmp_path / "名称.xlsx"
    headers = ["县(市、区、旗)", "乡(镇)", "行政村", *HEADERS]
    rows = [
        ["隆安县", "那桐", "浪湾村委会", "LW1", "甲", new_id(1), "2014", "帮扶中"],
        ["隆安县", "那桐", "浪湾村委会", "LW2", "乙", new_id(2), "2014", "帮扶中"],
        ["隆安县", "那桐乡", "那桐村民委员会", "NT1", "丁", new_id(4), "2014", "帮扶中"],
        ["隆安", "城厢镇人民政府", "震东居委会", "ZD1", "丙", new_id(3), "2014", "帮扶中"],
    ]
    numbers = plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert Household.objects.get(code="LW1").org == tree.langwan
    assert Household.objects.get(code="LW2").org == tree.langwan
    assert Household.objects.get(code="ZD1").org == tree.zhendong
    assert Household.objects.get(code="NT1").org == tree.natong_village
    loose = [w for w in warnings_of(result) if w[1] in ("县(市、区、旗)", "乡(镇)", "行政村")]
    # One warning per spelling, at its first row.
    assert loose == [
        (numbers[0], "乡(镇)", "乡镇“那桐”按已登记的“那桐镇”(450123104) 读取"),
        (numbers[0], "行政村", "村“浪湾村委会”按已登记的“浪湾村”(450123104203) 读取"),
        (numbers[2], "乡(镇)", "乡镇“那桐乡”按已登记的“那桐镇”(450123104) 读取"),
        (numbers[2], "行政村", "村“那桐村民委员会”按已登记的“那桐村”(450123104201) 读取"),
        (numbers[3], "县(市、区、旗)", "县“隆安”按已登记的“隆安县”(450123) 读取"),
        (numbers[3], "乡(镇)", "乡镇“城厢镇人民政府”按已登记的“城厢镇”(450123100) 读取"),
        (numbers[3], "行政村", "村“震东居委会”按已登记的“震东社区”(450123100001) 读取"),
    ]


def test_ambiguous_and_unknown_names_list_the_candidates(tree, tmp_path):
    path = tmp_path / "名称.xlsx"
    headers = ["乡镇", "村", *HEADERS]
    rows = [
        ["那桐镇", "新村", "X1", "甲", new_id(1), "2014", "帮扶中"],
        [None, "新村", "X2", "乙", new_id(2), "2014", "帮扶中"],
        ["那桐镇", "浪湾屯", "X3", "丙", new_id(3), "2014", "帮扶中"],
        ["那楼镇", "浪湾村", "X4", "丁", new_id(4), "2014", "帮扶中"],
        [None, "高峰村", "X5", "戊", new_id(5), "2014", "帮扶中"],
    ]
    numbers = plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    new_a, new_b, new_c = (o.code for o in tree.new_villages)
    assert messages(result) == [
        (
            numbers[0],
            "村",
            f"村“新村”在那桐镇下有 2 个: 那桐镇新村 ({new_a})、那桐镇新村 ({new_b}); "
            "请填写所属组织编码",
        ),
        (
            numbers[1],
            "村",
            f"村“新村”在您管理的单位下有 3 个: 城厢镇新村 ({new_c})、那桐镇新村 ({new_a})、"
            f"那桐镇新村 ({new_b}); 请填写所属组织编码",
        ),
        (
            numbers[2],
            "村",
            "那桐镇下没有名为“浪湾屯”的村, 可填写: 那桐村、浪湾村、新村、新村",
        ),
        (
            numbers[3],
            "乡镇",
            "您管理的单位下没有名为“那楼镇”的乡镇; 请检查名称, 或填写所属组织编码",
        ),
        (
            numbers[4],
            "村",
            "您管理的单位下没有名为“高峰村”的村; 请检查名称, 或填写所属组织编码",
        ),
    ]
    assert not Household.objects.exists()


def test_a_group_is_its_unit_when_there_is_one_else_the_village(tree, tmp_path):
    path = tmp_path / "组.xlsx"
    headers = ["乡镇", "村", "组", *HEADERS]
    rows = [
        ["那桐镇", "浪湾村", "第一村民小组", "G1", "甲", new_id(1), "2014", "帮扶中"],
        ["那桐镇", "浪湾村", "1组", "G2", "乙", new_id(2), "2014", "帮扶中"],
        ["那桐镇", "浪湾村", "五组", "G3", "丙", new_id(3), "2014", "帮扶中"],
    ]
    numbers = plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert Household.objects.get(code="G1").org == tree.group_one
    assert Household.objects.get(code="G2").org == tree.group_one
    assert Household.objects.get(code="G3").org == tree.langwan
    assert (
        numbers[2],
        "组",
        "组“五组”不是浪湾村下登记的单位, 记在浪湾村 (450123104203)",
    ) in warnings_of(result)
    assert (
        numbers[0],
        "组",
        "组“第一村民小组”按已登记的“浪湾村一组”(LW-G01) 读取",
    ) in warnings_of(result)


def test_the_org_code_comes_first_and_names_are_only_compared(tree, tmp_path):
    path = tmp_path / "编码.xlsx"
    headers = ["所属组织编码", "村", *HEADERS]
    rows = [["450123104203", "那桐村", "C1", "甲", new_id(1), "2014", "帮扶中"]]
    numbers = plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == []
    assert Household.objects.get(code="C1").org == tree.langwan
    assert (
        numbers[0],
        "村",
        "村“那桐村”与所属组织编码所指的“浪湾村”(450123104203) 不符; 按所属组织编码",
    ) in warnings_of(result)


def test_without_any_column_for_the_unit_the_header_says_which_would_do(tree, tmp_path):
    path = tmp_path / "无单位.xlsx"
    plain_xlsx(path, ["户编号", "户主姓名", "户主身份证号"], [["H1", "甲", new_id(1)]])
    result = run_import("households", path, actor=tree.admin)
    assert messages(result) == [
        (
            1,
            "所属组织编码",
            "缺少“所属组织编码”列: 单位可由 所属组织编码、户码或人编号 "
            "(前 12 位是村的统计用区划代码)、县/乡/村 名称列 之一确定, 请至少提供其中一种",
        )
    ]


def test_a_name_outside_the_actors_units_is_refused(tree, tmp_path):
    path = tmp_path / "越权.xlsx"
    headers = ["乡镇", "村", *HEADERS]
    numbers = plain_xlsx(
        path, headers, [["那桐镇", "浪湾村", "R1", "甲", new_id(1), "2014", "帮扶中"]]
    )
    township_admin = national_admin(tree.chengxiang, username="chengxiang")
    result = run_import("households", path, actor=township_admin)
    assert messages(result) == [
        (numbers[0], "村", "无权导入到单位 450123104203 (浪湾村)"),
    ]


def test_the_roster_layout_finds_its_unit_on_the_head_row(tree, tmp_path):
    """The 已脱贫人口名单 columns: 县(市、区、旗), 乡(镇), 行政村, 户编号, 人编号 …"""
    path = tmp_path / "名单.xlsx"
    headers, rows = roster_rows()
    plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    household = Household.objects.get(code="450123104203001")
    assert household.org == tree.langwan
    assert {m.person.org_id for m in household.members.select_related("person")} == {
        tree.langwan.pk
    }
