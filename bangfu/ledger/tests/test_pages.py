"""The ledger pages: the list and its filters, posting ticked drafts all or none, entering a
draft (categories of the chosen program, recipient picked or typed, Chinese messages), the
detail with its reversal and history, reversing and correcting, and the totals page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.ledger.models import LedgerEntry, SourceKind, Status
from bangfu.ledger.tests.factories import D, entry, posted, visit_with_money


@pytest.fixture
def world(world):
    from bangfu.activities.tests.factories import build_activity_world

    return build_activity_world(world)


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.unit_admin)
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def _numbers(html: str) -> set[str]:
    return set(re.findall(r"TZ\d{11}", html))


# -- the list ----------------------------------------------------------------------------------


def test_list_filters(world, admin_client):
    a = posted(world, category="日常帮扶", date=D(2026, 1, 10), note="春耕种子")
    b = entry(world, category="两节慰问", date=D(2026, 2, 10), household=world.household2)
    c = posted(
        world,
        org=world.union,
        program=world.programs["kunnan"],
        category="金秋助学",
        source_kind=SourceKind.FUND,
        source_org=None,
        source_fund="助学金专项",
        household=None,
        person=world.student,
        date=D(2026, 3, 1),
    )
    url = reverse("ledger:entry_list")

    def numbers(**params):
        return _numbers(_text(admin_client.get(url, params)))

    assert numbers() == {a.number, b.number, c.number}
    assert numbers(status="draft") == {b.number}
    assert numbers(status="posted") == {a.number, c.number}
    assert numbers(category="金秋助学") == {c.number}
    assert numbers(program=world.programs["kunnan"].pk) == {c.number}
    assert numbers(source_kind="fund") == {c.number}
    assert numbers(org="A-UNION") == {c.number}
    assert numbers(org=world.a.code) == {a.number, b.number, c.number}
    assert numbers(date_from="2026-02-01", date_to="2026-02-28") == {b.number}
    assert numbers(recipient=world.household2.code) == {b.number}
    assert numbers(recipient=world.student.name) == {c.number}
    assert numbers(recipient=world.student.id_number[-6:]) == {c.number}
    assert numbers(q="春耕") == {a.number}
    assert numbers(q="助学金") == {c.number}
    assert numbers(direction="in") == set()
    # htmx gets the results fragment only.
    fragment = admin_client.get(url, {"status": "draft"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="results"' in fragment and "<html" not in fragment
    assert _numbers(fragment) == {b.number}


def test_drafts_have_boxes_for_administrators_only(world, client):
    draft, done = entry(world), posted(world)
    client.force_login(world.unit_admin)
    html = _text(client.get("/ledger/"))
    assert f'name="entry" value="{draft.pk}"' in html
    assert f'name="entry" value="{done.pk}"' not in html
    client.force_login(world.inspector)
    assert 'name="entry"' not in _text(client.get("/ledger/"))


def test_posting_ticked_drafts_all_or_none(world, admin_client):
    first, second = entry(world), entry(world, amount=Decimal("20"))
    done = posted(world)
    response = admin_client.post(
        "/ledger/post/",
        {"entry": [first.pk, second.pk, done.pk], "approver": "王主任"},
        follow=True,
    )
    assert "没有入账任何记录" in _text(response)
    assert LedgerEntry.objects.filter(status=Status.DRAFT).count() == 2
    response = admin_client.post(
        "/ledger/post/", {"entry": [first.pk, second.pk], "approver": ""}, follow=True
    )
    assert "入账须填写审批人" in _text(response)
    response = admin_client.post(
        "/ledger/post/", {"entry": [first.pk, second.pk], "approver": "王主任"}, follow=True
    )
    assert "已入账 2 条记录" in _text(response)
    assert set(LedgerEntry.objects.values_list("status", "approver")) == {(Status.POSTED, "王主任")}
    response = admin_client.post("/ledger/post/", {"approver": "王主任"}, follow=True)
    assert "请先勾选要入账的草稿" in _text(response)


# -- entering a draft --------------------------------------------------------------------------


def _form(world, **kw):
    data = {
        "program": world.programs["kunnan"].pk,
        "org": "",
        "direction": "out",
        "category": "金秋助学",
        "source_kind": "fund",
        "source_fund": "助学金专项",
        "recipient": "",
        "recipient_code": world.worker.code,
        "amount": "2000",
        "goods": "",
        "quantity": "",
        "goods_unit": "",
        "date": "2026-03-01",
        "note": "",
    }
    data.update(kw)
    return data


def test_new_entry_offers_the_program_s_categories(world, admin_client):
    html = _text(admin_client.get("/ledger/new/"))
    assert '<datalist id="category-options">' in html and "金秋助学" in html and "两节慰问" in html
    kunnan = world.programs["kunnan"]
    fragment = admin_client.get(
        "/ledger/new/", {"program": kunnan.pk, "category": "我填的"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="entry-form"' in fragment and "<html" not in fragment
    options = re.findall(r'<option value="([^"]*)"></option>', fragment)
    assert options == kunnan.definition["aid_categories"]
    assert 'value="我填的"' in fragment
    # The program's beneficiaries to pick from.
    assert f'value="h{world.worker.pk}"' in fragment


def test_new_entry_with_a_typed_recipient(world, admin_client):
    response = admin_client.post("/ledger/new/", _form(world))
    made = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ledger/{made.pk}/"
    assert (made.org, made.household, made.amount, made.source_fund, made.status) == (
        world.union,
        world.worker,
        Decimal("2000.00"),
        "助学金专项",
        Status.DRAFT,
    )
    # By ID number, by unit code, picked from the list; goods instead of money.
    admin_client.post("/ledger/new/", _form(world, recipient_code=world.student.id_number))
    admin_client.post("/ledger/new/", _form(world, recipient_code=world.rural.code))
    admin_client.post(
        "/ledger/new/",
        _form(
            world,
            recipient_code="",
            recipient=f"h{world.worker.pk}",
            amount="",
            goods="书包",
            quantity="3",
            goods_unit="个",
            category="自填类别",
        ),
    )
    made = list(LedgerEntry.objects.order_by("id"))
    assert made[1].person == world.student and made[2].recipient_org == world.rural
    assert (made[3].goods, made[3].quantity, made[3].goods_unit, made[3].category) == (
        "书包",
        Decimal("3.00"),
        "个",
        "自填类别",
    )


def test_bad_input_is_explained_in_chinese(world, admin_client):
    html = _text(
        admin_client.post(
            "/ledger/new/",
            _form(world, category="", amount="abc", recipient_code="NOPE", source_fund=""),
        )
    )
    assert "输入一个数字" in html
    assert not LedgerEntry.objects.exists()
    html = _text(admin_client.post("/ledger/new/", _form(world, category="", source_fund="")))
    assert "请填写类别" in html and "来源为专项资金时请填写资金名称" in html
    html = _text(admin_client.post("/ledger/new/", _form(world, recipient_code="NOPE")))
    assert "找不到受助对象“NOPE”" in html
    html = _text(admin_client.post("/ledger/new/", _form(world, amount="", goods="书包")))
    assert "填写了物品, 请同时填写数量" in html
    html = _text(admin_client.post("/ledger/new/", _form(world, amount="", quantity="2")))
    assert "请填写物品名称" in html and "请填写物品单位" in html
    html = _text(admin_client.post("/ledger/new/", _form(world, program="", org="")))
    assert "请选择台帐单位" in html
    html = _text(admin_client.post("/ledger/new/", _form(world, date="2999-01-01")))
    assert "晚于今天" in html
    assert not LedgerEntry.objects.exists()


def test_a_recipient_outside_the_scope_is_not_found(world, client):
    from bangfu.registry.tests.factories import household_with_members

    household_with_members(world.b1, 1, code="H450124009")
    client.force_login(world.unit_admin)
    html = _text(client.post("/ledger/new/", _form(world, recipient_code="H450124009")))
    assert "找不到受助对象" in html and not LedgerEntry.objects.exists()


def test_editing_a_draft_and_not_a_posted_entry(world, admin_client):
    draft = entry(world)
    html = _text(admin_client.get(f"/ledger/{draft.pk}/edit/"))
    assert 'value="100.00"' in html and 'name="org"' not in html
    data = _form(
        world,
        program=world.programs["jingzhun"].pk,
        category="日常帮扶",
        source_kind="unit",
        source_org=world.a_office.pk,
        recipient=f"h{world.household.pk}",
        recipient_code="",
        amount="150",
        date="2026-01-10",
    )
    response = admin_client.post(f"/ledger/{draft.pk}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.amount == Decimal("150.00") and draft.source_fund == ""
    done = posted(world)
    response = admin_client.post(f"/ledger/{done.pk}/edit/", data, follow=True)
    assert "已入账, 不能修改" in _text(response)
    done.refresh_from_db()
    assert done.amount == Decimal("100.00")
    response = admin_client.post(f"/ledger/{done.pk}/delete/", follow=True)
    assert "已入账, 不能修改或删除" in _text(response)
    assert LedgerEntry.objects.filter(pk=done.pk).exists()
    response = admin_client.post(f"/ledger/{draft.pk}/delete/")
    assert (
        response["Location"] == "/ledger/" and not LedgerEntry.objects.filter(pk=draft.pk).exists()
    )


# -- detail, reversal, correction --------------------------------------------------------------


def test_detail_of_an_activity_s_draft(world, admin_client):
    activity = visit_with_money(world)
    draft = LedgerEntry.objects.filter(activity=activity).first()
    html = _text(admin_client.get(f"/ledger/{draft.pk}/"))
    assert "慰问 2026-01-20" in html and "李帮扶" in html
    assert reverse("ledger:entry_edit", args=[draft.pk]) in html
    assert 'action="/ledger/post/"' in html and "冲销并更正" not in html
    assert "台帐录入" in html  # the history


def test_reverse_and_correct(world, admin_client):
    wrong = posted(world, amount=Decimal("1000"), note="春节慰问")
    html = _text(admin_client.get(f"/ledger/{wrong.pk}/"))
    assert "冲销并更正" in html and reverse("ledger:entry_edit", args=[wrong.pk]) not in html
    response = admin_client.post(f"/ledger/{wrong.pk}/reverse/", {"reason": ""}, follow=True)
    assert "请填写冲销原因" in _text(response)
    response = admin_client.post(
        f"/ledger/{wrong.pk}/reverse/", {"reason": "金额录错", "correct": "1"}
    )
    assert response["Location"] == f"/ledger/new/?from={wrong.pk}"
    reversal = LedgerEntry.objects.get(reverses=wrong)
    assert reversal.amount == Decimal("-1000.00") and reversal.is_posted
    html = _text(admin_client.get(response["Location"]))
    assert wrong.number in html and 'value="1000.00"' in html
    assert f"更正 {wrong.number}: 春节慰问" in html
    # The original shows who reversed it and offers no second reversal; the reversal names it.
    html = _text(admin_client.get(f"/ledger/{wrong.pk}/"))
    assert reversal.number in html and "已冲销" in html and "冲销并更正" not in html
    html = _text(admin_client.get(f"/ledger/{reversal.pk}/"))
    assert "本记录冲销了" in html and wrong.number in html
    response = admin_client.post(f"/ledger/{wrong.pk}/reverse/", {"reason": "again"}, follow=True)
    assert "已冲销" in _text(response)
    assert LedgerEntry.objects.filter(reverses=wrong).count() == 1


# -- totals ------------------------------------------------------------------------------------


def test_totals_page(world, admin_client):
    posted(world, amount=Decimal("256600"))
    posted(
        world,
        amount=None,
        goods="图书",
        quantity=Decimal("658"),
        goods_unit="册",
        household=world.household2,
        category="图书",
    )
    entry(world, amount=Decimal("5"))
    html = _text(admin_client.get("/ledger/totals/"))
    assert "发放 25.66 万元, 图书 658 册, 惠及 2 户次" in html
    assert "另有 1 条草稿未入账" in html
    assert "25.66" in html and "658册" in html
    for by in ("category", "source", "recipient", "org", "month", "program", "nonsense"):
        assert admin_client.get("/ledger/totals/", {"by": by}).status_code == 200
    html = _text(admin_client.get("/ledger/totals/", {"by": "month"}))
    assert "2026年1月" in html
    fragment = admin_client.get(
        "/ledger/totals/", {"date_from": "2027-01-01"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and "没有已入账的记录" in fragment
    assert "发放 0.00 万元" in fragment
