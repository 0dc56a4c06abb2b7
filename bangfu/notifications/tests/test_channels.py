"""E-mail (locmem outbox) and the group robots' webhooks against a local HTTP server: the JSON
of 企业微信 and 钉钉, DingTalk's 加签, failures recorded and retried by the next run."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import io
import urllib.parse

import pytest
from django.core import mail
from django.core.management import call_command

from bangfu.activities.services import event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.notifications import channels
from bangfu.notifications.models import ChannelConfig, Delivery, Notification
from bangfu.notifications.services import run_daily, send_test

D = datetime.date
DAY = D(2026, 5, 3)
SECRET = "SEC0123456789abcdef"


@pytest.fixture
def world(world):
    world = build_activity_world(world)
    member = world.worker.members.exclude(person=world.worker.head).first().person
    event_create(actor=world.admin, kind="生病住院", date=D(2026, 4, 28), person=member, today=DAY)
    world.helper.email = "lihelper@example.gov.cn"
    world.helper.save()
    return world


def _config(world, **values):
    return ChannelConfig.objects.create(org=world.a, **values)


# -- the formats ----------------------------------------------------------------------------


def test_dingtalk_signature_follows_the_documented_recipe():
    timestamp = 1700000000000
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert channels.dingtalk_sign(SECRET, timestamp) == expected
    url = channels.dingtalk_signed_url("http://h/robot/send?access_token=T", SECRET, timestamp)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query == {"access_token": ["T"], "timestamp": [str(timestamp)], "sign": [expected]}
    assert channels.dingtalk_signed_url("http://h/robot", "", timestamp) == "http://h/robot"
    assert channels.dingtalk_signed_url("http://h/robot", SECRET, 1).startswith(
        "http://h/robot?timestamp=1&sign="
    )


def test_payloads_and_long_messages():
    assert channels.wecom_payload("# hi") == {
        "msgtype": "markdown",
        "markdown": {"content": "# hi"},
    }
    assert channels.dingtalk_payload("t", "x") == {
        "msgtype": "markdown",
        "markdown": {"title": "t", "text": "x"},
    }
    long = channels.wecom_payload("待" * 3000)["markdown"]["content"]
    assert len(long.encode()) <= channels.MAX_BYTES and long.endswith("…")
    assert channels.describe_url("https://q.example/cgi-bin/webhook/send?key=SECRET") == (
        "q.example/cgi-bin/webhook/send"
    )


# -- the daily run through every channel ----------------------------------------------------


def test_daily_run_sends_email_wecom_and_signed_dingtalk(world, robot):
    _config(
        world,
        email_enabled=True,
        wecom_url=f"{robot.url}/cgi-bin/webhook/send?key=K1",
        dingtalk_url=f"{robot.url}/robot/send?access_token=T1",
        dingtalk_secret=SECRET,
    )
    report = run_daily(DAY)
    assert report.sent == {"email": 1, "wecom": 1, "dingtalk": 1} and not report.failed

    (message,) = mail.outbox
    assert message.to == ["lihelper@example.gov.cn"]
    assert message.subject == "【结对帮扶】2026-05-03 待办 4 项, 已逾期 2 项"
    assert message.body.startswith("李帮扶, 您今天有 4 项待办")

    wecom, ding = sorted(robot.requests, key=lambda r: r["path"])
    assert wecom["path"] == "/cgi-bin/webhook/send?key=K1"
    assert wecom["headers"]["Content-Type"].startswith("application/json")
    assert wecom["body"]["msgtype"] == "markdown"
    content = wecom["body"]["markdown"]["content"]
    assert "### 2026-05-03 每日待办 · 甲县" in content
    assert "- 张帮扶: 待办 3 项, 生活事件 1 项, 已逾期 2 项" in content
    # The group sees counts only, never the people helped.
    assert world.household.head.name not in content

    parts = urllib.parse.urlsplit(ding["path"])
    query = urllib.parse.parse_qs(parts.query)
    assert parts.path == "/robot/send" and query["access_token"] == ["T1"]
    timestamp = int(query["timestamp"][0])
    assert query["sign"] == [channels.dingtalk_sign(SECRET, timestamp)]
    assert ding["body"]["msgtype"] == "markdown"
    assert ding["body"]["markdown"]["title"] == "2026-05-03 每日待办 · 甲县"
    assert ding["body"]["markdown"]["text"] == content

    log = {(d.channel, d.status, d.attempts) for d in Delivery.objects.all()}
    assert log == {("email", "sent", 1), ("wecom", "sent", 1), ("dingtalk", "sent", 1)}
    recipient = Delivery.objects.get(channel="wecom").recipient
    assert recipient == f"127.0.0.1:{robot.server_port}/cgi-bin/webhook/send"

    # Again the same day: nothing is sent twice.
    again = run_daily(DAY)
    assert again.sent == {} and again.failed == {}
    assert len(mail.outbox) == 1 and len(robot.requests) == 2


def test_failures_are_recorded_and_retried_by_the_next_run(world, robot):
    _config(world, wecom_url=f"{robot.url}/send?key=K", dingtalk_url=f"{robot.url}/ding")
    robot.reply = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    out, err = io.StringIO(), io.StringIO()
    call_command("notify", "--date", DAY.isoformat(), stdout=out, stderr=err)
    assert "失败 企业微信 1, 钉钉 1" in out.getvalue()
    assert "errcode 93000: invalid webhook url" in err.getvalue()
    failed = Delivery.objects.get(channel="wecom")
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "errcode 93000: invalid webhook url"
    assert "key=K" not in failed.recipient

    robot.reply = (500, {"error": "down"})
    run_daily(DAY)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == ("failed", 2, "HTTP 500")

    robot.reply = (200, {"errcode": 0, "errmsg": "ok"})
    report = run_daily(DAY)
    assert report.sent == {"wecom": 1, "dingtalk": 1}
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == ("sent", 3, "")
    assert len(robot.requests) == 6
    assert run_daily(DAY).sent == {}


def test_an_unreachable_robot_does_not_stop_the_run(world, robot):
    port = robot.server_port
    robot.shutdown()
    robot.server_close()
    _config(world, email_enabled=True, wecom_url=f"http://127.0.0.1:{port}/send")
    report = run_daily(DAY)
    assert report.sent == {"email": 1} and report.failed == {"wecom": 1}
    assert "无法连接" in Delivery.objects.get(channel="wecom").error
    assert Notification.objects.count() == 1


def test_nothing_is_sent_without_a_unit_setting_or_when_it_is_off(world, robot):
    assert run_daily(DAY).sent == {}
    _config(world, enabled=False, email_enabled=True, wecom_url=f"{robot.url}/send")
    assert run_daily(DAY + datetime.timedelta(days=1)).sent == {}
    assert mail.outbox == [] and robot.requests == []


def test_the_nearest_unit_with_settings_decides(world, robot):
    _config(world, email_enabled=True)
    # The helper's township has its own settings, without e-mail: they win over the county's.
    ChannelConfig.objects.create(org=world.a1, wecom_url=f"{robot.url}/township")
    report = run_daily(DAY)
    assert report.sent == {"wecom": 1}
    assert mail.outbox == []
    assert robot.requests[0]["path"] == "/township"
    assert "甲镇" in robot.requests[0]["body"]["markdown"]["content"]


def test_a_helper_without_an_email_address_gets_no_mail(world):
    world.helper.email = ""
    world.helper.save()
    _config(world, email_enabled=True)
    assert run_daily(DAY).sent == {}
    assert mail.outbox == []


def test_the_test_button_sends_through_each_channel(world, robot):
    config = _config(
        world,
        email_enabled=True,
        wecom_url=f"{robot.url}/w",
        dingtalk_url=f"{robot.url}/d",
        dingtalk_secret=SECRET,
    )
    world.admin.email = "admin@example.gov.cn"
    world.admin.save()
    results = send_test(actor=world.admin, config=config)
    assert results == [("邮件", ""), ("企业微信", ""), ("钉钉", "")]
    assert mail.outbox[0].to == ["admin@example.gov.cn"]
    assert {urllib.parse.urlsplit(r["path"]).path for r in robot.requests} == {"/w", "/d"}
    assert "测试消息" in robot.requests[0]["body"]["markdown"]["content"] or (
        "测试消息" in robot.requests[0]["body"]["markdown"].get("title", "")
    )
    assert Delivery.objects.count() == 0
