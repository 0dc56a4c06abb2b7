"""Dates read exactly (docs/import-export.md, "Dates"): a bare year and a YYYYMM month of the
national exports keep their precision where the field allows it (识别日期, a status step), are
refused where a day is needed (an event's, an activity's date), never turn into 1905 or 2451 by
way of an Excel serial; dates that cannot be meant are row errors showing the cell as written;
every reading with a caveat is a warning; the pages, the exports and the status report show and
count such dates at their precision."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bangfu.activities.models import LifeEvent
from bangfu.activities.tests.factories import build_activity_world
from bangfu.registry.models import Household, HouseholdIncome, Person, StatusChange
from bangfu.registry.selectors import household_list, status_figures
from bangfu.registry.tests.factories import HouseholdFactory
from bangfu.transfer.exporters import export_kind
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx, read_back

pytestmark = pytest.mark.django_db
D = datetime.date
VILLAGE = "450123100201"
HOUSEHOLD_HEADERS = [
    "户编号",
    "户主姓名",
    "户主身份证号",
    "所属组织编码",
    "人均纯收入",
    "识别时间",
    "状态",
]
STATUS_HEADERS = ["户编号", "状态", "日期", "原因"]


def serial(day: datetime.date) -> int:
    """The Excel serial number of a date (1900 date system)."""
    return (day - D(1899, 12, 30)).days


def households(path, forms) -> list[int]:
    rows = [
        [f"H{i}", f"户主{i}", new_id(300 + i), VILLAGE, 3000, form, "帮扶中"]
        for i, form in enumerate(forms)
    ]
    return plain_xlsx(path, HOUSEHOLD_HEADERS, rows)


# -- what is stored ------------------------------------------------------------------------------


def test_identification_dates_of_every_national_form_are_stored_at_their_precision(world, tmp_path):
    forms = [
        "2014",  # a bare year as text (a String column of the national export)
        2014,  # the same typed into a General cell: a year, not serial 2014 = 1905-07-06
        "201410",  # YYYYMM as text: was refused
        201410,  # YYYYMM as a number: was "识别日期 2451-06-09 晚于今天"
        "2014.6",
        2026.3,  # a General number: March 2026, said so
        serial(D(2014, 6, 1)),  # a date that lost its format: an Excel serial, said so
        D(2014, 6, 1),  # a date cell: nothing to say
    ]
    path = tmp_path / "户.xlsx"
    numbers = households(path, forms)
    result = run_import("households", path, actor=world.unit_admin)
    assert result.errors == [], result.errors
    assert result.created == len(forms)

    expected = [
        (D(2014, 1, 1), "year"),
        (D(2014, 1, 1), "year"),
        (D(2014, 10, 1), "month"),
        (D(2014, 10, 1), "month"),
        (D(2014, 6, 1), "month"),
        (D(2026, 3, 1), "month"),
        (D(2014, 6, 1), None),
        (D(2014, 6, 1), None),
    ]
    for i, (day, precision) in enumerate(expected):
        household = Household.objects.get(code=f"H{i}")
        assert (household.identified_on, household.identified_precision) == (day, precision), i
        # the first status step is dated 识别日期, at the same precision
        step = household.history.get()
        assert (step.status, step.date, step.date_precision) == ("assisting", day, precision), i
        # the income is booked to the year of 识别日期: 2014, never 1905
        assert household.incomes.get().year == day.year, i
    assert not HouseholdIncome.objects.filter(year__lt=1949).exists()
    assert not Household.objects.filter(identified_on__year__in=(1905, 2451)).exists()

    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (numbers[0], "识别时间", "识别时间“2014”只有年份, 按 2014 年记录 (精确到年)"),
        (
            numbers[1],
            "识别时间",
            "识别时间“2014”只有年份, 按 2014 年记录 (精确到年); "
            "没有当作 Excel 日期序号 (1905-07-06)",
        ),
        (numbers[2], "识别时间", "识别时间“201410”按年月连写读作 2014 年 10 月 (精确到月)"),
        (numbers[3], "识别时间", "识别时间“201410”按年月连写读作 2014 年 10 月 (精确到月)"),
        (numbers[4], "识别时间", "识别时间“2014.6”只有年月, 按 2014 年 6 月记录 (精确到月)"),
        (
            numbers[5],
            "识别时间",
            "识别时间“2026.3”是常规格式的数字, 按 2026 年 3 月记录 (精确到月)",
        ),
        (numbers[6], "识别时间", "识别时间“41791”是数字, 按 Excel 日期序号读作 2014-06-01"),
    ]


def test_dates_that_cannot_be_meant_are_errors_showing_the_cell(world, tmp_path):
    next_year = str(timezone.localdate().year + 1)
    forms = ["1948", next_year, 12345, 99999, 2014.1, "1948-06", "2014-06-01"]
    path = tmp_path / "户.xlsx"
    numbers = households(path, forms)
    result = run_import("households", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (numbers[0], "识别时间", "识别时间 1948 早于 1949 年, 不是有效的日期"),
        (numbers[1], "识别时间", f"识别时间 {next_year} 晚于今天"),
        (
            numbers[2],
            "识别时间",
            "识别时间 12345 (按 Excel 日期序号为 1933-10-18) 早于 1949 年, 不是有效的日期",
        ),
        (numbers[3], "识别时间", "识别时间 99999 (按 Excel 日期序号为 2173-10-13) 晚于今天"),
        (
            numbers[4],
            "识别时间",
            "数字 2014.1 分不清是 2014 年 1 月还是 10 月, 请把该列设为文本格式",
        ),
        (numbers[5], "识别时间", "识别时间 1948-06 早于 1949 年, 不是有效的日期"),
    ]
    assert Household.objects.count() == 0  # all or nothing


def test_fields_that_need_a_day_refuse_a_year_or_a_month(world, tmp_path):
    build_activity_world(world)
    path = tmp_path / "事件.xlsx"
    numbers = plain_xlsx(
        path,
        ["帮扶对象", "事件类型", "日期"],
        [
            ["H450123001", "结婚", "2026.4"],
            ["H450123001", "结婚", 2026.4],
            ["H450123001", "结婚", "2026"],
            ["H450123001", "结婚", 2026],
            ["H450123001", "结婚", 12345],
            ["H450123001", "结婚", "2026.4.3"],
        ],
    )
    result = run_import("events", path, actor=world.unit_admin)
    assert [(e.row, e.message) for e in result.errors] == [
        (numbers[0], "日期“2026.4”只有年月, 需要完整的日期 (年月日), 如 2014-06-01"),
        (numbers[1], "日期“2026.4”只有年月, 需要完整的日期 (年月日), 如 2014-06-01"),
        (numbers[2], "日期“2026”只有年份, 需要完整的日期 (年月日), 如 2014-06-01"),
        (numbers[3], "日期“2026”只有年份, 需要完整的日期 (年月日), 如 2014-06-01"),
        (numbers[4], "日期 12345 (按 Excel 日期序号为 1933-10-18) 早于 1949 年, 不是有效的日期"),
    ]
    assert not LifeEvent.objects.filter(date__year__lt=1949).exists()


def test_birth_dates_keep_their_own_range_and_may_be_a_month(world, tmp_path):
    born_1980 = new_id(1)  # born 1980-01-01
    path = tmp_path / "人员.xlsx"
    numbers = plain_xlsx(
        path,
        ["姓名", "身份证号", "所属组织编码", "出生年月"],
        [
            ["甲", born_1980, VILLAGE, "1980-01"],  # a month agrees with the ID number's day
            ["乙", new_id(2), VILLAGE, "1899-12-31"],
            ["丙", new_id(3), VILLAGE, "1980.02"],  # a month that does not agree
        ],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert [(e.row, e.message) for e in result.errors] == [
        (numbers[1], "出生年月 1899-12-31 早于 1900 年, 不是有效的日期"),
        (numbers[2], "出生日期与身份证号不一致 (身份证号为 1980-01-01)"),
    ]
    assert result.warnings == []  # only compared with the ID number, never stored


# -- status steps, exports and pages -------------------------------------------------------------


def test_status_steps_keep_a_year_and_export_it_back(world, system, tmp_path):
    household = HouseholdFactory(code="H1", org=world.a1v)
    path = tmp_path / "变更.xlsx"
    plain_xlsx(
        path,
        STATUS_HEADERS,
        [["H1", "帮扶中", "2014", "建档"], ["H1", "拟脱贫", 201912, "收入达标"]],
    )
    result = run_import("status-changes", path, actor=world.unit_admin)
    assert (result.errors, result.created) == ([], 2)
    assert list(household.history.values_list("status", "date", "date_precision")) == [
        ("assisting", D(2014, 1, 1), "year"),
        ("proposed_exit", D(2019, 12, 1), "month"),
    ]
    household.refresh_from_db()
    assert (household.status, household.status_since) == ("proposed_exit", D(2019, 12, 1))

    out = tmp_path / "状态变更.xlsx"
    export_kind(get_kind("status-changes"), user=system, dest=out, unmask=True)
    rows = read_back(out)
    assert [r[:3] for r in rows[1:]] == [["H1", "帮扶中", "2014"], ["H1", "拟脱贫", "2019-12"]]
    again = run_import("status-changes", out, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert StatusChange.objects.count() == 2


def test_household_export_writes_the_year_or_month_back_and_reimports_unchanged(
    world, system, tmp_path
):
    path = tmp_path / "户.xlsx"
    households(path, ["2014", "201410", D(2015, 3, 2)])
    assert run_import("households", path, actor=world.unit_admin).errors == []
    out = tmp_path / "户-导出.xlsx"
    export_kind(get_kind("households"), user=system, dest=out, unmask=True)
    rows = read_back(out)
    column = rows[0].index("识别日期")
    assert [r[column] for r in rows[1:]] == ["2014", "2014-10", datetime.datetime(2015, 3, 2)]
    again = run_import("households", out, actor=world.unit_admin)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert list(
        Household.objects.order_by("code").values_list("identified_on", "identified_precision")
    ) == [(D(2014, 1, 1), "year"), (D(2014, 10, 1), "month"), (D(2015, 3, 2), None)]


def test_household_page_shows_the_dates_at_their_precision(world, client, tmp_path):
    path = tmp_path / "户.xlsx"
    households(path, ["2014"])
    assert run_import("households", path, actor=world.unit_admin).errors == []
    household = Household.objects.get()
    StatusChange.objects.create(
        household=household, status="proposed_exit", date=D(2019, 10, 1), date_precision="month"
    )
    household.status, household.status_since = "proposed_exit", D(2019, 10, 1)
    household.save()
    client.force_login(world.unit_admin)
    html = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert '<dd data-testid="identified-on">2014 <span class="muted">(只精确到年)</span>' in html
    assert "2014-01-01" not in html  # a day nobody knows
    assert '<td>2014 <span class="muted">(只精确到年)</span></td>' in html  # the history
    assert '<td>2019-10 <span class="muted">(只精确到月)</span></td>' in html
    assert "(自 2019-10)" in html  # the current status's date, at its step's precision
    # The imported step says where it came from; the one recorded in bangfu does not.
    assert html.count('data-testid="imported-from"') == 1
    assert '<span class="muted" data-testid="imported-from">导入自 户.xlsx</span>' in html


# -- the status report ---------------------------------------------------------------------------


def test_status_report_says_how_many_steps_it_placed_at_a_first_day(world, client):
    def step(code: str, day: datetime.date, precision: str | None) -> None:
        household = HouseholdFactory(code=code, org=world.a1v)
        StatusChange.objects.create(
            household=household, status="assisting", date=day, date_precision=precision
        )
        household.status, household.status_since = "assisting", day
        household.save()

    step("Y", D(2019, 1, 1), "year")  # 脱贫年度 2019
    step("M", D(2019, 6, 1), "month")  # 201906
    step("DAY", D(2019, 6, 15), None)
    households = household_list(user=world.admin)

    def imprecise(**days: datetime.date) -> int:
        return status_figures(households=households, **days).imprecise

    assert imprecise(as_of=D(2019, 6, 30)) == 1  # inside 2019, at the end of June
    assert imprecise(as_of=D(2019, 6, 20)) == 2  # inside 2019 and inside June
    assert imprecise(as_of=D(2019, 12, 31)) == 0  # the year and the month have ended
    assert imprecise(as_of=D(2020, 3, 1)) == 0
    # a range starting inside June cuts both; one ending on 31 December neither
    assert imprecise(as_of=D(2020, 3, 1), date_from=D(2019, 6, 10), date_to=D(2019, 12, 31)) == 2
    assert imprecise(as_of=D(2020, 3, 1), date_from=D(2019, 1, 1), date_to=D(2019, 12, 31)) == 0

    figures = status_figures(households=households, as_of=D(2019, 6, 20))
    # Y and M are counted at their first day (with DAY, of 15 June)
    assert figures.by_status["assisting"].households == 3
    note = "其中2条状态变更的日期只精确到月或年, 而统计日期落在该月或该年之内, 按该月/年第一天计。"
    assert figures.sentence().endswith(note)
    assert figures.as_json()["imprecise_dates"] == 2
    assert (
        "imprecise_dates"
        not in status_figures(households=households, as_of=D(2020, 3, 1)).as_json()
    )

    client.force_login(world.admin)
    html = client.get(reverse("registry:status_report"), {"as_of": "2019-06-20"}).content.decode()
    assert note in html

    # the 动态管理 report (bangfu report status): the sentence, the table's note and the JSON
    out = io.StringIO()
    call_command("report", "status", "--as-of", "2019-06-20", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["sentence"].endswith(note)
    assert report["tables"][0]["note"].endswith(note)
    assert report["imprecise_dates"] == 2


# -- a real national layout ----------------------------------------------------------------------

# The headers of the 已脱贫人口名单 export class of a county system built on the national data
# (jeecg-boot, @Excel names): xiaoxinllleee/idap-service,
# bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/entity/SgtzglYtprkmd.java.
# Its 首次识别时间 is a String column: the national system's year (2014) or year-month (201410)
# as text; a county's copy re-typed in Excel holds the same as General numbers.
NATIONAL = [
    "序号",
    "数据日期",
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间（月）",
    "是否参加大病保险",
    "致贫原因1",
    "危房户",
    "是否解决安全饮用水",
    "人均纯收入",
    "户联系电话",
    "人联系电话",
    "首次识别时间",
    "人员识别时间",
    "户类型",
]


def test_a_real_national_export_keeps_its_identification_years(world, tmp_path):
    heads = [new_id(500 + i) for i in range(3)]
    values = {
        "数据日期": "2022-10-28",
        "县(市、区、旗)": "甲县",
        "乡(镇)": "甲镇",
        "行政村": "甲村",
        "自然村": "上屯",
        "人数": 1,
        "与户主关系": "户主",
        "民族": "壮族",
        "文化程度": "小学",
        "健康状况": "健康",
        "人均纯收入": 6200,
        "户类型": "脱贫户",
    }
    identified = ["2014", "201510", 2016]
    rows = []
    for i, head in enumerate(heads):
        row = dict(values)
        row.update(
            {
                "户编号": f"45012310020100{i + 1}",
                "人编号": f"45012310020100{i + 1}01",
                "姓名": f"农{'一二三'[i]}",
                "证件号码": head,
                "首次识别时间": identified[i],
                "人员识别时间": identified[i],
            }
        )
        rows.append([row.get(h) for h in NATIONAL[1:]])  # messy_xlsx writes the 序号
    path = tmp_path / "已脱贫人口名单.xlsx"
    numbers = messy_xlsx(path, NATIONAL[1:], rows, title="已脱贫人口名单", blank_every=0)
    result = run_import("households", path, actor=world.unit_admin)
    assert result.errors == [], result.errors

    stored = {
        h.head.id_number: (h.identified_on, h.identified_precision, h.incomes.get().year)
        for h in Household.objects.select_related("head")
    }
    assert stored == {
        heads[0]: (D(2014, 1, 1), "year", 2014),
        heads[1]: (D(2015, 10, 1), "month", 2015),
        heads[2]: (D(2016, 1, 1), "year", 2016),
    }
    assert Person.objects.filter(id_number__in=heads).count() == 3
    caveats = {(w.row, w.column, w.message) for w in result.warnings}
    assert {
        (numbers[0], "首次识别时间", "首次识别时间“2014”只有年份, 按 2014 年记录 (精确到年)"),
        (
            numbers[1],
            "首次识别时间",
            "首次识别时间“201510”按年月连写读作 2015 年 10 月 (精确到月)",
        ),
        (
            numbers[2],
            "首次识别时间",
            "首次识别时间“2016”只有年份, 按 2016 年记录 (精确到年); "
            "没有当作 Excel 日期序号 (1905-07-08)",
        ),
    } <= caveats
    # what bangfu does not keep is said, not dropped silently
    assert {"序号", "数据日期", "民族", "人员识别时间", "户类型"} <= set(result.ignored)
