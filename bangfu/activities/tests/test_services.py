"""Recording activities and events: types and their fields, several pairings per activity,
who may record, idempotent sends, the figures they add up to, and the ledger drafts of what
they gave."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bangfu.activities.models import Activity, ActivityLink, LifeEvent
from bangfu.activities.selectors import activity_list, event_list, figures
from bangfu.activities.services import (
    Item,
    activity_create,
    activity_delete,
    activity_update,
    event_answer,
    event_create,
    photo_add,
    tally,
)
from bangfu.activities.tests.factories import build_activity_world
from bangfu.audit.models import AuditEvent
from bangfu.ledger.models import LedgerEntry
from bangfu.ledger.selectors import totals, wan
from bangfu.ledger.services import entry_post

D = datetime.date
TODAY = D(2026, 6, 30)


@pytest.fixture
def world(world):
    return build_activity_world(world)


def visit(world, pairings, day=D(2026, 6, 1), actor=None, program="jingzhun", **kw):
    values = kw.pop("values", {"content": "了解家庭收入和困难"})
    return activity_create(
        actor=actor or world.helper,
        program=world.programs[program],
        type=kw.pop("type", "走访"),
        date=day,
        pairings=pairings,
        values=values,
        today=TODAY,
        **kw,
    )


# -- types and fields ------------------------------------------------------------------------


def test_alias_is_stored_as_the_type_code_and_links_carry_type_and_date(world):
    a = visit(world, [world.pairing], type="入户")
    assert a.type == "走访" and a.counts == "households"
    link = ActivityLink.objects.get(activity=a)
    assert (link.type, link.date, link.program_id) == ("走访", D(2026, 6, 1), a.program_id)
    assert link.household == world.household


def test_unknown_type_names_the_program_types(world):
    with pytest.raises(ValidationError) as err:
        visit(world, [world.pairing], type="打卡")
    assert "“打卡”不是本项目的活动类型" in str(err.value) and "走访" in str(err.value)


def test_talk_requires_theme_and_record(world):
    with pytest.raises(ValidationError) as err:
        activity_create(
            actor=world.admin,
            program=world.programs["siyige"],
            type="谈心",
            date=D(2026, 6, 1),
            pairings=[world.student_pairing],
            values={"content": ""},
            today=TODAY,
        )
    assert set(err.value.message_dict) == {"theme", "content"}
    assert "不能为空" in err.value.message_dict["theme"][0]


def test_bad_numbers_and_future_dates_are_refused_with_reasons(world):
    with pytest.raises(ValidationError) as err:
        activity_create(
            actor=world.admin,
            program=world.programs["jingzhun"],
            type="培训",
            date=D(2026, 7, 2),
            pairings=[world.pairing],
            values={"content": "种植技术", "people": "六十"},
            today=TODAY,
        )
    errors = err.value.message_dict
    assert "晚于今天" in errors["date"][0]
    assert "应为不小于 0 的整数" in errors["people"][0] and "六十" in errors["people"][0]


def test_aid_category_must_be_the_templates(world):
    with pytest.raises(ValidationError) as err:
        activity_create(
            actor=world.helper,
            program=world.programs["kunnan"],
            type="救助",
            date=D(2026, 6, 1),
            pairings=[world.worker_pairing],
            values={"category": "随便", "amount": "500"},
            today=TODAY,
        )
    assert "金秋助学" in err.value.message_dict["category"][0]


def test_pairing_must_be_active_on_the_date(world):
    with pytest.raises(ValidationError) as err:
        visit(world, [world.pairing], day=D(2025, 8, 1))
    assert "不在帮扶期内" in err.value.message_dict["pairings"][0]


# -- who may record --------------------------------------------------------------------------


def test_helper_cannot_log_against_another_helpers_pairing(world):
    with pytest.raises(PermissionDenied):
        visit(world, [world.other_pairing])
    with pytest.raises(PermissionDenied):  # not even mixed in with their own
        visit(world, [world.pairing, world.other_pairing])
    assert not Activity.objects.exists()


def test_unit_admin_logs_for_any_pairing_of_the_subtree_outsider_cannot(world):
    visit(world, [world.other_pairing], actor=world.unit_admin)
    with pytest.raises(PermissionDenied):
        visit(world, [world.pairing], actor=world.outsider)
    with pytest.raises(PermissionDenied):
        visit(world, [world.pairing], actor=world.inspector)


def test_helper_sees_own_activities_not_others(world):
    mine = visit(world, [world.pairing])
    other = visit(world, [world.other_pairing], actor=world.unit_admin)
    seen = set(activity_list(user=world.helper).values_list("pk", flat=True))
    assert mine.pk in seen and other.pk not in seen
    assert not activity_list(user=world.outsider).exists()
    assert set(activity_list(user=world.inspector).values_list("pk", flat=True)) == {
        mine.pk,
        other.pk,
    }


# -- idempotency -----------------------------------------------------------------------------


def test_same_client_key_records_once(world):
    first = visit(world, [world.pairing], client_key="k-123")
    again = visit(world, [world.pairing], client_key="k-123")
    assert first.pk == again.pk and Activity.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="activities.activity").count() == 1
    with pytest.raises(PermissionDenied):  # someone else replaying the key
        visit(world, [world.other_pairing], actor=world.unit_admin, client_key="k-123")


# -- the figures -----------------------------------------------------------------------------


def test_visits_count_household_visits_and_distinct_households(world):
    # A unit's trip serving three households is one activity and 3 户次.
    visit(world, [world.pairing, world.pairing2, world.other_pairing], actor=world.unit_admin)
    visit(world, [world.pairing], day=D(2026, 6, 10))
    visit(world, [world.pairing], day=D(2026, 6, 20))
    f = figures(Activity.objects.all())
    assert f.activities == 3
    assert f.household_visits == 5  # 3 + 1 + 1 visits
    assert f.households == 3  # but three distinct households
    assert f.of_type("走访").household_visits == 5


def test_person_times_from_trainings_and_persons(world):
    for people in (60, 45):
        activity_create(
            actor=world.admin,
            program=world.programs["jingzhun"],
            type="培训",
            date=D(2026, 5, 1),
            pairings=[world.pairing],
            values={"content": "养殖技术培训", "people": people},
            today=TODAY,
        )
    activity_create(
        actor=world.admin,
        program=world.programs["siyige"],
        type="谈心",
        date=D(2026, 5, 2),
        pairings=[world.student_pairing],
        values={"theme": "学习压力", "content": "聊了期中考试"},
        today=TODAY,
    )
    f = figures(Activity.objects.all())
    assert f.person_times == 106  # 60 + 45 from the trainings' 人次, + 1 talk
    assert f.of_type("培训").person_times == 105
    assert f.household_visits == 0


def test_unit_condolence_counts_the_households_typed(world):
    a = activity_create(
        actor=world.admin,
        program=world.programs["baocun"],
        type="慰问",
        date=D(2026, 1, 20),
        pairings=[world.village_pairing],
        values={"households": 20, "amount": "500"},
        today=TODAY,
    )
    assert a.household_visits == 20
    assert tally("households", 1, None, None) == (1, 0)
    assert tally("sessions", 3, 5, 5) == (0, 0)


# -- money and goods -------------------------------------------------------------------------


def test_money_and_goods_become_ledger_drafts_per_beneficiary(world):
    a = visit(
        world,
        [world.pairing, world.pairing2],
        type="慰问",
        values={"amount": "500", "content": "春节慰问"},
        actor=world.unit_admin,
    )
    entries = LedgerEntry.objects.filter(activity=a).order_by("household__code")
    assert [(e.household, e.amount, e.category, e.status) for e in entries] == [
        (world.household, Decimal("500.00"), "两节慰问", "draft"),
        (world.household2, Decimal("500.00"), "两节慰问", "draft"),
    ]
    donation = activity_create(
        actor=world.admin,
        program=world.programs["baocun"],
        type="捐赠",
        date=D(2026, 3, 1),
        pairings=[world.village_pairing],
        values={"content": "捐赠图书和电脑"},
        items=[
            Item("图书", Decimal(658), "册", Decimal("19740")),
            Item("电脑", Decimal(5), "台", Decimal("17500")),
        ],
        today=TODAY,
    )
    goods = LedgerEntry.objects.filter(activity=donation).order_by("id")
    assert [(e.goods, e.quantity, e.goods_unit, e.recipient_org) for e in goods] == [
        ("图书", Decimal(658), "册", world.a1v),
        ("电脑", Decimal(5), "台", world.a1v),
    ]
    entry_post(actor=world.admin, entries=list(LedgerEntry.objects.all()), approver="韦主任")
    t = totals(LedgerEntry.objects.all())
    assert t.total.amount == Decimal("38240.00")  # 500 + 500 + 19,740 + 17,500
    assert t.total.amount_wan == Decimal("3.82") == wan(Decimal("38240"))
    assert t.total.goods == {"册": Decimal(658), "台": Decimal(5)}
    assert t.total.household_times == 2


def test_posted_money_cannot_change_through_the_activity(world):
    a = visit(world, [world.pairing], type="慰问", values={"amount": "300"}, actor=world.admin)
    entry_post(actor=world.admin, entries=list(a.ledger_entries.all()), approver="韦主任")
    with pytest.raises(ValidationError) as err:
        activity_update(actor=world.admin, activity=a, date=a.date, values={"amount": "400"})
    assert "已入账" in err.value.message_dict["amount"][0]
    with pytest.raises(ValidationError):
        activity_delete(actor=world.admin, activity=a, reason="录错")
    # The wording may still change.
    activity_update(
        actor=world.admin, activity=a, date=a.date, values={"amount": "300", "content": "米油"}
    )
    a.refresh_from_db()
    assert a.content == "米油"


def test_draft_money_follows_the_activity(world):
    a = visit(world, [world.pairing], type="慰问", values={"amount": "300"}, actor=world.admin)
    activity_update(actor=world.admin, activity=a, date=a.date, values={"amount": "350"})
    assert [e.amount for e in a.ledger_entries.all()] == [Decimal("350.00")]
    activity_delete(actor=world.admin, activity=a, reason="重复录入")
    assert not LedgerEntry.objects.exists() and not Activity.objects.exists()
    assert AuditEvent.objects.filter(action="delete", summary__contains="重复录入").exists()


# -- photos ----------------------------------------------------------------------------------


def _jpeg(size=(4000, 3000), taken="2026:05:30 09:15:00") -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_photo_is_downscaled_and_keeps_its_own_date(world):
    a = visit(world, [world.pairing])
    photo = photo_add(actor=world.helper, activity=a, upload=_jpeg())
    assert (photo.width, photo.height) == (1600, 1200)
    assert photo.taken_at.date() == D(2026, 5, 30)
    assert len(bytes(photo.image)) < 300_000
    with Image.open(io.BytesIO(bytes(photo.image))) as stored:
        assert stored.size == (1600, 1200) and stored.format == "JPEG"
    bad = SimpleUploadedFile("note.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as err:
        photo_add(actor=world.helper, activity=a, upload=bad)
    assert "不是可识别的图片文件" in str(err.value)


# -- life events -----------------------------------------------------------------------------


def test_event_on_a_member_is_answered_by_a_visit_within_the_rules_days(world):
    member = world.worker.members.exclude(person=world.worker.head).first().person
    event = event_create(
        actor=world.unit_admin, kind="生病住院", date=D(2026, 6, 3), person=member, today=TODAY
    )
    late = event_create(
        actor=world.unit_admin, kind="结婚", date=D(2026, 5, 1), household=world.worker, today=TODAY
    )
    a = visit(world, [world.worker_pairing], day=D(2026, 6, 8), program="kunnan")
    # 六必到: within 7 days → linked; the wedding 38 days before is not.
    assert list(a.events.all()) == [event]
    assert list(event.answered_by.all()) == [a]
    assert not late.answered_by.exists()


def test_event_answer_by_hand_and_scope(world):
    event = event_create(
        actor=world.helper, kind="丧事", date=D(2026, 6, 1), household=world.household, today=TODAY
    )
    a = visit(world, [world.pairing], day=D(2026, 6, 20))
    assert not a.events.exists()  # 精准扶贫 has no event rule: nothing linked by itself
    event_answer(actor=world.helper, event=event, activity=a)
    assert list(event.answered_by.all()) == [a]
    other = visit(world, [world.other_pairing], actor=world.unit_admin, day=D(2026, 6, 20))
    with pytest.raises(ValidationError):
        event_answer(actor=world.unit_admin, event=event, activity=other)
    # The helper sees events of their own beneficiaries only.
    event_create(
        actor=world.unit_admin,
        kind="受灾",
        date=D(2026, 6, 2),
        household=world.household3,
        today=TODAY,
    )
    assert set(event_list(user=world.helper).values_list("kind", flat=True)) == {"丧事"}
    with pytest.raises(PermissionDenied):
        event_create(
            actor=world.helper,
            kind="受灾",
            date=D(2026, 6, 2),
            household=world.household3,
            today=TODAY,
        )


def test_event_kind_and_duplicates_are_checked(world):
    with pytest.raises(ValidationError) as err:
        event_create(actor=world.admin, kind="升官", date=D(2026, 6, 1), household=world.household)
    assert "事件类型“升官”无效" in str(err.value)
    event_create(actor=world.admin, kind="生育", date=D(2026, 6, 1), household=world.household)
    with pytest.raises(ValidationError):
        event_create(actor=world.admin, kind="生育", date=D(2026, 6, 1), household=world.household)
    assert LifeEvent.objects.count() == 1


def test_summary_sentence_is_made_of_records(world):
    from bangfu.activities.selectors import summary_sentence

    visit(world, [world.pairing, world.pairing2], actor=world.unit_admin)
    visit(world, [world.pairing], day=D(2026, 6, 9))
    activity_create(
        actor=world.admin,
        program=world.programs["baocun"],
        type="培训",
        date=D(2026, 5, 1),
        pairings=[world.village_pairing],
        values={"content": "技术培训", "people": 300},
        today=TODAY,
    )
    activity_create(
        actor=world.admin,
        program=world.programs["baocun"],
        type="捐赠",
        date=D(2026, 4, 23),
        pairings=[world.village_pairing],
        values={"content": "赠书", "amount": "256600"},
        items=[Item("图书", Decimal(658), "册")],
        today=TODAY,
    )
    assert summary_sentence(Activity.objects.all()) == (
        "活动 4 次, 走访 3 户次 (涉及 2 户), 帮扶 300 人次 (其中培训 300 人次)"
    )  # nothing posted yet: no money in the sentence
    entry_post(actor=world.admin, entries=list(LedgerEntry.objects.all()), approver="韦主任")
    assert summary_sentence(Activity.objects.all()).endswith(", 发放 25.66 万元, 图书 658 册")
