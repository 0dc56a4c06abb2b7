"""The helper's phone pages: who reaches each URL, what the home page lists as due, the
prefilled form, the plain (no JavaScript) POST, and the sync of queued entries — each key
recorded exactly once, another helper's pairing refused with nothing written, validation
messages in Chinese."""

from __future__ import annotations

import base64
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.activities.models import Activity, ActivityLink, ActivityPhoto, Source
from bangfu.activities.phone_views import default_type, due_now
from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, client_for, matrix
from bangfu.pairings.plans import common_plan_from_template, measure_add

KEY = "3f2b8c1e-7d4a-4b6e-9a1f-0c2d3e4f5a6b"


@pytest.fixture
def world(world):
    world = build_activity_world(world)
    common_plan_from_template(actor=world.admin, program=world.programs["jingzhun"])
    return world


def _sync(client, entries):
    return client.post(
        reverse("phone:sync"), json.dumps({"entries": entries}), content_type="application/json"
    )


def _entry(world, key=KEY, pairing=None, **kw):
    return {
        "key": key,
        "pairing": (pairing or world.pairing).pk,
        "type": "走访",
        "date": timezone.localdate().isoformat(),
        "values": {"content": "了解家庭生产生活情况"},
        **kw,
    }


# -- who reaches what -------------------------------------------------------------------------

LOGGERS = {"admin": 200, "unit_admin": 200, "helper": 200}
CASES = [
    UrlCase("home", expect={"admin": 200, "unit_admin": 200, "helper": 200, "inspector": 200}),
    UrlCase("log", expect=LOGGERS, kwargs=lambda w: {"pairing_id": w.pairing.pk}),
    UrlCase(
        "log",
        expect={"admin": 302, "unit_admin": 302, "helper": 302},
        kwargs=lambda w: {"pairing_id": w.pairing.pk},
        method="post",
        data=lambda w: {
            "type": "走访",
            "date": timezone.localdate().isoformat(),
            "content": "入户了解情况",
        },
    ),
    # Another helper's pairing: not found for the helper (nor the inspector, who only reads).
    UrlCase(
        "log",
        expect={"admin": 200, "unit_admin": 200},
        kwargs=lambda w: {"pairing_id": w.other_pairing.pk},
    ),
    # The body here is not a JSON list of entries: refused before anything is read.
    UrlCase(
        "sync",
        expect={"anonymous": 401, "admin": 400, "unit_admin": 400, "helper": 400, "inspector": 400},
        method="post",
    ),
    UrlCase(
        "sw",
        expect={
            "anonymous": 200,
            "admin": 200,
            "unit_admin": 200,
            "helper": 200,
            "inspector": 200,
        },
    ),
]


def test_every_url_has_a_case():
    assert_covers("phone", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "phone", case, persona)


def test_sync_get_is_not_allowed(world):
    assert client_for(world, "helper").get(reverse("phone:sync")).status_code == 405


# -- the home page ------------------------------------------------------------------------------


def test_home_lists_own_pairings_with_what_is_due(world):
    day = timezone.localdate()
    activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="走访",
        date=day,
        pairings=[world.pairing2],
        values={"content": "了解收入"},
        today=day,
    )
    response = client_for(world, "helper").get(reverse("phone:home"))
    assert response.status_code == 200
    html = response.content.decode()
    cards = {c.pairing.pk: c for c in response.context["cards"]}
    # 李帮扶's three pairings (two households of 精准扶贫, one of 困难职工); not 王干部's.
    assert set(cards) == {world.pairing.pk, world.pairing2.pk, world.worker_pairing.pk}
    assert world.other_pairing.pk not in cards
    first, second = cards[world.pairing.pk], cards[world.pairing2.pk]
    assert [(d.code, d.done, d.required) for d in first.due] == [("走访", 0, 1)]
    assert second.due == []  # visited this month
    assert first.last is None and second.last == day
    assert "入户走访 0/1" in html
    assert f"上次记录 {day:%Y-%m-%d}" in html
    assert reverse("phone:log", kwargs={"pairing_id": world.pairing.pk}) in html
    # Each card carries its form, so that logging needs no network once the page is open.
    assert html.count("data-phone-form") == 3
    assert 'name="latitude"' not in html and "geolocation" not in html


def test_home_for_an_administrator_is_a_notice(world):
    response = client_for(world, "unit_admin").get(reverse("phone:home"))
    assert response.status_code == 200
    assert response.context["cards"] == []
    assert "没有关联帮扶责任人" in response.content.decode()


