"""The pages: a new notice from a selection, the detail with its forms, publish, paper
objections, handling, correcting, finalising, the PDF; the public page without login, its
objection form and the hourly limit; and what the public page never shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.publicity.models import Notice, NoticeStatus, Objection
from bangfu.publicity.services import WEB_OBJECTIONS_PER_HOUR
from bangfu.publicity.tests.factories import aid_notice, build_publicity_world, exit_notice

ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


@pytest.fixture
def world(world):
    return build_publicity_world(world)


def test_create_from_a_selection_of_households(world, client):
    client.force_login(world.unit_admin)
    page = client.get("/publicity/new/", {"kind": "exit", "unit": world.a1v.code})
    assert page.status_code == 200
    html = page.content.decode()
    assert world.household.code in html and world.household2.code in html
    assert world.household3.code not in html  # 新识别: not on an exit list
    response = client.post(
        "/publicity/new/?kind=exit&unit=" + world.a1v.code,
        {
            "pick": [world.household2.pk],
            "org": world.a1v.pk,
            "title": "",
            "start": "2026-03-01",
            "end": "",
            "conditions": "收入稳定超过标准线",
            "procedure": "评议、公示、公告",
            "objection_place": "甲村村委会",
            "objection_contact": "韦书记 0771-5551234",
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/publicity/{notice.pk}/"
    assert notice.status == NoticeStatus.DRAFT and notice.days == 7
    assert [i.household for i in notice.items.all()] == [world.household2]


def test_create_shows_the_service_errors(world, client):
    client.force_login(world.unit_admin)
    response = client.post(
        "/publicity/new/?kind=exit",
        {
            "org": world.a1v.pk,
            "start": "2026-03-01",
            "end": "2026-03-03",
            "conditions": "c",
            "procedure": "p",
            "objection_place": "村委会",
            "objection_contact": "韦书记 13812345678",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "公示期不少于 5 天" in html and "请至少选择一个公示对象" in html and "手机" in html
    assert not Notice.objects.exists()


def test_create_from_draft_ledger_entries(world, client):
    from decimal import Decimal

    from bangfu.ledger.tests.factories import entry

    made = entry(world, category="金秋助学", amount=Decimal("800"))
    entry(world, category="两节慰问", amount=Decimal("100"))
    client.force_login(world.unit_admin)
    html = client.get("/publicity/new/", {"kind": "aid", "category": "金秋助学"}).content.decode()
    assert made.number in html and "两节慰问" not in html.split('data-testid="candidates"')[1]
    client.post(
        "/publicity/new/?kind=aid&category=金秋助学",
        {
            "pick": [made.pk],
            "org": world.a.pk,
            "start": "2026-03-01",
            "conditions": "c",
            "procedure": "p",
            "objection_place": "甲县扶贫办",
            "objection_contact": "李主任",
        },
    )
    item = Notice.objects.get().items.get()
    assert (item.amount, item.category, item.decision) == (
        Decimal("800.00"),
        "金秋助学",
        {"entries": [made.pk]},
    )


def test_the_detail_page_walks_the_notice_to_its_close(world, client):
    notice = exit_notice(world, publish=False, open_now=False)
    client.force_login(world.unit_admin)
    url = f"/publicity/{notice.pk}/"
    assert "发布" in client.get(url).content.decode()
    client.post(f"{url}publish/")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    first = notice.items.get(position=1)
    client.post(
        f"{url}objections/new/",
        {"paper-content": "收入未达标", "paper-item": first.pk, "paper-received_on": "2026-11-20"},
    )
    objection = Objection.objects.get()
    assert objection.channel == "paper" and objection.item == first
    client.post(
        f"{url}objections/{objection.pk}/handle/",
        {"handle-result": "upheld", "handle-handling": "入户核实属实"},
    )
    html = client.get(url).content.decode()
    assert "异议成立, 须先更正或移出名单" in html and "待更正或移出" in html
    response = client.post(f"{url}finalise/", follow=True)
    assert "异议成立" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    client.post(f"{url}items/{first.pk}/remove/", {"reason": "暂缓退出"})
    response = client.post(f"{url}finalise/", follow=True)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FINALISED
    html = response.content.decode()
    assert "公告存档" in html and "已执行" in html
    world.household2.refresh_from_db()
    assert world.household2.status == "exited"


def test_a_bad_paper_objection_shows_the_form_again(world, client):
    notice = exit_notice(world)
    client.force_login(world.unit_admin)
    response = client.post(f"/publicity/{notice.pk}/objections/new/", {"paper-content": ""})
    assert response.status_code == 400 and not Objection.objects.exists()


def test_the_pdf_is_an_a4_notice(world, client):
    notice = exit_notice(world)
    client.force_login(world.inspector)
    response = client.get(f"/publicity/{notice.pk}/pdf/")
    if response.status_code == 503:
        pytest.skip("WeasyPrint's system libraries are missing")
    assert response["Content-Type"] == "application/pdf"
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) <= 1 and abs(float(box.height) - 842) <= 1  # A4
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for expected in (notice.title, "甲村", world.household.head.name, notice.objection_place):
        assert expected in text, expected
    day = timezone.localdate(notice.published_at)
    assert f"{notice.org.name}{day.year}年{day.month}月{day.day}日" in text  # signed and dated
    assert notice.token in text  # the public address, in large type
    assert not ID_RE.search(text) and not MOBILE_RE.search(text)


def test_the_print_text_names_the_unit_and_the_address(world):
    from bangfu.publicity.pdf import print_context

    notice = exit_notice(world)
    from django.template.loader import render_to_string

    context = print_context(notice, public_url=f"https://bangfu.example/p/{notice.token}/")
    html = render_to_string("publicity/notice_print.html", context)
    assert notice.token in html and "甲村" in html and notice.objection_place in html
    assert world.household.head.id_number not in html
    assert not ID_RE.search(html) and not MOBILE_RE.search(html)


# -- the public page -------------------------------------------------------------------------


def test_the_public_page_shows_names_and_villages_only(world, client):
    notice = exit_notice(world)
    head = world.household.head
    head.phone = "13912345678"
    head.save()
    html = client.get(f"/p/{notice.token}/").content.decode()
    assert head.name in html and "甲村" in html and notice.objection_place in html
    assert world.household.code not in html
    assert head.id_number not in html and head.phone not in html
    assert not ID_RE.search(html) and not MOBILE_RE.search(html)
    assert 'name="content"' in html  # the objection form, during the period
    assert "login" not in client.get(f"/p/{notice.token}/").get("Location", "")


def test_the_public_aid_page_shows_amounts(world, client):
    notice = aid_notice(world)
    html = client.get(f"/p/{notice.token}/").content.decode()
    assert "金秋助学" in html and "500.00" in html


def test_an_objection_from_the_public_page(world, client):
    notice = exit_notice(world)
    url = reverse("public:notice", args=[notice.token])
    response = client.post(url, {"item": "2", "content": "该户已有稳定工作", "contact": "村民"})
    assert response.status_code == 302 and response["Location"] == f"{url}?sent=1"
    objection = Objection.objects.get()
    assert objection.channel == "web" and objection.item == notice.items.get(position=2)
    assert objection.ip == "127.0.0.1"
    assert "异议已收到" in client.get(response["Location"]).content.decode()
    assert client.post(url, {"content": ""}).status_code == 400


def test_the_public_form_is_limited_per_address_and_hour(world, client):
    notice = exit_notice(world)
    url = f"/p/{notice.token}/"
    for _ in range(WEB_OBJECTIONS_PER_HOUR):
        assert client.post(url, {"content": "意见"}).status_code == 302
    response = client.post(url, {"content": "意见"})
    assert response.status_code == 400 and "一小时内最多" in response.content.decode()
    assert Objection.objects.count() == WEB_OBJECTIONS_PER_HOUR


def test_after_the_period_the_public_page_has_no_form(world, client):
    notice = exit_notice(world, open_now=False)
    html = client.get(f"/p/{notice.token}/").content.decode()
    assert 'name="content"' not in html and "不在公示期内" in html
    assert client.post(f"/p/{notice.token}/", {"content": "x"}).status_code == 400
    assert not Objection.objects.exists()


def test_a_finalised_notice_shows_the_list_it_closed_with(world, client):
    from bangfu.publicity.services import item_remove, notice_finalise

    notice = exit_notice(world, open_now=False)
    item_remove(actor=world.unit_admin, item=notice.items.get(position=1), reason="x")
    notice_finalise(actor=world.unit_admin, notice=notice)
    html = client.get(f"/p/{notice.token}/").content.decode()
    assert "已公告" in html and world.household2.head.name in html
    assert world.household.head.name not in html


def test_the_sidebar_offers_the_notices_to_readers(world, client):
    client.force_login(world.inspector)
    assert "公示公告" in client.get("/publicity/").content.decode()
    client.force_login(world.helper)
    assert client.get("/publicity/").status_code == 404
