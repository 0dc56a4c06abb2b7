"""The 帮扶手册 PDF of a household: what it shows (read back with pypdf), masked numbers unless
revealed by someone who may, and the audit row of every download."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEvent
from bangfu.core.masking import mask_id_number
from bangfu.documents.handbook import handbook_context, handbook_pdf
from bangfu.documents.tests.conftest import NAMES, TODAY, VISIT_CONTENT

pytestmark = [pytest.mark.django_db]


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # Strip the spaces and line breaks the extraction puts between glyphs.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_handbook_shows_the_household_its_help_and_aid(world):
    household = world.household
    text = _text(handbook_pdf(user=world.admin, household=household, today=TODAY))
    assert "帮扶手册" in text and household.code in text and "王大山户" in text
    members = household.members.select_related("person").order_by("id")
    for member in members:
        assert member.person.name in text
        masked = mask_id_number(member.person.id_number)
        assert masked in text and member.person.id_number not in text
    assert "139****5678" in text and "13912345678" not in text
    assert "李帮扶" in text and "甲县精准扶贫一对一" in text  # helper and program
    assert "年内稳定脱贫" in text and "发展养殖" in text  # plan and measure
    assert "1/2" in text  # progress of the measure: one 走访 of two
    assert _squash(VISIT_CONTENT) in text and "2026-03-01" in text
    assert "春节慰问" in text
    assert "500.00" in text  # the posted aid
    assert "2026-03-15" in text and "脱贫" in text  # status history


def test_handbook_context_lists_what_the_records_hold(world):
    context = handbook_context(user=world.admin, household=world.household, today=TODAY)
    assert [m.name for m in context["members"]] == list(NAMES)
    assert len(context["visits"]) == 2
    assert [e.amount for e, _source in context["aid"]] == [500]
    assert context["aid_amount"] == 500
    block = next(b for b in context["pairings"] if b.pairing == world.pairing)
    assert [(row.progress.done, row.progress.required) for row in block.measures] == [(1, 2)]


def test_full_numbers_only_for_those_who_may_reveal(world):
    head = world.household.head
    full = _text(
        handbook_pdf(user=world.unit_admin, household=world.household, full=True, today=TODAY)
    )
    assert head.id_number in full and "13912345678" in full
    inspector = handbook_context(
        user=world.inspector, household=world.household, full=True, today=TODAY
    )
    assert inspector["full"] is False
    assert inspector["members"][0].id_number == mask_id_number(head.id_number)


def test_download_is_audited(world, client):
    url = reverse("documents:handbook", args=[world.household.pk])
    client.force_login(world.helper)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(object_type="registry.household").latest("id")
    assert event.action == "export" and event.actor == world.helper
    assert event.object_id == str(world.household.pk) and "帮扶手册" in event.summary

    client.force_login(world.unit_admin)
    response = client.get(url, {"full": "1"})
    assert world.household.head.id_number in _text(response.content)
    event = AuditEvent.objects.filter(object_type="registry.household").latest("id")
    assert event.action == "reveal" and event.actor == world.unit_admin


def test_household_page_links_to_the_handbook(world, client):
    client.force_login(world.admin)
    page = client.get(reverse("registry:household_detail", args=[world.household.pk]))
    assert reverse("documents:handbook", args=[world.household.pk]) in page.content.decode()
