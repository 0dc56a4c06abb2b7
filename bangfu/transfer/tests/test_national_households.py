"""The national layouts as households (bangfu/transfer/kinds/households.py): the member roster
(one row per person, the 户主 row makes the household), a student aid list refused instead of
registering the child as a head, and households imported as 脱贫户 with their 脱贫年度 getting
the history the national system implies, marked as imported.

Layouts: the 已脱贫人口名单 export class of xiaoxinllleee/idap-service
(bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/entity/SgtzglYtprkmd.java:
县(市、区、旗), 乡(镇), 行政村, 自然村, 户编号, 人编号, 姓名, 证件号码, 人数, 与户主关系, 民族, …,
首次识别时间); the student aid export of yxdtyut/poorInfo
(src/main/java/com/mizhi/yxd/vo/PoorExportVo.java: 省市, 区县, 乡镇, 村组（社区）, 姓名,
身份证号码, 是否6-15周岁, 户编号, 户主姓名, 联系电话, 学校全称, 学段, 年级, 班级, 学籍号); 脱贫年度
as in glaaa-aa/smart-countryside-vue3
(smart-countryside-sys/qfy-module-family/src/main/java/com/qfy/modules/family/model/FamilyBaseVo.java).
"""

from __future__ import annotations

import datetime

import pytest

from bangfu.registry.models import Household, HouseholdIncome, Member, Person, StatusChange
from bangfu.transfer.importers import run_import
from bangfu.transfer.tests.national import (
    CHILD_ID,
    HEAD_ID,
    SPOUSE_ID,
    county_tree,
    messages,
    roster_rows,
    warnings_of,
)
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def tree(db):
    return county_tree()


def steps(code: str) -> list[tuple]:
    return list(
        StatusChange.objects.filter(household__code=code)
        .order_by("date", "id")
        .values_list("status", "date", "date_precision", "reason", "imported_from")
    )


# -- the member roster -----------------------------------------------------------------------


def test_member_roster_makes_the_household_from_the_head_row(tree, tmp_path):
    path = tmp_path / "已脱贫人口名单.xlsx"
    headers, rows = roster_rows()
    numbers = messy_xlsx(path, headers, rows, title="隆安县那桐镇浪湾村人口名单")
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert (result.created, result.updated) == (3, 0)  # the household and its two members

    household = Household.objects.get(code="450123104203001")
    assert household.org == tree.langwan
    assert household.head.id_number == HEAD_ID and household.head.name == "黄德明"
    assert household.main_cause == "illness"
    assert (household.identified_on, household.identified_precision) == (D(2014, 1, 1), "year")
    assert HouseholdIncome.objects.get(household=household).per_capita == 5120
    members = {m.person.id_number: m.relation for m in household.members.select_related("person")}
    assert members == {HEAD_ID: "head", SPOUSE_ID: "spouse", CHILD_ID: "son"}
    head, child = Person.objects.get(id_number=HEAD_ID), Person.objects.get(id_number=CHILD_ID)
    # The person columns go to the row's own person: 人联系电话, 健康状况, 劳动技能, 在校生状况.
    assert (head.phone, head.health, head.labour) == ("13907711234", "chronic", "ordinary")
    assert (child.schooling, child.labour, child.org) == ("primary", "none", tree.langwan)
    # The child heads nothing.
    assert not Household.objects.filter(head__id_number=CHILD_ID).exists()
    assert steps("450123104203001") == []  # (the roster has no 状态)
    # Columns it does not use are listed; the household's phone differs from the head's own.
    assert {"数据日期", "自然村", "人数", "民族"} <= set(result.ignored)
    assert (
        numbers[1],
        "户联系电话",
        "户联系电话 0771-6512345 与户主的联系电话 13907711234 不同, 未保存",
    ) in warnings_of(result)

    again = run_import("households", path, actor=tree.admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)


