"""The digest from the records: what is due, due soon, overdue and unanswered; logging an
activity takes an item off; one notification per user and day; `bangfu notify --dry-run`."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from bangfu.activities.services import activity_create, event_create
from bangfu.activities.tests.factories import build_activity_world
from bangfu.notifications.digest import build_digest
from bangfu.notifications.models import Delivery, Notification
from bangfu.notifications.services import run_daily

D = datetime.date
DAY = D(2026, 5, 3)


@pytest.fixture
def world(world):
    world = build_activity_world(world)
    member = world.worker.members.exclude(person=world.worker.head).first().person
    world.extra["sick"] = event_create(
        actor=world.admin, kind="生病住院", date=D(2026, 4, 28), person=member, today=DAY
    )
    return world


def _visit(world, program, pairing, day, type="走访"):
    return activity_create(
        actor=world.admin,
        program=world.programs[program],
        type=type,
        date=day,
        pairings=[pairing],
        values={"content": "入户走访"},
        today=DAY,
    )


def _items(digest):
    return sorted((i.section, i.pairing_id, i.rule) for i in digest.items)


def test_digest_lists_due_soon_event_and_overdue_items(world):
    digest = build_digest(world.cadre, DAY)
    assert digest is not None
    p1, p2, worker = world.pairing.pk, world.pairing2.pk, world.worker_pairing.pk
    assert _items(digest) == sorted(
        [
            # May's visit: due, 28 days left.
            ("due", p1, "visit-monthly"),
            ("due", p2, "visit-monthly"),
            # 五一必访 runs from April 16 to May 6: 3 days left.
            ("soon", worker, "labour-day"),
            # The hospital stay of April 28 is not answered yet (until May 5).
            ("event", worker, "life-events"),
            # April's visit was missed and closed 3 days ago; March's is older than 7 days.
            ("overdue", p1, "visit-monthly"),
            ("overdue", p2, "visit-monthly"),
        ]
    )
    assert [i.section for i in digest.items] == [
        "soon",
        "event",
        "due",
        "due",
        "overdue",
        "overdue",
    ]
    assert (digest.todo_count, digest.event_count, digest.overdue_count) == (4, 1, 2)
    text = digest.text
    assert text.startswith("李帮扶, 您今天有 4 项待办, 另有 2 项近 7 天已逾期:")
    assert "【即将到期】" in text and "五一必访" in text and "还剩 3 天" in text
    assert "生病住院 2026-04-28" in text and "请于 2026-05-05 前" in text
    assert world.household.head.name in text
    assert digest.title == "2026-05-03 待办 4 项, 已逾期 2 项"


def test_logging_an_activity_takes_the_item_off(world):
    _visit(world, "jingzhun", world.pairing, D(2026, 5, 2))
    _visit(world, "kunnan", world.worker_pairing, D(2026, 5, 1))
    digest = build_digest(world.cadre, DAY)
    p1, p2 = world.pairing.pk, world.pairing2.pk
    # The household visit of May 2 meets May; the worker visit meets 五一 and the hospital stay.
    assert _items(digest) == sorted(
        [
            ("due", p2, "visit-monthly"),
            ("overdue", p1, "visit-monthly"),
            ("overdue", p2, "visit-monthly"),
        ]
    )


def test_festival_windows_starting_within_a_week_are_announced(world):
    digest = build_digest(world.cadre, D(2026, 5, 27))
    upcoming = [(i.rule, i.start, i.end) for i in digest.items if i.section == "upcoming"]
    assert upcoming == [("june-month", D(2026, 6, 1), D(2026, 6, 30))]
    assert "【即将开始】" in digest.text


def test_helpers_without_a_login_get_no_digest_and_ended_pairings_drop_out(world):
    assert build_digest(world.cadre2, DAY) is None  # 王干部 has no account
    for p in (world.pairing, world.pairing2, world.worker_pairing):
        p.end = D(2026, 4, 1)
        p.save()
    digest = build_digest(world.cadre, DAY)
    assert digest is not None and digest.is_empty
    assert "您今天有 0 项待办." in digest.text


def test_the_daily_run_keeps_one_digest_per_user_and_day(world):
    first = run_daily(DAY)
    assert (first.created, first.kept) == (1, 0)
    note = Notification.objects.get()
    assert note.user == world.helper and note.day == DAY and note.kind == "digest"
    assert (note.due_count, note.event_count, note.overdue_count) == (3, 1, 2)
    assert {i["section"] for i in note.items} == {"soon", "event", "due", "overdue"}
    assert note.read_at is None
    # Running again the same day — even after the records changed — makes and sends nothing.
    _visit(world, "jingzhun", world.pairing, D(2026, 5, 2))
    again = run_daily(DAY)
    assert (again.created, again.kept) == (0, 1)
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 0  # no channel is set up: in the app only
    # The next day is a new digest, from the records as they are then.
    run_daily(DAY + datetime.timedelta(days=1))
    assert Notification.objects.count() == 2
    latest = Notification.objects.order_by("-day").first()
    assert latest.due_count == 2  # pairing's May visit is done


def test_org_limits_the_run_to_a_subtree(world):
    assert run_daily(DAY, org=world.b).created == 0
    assert run_daily(DAY, org=world.a).created == 1


def test_notify_dry_run_shows_the_digests_and_changes_nothing(world):
    out = io.StringIO()
    call_command("notify", "--date", "2026-05-03", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "李帮扶: 待办 4 项 (生活事件 1), 已逾期 2 项" in text
    assert "五一必访" in text
    assert "2026-05-03 (试运行, 未保存也未发送): 1 名帮扶责任人有待办" in text
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0


def test_notify_runs_and_reports(world):
    out = io.StringIO()
    call_command("notify", "--date", "2026-05-03", stdout=out)
    assert "2026-05-03: 新建每日待办 1 条, 已有 0 条" in out.getvalue()
    out = io.StringIO()
    call_command("notify", "--date", "2026-05-03", "--format", "json", stdout=out)
    assert '"created": 0' in out.getvalue() and '"kept": 1' in out.getvalue()


def test_notify_refuses_unknown_units_and_dates(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="单位编码"):
        call_command("notify", "--org", "NOPE")
    with pytest.raises(CommandError, match="--date"):
        call_command("notify", "--date", "2026-13-45")