# -- the prefilled form -----------------------------------------------------------------------


def test_log_is_prefilled_with_the_most_due_type_and_today(world):
    response = client_for(world, "helper").get(
        reverse("phone:log", kwargs={"pairing_id": world.pairing.pk})
    )
    form = response.context["card"].form
    assert form["type"].value() == "走访"
    assert form["date"].value() == timezone.localdate()
    assert form.value_keys == ["content"]  # the type's required fields only
    assert form.phrase_target == "content" and form.phrases
    html = response.content.decode()
    assert 'data-phrase="了解家庭生产生活情况"' in html
    assert 'name="photo"' in html and "required" not in html.split('name="photo"')[1][:40]


def test_most_due_type_beats_the_first_visit_type(world):
    program = world.programs["jingzhun"]
    measure_add(
        actor=world.admin,
        program=program,
        pairing=world.pairing,
        measure_type="产业" if "产业" in program.definition.get("measure_types", []) else "",
        description="每月慰问两次",
        activity_type="慰问",
        target_count=2,
        period="month",
    )
    day = timezone.localdate()
    due = due_now(world.pairing, day)
    assert {d.code for d in due} == {"走访", "慰问"}
    assert default_type(program, due)["code"] == "慰问"  # 2 missing beats 1
    # No plan: the first type that visits households.
    assert default_type(world.programs["siyige"], [])["code"] == "家访"
    response = client_for(world, "helper").get(
        reverse("phone:log", kwargs={"pairing_id": world.pairing.pk}) + "?type=培训"
    )
    assert response.context["card"].form.value_keys == ["content", "people"]


