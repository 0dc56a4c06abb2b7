"""students: a student aid list names the student, never the head (docs/import-export.md,
"students").

The layouts are real student aid lists: the export of a county's student aid system
(yxdtyut/poorInfo, src/main/java/com/mizhi/yxd/vo/PoorExportVo.java: 省市, 区县, 乡镇,
村组(社区), 姓名, 身份证号码, 是否6-15周岁, 户编号, 户主姓名, 联系电话, 学校全称, 学段, 年级, 班级,
学籍号 …), and a 雨露计划 list with the head's ID number, the relation and the aid
project, as the 受助学生 table of a public aid project (受助学生姓名, 就读阶段, 就读学校,
就读年级; search index file 35622832932) and a county's 教育扶持信息表 (户编号, 姓名, 身份证,
雨露计划, 助学贷款, 助学金; search index file 7381837731) have them.
"""

from __future__ import annotations

import pytest

from bangfu.registry.choices import Relation, Schooling
from bangfu.registry.models import Household, Member, Person, Tag
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"
# yxdtyut/poorInfo's PoorExportVo, in its order.
AID_EXPORT = [
    "省市",
    "区县",
    "乡镇",
    "村组(社区)",
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
    "就读方式",
    "是否残疾生",
    "残疾生证号",
    "不在校原因",
    "贫困类型",
    "本学期是否享受米脂资助",
]
RAIN = ["学生姓名", "身份证号", "就读学校", "就读年级", "户主姓名", "户主身份证号", "与户主关系"]
RAIN += ["资助项目", "资助金额", "家长联系电话", "所属组织编码"]


def household(world, code: str, head_name: str) -> Household:
    head = PersonFactory(org=world.a1v, name=head_name)
    h = Household.objects.create(code=code, org=world.a1v, head=head)
    Member.objects.create(household=h, person=head, relation=Relation.HEAD)
    return h


def aid_row(**cells) -> list:
    base = {"省市": "广西壮族自治区南宁市", "区县": "甲县", "乡镇": "甲镇", "村组(社区)": "甲村"}
    base |= {"是否6-15周岁": "是", "就读方式": "走读", "是否残疾生": "否"}
    return [{**base, **cells}.get(h) for h in AID_EXPORT]


def test_a_student_aid_export_updates_the_students_and_their_households(world, tmp_path):
    h = household(world, "450123100201000401", "农大")
    kept = PersonFactory(org=world.a1v, name="农小妹", id_number=new_id(41, sex="F", year=2011))
    Member.objects.create(household=h, person=kept, relation=Relation.DAUGHTER)
    newcomer = new_id(42, year=2013)
    path = tmp_path / "学生资助名单.xlsx"
    rows = messy_xlsx(
        path,
        AID_EXPORT,
        [
            aid_row(
                姓名="农小妹",
                身份证号码=kept.id_number,
                户编号=h.code,
                户主姓名="农大",
                联系电话="13800001111",
                学校全称="甲县第一中学",
                学段="初中",
                年级="八年级",
                班级="3班",
            ),
            aid_row(
                姓名="农小弟",
                身份证号码=newcomer,
                户编号=h.code,
                户主姓名="农大",
                学校全称="甲镇中心小学",
                学段="小学",
                年级="三年级",
            ),
        ],
    )
    result = run_import("students", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (1, 1)
    kept.refresh_from_db()
    assert (kept.schooling, kept.grade) == (Schooling.JUNIOR, 2)
    boy = Person.objects.get(id_number=newcomer)
    assert (boy.name, boy.org, boy.schooling, boy.grade) == (
        "农小弟",
        world.a1v,
        Schooling.PRIMARY,
        3,
    )
    assert Member.objects.get(person=boy).household == h
    assert Member.objects.get(person=boy).relation == Relation.OTHER
    h.refresh_from_db()
    assert h.head.name == "农大" and h.head.phone == ""  # the list's 联系电话 is not stored
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (rows[1], "", f"学生加入户 {h.code}, 未填写与户主关系, 记为“其他”; 请在户的页面更正")
    ]
    assert {"学校全称", "联系电话", "班级", "学籍号", "残疾生证号"} <= set(result.ignored)


