"""The inbox and the channel settings against every persona, and what the pages do."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import PERSONAS, UrlCase, assert_covers, check, client_for, matrix
from bangfu.notifications.models import ChannelConfig, Notification

D = datetime.date
LOGGED_IN = {p: 200 for p in PERSONAS if p != "anonymous"}
ADMINS = {"admin": 200, "unit_admin": 200}

CASES = [
    UrlCase("inbox", expect=LOGGED_IN),
    UrlCase("detail", expect={"helper": 200}, kwargs=lambda w: {"pk": w.note.pk}),
    UrlCase("mark_read", expect={"helper": 302}, kwargs=lambda w: {"pk": w.note.pk}, method="post"),
    UrlCase("mark_all_read", expect={p: 302 for p in PERSONAS if p != "anonymous"}, method="post"),
    UrlCase("channel_list", expect=ADMINS),
    UrlCase("channel_edit", expect=ADMINS, kwargs=lambda w: {"org_pk": w.a.pk}),
    UrlCase(
        "channel_test",
        expect={"admin": 302, "unit_admin": 302},
        kwargs=lambda w: {"org_pk": w.a.pk},
        method="post",
    ),
]


@pytest.fixture
def world(world):
    world.extra["note"] = Notification.objects.create(
        user=world.helper,
        day=D(2026, 5, 3),
        title="2026-05-03 待办 2 项",
        body="张帮扶, 您今天有 2 项待办:",
        items=[
            {
                "section": "soon",
                "pairing": 1,
                "program": "甲县精准扶贫",
                "rule": "visit-monthly",
                "rule_name": "每月至少入户走访一次",
                "beneficiary": "黄某户 (H1)",
                "start": "2026-05-01",
                "end": "2026-05-31",
                "required": 1,
                "done": 0,
                "label": "2026年5月",
                "event": "",
            }
        ],
        due_count=2,
    )
    ChannelConfig.objects.create(org=world.a, enabled=False)
    return world


def test_every_url_has_a_case():
    assert_covers("notifications", CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "notifications", case, persona)


def test_inbox_lists_own_messages_and_opening_one_marks_it_read(world):
    client = client_for(world, "helper")
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "2026-05-03 待办 2 项" in page and "1 条未读" in page
    assert "消息 (1)" in page  # the sidebar's unread count
    other = client_for(world, "inspector").get(reverse("notifications:inbox")).content.decode()
    assert "2026-05-03 待办 2 项" not in other
    detail = client.get(reverse("notifications:detail", args=[world.note.pk])).content.decode()
    assert "每月至少入户走访一次" in detail and "黄某户 (H1)" in detail and "即将到期" in detail
    world.note.refresh_from_db()
    assert world.note.read_at is not None


def test_mark_all_read(world):
    Notification.objects.create(user=world.helper, kind="notice", day=D(2026, 5, 4), title="x")
    client = client_for(world, "helper")
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(user=world.helper, read_at__isnull=True).exists()


def test_unit_admin_configures_channels_and_the_secret_is_kept(world):
    client = client_for(world, "unit_admin")
    url = reverse("notifications:channel_edit", args=[world.a1.pk])
    page = client.get(url).content.decode()
    assert "目前使用“甲县”的设置" in page
    data = {
        "enabled": "on",
        "email_enabled": "on",
        "wecom_url": "http://robot-proxy:8080/cgi-bin/webhook/send?key=abc",
        "dingtalk_url": "https://oapi.dingtalk.example/robot/send?access_token=t",
        "dingtalk_secret": "SECabc",
    }
    assert client.post(url, data).status_code == 302
    config = ChannelConfig.objects.get(org=world.a1)
    assert config.email_enabled and config.dingtalk_secret == "SECabc"
    assert config.wecom_url.startswith("http://robot-proxy:8080/")
    event = AuditEvent.objects.filter(object_type="notifications.channelconfig").latest("at")
    assert "SECabc" not in str(event.after) and event.after["dingtalk_secret"] == "******"
    # Saving again without a secret keeps it; "clear" removes it.
    client.post(url, {**data, "dingtalk_secret": ""})
    config.refresh_from_db()
    assert config.dingtalk_secret == "SECabc"
    assert "SECabc" not in client.get(url).content.decode()
    client.post(url, {**data, "dingtalk_secret": "", "clear_secret": "on"})
    config.refresh_from_db()
    assert config.dingtalk_secret == ""


def test_bad_webhook_addresses_are_refused(world):
    client = client_for(world, "unit_admin")
    url = reverse("notifications:channel_edit", args=[world.a.pk])
    response = client.post(url, {"enabled": "on", "wecom_url": "ftp://x/y"})
    assert response.status_code == 200
    assert "请输入以 http:// 或 https:// 开头的完整地址" in response.content.decode()


def test_channel_list_finds_a_unit_by_code_within_scope(world):
    client = client_for(world, "unit_admin")
    url = reverse("notifications:channel_list")
    response = client.get(url, {"code": world.a1.code})
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("notifications:channel_edit", args=[world.a1.pk])
    )
    response = client.get(url, {"code": world.b.code})
    assert response.status_code == 200
    assert "没有您可管理的编码为" in response.content.decode()


def test_test_button_without_channels_says_so(world):
    client = client_for(world, "unit_admin")
    response = client.post(reverse("notifications:channel_test", args=[world.a.pk]), follow=True)
    assert "尚未设置任何通知渠道" in response.content.decode()
