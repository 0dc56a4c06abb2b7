"""The task behind the daily run: enqueued into the database queue by `bangfu notify
--enqueue`, and the same function run directly."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bangfu.activities.services import event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.core.seeding import DemoContext
from bangfu.notifications.models import Notification
from bangfu.notifications.tasks import send_daily_digests


def test_notify_enqueue_puts_the_task_in_the_database_queue(world):
    out = io.StringIO()
    call_command("notify", "--enqueue", "--date", "2026-05-03", "--org", world.a.code, stdout=out)
    assert "已放入任务队列" in out.getvalue()
    (row,) = DBTaskResult.objects.all()
    assert row.task_path == "bangfu.notifications.tasks.send_daily_digests"
    assert row.status == "READY"
    assert row.args_kwargs["kwargs"] == {"date": "2026-05-03", "org": world.a.code}
    assert Notification.objects.count() == 0  # nothing until a worker runs it


def test_the_task_runs_the_daily_job(world):
    build_activity_world(world)
    member = world.worker.members.exclude(person=world.worker.head).first().person
    event_create(
        actor=world.admin,
        kind="生病住院",
        date=datetime.date(2026, 4, 28),
        person=member,
        today=datetime.date(2026, 5, 3),
    )
    result = send_daily_digests.call(date="2026-05-03")
    assert result["created"] == 1 and result["day"] == "2026-05-03"
    assert Notification.objects.get().user == world.helper


def test_demo_seed_is_harmless_without_the_demo_units(world):
    from bangfu.notifications import demo

    demo.seed(DemoContext(users={"admin": world.admin}))
    assert Notification.objects.count() == 0


def test_wrong_mail_settings_stop_with_one_line_naming_the_variable(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env.update(
        BANGFU_DATA_DIR=str(tmp_path),
        BANGFU_EMAIL_HOST="mail.example.gov.cn",
        BANGFU_EMAIL_SECURITY="tls",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bangfu.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "BANGFU_EMAIL_SECURITY" in result.stderr.strip().splitlines()[0]