def test_a_rain_plan_list_with_heads_relations_and_aid_projects(world, tmp_path):
    h = household(world, "450123100201000402", "农大")
    kept = PersonFactory(org=world.a1v, name="农小妹", id_number=new_id(43, sex="F", year=2008))
    kept.tags.add(Tag.objects.create(name="留守儿童"))
    Member.objects.create(household=h, person=kept, relation=Relation.DAUGHTER)
    newcomer, unplaced = new_id(44, year=2009), new_id(45, sex="F", year=2008)
    path = tmp_path / "雨露计划.xlsx"
    rows = plain_xlsx(
        path,
        RAIN,
        [
            [
                *("农小妹", kept.id_number, "市一中", "普通高中二年级", None, None, None),
                *("雨露计划、国家助学金", 1500, "13800001111", None),
            ],
            [
                *("农小弟", newcomer, "市职校", "中职一年级", "农大", h.head.id_number),
                *("之子", "雨露计划", 1500, None, None),
            ],
            [
                *("韦同学", unplaced, "市卫校", "中职二年级", None, None, None, None, None),
                *(None, VILLAGE),
            ],
        ],
    )
    result = run_import("students", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (2, 1)
    kept.refresh_from_db()
    assert (kept.schooling, kept.grade) == (Schooling.SENIOR, 2)
    assert sorted(t.name for t in kept.tags.all()) == ["国家助学金", "留守儿童", "雨露计划"]
    boy = Person.objects.get(id_number=newcomer)
    assert (boy.schooling, boy.grade, [t.name for t in boy.tags.all()]) == (
        Schooling.VOCATIONAL,
        1,
        ["雨露计划"],
    )
    assert (Member.objects.get(person=boy).household, Member.objects.get(person=boy).relation) == (
        h,
        Relation.SON,
    )
    # Nobody from this list heads a household; the one without a household is in its unit.
    h.refresh_from_db()
    assert h.head.name == "农大"
    assert not Household.objects.filter(head__id_number__in=[newcomer, unplaced]).exists()
    girl = Person.objects.get(id_number=unplaced)
    assert (girl.org, girl.schooling, girl.grade) == (world.a1v, Schooling.VOCATIONAL, 2)
    assert not girl.memberships.exists()
    assert [(w.row, w.message) for w in result.warnings if w.column == "就读年级"] == [
        (rows[0], "就读年级“普通高中二年级”记为 普通高中 2 年级"),
        (rows[1], "就读年级“中职一年级”记为 中职 1 年级"),
        (rows[2], "就读年级“中职二年级”记为 中职 2 年级"),
    ]
    assert {"就读学校", "资助金额", "家长联系电话"} <= set(result.ignored)

    again = run_import("students", path, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)

    # The export (the students on file: those in school) imports back changing nothing.
    out = tmp_path / "导出.xlsx"
    outcome = export_kind(get_kind("students"), user=world.unit_admin, dest=out, unmask=True)
    assert outcome.rows == 3
    result = run_import("students", out, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)


def test_a_grade_counts_within_the_stage_and_must_agree_with_it(world, tmp_path):
    pupil = PersonFactory(org=world.a1v, name="黄同学", id_number=new_id(44, year=2014))
    path = tmp_path / "s.xlsx"
    plain_xlsx(
        path,
        ["学生姓名", "身份证号", "学段", "年级"],
        [["黄同学", pupil.id_number, "初中", "八年级"]],
    )
    result = run_import("students", path, actor=world.unit_admin)
    assert (result.errors, result.updated) == ([], 1)
    pupil.refresh_from_db()
    assert (pupil.schooling, pupil.grade) == (Schooling.JUNIOR, 2)
    for grade, message in (
        ("普通高中一年级", "年级“普通高中一年级”与在校生状况“初中”不一致"),
        ("初中", "“初中”不是年级, 请填写如 七年级、普通高中二年级"),
        ("9", None),
    ):
        plain_xlsx(
            path,
            ["学生姓名", "身份证号", "学段", "年级"],
            [["黄同学", pupil.id_number, "初中", grade]],
        )
        result = run_import("students", path, actor=world.unit_admin)
        assert [e.message for e in result.errors] == ([message] if message else []), grade
    pupil.refresh_from_db()
    assert (pupil.schooling, pupil.grade) == (Schooling.JUNIOR, 3)  # 九年级


def test_a_student_is_never_made_a_head_and_every_row_is_checked(world, tmp_path):
    h = household(world, "450123100201000402", "蒙大")
    other = household(world, "450123100201000403", "蒙二")
    elsewhere = PersonFactory(org=world.a1v, name="蒙三", id_number=new_id(45, year=2012))
    Member.objects.create(household=other, person=elsewhere, relation=Relation.SON)
    not_head = PersonFactory(org=world.a1v, name="路人")
    ids = [new_id(50 + i, year=2012) for i in range(6)]
    path = tmp_path / "s.xlsx"
    headers = [
        "学生姓名",
        "身份证号",
        "就读年级",
        "户编号",
        "户主姓名",
        "户主身份证号",
        "与户主关系",
    ]
    headers += ["所属组织编码"]
    plain_xlsx(
        path,
        headers,
        [
            ["学一", ids[0], "七年级", h.code, None, None, "户主", None],
            ["学二", ids[1], "七年级", None, None, ids[1], "之子", None],
            ["学三", ids[2], "七年级", None, None, not_head.id_number, "之子", None],
            ["学四", ids[3], "七年级", h.code, None, None, None, None],  # (fine: 其他, a warning)
            ["蒙三", elsewhere.id_number, "七年级", h.code, None, None, "之子", None],
            ["学五", ids[4], "七年级", h.code, "蒙二", None, "之子", None],
            ["学六", ids[5], "七年级", None, None, None, None, None],
        ],
    )
    before = (Person.objects.count(), Member.objects.count())
    result = run_import("students", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "与户主关系", "学生不能登记为户主; 户主请用“户”导入"),
        (3, "户主身份证号", "户主身份证号与学生的身份证号相同: 学生不能登记为户主"),
        (4, "户主身份证号", "该身份证号不是已登记的户主"),
        (
            6,
            "身份证号",
            f"该学生已是户 {other.code} 的成员 (一人多户); 请先从原户移出或合并两户",
        ),
        (7, "户主姓名", f"户主姓名“蒙二”与户 {h.code} 已登记的户主“蒙大”不一致"),
        (
            8,
            "所属组织编码",
            "新登记的学生须填写户编号、户主身份证号或所属组织编码 (或县、乡、村名称)",
        ),
    ]
    assert (Person.objects.count(), Member.objects.count()) == before
