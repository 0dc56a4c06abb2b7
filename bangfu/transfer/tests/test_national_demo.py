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