def test_roster_rows_that_disagree_with_the_head_row(tree, tmp_path):
    path = tmp_path / "名单.xlsx"
    headers, rows = roster_rows()
    rows[2][headers.index("致贫原因1")] = "因残"  # the wife's row
    numbers = plain_xlsx(path, headers, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == []
    assert Household.objects.get().main_cause == "illness"  # the head row's
    assert (
        numbers[2],
        "致贫原因1",
        f"与本户户主行 (第 {numbers[1]} 行) 的“致贫原因1”不同, 以户主行为准",
    ) in warnings_of(result)


def test_roster_without_a_head_row_or_with_two_is_refused(tree, tmp_path):
    path = tmp_path / "名单.xlsx"
    headers, _rows = roster_rows()
    relation = headers.index("与户主关系")
    no_head, two_heads = roster_rows("450123104203002")[1], roster_rows("450123104203003")[1]
    no_head[1][relation] = "之兄弟"
    for row in no_head:
        row[headers.index("证件号码")] = new_id(40 + no_head.index(row))
    two_heads[2][relation] = "户主"
    for row in two_heads:
        row[headers.index("证件号码")] = new_id(50 + two_heads.index(row))
    numbers = plain_xlsx(path, headers, [*no_head, *two_heads])
    result = run_import("households", path, actor=tree.admin)
    missing = (
        "户编号 450123104203002 在本表和系统中都没有户主 (与户主关系为“户主”的行), 无法建立该户"
    )
    assert [(r, c, m) for r, c, m in messages(result) if r in numbers[:3]] == [
        (numbers[0], "与户主关系", missing),
        (numbers[1], "与户主关系", missing),
        (numbers[2], "与户主关系", missing),
    ]
    assert (
        numbers[4],
        "与户主关系",
        f"户主所在户 450123104203003 与第 {numbers[5]} 行重复, 同一文件中只能出现一次",
    ) in messages(result)
    assert not Household.objects.exists() and not Person.objects.exists()


def test_member_roster_adds_members_to_a_household_on_file(tree, tmp_path):
    first = tmp_path / "户主.xlsx"
    headers, rows = roster_rows()
    plain_xlsx(first, headers, [rows[1]])  # the head row alone
    assert run_import("households", first, actor=tree.admin).created == 1
    later = tmp_path / "成员.xlsx"
    plain_xlsx(later, headers, [rows[0], rows[2]])  # the members, without the head row
    result = run_import("households", later, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert result.created == 2
    household = Household.objects.get()
    assert household.members.count() == 3 and household.head.id_number == HEAD_ID


# -- a list of persons is not a list of heads ------------------------------------------------

STUDENT_HEADERS = [
    "省市",
    "区县",
    "乡镇",
    "村组（社区）",
    "姓名",
    "身份证号码",
    "是否6-15周岁",
    "户编号",
    "户主姓名",
    "联系电话",
    "学校全称",
    "学段",
    "年级",
    "班级",
    "学籍号",
]


def test_a_student_aid_list_is_refused_and_the_child_never_becomes_a_head(tree, tmp_path):
    path = tmp_path / "学生资助名单.xlsx"
    student = new_id(7, year=2012)
    plain_xlsx(
        path,
        STUDENT_HEADERS,
        [
            [
                "广西南宁",
                "隆安县",
                "那桐镇",
                "浪湾村",
                "黄小宝",
                student,
                "是",
                "450123104203001",
                "黄德明",
                "13907711234",
                "那桐镇中心小学",
                "小学",
                "五年级",
                "五(1)班",
                "G450123201201010011",
            ]
        ],
    )
    result = run_import("households", path, actor=tree.admin)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (1, "身份证号码")
    assert error.message.startswith(
        "表中的“身份证号码”是每行人员本人的, 表中既没有“户主身份证号”列, 也没有“与户主关系”列"
        "说明谁是户主, 不能按户导入 (否则会把名单上的人登记为户主); 这像是学生名单, 请按“"
    )
    assert not Person.objects.filter(id_number=student).exists()
    assert not Household.objects.exists()


def test_bare_name_and_id_without_relation_are_never_the_heads(tree, tmp_path):
    path = tmp_path / "名单.xlsx"
    plain_xlsx(path, ["户编号", "姓名", "身份证号", "村"], [["H1", "黄小宝", new_id(8), "浪湾村"]])
    result = run_import("households", path, actor=tree.admin)
    assert [(e.row, e.column) for e in result.errors] == [(1, "身份证号")]
    assert "如果这一列就是户主的身份证号, 请把表头改为“户主身份证号”" in result.errors[0].message
    assert not Person.objects.exists()


def test_one_row_per_household_still_needs_its_head_columns(tree, tmp_path):
    path = tmp_path / "户.xlsx"
    plain_xlsx(path, ["户编号", "户主姓名", "村"], [["H1", "黄德明", "浪湾村"]])
    result = run_import("households", path, actor=tree.admin)
    assert messages(result) == [(1, "户主身份证号", "缺少必填列“户主身份证号”")]


# -- households imported as 脱贫户 -------------------------------------------------------------

EXITED_HEADERS = ["户码", "户主姓名", "户主身份证号", "识别时间", "状态", "脱贫年度"]


def test_an_exited_household_gets_its_history_marked_as_imported(tree, tmp_path):
    path = tmp_path / "脱贫户.xlsx"
    rows = [
        ["4501231042030001", "黄德明", new_id(1), "2014", "脱贫户", "2019"],
        ["4501231042030002", "陆秀兰", new_id(2, sex="F"), 201410, "已脱贫", "2014年度"],
        ["4501231042030003", "农建华", new_id(3), None, "脱贫", 2020],
        ["4501231042030004", "覃玉梅", new_id(4, sex="F"), "2015-03-02", "帮扶中", None],
    ]
    plain_xlsx(path, EXITED_HEADERS, rows)
    result = run_import("households", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    name = "脱贫户.xlsx"
    assert steps("4501231042030001") == [
        ("assisting", D(2014, 1, 1), "year", "导入: 识别时间 2014", name),
        ("exited", D(2019, 1, 1), "year", "导入: 脱贫年度 2019", name),
    ]
    # Exited in the year of identification: the 脱贫 step is not dated before identification.
    assert steps("4501231042030002") == [
        ("assisting", D(2014, 10, 1), "month", "导入: 识别时间 201410", name),
        ("exited", D(2014, 10, 1), "year", "导入: 脱贫年度 2014年度", name),
    ]
    # Without 识别时间 the first step is dated with the 脱贫 step: not known to be earlier.
    assert steps("4501231042030003") == [
        (
            "assisting",
            D(2020, 1, 1),
            "year",
            "导入: 未填识别日期, 识别日期不详; 至迟于脱贫时已在册",
            name,
        ),
        ("exited", D(2020, 1, 1), "year", "导入: 脱贫年度 2020", name),
    ]
    assert steps("4501231042030004") == [("assisting", D(2015, 3, 2), None, "建档", name)]
    exited = Household.objects.get(code="4501231042030001")
    assert (exited.status, exited.status_since) == ("exited", D(2019, 1, 1))
    assert (exited.identified_on, exited.identified_precision) == (D(2014, 1, 1), "year")
    assert Household.objects.get(code="4501231042030003").identified_on is None

    again = run_import("households", path, actor=tree.admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert StatusChange.objects.count() == 7


def test_exit_year_before_identification_and_other_mismatches_are_errors(tree, tmp_path):
    path = tmp_path / "脱贫户.xlsx"
    rows = [
        ["4501231042030001", "黄德明", new_id(1), "2014", "脱贫户", "2013"],
        ["4501231042030002", "陆秀兰", new_id(2, sex="F"), "2014", "帮扶中", "2019"],
        ["4501231042030003", "农建华", new_id(3), "2014", "脱贫", None],
        ["4501231042030004", "覃玉梅", new_id(4, sex="F"), "2014", "返贫", None],
    ]
    numbers = plain_xlsx(path, EXITED_HEADERS, rows)
    result = run_import("households", path, actor=tree.admin)
    assert messages(result) == [
        (numbers[0], "脱贫年度", "脱贫年度 2013 早于识别日期 (2014)"),
        (
            numbers[1],
            "脱贫年度",
            "填写了脱贫年度, 状态应为“脱贫”(或 脱贫户、已脱贫), 实际为“帮扶中”",
        ),
        (
            numbers[2],
            "状态",
            "首次登记的状态只能是: 新识别、帮扶中; "
            "已脱贫的户请同时填写脱贫年度 (如 2019), 以记下它的状态历史",
        ),
        (
            numbers[3],
            "状态",
            "首次登记的状态只能是: 新识别、帮扶中; "
            "已有历史的户请先按此导入, 再用“状态变更”导入其后的变化",
        ),
    ]
    assert not Household.objects.exists() and not StatusChange.objects.exists()


def test_a_household_on_file_moves_to_exited_at_its_exit_year(tree, tmp_path):
    first = tmp_path / "拟脱贫.xlsx"
    plain_xlsx(
        first,
        ["户码", "户主姓名", "户主身份证号", "识别时间", "状态"],
        [["4501231042030001", "黄德明", new_id(1), "2016-05-01", "帮扶中"]],
    )
    assert run_import("households", first, actor=tree.admin).ok
    household = Household.objects.get()
    StatusChange.objects.create(household=household, status="proposed_exit", date=D(2019, 6, 1))
    Household.objects.filter(pk=household.pk).update(
        status="proposed_exit", status_since=D(2019, 6, 1)
    )
    later = tmp_path / "脱贫.xlsx"
    plain_xlsx(
        later,
        EXITED_HEADERS,
        [["4501231042030001", "黄德明", new_id(1), "2016-05-01", "脱贫户", "2019"]],
    )
    result = run_import("households", later, actor=tree.admin)
    assert result.errors == [] and result.updated == 1
    assert steps("4501231042030001")[-1] == (
        "exited",
        D(2019, 6, 1),  # in 2019, not before the step on file
        "year",
        "导入: 脱贫年度 2019",
        "脱贫.xlsx",
    )
    household.refresh_from_db()
    assert (household.status, household.status_since) == ("exited", D(2019, 6, 1))


def test_status_changes_imported_are_marked_with_their_file(tree, tmp_path):
    first = tmp_path / "户.xlsx"
    plain_xlsx(
        first,
        ["户码", "户主姓名", "户主身份证号", "识别时间", "状态"],
        [["4501231042030001", "黄德明", new_id(1), "2016-05-01", "帮扶中"]],
    )
    assert run_import("households", first, actor=tree.admin).ok
    path = tmp_path / "状态变更.xlsx"
    plain_xlsx(path, ["户码", "状态", "日期", "原因"], [["4501231042030001", "拟脱贫", "2019", ""]])
    result = run_import("status-changes", path, actor=tree.admin)
    assert result.errors == [], messages(result)
    assert steps("4501231042030001")[-1] == (
        "proposed_exit",
        D(2019, 1, 1),
        "year",
        "",
        "状态变更.xlsx",
    )
    assert Member.objects.count() == 1
