"""The 专项台帐 workbook: opened with openpyxl, its title rows, columns and cells, posted
entries only unless drafts are asked for, the list's filters, formulas neutralised, the 汇总
sheet in 元 and 万元, and the audit event."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from bangfu.audit.models import AuditEvent
from bangfu.ledger.export import DETAIL_COLUMNS, SUMMARY_COLUMNS
from bangfu.ledger.models import SourceKind
from bangfu.ledger.services import entry_reverse
from bangfu.ledger.tests.factories import D, entry, posted


@pytest.fixture
def world(world):
    from bangfu.activities.tests.factories import build_activity_world

    return build_activity_world(world)


def _book(client, **params):
    response = client.get("/ledger/export/", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_workbook(world, client):
    money = posted(
        world, amount=Decimal("256600"), note='=HYPERLINK("http://x")', date=D(2026, 1, 10)
    )
    books = posted(
        world,
        org=world.a,
        program=world.programs["chengxiang"],
        category="图书捐赠",
        source_org=world.urban,
        household=None,
        recipient_org=world.rural,
        amount=None,
        goods="图书",
        quantity=Decimal("658"),
        goods_unit="册",
        date=D(2026, 2, 3),
    )
    wrong = posted(world, amount=Decimal("500"), date=D(2026, 2, 5))
    reversal = entry_reverse(actor=world.admin, entry=wrong, reason="重复", date=D(2026, 2, 6))
    draft = entry(world, amount=Decimal("9"))
    client.force_login(world.inspector)
    book = _book(client)
    assert book.sheetnames == ["台帐明细", "汇总"]
    rows = _rows(book["台帐明细"])
    assert rows[0][0] == "专项台帐"
    assert rows[1] == [h for h, _ in DETAIL_COLUMNS]
    assert rows[1] == [
        "编号",
        "日期",
        "项目",
        "类别",
        "收支",
        "来源",
        "受助对象",
        "金额(元)",
        "物品",
        "数量",
        "单位",
        "审批人",
        "状态",
        "摘要",
        "冲销",
    ]
    body = rows[2:-1]
    assert [r[0] for r in body] == [money.number, books.number, wrong.number, reversal.number]
    assert draft.number not in {r[0] for r in body}
    head = world.household.head.name
    assert body[0] == [
        money.number,
        datetime.datetime(2026, 1, 10),
        "甲县精准扶贫一对一",
        "日常帮扶",
        "发放",
        "甲县扶贫办",
        f"{head}户 (H450123001)",
        256600,
        None,
        None,
        None,
        "王主任",
        "已入账",
        '\'=HYPERLINK("http://x")',  # neutralised: text, never a formula
        None,
    ]
    assert body[1][6:11] == ["甲村小学", None, "图书", 658, "册"]
    assert body[2][-1] == f"已被 {reversal.number} 冲销"
    assert body[3][7] == -500 and body[3][-1] == f"冲销 {wrong.number}"
    assert rows[-1][0] == "合计" and rows[-1][7] == 256600
    cell = book["台帐明细"]["B3"]
    assert cell.number_format == "yyyy-mm-dd"
    assert book["台帐明细"]["N3"].data_type == "s"

    summary = _rows(book["汇总"])
    assert "按类别汇总" in summary[0][0]
    assert summary[1] == [h for h, _ in SUMMARY_COLUMNS]
    by = {r[0]: r for r in summary[2:] if r[0]}
    assert by["日常帮扶"][1:6] == [256600, 25.66, None, 1, 0]
    assert by["图书捐赠"][1:6] == [0, 0, "658册", 0, 0]
    assert by["合计"][1:4] == [256600, 25.66, "658册"]
    assert book["汇总"]["C3"].number_format == "0.00"

    event = AuditEvent.objects.get(action="export")
    assert event.actor == world.inspector and event.summary == "导出专项台帐 4 条"
    assert event.object_type == "ledger.ledgerentry" and event.object_repr.endswith(".xlsx")


def test_the_workbook_is_filtered_like_the_list(world, client):
    jan = posted(world, date=D(2026, 1, 10), category="日常帮扶")
    feb = posted(world, date=D(2026, 2, 10), category="两节慰问")
    fund = posted(
        world,
        org=world.union,
        program=world.programs["kunnan"],
        category="金秋助学",
        source_kind=SourceKind.FUND,
        source_org=None,
        source_fund="+助学金",
        household=world.worker,
        date=D(2026, 2, 11),
    )
    draft = entry(world, date=D(2026, 2, 12))
    client.force_login(world.unit_admin)

    def numbers(**params):
        return [r[0] for r in _rows(_book(client, **params)["台帐明细"])[2:-1]]

    assert numbers(date_from="2026-02-01") == [feb.number, fund.number]
    assert numbers(category="日常帮扶") == [jan.number]
    assert numbers(org="A-UNION") == [fund.number]
    assert numbers(status="draft") == [draft.number]
    book = _book(client, org="A-UNION", date_from="2026-02-01", date_to="2026-02-28")
    sheet = _rows(book["台帐明细"])
    assert sheet[0][0] == "专项台帐 · 甲县总工会 · 2026-02-01 至 2026-02-28"
    assert sheet[2][5] == "'+助学金"


def test_outsiders_export_nothing_of_county_a(world, client):
    posted(world)
    client.force_login(world.outsider)
    rows = _rows(_book(client)["台帐明细"])
    assert rows[2][0] == "合计" and len(rows) == 3
