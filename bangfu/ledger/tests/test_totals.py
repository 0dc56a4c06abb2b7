"""Totals of the ledger by category, source, recipient, unit, month and program: 元 and 万元
to two decimals, goods in their units, 户次 and 人次 counted from the records (one aid to a
household is one 户次 however many entries it made; a reversed aid counts nothing), funds'
拨入 and 结余, drafts left out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bangfu.ledger.models import Direction, LedgerEntry, SourceKind
from bangfu.ledger.selectors import entry_list, totals, wan
from bangfu.ledger.services import entry_create, entry_post, entry_reverse
from bangfu.ledger.tests.factories import TODAY, D, entry, posted, visit_with_money

FUND = "助学金专项"


@pytest.fixture
def world(world):
    """Posted in 2026: 300,000 元 拨入 the fund; from it 200,000 元 金秋助学 to a student (人次);
    the helper's 两节慰问 of two households, 500 元 each, and 2 袋 of rice to the first (one
    activity); 45,600 元 日常帮扶 to a third household; 甲县实验小学's 658 册 of books and 2 台
    of computers worth 10,000 元 to 甲村小学; 5,000 元 posted and reversed. Drafts: 999 元.
    Out: 200,000 + 1,000 + 45,600 + 10,000 = 256,600 元 = 25.66 万元."""
    from bangfu.activities.tests.factories import build_activity_world

    world = build_activity_world(world)
    kunnan, chengxiang = world.programs["kunnan"], world.programs["chengxiang"]
    fund = {"source_kind": SourceKind.FUND, "source_org": None, "source_fund": FUND}
    posted(
        world,
        org=world.union,
        program=kunnan,
        direction=Direction.IN,
        category="金秋助学",
        household=None,
        amount=Decimal("300000"),
        date=D(2026, 1, 2),
        **fund,
    )
    posted(
        world,
        org=world.union,
        program=kunnan,
        category="金秋助学",
        household=None,
        person=world.student,
        amount=Decimal("200000"),
        date=D(2026, 2, 5),
        **fund,
    )
    activity = visit_with_money(world, "500", D(2026, 1, 20))
    rice = entry_create(
        actor=world.helper,
        org=world.a_office,
        program=world.programs["jingzhun"],
        category="两节慰问",
        source_kind=SourceKind.HELPER,
        source_helper=world.cadre,
        household=world.household,
        goods="大米",
        quantity=Decimal("2"),
        goods_unit="袋",
        date=activity.date,
        activity=activity,
        today=TODAY,
    )
    entry_post(
        actor=world.admin,
        entries=[*LedgerEntry.objects.filter(activity=activity).exclude(pk=rice.pk), rice],
        approver="王主任",
    )
    posted(world, household=world.household3, amount=Decimal("45600"), date=D(2026, 1, 10))
    school = {
        "org": world.a,
        "program": chengxiang,
        "source_org": world.urban,
        "household": None,
        "recipient_org": world.rural,
        "date": D(2026, 2, 10),
    }
    posted(
        world,
        category="图书捐赠",
        amount=None,
        goods="图书",
        quantity=Decimal("658"),
        goods_unit="册",
        **school,
    )
    posted(
        world,
        category="设备捐赠",
        amount=Decimal("10000"),
        goods="电脑",
        quantity=Decimal("2"),
        goods_unit="台",
        **school,
    )
    wrong = posted(world, amount=Decimal("5000"), date=D(2026, 1, 12))
    entry_reverse(actor=world.admin, entry=wrong, reason="重复录入", date=D(2026, 1, 15))
    entry(world, amount=Decimal("999"), date=D(2026, 1, 25))
    return world


def _rows(world, by, user=None):
    result = totals(entry_list(user=user or world.admin), by=by)
    return result, {
        r.label: (r.amount, r.amount_wan, r.goods_text, r.household_times, r.person_times)
        for r in result.rows
    }


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("256600", "25.66"),
        ("256649.99", "25.66"),
        ("256650", "25.67"),
        ("50", "0.01"),
        ("49.99", "0.00"),
        ("0", "0.00"),
        ("123456789.12", "12345.68"),
        ("-5000", "-0.50"),
    ],
)
def test_wan_is_ten_thousand_yuan_to_two_decimals(amount, expected):
    assert str(wan(Decimal(amount))) == expected
    assert str(wan(None)) == "0.00"


def test_the_whole_ledger(world):
    result, _ = _rows(world, "category")
    total = result.total
    assert total.amount == Decimal("256600.00")
    assert str(total.amount_wan) == "25.66"
    assert total.income == Decimal("300000.00")
    assert total.goods == {"册": Decimal("658"), "台": Decimal("2"), "袋": Decimal("2")}
    assert total.goods_text == "658册、2台、2袋"
    # h1 (money and rice from one visit), h2 and h3; the reversed 5,000 元 counts nothing.
    assert (total.household_times, total.person_times) == (3, 1)
    assert (
        total.sentence == "发放 25.66 万元, 图书 658 册、大米 2 袋、电脑 2 台, 惠及 3 户次、1 人次"
    )
    assert result.drafts == 1


def test_by_category(world):
    _, rows = _rows(world, "category")
    w = Decimal
    assert rows == {
        "金秋助学": (w("200000.00"), w("20.00"), "", 0, 1),
        "日常帮扶": (w("45600.00"), w("4.56"), "", 1, 0),
        "设备捐赠": (w("10000.00"), w("1.00"), "2台", 0, 0),
        "两节慰问": (w("1000.00"), w("0.10"), "2袋", 2, 0),
        "图书捐赠": (w("0"), w("0.00"), "658册", 0, 0),
    }


def test_by_source_with_the_fund_s_balance(world):
    result, rows = _rows(world, "source")
    w = Decimal
    assert rows == {
        FUND: (w("200000.00"), w("20.00"), "", 0, 1),
        "甲县扶贫办": (w("45600.00"), w("4.56"), "", 1, 0),
        "甲县实验小学": (w("10000.00"), w("1.00"), "658册、2台", 0, 0),
        "李帮扶": (w("1000.00"), w("0.10"), "2袋", 2, 0),
    }
    fund = next(r for r in result.rows if r.label == FUND)
    assert (fund.income, fund.balance) == (w("300000.00"), w("100000.00"))
    office = next(r for r in result.rows if r.label == "甲县扶贫办")
    assert (office.income, office.balance) == (0, w("-45600.00"))


def test_by_recipient(world):
    _, rows = _rows(world, "recipient")
    w = Decimal
    h = {
        k: f"{world.extra[k].head.name}户 ({world.extra[k].code})"
        for k in ("household", "household2", "household3")
    }
    assert rows == {
        world.student.name: (w("200000.00"), w("20.00"), "", 0, 1),
        h["household3"]: (w("45600.00"), w("4.56"), "", 1, 0),
        "甲村小学": (w("10000.00"), w("1.00"), "658册、2台", 0, 0),
        h["household"]: (w("500.00"), w("0.05"), "2袋", 1, 0),
        h["household2"]: (w("500.00"), w("0.05"), "", 1, 0),
        "—": (w("0"), w("0.00"), "", 0, 0),  # the fund's 拨入 has no recipient
    }


def test_by_unit_month_and_program(world):
    w = Decimal
    _, rows = _rows(world, "org")
    assert rows == {
        "甲县总工会": (w("200000.00"), w("20.00"), "", 0, 1),
        "甲县扶贫办": (w("46600.00"), w("4.66"), "2袋", 3, 0),
        "甲县": (w("10000.00"), w("1.00"), "658册、2台", 0, 0),
    }
    _, rows = _rows(world, "month")
    assert rows == {
        "2026年2月": (w("210000.00"), w("21.00"), "658册、2台", 0, 1),
        "2026年1月": (w("46600.00"), w("4.66"), "2袋", 3, 0),
    }
    _, rows = _rows(world, "program")
    assert rows == {
        world.programs["kunnan"].name: (w("200000.00"), w("20.00"), "", 0, 1),
        world.programs["jingzhun"].name: (w("46600.00"), w("4.66"), "2袋", 3, 0),
        world.programs["chengxiang"].name: (w("10000.00"), w("1.00"), "658册、2台", 0, 0),
    }


def test_a_reversal_in_a_later_period_takes_the_amount_out_there(world):
    wrong = posted(world, amount=Decimal("3000"), date=D(2026, 1, 28))
    entry_reverse(actor=world.admin, entry=wrong, reason="对象有误", date=D(2026, 3, 2))
    _, rows = _rows(world, "month")
    assert rows["2026年1月"][0] == Decimal("49600.00")
    assert rows["2026年3月"][:2] == (Decimal("-3000.00"), Decimal("-0.30"))
    # Over both months, the aid is gone and so is its 户次.
    result, _ = _rows(world, "category")
    assert result.total.amount == Decimal("256600.00")
    assert result.total.household_times == 3


def test_totals_are_scoped_like_the_list(world):
    result, rows = _rows(world, "category", user=world.helper)
    assert set(rows) == {"两节慰问"}
    assert result.total.household_times == 2
    result, rows = _rows(world, "category", user=world.outsider)
    assert rows == {} and result.total.amount == 0


def test_amount_given_is_the_totals_amount(world):
    from bangfu.ledger.selectors import amount_given

    wrong = posted(world, amount=Decimal("3000"), date=D(2026, 1, 28))
    entry_reverse(actor=world.admin, entry=wrong, reason="对象有误", date=D(2026, 3, 2))
    result, _ = _rows(world, "category")
    entries = entry_list(user=world.admin)
    # 拨入 (300,000 元 income), the draft and the reversed 3,000 元 are not given.
    assert amount_given(entries) == result.total.amount == Decimal("256600.00")
    march = entries.filter(date__gte=D(2026, 3, 1), date__lte=D(2026, 3, 31))
    assert amount_given(march) == totals(march).total.amount == Decimal("-3000.00")
