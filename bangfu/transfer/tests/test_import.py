"""Importing each kind from messy files: what is created, that re-importing updates instead of
duplicating, that a file with one bad row changes nothing, and that every error names the Excel
row and the column."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bangfu.audit.models import AuditEvent
from bangfu.core.idnumber import IdNumberError, parse_id_number
from bangfu.core.pinyin import pinyin_key, pinyin_sort_key
from bangfu.core.tree import child_path
from bangfu.orgs.models import Org
from bangfu.registry.models import (
    Helper,
    Household,
    HouseholdIncome,
    Member,
    Person,
    StatusChange,
)
from bangfu.registry.services import transition_problem
from bangfu.registry.tests.factories import HouseholdFactory, PersonFactory
from bangfu.transfer.importers import run_import
from bangfu.transfer.tests.sheets import full_width, messy_xlsx, new_id, plain_xlsx

pytestmark = pytest.mark.django_db
D = datetime.date
VILLAGE = "450123100201"


def serial(day: datetime.date) -> int:
    """The Excel serial number of a date (1900 date system)."""
    return (day - D(1899, 12, 30)).days


def id_ending_in_x() -> str:
    return next(n for n in (new_id(i) for i in range(900, 1200)) if n.endswith("X"))


def snapshot() -> tuple:
    """Everything an import could touch, to compare before and after."""
    return (
        Org.objects.count(),
        Person.objects.count(),
        Household.objects.count(),
        Member.objects.count(),
        StatusChange.objects.count(),
        HouseholdIncome.objects.count(),
        Helper.objects.count(),
        AuditEvent.objects.count(),
        list(Person.objects.order_by("pk").values_list("name", "phone", "org_id")),
    )


# -- persons ---------------------------------------------------------------------------------


PERSON_HEADERS = ["姓名", "身份证号码", "手机", "单位编码", "标签", "出生日期", "健康状况", "备注"]


def test_persons_from_a_messy_roster(world, tmp_path):
    x_id = id_ending_in_x()
    ids = [new_id(1), new_id(2, sex="F"), x_id]
    born = [parse_id_number(n).birth_date for n in ids]
    path = tmp_path / "花名册.xlsx"
    numbers = messy_xlsx(
        path,
        PERSON_HEADERS,
        [
            [" 张 三 ", full_width(ids[0]), "138 1234 5678", f" {VILLAGE} ", "党员、教师", None],
            ["单丽", ids[1], "+86 139-0000-1111", VILLAGE, "留守儿童", serial(born[1]), "健康"],
            ["欧阳明", x_id.lower(), None, VILLAGE, None, born[2].strftime("%Y年%m月%d日")],
        ],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert result.as_json() == {
        "kind": "persons",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": ["序号"],
    }
    assert numbers == [4, 5, 7]  # title rows 1-2, header row 3, a blank row 6
    zhang = Person.objects.get(id_number=ids[0])
    assert (zhang.name, zhang.phone, zhang.org, zhang.sex) == (
        "张三",
        "13812345678",
        world.a1v,
        "M",
    )
    assert zhang.birth_date == born[0]
    assert sorted(t.name for t in zhang.tags.all()) == sorted(["党员", "教师"])
    shan = Person.objects.get(id_number=ids[1])
    assert (shan.sex, shan.health, shan.phone) == ("F", "healthy", "13900001111")
    # Pinyin keys as Person.save computes them (单 as a surname is "shan").
    assert shan.name_pinyin == pinyin_key("单丽", person_name=True) == "shanli sl"
    assert shan.name_sort == pinyin_sort_key("单丽", person_name=True)
    assert Person.objects.get(id_number=x_id).name_pinyin.startswith("ouyang")
    event = AuditEvent.objects.get(action="import")
    assert event.actor == world.unit_admin
    assert event.after == {
        "kind": "persons",
        "file": "花名册.xlsx",
        "rows": 3,
        "created": 3,
        "updated": 0,
    }
    assert "花名册.xlsx" in event.summary and "新增 3 条" in event.summary
    assert event.org == world.a1v  # read by the administrators above the village


def test_reimport_updates_instead_of_duplicating(world, tmp_path):
    ids = [new_id(i) for i in range(3)]
    path = tmp_path / "p.xlsx"
    rows = [[f"人{i}", n, "13800000000", VILLAGE, "党员"] for i, n in enumerate(ids)]
    plain_xlsx(path, ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"], rows)
    assert run_import("persons", path, actor=world.admin).created == 3

    again = run_import("persons", path, actor=world.admin)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert Person.objects.count() == 3

    rows[1] = ["人一", ids[1], "13911112222", VILLAGE, "党员、教师"]
    rows[2][2] = ""  # an empty cell leaves the stored phone alone
    plain_xlsx(path, ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"], rows)
    changed = run_import("persons", path, actor=world.admin)
    assert (changed.created, changed.updated) == (0, 1)
    assert Person.objects.count() == 3
    one = Person.objects.get(id_number=ids[1])
    assert (one.name, one.phone) == ("人一", "13911112222")
    assert one.name_pinyin == pinyin_key("人一", person_name=True)
    assert sorted(t.name for t in one.tags.all()) == sorted(["党员", "教师"])
    assert Person.objects.get(id_number=ids[2]).phone == "13800000000"


def test_one_bad_row_leaves_the_database_exactly_unchanged(world, tmp_path):
    existing = PersonFactory(org=world.a1v, name="王五", phone="13700000000")
    good = [new_id(i) for i in range(4)]
    broken = good[3][:-1] + ("0" if good[3][-1] != "0" else "1")
    path = tmp_path / "p.xlsx"
    numbers = messy_xlsx(
        path,
        ["姓名", "身份证号", "联系电话", "所属组织编码"],
        [
            ["甲", good[0], "", VILLAGE],
            ["王五改名", existing.id_number, "13900009999", VILLAGE],
            ["乙", good[1], "", VILLAGE],
            ["丙", broken, "", VILLAGE],
        ],
    )
    before = snapshot()
    result = run_import("persons", path, actor=world.admin)
    assert snapshot() == before
    assert Person.objects.get(pk=existing.pk).name == "王五"
    with pytest.raises(IdNumberError) as expected:
        parse_id_number(broken)
    assert [e.as_json() for e in result.errors] == [
        {"row": numbers[3], "column": "身份证号", "message": str(expected.value)}
    ]
    assert (result.created, result.updated) == (0, 0)
    assert (result.pending_created, result.pending_updated) == (2, 1)


def test_dry_run_reports_and_writes_nothing(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "身份证号", "所属组织编码"], [["甲", new_id(1), VILLAGE]])
    before = snapshot()
    result = run_import("persons", path, actor=world.admin, dry_run=True)
    assert (result.created, result.updated, result.ok, result.dry_run) == (1, 0, True, True)
    assert snapshot() == before


def test_every_error_names_its_excel_row_and_column(world, tmp_path):
    path = tmp_path / "p.xlsx"
    numbers = messy_xlsx(
        path,
        ["姓名", "公民身份号码", "联系方式", "所属单位编码", "出生日期", "健康状况"],
        [
            ["", new_id(1), "", VILLAGE],
            ["甲", "45012319800517001", "", VILLAGE],
            ["乙", new_id(3), "12345", VILLAGE],
            ["丙", new_id(4), "", "NOPE"],
            ["丁", new_id(5), "", VILLAGE, "1999-02-30"],
            ["戊", new_id(6), "", VILLAGE, None, "很好"],
            ["己", float(new_id(7)[:17] + "0"), "", VILLAGE],
        ],
    )
    result = run_import("persons", path, actor=world.admin)
    got = [(e.row, e.column) for e in result.errors]
    assert got == [
        (numbers[0], "姓名"),
        (numbers[1], "公民身份号码"),
        (numbers[2], "联系方式"),
        (numbers[3], "所属单位编码"),
        (numbers[4], "出生日期"),
        (numbers[5], "健康状况"),
        (numbers[6], "公民身份号码"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0] == "姓名不能为空"
    assert "18 位" in messages[1]
    assert "手机号应为 11 位" in messages[2]
    assert messages[3] == "所属组织编码 NOPE 不存在"
    assert "1999 年 2 月没有 30 日" in messages[4]
    assert "“很好”不是有效的健康状况" in messages[5] and "长期慢性病" in messages[5]
    assert "Excel 存成了数字" in messages[6]


def test_duplicates_within_the_file_name_both_rows(world, tmp_path):
    number = new_id(1)
    path = tmp_path / "p.xlsx"
    numbers = messy_xlsx(
        path,
        ["姓名", "身份证号", "所属组织编码"],
        [["甲", number, VILLAGE], ["乙", new_id(2), VILLAGE], ["甲", number.lower(), VILLAGE]],
    )
    result = run_import("persons", path, actor=world.admin)
    assert [(e.row, e.column) for e in result.errors] == [
        (numbers[0], "身份证号"),
        (numbers[2], "身份证号"),
    ]
    assert f"与第 {numbers[2]} 行重复" in result.errors[0].message
    assert f"与第 {numbers[0]} 行重复" in result.errors[1].message
    assert Person.objects.count() == 0


def test_rows_outside_the_actors_subtree_are_refused(world, tmp_path):
    other = PersonFactory(org=world.b1)
    path = tmp_path / "p.xlsx"
    numbers = plain_xlsx(
        path,
        ["姓名", "身份证号", "所属组织编码"],
        [["甲", new_id(1), "450124100"], [other.name, other.id_number, VILLAGE]],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert [e.as_json() for e in result.errors] == [
        {"row": numbers[0], "column": "所属组织编码", "message": "无权导入到单位 450124100 (乙镇)"},
        {
            "row": numbers[1],
            "column": "身份证号",
            "message": "该身份证号已登记在其他单位的人员名下, 无权引用或修改",
        },
    ]
    assert Person.objects.get(pk=other.pk).org == world.b1
    with pytest.raises(PermissionDenied):
        run_import("persons", path, actor=world.inspector)


def test_a_masked_export_cannot_be_imported_by_mistake(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "身份证号", "所属组织编码"], [["甲", "4501**********0011", VILLAGE]])
    result = run_import("persons", path, actor=world.admin)
    assert "号码已遮蔽" in result.errors[0].message


def test_many_rows_take_a_bounded_number_of_queries(world, tmp_path, django_assert_max_num_queries):
    """Bulk: look-ups by the thousand and batched inserts, never a query per row."""
    path = tmp_path / "p.xlsx"
    rows = [[f"人{i}", new_id(i), "", VILLAGE, "党员"] for i in range(1500)]
    plain_xlsx(path, ["姓名", "身份证号", "联系电话", "所属组织编码", "标签"], rows)
    with django_assert_max_num_queries(120):
        result = run_import("persons", path, actor=world.admin)
    assert result.created == 1500 and Person.objects.count() == 1500
    assert Person.tags.through.objects.count() == 1500


# -- households ------------------------------------------------------------------------------

HOUSEHOLD_HEADERS = [
    "户编号",
    "户主姓名",
    "户主身份证号",
    "所属组织编码",
    "致贫原因",
    "人均纯收入（万元）",
    "识别日期",
    "状态",
    "其他致贫原因",
    "住房安全",
]


def test_households_with_heads_income_in_wan_and_every_date_form(world, tmp_path):
    day = D(2014, 6, 1)
    forms = [day, serial(day), "2014/6/1", "2014年6月1日", "2014.6", "20140601"]
    heads = [new_id(10 + i) for i in range(len(forms))]
    rows = [
        [f"H{i}", f"户主{i}", heads[i], VILLAGE, "因病", 0.52, form, "帮扶中", "因学、缺技术", "是"]
        for i, form in enumerate(forms)
    ]
    path = tmp_path / "户.xlsx"
    messy_xlsx(path, HOUSEHOLD_HEADERS, rows, groups={"户主信息": ["户主姓名", "户主身份证号"]})
    result = run_import("households", path, actor=world.unit_admin)
    assert result.errors == [] and result.created == len(forms)
    for i in range(len(forms)):
        household = Household.objects.get(code=f"H{i}")
        assert household.identified_on == day
        assert (household.status, household.status_since) == ("assisting", day)
        assert household.head.id_number == heads[i] and household.head.org == world.a1v
        assert household.main_cause == "illness"
        assert household.other_causes == ",schooling,no_skills,"
        assert household.housing_safe is True
        assert list(household.members.values_list("person_id", "relation")) == [
            (household.head_id, "head")
        ]
        income = household.incomes.get()
        assert (income.year, income.per_capita) == (2014, Decimal("5200.00"))
        step = household.history.get()
        assert (step.status, step.date, step.reason) == ("assisting", day, "建档")

    again = run_import("households", path, actor=world.unit_admin)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert Household.objects.count() == len(forms) and StatusChange.objects.count() == len(forms)


def test_household_status_rules_on_create_and_on_change(world, tmp_path):
    path = tmp_path / "户.xlsx"
    headers = ["户编号", "户主姓名", "户主身份证号", "所属组织编码", "识别日期", "状态"]
    numbers = plain_xlsx(path, headers, [["H1", "甲", new_id(1), VILLAGE, "2015-03-01", "脱贫"]])
    result = run_import("households", path, actor=world.admin)
    assert [e.as_json() for e in result.errors] == [
        {"row": numbers[0], "column": "状态", "message": transition_problem(None, "exited")}
    ]

    plain_xlsx(path, headers, [["H1", "甲", new_id(1), VILLAGE, "2015-03-01", "帮扶中"]])
    assert run_import("households", path, actor=world.admin).created == 1
    # 帮扶中 → 拟脱贫 is a change, recorded today.
    plain_xlsx(path, headers, [["H1", "甲", new_id(1), VILLAGE, "2015-03-01", "拟脱贫"]])
    changed = run_import("households", path, actor=world.admin)
    assert (changed.created, changed.updated) == (0, 1)
    household = Household.objects.get(code="H1")
    today = timezone.localdate()
    assert (household.status, household.status_since) == ("proposed_exit", today)
    assert list(household.history.values_list("status", "date")) == [
        ("assisting", D(2015, 3, 1)),
        ("proposed_exit", today),
    ]
    # 拟脱贫 → 返贫 is not allowed.
    plain_xlsx(path, headers, [["H1", "甲", new_id(1), VILLAGE, "2015-03-01", "返贫"]])
    refused = run_import("households", path, actor=world.admin)
    assert refused.errors[0].message == transition_problem("proposed_exit", "returned")


def test_household_duplicates_and_heads(world, tmp_path):
    head = PersonFactory(org=world.a1v, name="王五")
    HouseholdFactory(code="OLD", org=world.a1v, head=head)
    path = tmp_path / "户.xlsx"
    headers = ["户编号", "户主姓名", "户主身份证号", "所属组织编码"]
    numbers = plain_xlsx(
        path,
        headers,
        [
            ["H1", "甲", new_id(1), VILLAGE],
            ["H1", "乙", new_id(2), VILLAGE],
            ["H3", "王六", head.id_number, VILLAGE],
            ["H4", "王五", head.id_number.lower(), VILLAGE],
        ],
    )
    errors = [
        (e.row, e.column, e.message)
        for e in run_import("households", path, actor=world.admin).errors
    ]
    again = "同一文件中只能出现一次"
    number = head.id_number
    assert errors == [
        (numbers[0], "户编号", f"户编号 H1 与第 {numbers[1]} 行重复, {again}"),
        (numbers[1], "户编号", f"户编号 H1 与第 {numbers[0]} 行重复, {again}"),
        (numbers[2], "户主身份证号", f"户主身份证号 {number} 与第 {numbers[3]} 行重复, {again}"),
        (numbers[3], "户主身份证号", f"户主身份证号 {number} 与第 {numbers[2]} 行重复, {again}"),
    ]


def test_an_existing_persons_name_must_match_and_one_head_per_person(world, tmp_path):
    head = PersonFactory(org=world.a1v, name="王五")
    HouseholdFactory(code="OLD", org=world.a1v, head=head)
    path = tmp_path / "户.xlsx"
    headers = ["户编号", "户主姓名", "户主身份证号", "所属组织编码"]
    numbers = plain_xlsx(path, headers, [["H3", "王六", head.id_number, VILLAGE]])
    result = run_import("households", path, actor=world.admin)
    assert result.errors[0].as_json() == {
        "row": numbers[0],
        "column": "户主姓名",
        "message": "姓名“王六”与该身份证号已登记的姓名“王五”不一致",
    }
    plain_xlsx(path, headers, [["H3", "王五", head.id_number, VILLAGE]])
    result = run_import("households", path, actor=world.admin)
    assert result.errors[0].message == "该身份证号已是户 OLD 的户主, 一人只能在一户中任户主"


# -- members ---------------------------------------------------------------------------------


def test_members_join_households(world, tmp_path):
    head = PersonFactory(org=world.a1v, name="王五")
    household = HouseholdFactory(code="H1", org=world.a1v, head=head)
    Member.objects.create(household=household, person=head, relation="head")
    spouse = PersonFactory(org=world.a1v, name="李梅")
    path = tmp_path / "成员.xlsx"
    son, daughter = new_id(30), new_id(31, sex="F")
    numbers = messy_xlsx(
        path,
        ["家庭编号", "姓名", "身份证号", "关系"],
        [
            ["H1", "王五", head.id_number, "户主"],
            ["H1", "李梅", spouse.id_number, "配偶"],
            ["H1", "王小", full_width(son), "儿子"],
            ["H1", "王丫", daughter, "之女"],
        ],
    )
    result = run_import("members", path, actor=world.unit_admin)
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    relations = dict(household.members.values_list("person__id_number", "relation"))
    assert relations == {
        head.id_number: "head",
        spouse.id_number: "spouse",
        son: "son",
        daughter: "daughter",
    }
    assert Person.objects.get(id_number=son).org == world.a1v  # created in the household's unit

    assert run_import("members", path, actor=world.unit_admin).as_json()["updated"] == 0
    numbers = messy_xlsx(
        path,
        ["家庭编号", "姓名", "身份证号", "关系"],
        [
            ["H1", "王小", son, "之孙子"],
            ["H9", "某", new_id(40), "之子"],
            ["H1", "某", new_id(41), "户主"],
        ],
    )
    result = run_import("members", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (numbers[1], "家庭编号", "户编号 H9 不存在, 请先导入户"),
        (numbers[2], "关系", "该户已有户主“王五”; 导入不能更换户主"),
    ]
    assert result.pending_updated == 1  # 之子 → 之孙子, not written because of the errors
    assert Member.objects.get(person__id_number=son).relation == "son"
    plain_xlsx(path, ["户编号", "姓名", "身份证号", "与户主关系"], [["H1", "王小", son, "之孙子"]])
    assert run_import("members", path, actor=world.unit_admin).updated == 1
    assert Member.objects.get(person__id_number=son).relation == "grandson"


def test_a_person_in_another_household_is_refused(world, tmp_path):
    person = PersonFactory(org=world.a1v, name="赵六")
    first = HouseholdFactory(code="H1", org=world.a1v)
    HouseholdFactory(code="H2", org=world.a1v)
    Member.objects.create(household=first, person=person, relation="son")
    path = tmp_path / "成员.xlsx"
    plain_xlsx(
        path,
        ["户编号", "姓名", "身份证号", "与户主关系"],
        [["H2", "赵六", person.id_number, "之子"]],
    )
    result = run_import("members", path, actor=world.admin)
    assert result.errors[0].message.startswith("该人员已是户 H1 的成员 (一人多户)")


# -- status changes --------------------------------------------------------------------------


def test_status_history_in_date_order_with_transition_rules(world, tmp_path):
    household = HouseholdFactory(code="H1", org=world.a1v)
    path = tmp_path / "变更.xlsx"
    headers = ["户编号", "状态", "变更日期", "原因", "决定人"]
    rows = [
        ["H1", "拟脱贫", "2019年12月1日", "收入达标", "村委会"],
        ["H1", "帮扶中", D(2015, 1, 1), "建档", ""],
        ["H1", "脱贫", serial(D(2020, 3, 1)), "验收通过", "县扶贫办"],
    ]
    plain_xlsx(path, headers, rows)
    result = run_import("status-changes", path, actor=world.unit_admin)
    assert (result.created, result.errors) == (3, [])
    assert list(household.history.values_list("status", "date", "decided_by")) == [
        ("assisting", D(2015, 1, 1), ""),
        ("proposed_exit", D(2019, 12, 1), "村委会"),
        ("exited", D(2020, 3, 1), "县扶贫办"),
    ]
    household.refresh_from_db()
    assert (household.status, household.status_since) == ("exited", D(2020, 3, 1))

    assert run_import("status-changes", path, actor=world.unit_admin).as_json()["created"] == 0
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    numbers = plain_xlsx(
        path,
        headers,
        [["H1", "帮扶中", "2021-01-01"], ["H1", "返贫", "2018-01-01"], ["H1", "返贫", tomorrow]],
    )
    errors = run_import("status-changes", path, actor=world.unit_admin).errors
    assert [(e.row, e.column) for e in errors] == [
        (numbers[0], "状态"),
        (numbers[1], "变更日期"),
        (numbers[2], "变更日期"),
    ]
    assert errors[0].message == transition_problem("exited", "assisting")
    assert errors[1].message == "日期 2018-01-01 早于该户上一次状态变更 (2020-03-01, 脱贫)"
    assert "晚于今天" in errors[2].message


# -- helpers ---------------------------------------------------------------------------------


def test_helpers(world, tmp_path):
    cadre = PersonFactory(org=world.a_office, name="钱七")
    path = tmp_path / "帮扶责任人.xlsx"
    newcomer = new_id(50)
    numbers = plain_xlsx(
        path,
        ["身份证号", "所属组织编码", "最多帮扶数", "姓名"],
        [
            [cadre.id_number, "A-OFFICE", "3户", ""],
            [newcomer, "A-OFFICE", None, "孙八"],
            [new_id(51), "A-OFFICE", 0, ""],
        ],
    )
    result = run_import("helpers", path, actor=world.unit_admin)
    assert [e.as_json() for e in result.errors] == [
        {
            "row": numbers[2],
            "column": "最多帮扶数",
            "message": "最多帮扶数应在 1-100 之间, 实际为 0",
        }
    ]
    plain_xlsx(
        path,
        ["身份证号", "所属组织编码", "最多帮扶数", "姓名"],
        [[cadre.id_number, "A-OFFICE", "3户", ""], [newcomer, "A-OFFICE", None, "孙八"]],
    )
    result = run_import("helpers", path, actor=world.unit_admin)
    assert (result.created, result.errors) == (2, [])
    assert Helper.objects.get(person=cadre).capacity == 3
    assert Helper.objects.get(person__id_number=newcomer).capacity == 5
    assert Person.objects.get(id_number=newcomer).name == "孙八"
    plain_xlsx(path, ["身份证号", "所属组织编码", "最多帮扶数"], [[cadre.id_number, "A-OFFICE", 4]])
    assert run_import("helpers", path, actor=world.unit_admin).updated == 1
    plain_xlsx(path, ["身份证号", "所属组织编码"], [[new_id(52), "A-OFFICE"]])
    message = run_import("helpers", path, actor=world.unit_admin).errors[0].message
    assert "尚未登记为人员" in message


# -- orgs ------------------------------------------------------------------------------------


ORG_HEADERS = ["编码", "名称", "上级编码", "类型", "地址"]


def test_orgs_get_materialised_paths_and_the_services_checks(world, tmp_path):
    path = tmp_path / "单位.xlsx"
    numbers = messy_xlsx(
        path,
        ORG_HEADERS,
        [
            ["450123101", "乙镇", "450123", "乡镇", "甲县城东"],
            ["450123101201", "东村", "450123101", "村", ""],
            ["450123101202", "西村", "450123101", "行政村", ""],
            ["SCH-1", "东村小学", "450123101", "学校", ""],
            ["SCH-1-G1", "一年级", "SCH-1", "年级", ""],
        ],
    )
    result = run_import("orgs", path, actor=world.unit_admin)
    assert (result.created, result.errors) == (5, [])
    town = Org.objects.get(code="450123101")
    assert (town.parent, town.depth, town.kind) == (world.a, 1, "township")
    assert town.path == child_path(world.a.path, town.pk)
    grade = Org.objects.get(code="SCH-1-G1")
    chain = [Org.objects.get(code=c) for c in ("450123101", "SCH-1", "SCH-1-G1")]
    for parent, child in itertools.pairwise(chain):
        assert child.parent == parent and child.path == child_path(parent.path, child.pk)
        assert child.depth == parent.depth + 1
    assert grade.path.startswith(world.a.path)
    assert Org.objects.subtree(world.a).filter(code__startswith="SCH").count() == 2
    assert town.name_pinyin == pinyin_key("乙镇")
    assert numbers[0] == 4

    again = run_import("orgs", path, actor=world.unit_admin)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    plain_xlsx(path, ["编码", "名称", "类型"], [["450123101", "乙镇街道", "乡镇(街道)"]])
    renamed = run_import("orgs", path, actor=world.unit_admin)
    assert renamed.updated == 1
    assert Org.objects.get(code="450123101").name_pinyin == pinyin_key("乙镇街道")


def test_org_rows_run_the_org_services_checks(world, tmp_path):
    path = tmp_path / "单位.xlsx"
    numbers = plain_xlsx(
        path,
        ORG_HEADERS,
        [
            ["4501231", "坏码镇", "450123", "乡镇"],
            ["450199100", "越界镇", "450123", "乡镇"],
            ["G-1", "村里的年级", VILLAGE, "年级"],
            ["C-1", "后面的下级", "LATER", "机关单位"],
            ["LATER", "后面的上级", "450123", "机关单位"],
            ["NOPARENT", "无上级", "NONE", "机关单位"],
            ["TOP", "顶级单位", "", "机关单位"],
            ["B-1", "乙县下属", "450124", "机关单位"],
            ["450123100201", "甲村", "450124100", "村"],
            ["X-1", "怪类型", "450123", "宇宙"],
        ],
    )
    errors = run_import("orgs", path, actor=world.unit_admin).errors
    got = {(e.row, e.column): e.message for e in errors}
    assert "9 位数字" in got[(numbers[0], "编码")]
    assert "应以 450123 开头" in got[(numbers[1], "编码")]
    assert "“年级”不能设在“村”之下" in got[(numbers[2], "上级编码")]
    assert (
        got[(numbers[3], "上级编码")] == "上级单位 LATER 在本表中排在本行之后, 请把上级单位排在前面"
    )
    assert got[(numbers[5], "上级编码")] == "上级编码 NONE 不存在"
    assert got[(numbers[6], "上级编码")] == "只有系统管理员可以建立顶级单位, 请填写上级编码"
    assert got[(numbers[7], "上级编码")] == "无权导入到单位 450124 (乙县)"
    assert "导入不能调整上级单位" in got[(numbers[8], "上级编码")]
    assert "“宇宙”不是有效的类型" in got[(numbers[9], "类型")]
    assert (numbers[4], "编码") not in got
    assert not Org.objects.filter(code="LATER").exists()


# -- the write -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["单丽", "欧阳明", "尉迟恭", "阿依古丽·买买提", "JohnSmith", "李2"]
)
def test_pinyin_keys_are_those_person_save_computes(world, name):
    from bangfu.transfer.importers import person_keys

    saved = PersonFactory(org=world.a1v, name=name)
    assert person_keys(name) == (saved.name_pinyin, saved.name_sort)


def test_a_failure_during_the_write_keeps_nothing(world, tmp_path, monkeypatch):
    """Validation passed, then the database refused a row (someone registered the same ID
    number meanwhile): the transaction is rolled back, audit event included."""
    from django.db import IntegrityError

    from bangfu.transfer.kinds.persons import PersonImporter

    original = PersonImporter.write

    def write_then_clash(self):
        original(self)
        raise IntegrityError("UNIQUE constraint failed: registry_person.id_number")

    monkeypatch.setattr(PersonImporter, "write", write_then_clash)
    path = tmp_path / "p.xlsx"
    plain_xlsx(path, ["姓名", "身份证号", "所属组织编码"], [["甲", new_id(1), VILLAGE]])
    before = snapshot()
    result = run_import("persons", path, actor=world.admin)
    assert snapshot() == before
    assert (result.created, result.ok) == (0, False)
    assert "没有导入任何数据" in result.errors[0].message


def test_the_result_lists_the_records_written(world, tmp_path):
    path = tmp_path / "户.xlsx"
    plain_xlsx(
        path,
        ["户编号", "户主姓名", "户主身份证号", "所属组织编码"],
        [["H1", "甲", new_id(1), VILLAGE]],
    )
    result = run_import("households", path, actor=world.admin)
    household = Household.objects.get(code="H1")
    assert result.written == {"persons": [household.head_id], "households": [household.pk]}
    assert "written" not in result.as_json()


def test_a_household_head_already_in_another_household_is_refused(world, tmp_path):
    person = PersonFactory(org=world.a1v, name="赵六")
    Member.objects.create(
        household=HouseholdFactory(code="H1", org=world.a1v), person=person, relation="son"
    )
    path = tmp_path / "户.xlsx"
    plain_xlsx(
        path,
        ["户编号", "户主姓名", "户主身份证号", "所属组织编码"],
        [["H2", "赵六", person.id_number, VILLAGE]],
    )
    result = run_import("households", path, actor=world.admin)
    assert [(e.column, e.message) for e in result.errors] == [
        ("户主身份证号", "该人员已是户 H1 的成员 (一人多户); 请先从原户移出或合并两户")
    ]
