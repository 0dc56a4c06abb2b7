"""The activity pages: who reaches each URL, recording an activity with its type's fields for
several beneficiaries, the helper's own pairings only, photos, timelines, the diary exported to
Excel and Word (opened and read back), and life events with the visits that answered them."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from docx import Document

from bangfu.activities.models import Activity, ActivityPhoto, LifeEvent
from bangfu.activities.services import activity_create, event_create, photo_add
from bangfu.activities.tests.factories import build_activity_world
from bangfu.activities.tests.test_services import _jpeg
from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, assert_covers, check, matrix

D = datetime.date
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


@pytest.fixture
def world(world):
    build_activity_world(world)
    activity = activity_create(
        actor=world.helper,
        program=world.programs["jingzhun"],
        type="走访",
        date=D(2026, 6, 1),
        pairings=[world.pairing],
        values={"content": "了解家庭收入, 商量养牛"},
        today=D(2026, 6, 30),
    )
    photo = photo_add(actor=world.helper, activity=activity, upload=_jpeg((800, 600)))
    event = event_create(
        actor=world.helper,
        kind="生病住院",
        date=D(2026, 5, 28),
        household=world.household,
        today=D(2026, 6, 30),
    )
    world.extra.update(activity=activity, photo=photo, event=event)
    return world


READ = {"admin": 200, "unit_admin": 200, "helper": 200, "inspector": 200}
WRITE = {"admin": 302, "unit_admin": 302, "helper": 302}
OBJ = {"admin": 200, "unit_admin": 200, "helper": 200, "inspector": 200}

CASES = [
    UrlCase("activity_list", expect={**READ, "outsider": 200}),
    UrlCase("activity_new", expect={**READ, "outsider": 200}),
    UrlCase(
        "activity_new",
        method="get",
        expect={"admin": 200, "unit_admin": 200, "helper": 200, "inspector": 200, "outsider": 404},
        data=lambda w: {"program": w.programs["jingzhun"].pk},
    ),
    UrlCase(
        "activity_timeline",
        expect={**READ, "outsider": 404},
        data=lambda w: {"household": w.household.pk},
    ),
    UrlCase("export_xlsx", expect={**READ, "outsider": 200}),
    UrlCase("export_docx", expect={**READ, "outsider": 200}),
    UrlCase("activity_detail", expect=OBJ, kwargs=lambda w: {"pk": w.activity.pk}),
    UrlCase(
        "activity_edit",
        expect={"admin": 200, "unit_admin": 200, "helper": 200},
        kwargs=lambda w: {"pk": w.activity.pk},
    ),
    UrlCase(
        "activity_delete",
        method="post",
        expect=WRITE,
        kwargs=lambda w: {"pk": w.activity.pk},
        data=lambda w: {"reason": "录错"},
    ),
    UrlCase(
        "photo_add",
        method="post",
        expect=WRITE,
        kwargs=lambda w: {"pk": w.activity.pk},
    ),
    UrlCase("photo", expect=OBJ, kwargs=lambda w: {"pk": w.photo.pk}),
    UrlCase("photo_delete", method="post", expect=WRITE, kwargs=lambda w: {"pk": w.photo.pk}),
    UrlCase("event_list", expect={**READ, "outsider": 200}),
    UrlCase("event_new", expect={**READ, "outsider": 200}),
    UrlCase("event_detail", expect=OBJ, kwargs=lambda w: {"pk": w.event.pk}),
    UrlCase(
        "event_answer",
        method="post",
        expect={"admin": 302, "unit_admin": 302, "helper": 302, "inspector": 404},
        kwargs=lambda w: {"pk": w.event.pk},
        data=lambda w: {"activity": w.activity.pk},
    ),
    UrlCase(
        "event_delete",
        method="post",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"pk": w.event.pk},
        data=lambda w: {"reason": "登记错了"},
    ),
]


def test_every_activities_url_has_a_case():
    assert_covers("activities", CASES)


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "activities", case, persona)


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_form_shows_the_types_fields_and_only_the_helpers_pairings(world, client):
    client.force_login(world.helper)
    url = reverse("activities:activity_new")
    html = _html(client.get(url, {"program": world.programs["jingzhun"].pk, "type": "培训"}))
    assert 'name="f_people"' in html and 'name="f_content"' in html
    assert "李帮扶" in html  # the helper's own pairings …
    assert world.household3.code not in html  # … not 王干部's
    assert INLINE_SCRIPT.search(html) is None
    talk = _html(client.get(url, {"program": world.programs["kunnan"].pk, "type": "救助"}))
    assert 'name="f_category"' in talk and "金秋助学" in talk


def test_recording_several_households_at_once(world, client):
    client.force_login(world.unit_admin)
    program = world.programs["jingzhun"]
    response = client.post(
        reverse("activities:activity_new"),
        {
            "program": program.pk,
            "type": "走访",
            "date": "2026-06-15",
            "pairings": [world.pairing.pk, world.pairing2.pk, world.other_pairing.pk],
            "f_content": "集中走访三户, 宣讲政策",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get(content="集中走访三户, 宣讲政策")
    assert activity.household_visits == 3 and activity.links.count() == 3
    html = _html(client.get(reverse("activities:activity_list"), {"program": program.pk}))
    assert '<div class="value" data-testid="household-visits">4</div>' in html
    assert '<div class="value" data-testid="households">3</div>' in html


def test_helper_posting_another_helpers_pairing_is_refused(world, client):
    client.force_login(world.helper)
    response = client.post(
        reverse("activities:activity_new"),
        {
            "program": world.programs["jingzhun"].pk,
            "type": "走访",
            "date": "2026-06-15",
            "pairings": [world.other_pairing.pk],
            "f_content": "冒名记录",
        },
    )
    # Another helper's pairing is not found for this helper at all; nothing is recorded.
    assert response.status_code == 404
    assert not Activity.objects.filter(content="冒名记录").exists()


def test_missing_required_field_is_named(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("activities:activity_new"),
        {
            "program": world.programs["siyige"].pk,
            "type": "谈心",
            "date": "2026-06-15",
            "pairings": [world.student_pairing.pk],
            "f_content": "谈了学习",
        },
    )
    html = _html(response)
    assert "这个字段是必填项" in html or "不能为空" in html
    assert not Activity.objects.filter(type="谈心").exists()


def test_photo_upload_page_and_view(world, client):
    client.force_login(world.helper)
    url = reverse("activities:photo_add", kwargs={"pk": world.activity.pk})
    response = client.post(url, {"photo": _jpeg((3000, 2000))})
    assert response.status_code == 302
    photo = ActivityPhoto.objects.order_by("-pk").first()
    assert (photo.width, photo.height) == (1600, 1067)
    image = client.get(reverse("activities:photo", kwargs={"pk": photo.pk}))
    assert image["Content-Type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"
    client.force_login(world.outsider)
    assert client.get(reverse("activities:photo", kwargs={"pk": photo.pk})).status_code == 404


def test_timeline_of_a_helper_and_of_a_unit(world, client):
    activity_create(
        actor=world.unit_admin,
        program=world.programs["jingzhun"],
        type="走访",
        date=D(2026, 4, 3),
        pairings=[world.other_pairing],
        values={"content": "王干部四月走访"},
        today=D(2026, 6, 30),
    )
    client.force_login(world.inspector)
    url = reverse("activities:activity_timeline")
    html = _html(client.get(url, {"helper": world.cadre.pk}))
    assert "商量养牛" in html and "王干部四月走访" not in html and "2026年6月" in html
    html = _html(client.get(url, {"org": world.a1v.pk}))
    assert "商量养牛" in html and "王干部四月走访" in html and "2026年4月" in html


def test_diary_exports_open_and_hold_the_records(world, client):
    client.force_login(world.unit_admin)
    response = client.get(reverse("activities:export_xlsx"), {"start": "2026-01-01"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["帮扶活动日记"]
    assert sheet["A2"].value == "日期" and sheet["E2"].value == "帮扶对象"
    assert sheet["C3"].value == "走访" and "商量养牛" in sheet["G3"].value
    assert sheet["J3"].value == 1  # 户次
    assert "走访 1 户次" in sheet["A5"].value
    response = client.get(reverse("activities:export_docx"))
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "帮扶活动日记" in text and "2026年6月" in text and "商量养牛" in text
    assert AuditEvent.objects.filter(action="export", object_type="activities").count() == 2


def test_event_page_links_the_visit_that_answered_it(world, client):
    client.force_login(world.helper)
    url = reverse("activities:event_detail", kwargs={"pk": world.event.pk})
    html = _html(client.get(url))
    assert "尚未走访" in html and "关联为响应" in html
    client.post(
        reverse("activities:event_answer", kwargs={"pk": world.event.pk}),
        {"activity": world.activity.pk},
    )
    assert list(world.event.answered_by.all()) == [world.activity]
    html = _html(client.get(url))
    assert "尚未走访" not in html
    listing = _html(client.get(reverse("activities:event_list"), {"answered": "yes"}))
    assert "生病住院" in listing


def test_register_event_by_household_code(world, client):
    client.force_login(world.unit_admin)
    response = client.post(
        reverse("activities:event_new"),
        {"subject": world.household2.code, "kind": "意外事故", "date": "2026-06-10"},
    )
    assert response.status_code == 302
    assert LifeEvent.objects.filter(household=world.household2, kind="意外事故").exists()
    html = _html(
        client.post(
            reverse("activities:event_new"),
            {"subject": "H999", "kind": "意外事故", "date": "2026-06-10"},
        )
    )
    assert "找不到户编号或身份证号为“H999”的对象" in html
