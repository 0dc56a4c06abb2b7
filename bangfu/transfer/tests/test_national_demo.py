"""The demo's national export (bangfu/transfer/demo.py, NATIONAL_FILE): it imports into the demo
county's villages with its unused columns listed and its caveats as warnings, and what it stores
is the roster's households, heads, members and histories."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from bangfu.accounts import demo as accounts_demo
from bangfu.core.seeding import DemoContext
from bangfu.orgs import demo as orgs_demo
from bangfu.registry.models import Household, StatusChange
from bangfu.transfer import demo as transfer_demo
from bangfu.transfer.demo import NATIONAL_FILE
from bangfu.transfer.importers import run_import

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_national_sample_imports_with_its_ignored_columns_and_warnings(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    # The demo's units and accounts, and its sample files (the whole demo is seeded in
    # test_demo.py, which imports this file too: its ID numbers are none of the demo's persons).
    ctx = DemoContext()
    for seeder in (orgs_demo, accounts_demo, transfer_demo):
        seeder.seed(ctx)
    admin = ctx.users.get("xianban") or accounts_demo.User.objects.get(username="xianban")
    path = Path(tmp_path) / "samples" / NATIONAL_FILE
    before = Household.objects.count()
    result = run_import("households", path, actor=admin)
    assert result.errors == [], [e.as_json() for e in result.errors]
    assert (result.rows, result.created) == (9, 9)  # 3 households and their 6 other members
    assert set(result.ignored) == {"序号", "人编号", "性别", "民族"}
    warnings = {(w.column, w.message) for w in result.warnings}
    # The units: from the 户码 (its first 12 digits), else from the names, read loosely.
    assert ("村民小组", "组“一组”不是浪湾村下登记的单位, 记在浪湾村 (450123104203)") in warnings
    assert ("户码", "户码的前 12 位 450123104204 不是已登记单位的编码, 按名称找到单位") in warnings
    assert ("乡(镇)", "乡镇“那桐”按已登记的“那桐镇”(450123104) 读取") in warnings
    assert ("行政村", "村“那桐村委会”按已登记的“那桐村”(450123104201) 读取") in warnings
    assert any(c == "识别时间" and "2014" in m and "精确到年" in m for c, m in warnings)
    assert any(c == "识别时间" and "201410" in m and "精确到月" in m for c, m in warnings)
    # The household's cells repeat on every member's row: their caveats are given once.
    assert sum(1 for c, _m in warnings if c == "识别时间") == 3
    assert Household.objects.count() == before + 3

    langwan = Household.objects.get(code="4501231042030101")
    assert (langwan.org.code, langwan.head.name, langwan.members.count()) == (
        "450123104203",
        "韦德光",
        3,
    )
    assert list(
        StatusChange.objects.filter(household=langwan)
        .order_by("date", "id")
        .values_list("status", "date", "date_precision", "imported_from")
    ) == [
        ("assisting", D(2014, 1, 1), "year", NATIONAL_FILE),
        ("exited", D(2017, 1, 1), "year", NATIONAL_FILE),
    ]
    dingjiang = Household.objects.get(code="4501231042020033")
    assert (dingjiang.org.code, dingjiang.status, dingjiang.identified_precision) == (
        "450123104202",
        "exited",
        "month",
    )
    natong = Household.objects.get(code="4501231042040207")
    assert (natong.org.code, natong.status) == ("450123104201", "assisting")

    # The national vocabularies: grades, 劳动技能, 文化程度 and a 致贫原因 code.
    assert dingjiang.main_cause == "no_labour"
    assert any(c == "致贫原因" and "“8”" in m for c, m in warnings)
    son = langwan.members.get(relation="son").person
    assert (son.schooling, son.grade, son.labour, son.education) == (
        "junior",
        2,
        "none",
        "primary",
    )
    assert any(c == "在校生状况" and "八年级" in m for c, m in warnings)
    head = dingjiang.head
    assert (head.labour, head.education, head.schooling) == ("lost", "illiterate", "not_in_school")


@pytest.mark.parametrize(
    ("kind", "name", "username"),
    [
        ("workers", transfer_demo.WORKERS_FILE, "gonghui"),
        ("students", transfer_demo.STUDENTS_FILE, "xuexiao"),
    ],
)
def test_the_union_and_school_samples_import_as_their_administrators(
    settings, tmp_path, kind, name, username
):
    settings.DATA_DIR = tmp_path
    ctx = DemoContext()
    for seeder in (orgs_demo, accounts_demo, transfer_demo):
        seeder.seed(ctx)
    admin = accounts_demo.User.objects.get(username=username)
    result = run_import(kind, Path(tmp_path) / "samples" / name, actor=admin)
    assert result.errors == [], [e.as_json() for e in result.errors]
    assert (result.rows, result.created) == (3, 3)
    if kind == "workers":
        # 家庭人口 and 月收入 have no field: listed, not dropped silently.
        assert {"序号", "家庭人口", "月收入"} <= {c.split("(")[0] for c in result.ignored}
        households = Household.objects.filter(members__person__name="梁建新")
        worker = households.get()
        assert (worker.org.code, worker.main_cause, worker.difficulty) == (
            "NNBUS-GH-01",
            "illness",
            "deep",
        )
        assert (worker.identified_on, worker.identified_precision) == (D(2025, 11, 1), "month")
        assert "困难职工" in {t.name for t in worker.head.tags.all()}
    else:
        assert {"序号", "班级", "资助金额", "家长姓名"} <= {c.split("(")[0] for c in result.ignored}
        from bangfu.registry.models import Person

        student = Person.objects.get(name="陆俊宇")
        assert (student.org.code, student.schooling, student.grade) == (
            "LAX-SYXX-G5-2",
            "primary",
            5,
        )
        assert "家庭经济困难学生生活补助" in {t.name for t in student.tags.all()}
        assert not Household.objects.filter(head=student).exists()  # never made a head