def test_plain_post_records_once_from_the_phone(world):
    client = client_for(world, "helper")
    url = reverse("phone:log", kwargs={"pairing_id": world.pairing.pk})
    data = {
        "type": "走访",
        "key": "a" * 32,
        "date": timezone.localdate().isoformat(),
        "content": "入户了解情况",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("phone:home")
    again = client.post(url, data)  # the same form sent twice (a double tap, a reload)
    assert again.status_code == 302
    activity = Activity.objects.get()
    assert activity.source == Source.PHONE and activity.client_key == "a" * 32
    assert activity.helper == world.cadre and activity.recorded_by == world.helper
    page = client.get(reverse("phone:home")).content.decode()
    assert f"已保存: {activity.date:%Y-%m-%d} 走访 " in page


def test_plain_post_shows_chinese_errors(world):
    url = reverse("phone:log", kwargs={"pairing_id": world.pairing.pk})
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client_for(world, "helper").post(
        url, {"type": "走访", "date": future, "content": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不能为空" in html
    assert not Activity.objects.exists()


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_plain_post_keeps_an_optional_photo(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("phone:log", kwargs={"pairing_id": world.pairing.pk})
    response = client_for(world, "helper").post(
        url,
        {
            "type": "走访",
            "date": timezone.localdate().isoformat(),
            "content": "入户",
            "photo": SimpleUploadedFile("visit.jpg", _jpeg(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    assert ActivityPhoto.objects.get().activity == Activity.objects.get()


# -- sync ---------------------------------------------------------------------------------------


def test_sync_records_once_and_answers_already(world):
    client = client_for(world, "helper")
    first = _sync(client, [_entry(world)]).json()["results"]
    assert first[0]["status"] == "synced"
    activity = Activity.objects.get()
    assert first[0]["activity"] == activity.pk
    head = world.household.head.name
    assert first[0]["text"] == f"{timezone.localdate():%Y-%m-%d} 走访 {head}户"
    second = _sync(client, [_entry(world)]).json()["results"]
    assert second == [{**first[0], "status": "already"}]
    assert Activity.objects.count() == 1
    assert activity.source == Source.OFFLINE and activity.client_key == KEY
    link = ActivityLink.objects.get()
    assert link.pairing == world.pairing and link.type == "走访"
    audited = AuditEvent.objects.filter(object_type="activities.activity", action="create")
    assert audited.count() == 1 and audited.get().object_id == str(activity.pk)


def test_sync_of_the_same_key_twice_in_one_request(world):
    results = _sync(client_for(world, "helper"), [_entry(world), _entry(world)]).json()
    assert [r["status"] for r in results["results"]] == ["synced", "already"]
    assert Activity.objects.count() == 1


def test_sync_against_another_helpers_pairing_is_forbidden(world):
    client = client_for(world, "helper")
    other = "9" * 32
    results = _sync(
        client,
        [_entry(world, key=other, pairing=world.other_pairing), _entry(world)],
    ).json()["results"]
    assert results[0]["status"] == "forbidden"
    assert "只能记录本人负责的结对" in results[0]["errors"][0]
    assert results[1]["status"] == "synced"  # one refusal does not stop the others
    assert not Activity.objects.filter(client_key=other).exists()
    assert not ActivityLink.objects.filter(pairing=world.other_pairing).exists()
    # The one recorded activity only.
    assert AuditEvent.objects.filter(object_type="activities.activity").count() == 1


def test_sync_refuses_a_key_recorded_by_someone_else(world):
    _sync(client_for(world, "unit_admin"), [_entry(world)])
    results = _sync(client_for(world, "helper"), [_entry(world)]).json()["results"]
    assert results[0]["status"] == "forbidden"
    assert Activity.objects.get().recorded_by == world.unit_admin


def test_sync_validation_errors_are_chinese(world):
    client = client_for(world, "helper")
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    results = _sync(
        client,
        [
            _entry(world, key="1" * 32, values={"content": ""}),
            _entry(world, key="2" * 32, date=future),
            _entry(world, key="3" * 32, date="昨天"),
            _entry(world, key="4" * 32, type="跳舞"),
            _entry(world, key="bad"),
        ],
    ).json()["results"]
    assert [r["status"] for r in results] == ["error"] * 5
    assert "“走访记录 (基本情况、经济来源、困难)”不能为空" in results[0]["errors"]
    assert "晚于今天" in results[1]["errors"][0]
    assert results[2]["errors"] == ["“日期”应为年-月-日"]
    assert "不是本项目的活动类型" in results[3]["errors"][0]
    assert results[4]["errors"] == ["同步标识无效"]
    assert not Activity.objects.exists()


def test_sync_bad_bodies(world):
    client = client_for(world, "helper")
    url = reverse("phone:sync")
    assert client.post(url, "{", content_type="application/json").status_code == 400
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    too_many = [_entry(world, key=f"{i:032d}") for i in range(101)]
    assert _sync(client, too_many).status_code == 400
    answer = _sync(client, ["x"]).json()["results"][0]
    assert answer["status"] == "error"


def test_sync_keeps_a_photo(world):
    photo = "data:image/jpeg;base64," + base64.b64encode(_jpeg()).decode()
    results = _sync(client_for(world, "helper"), [_entry(world, photo=photo)]).json()["results"]
    assert results[0]["status"] == "synced" and "warning" not in results[0]
    assert ActivityPhoto.objects.get().activity_id == results[0]["activity"]
    broken = _sync(
        client_for(world, "helper"),
        [_entry(world, key="5" * 32, photo="data:image/png;base64,AAAA")],
    ).json()["results"][0]
    assert broken["status"] == "synced" and broken["warning"].startswith("照片未保存")


def test_sync_requires_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.helper)
    response = _sync(client, [_entry(world)])
    assert response.status_code == 403 and not Activity.objects.exists()


# -- the service worker -----------------------------------------------------------------------


def test_service_worker_script(world):
    response = client_for(world, "anonymous").get(reverse("phone:sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.BANGFU_SW = ").rstrip(";"))
    assert config["home"] == "/m/"
    assert "/static/bangfu/phone.js" in config["files"]
    assert "function worker(" in body


def test_home_shows_what_the_rules_ask_now(world):
    """六必到: a hospital stay two days ago asks for a visit within 7 days — shown on the card
    until a visit is logged."""
    from bangfu.activities.services import event_create

    day = timezone.localdate()
    event_create(
        actor=world.unit_admin,
        kind="生病住院",
        date=day - datetime.timedelta(days=2),
        household=world.worker,
        today=day,
    )
    client = client_for(world, "helper")
    card = {c.pairing.pk: c for c in client.get(reverse("phone:home")).context["cards"]}[
        world.worker_pairing.pk
    ]
    events = [(d.code, d.done, d.required) for d in card.due if "至" in d.label]
    assert events == [("走访", 0, 1)]  # the event's window, "2026-… 至 2026-…"
    activity_create(
        actor=world.helper,
        program=world.programs["kunnan"],
        type="慰问",
        date=day,
        pairings=[world.worker_pairing],
        values={"content": "看望"},
        today=day,
    )
    card = {c.pairing.pk: c for c in client.get(reverse("phone:home")).context["cards"]}[
        world.worker_pairing.pk
    ]
    assert not [d for d in card.due if "至" in d.label]
