"""The commitment letters (双承诺): their content in Word and PDF for three templates, signing,
the list of pairings still unsigned after 30 days, the audit of every download, and who may
reach each URL."""

from __future__ import annotations

import datetime
import io
import re
import sys
import types

import docx
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.oxml.ns import qn
from docx.shared import Pt

from bangfu.audit.models import AuditEvent
from bangfu.core.testing import UrlCase, check, matrix
from bangfu.pairings.commitments import (
    BLANK,
    chinese_date,
    fill_placeholders,
    letter_context,
    letter_docx,
    letter_pdf,
    unsigned_pairings,
)
from bangfu.pairings.models import Pairing
from bangfu.pairings.services import pairing_create, pairing_sign
from bangfu.programs.models import ProgramTemplate
from bangfu.programs.services import load_builtin_templates, program_create, program_update
from bangfu.registry.models import Helper
from bangfu.registry.tests.factories import PersonFactory, household_with_members

D = datetime.date
START = D(2026, 3, 1)


pytestmark = [pytest.mark.django_db]


def _person(org, name):
    person = PersonFactory(org=org)
    person.name = name
    person.save()
    return person


def _program(world, code, name, org):
    return program_create(
        actor=world.admin,
        code=f"P-{code}",
        name=name,
        template=ProgramTemplate.objects.get(code=code),
        org=org,
        area=world.a,
        start=D(2025, 1, 1),
    )


@pytest.fixture
def world(world):
    """County A's three programs and a pairing in each, all from 2026-03-01: 精准扶贫一对一 (a
    cadre, the helper persona, for the household of 王大山), 四个一 (陈老师 for 黄小明) and
    单位包村 (甲县扶贫办 for 甲村)."""
    load_builtin_templates()
    admin = world.admin
    jingzhun = _program(world, "jingzhun", "甲县精准扶贫一对一", world.a_office)
    siyige = _program(world, "siyige", "甲县教师结对帮扶留守儿童", world.a)
    baocun = _program(world, "baocun", "甲县单位包村", world.a)
    household = household_with_members(world.a1v, 3, code="H450123001")
    household.head.name = "王大山"
    household.head.save()
    cadre = Helper.objects.create(
        person=_person(world.a1, "李帮扶"), org=world.a1, user=world.helper, capacity=10
    )
    teacher = Helper.objects.create(person=_person(world.a1, "陈老师"), org=world.a1, capacity=10)
    student = _person(world.a1v, "黄小明")
    world.extra.update(
        jingzhun=jingzhun,
        siyige=siyige,
        baocun=baocun,
        household=household,
        cadre=cadre,
        teacher=teacher,
        hh_pairing=pairing_create(
            actor=admin, program=jingzhun, start=START, helper=cadre, household=household
        ),
        student_pairing=pairing_create(
            actor=admin, program=siyige, start=START, helper=teacher, person=student
        ),
        village_pairing=pairing_create(
            actor=admin,
            program=baocun,
            start=START,
            helper_org=world.a_office,
            beneficiary_org=world.a1v,
        ),
    )
    return world


def _docx_text(data: bytes) -> tuple[docx.document.Document, str]:
    document = docx.Document(io.BytesIO(data))
    return document, "\n".join(p.text for p in document.paragraphs)


def _pdf(data: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", "", text)


def _template_text(code: str, side: str, **values: str) -> str:
    return ProgramTemplate.objects.get(code=code).definition["commitment"][side].format(**values)


def _exports(pairing: Pairing) -> int:
    return AuditEvent.objects.filter(
        action="export", object_type="pairings.pairing", object_id=str(pairing.pk)
    ).count()


# -- what the letters say --------------------------------------------------------------------


def test_chinese_dates_and_safe_placeholders():
    assert chinese_date(D(2026, 3, 1)) == "2026年3月1日"
    assert chinese_date(D(2025, 12, 31)) == "2025年12月31日"
    values = {"helper": "李帮扶", "start": ""}
    assert fill_placeholders("{helper}自{start}起", values) == f"李帮扶自{BLANK}起"
    # Unknown names and positions are blanks; attribute access is left as it stands, never
    # evaluated; stray braces stay and doubled ones are single.
    assert fill_placeholders("{nope} {helper.__class__} {0} { {{x}} }", values) == (
        f"{BLANK} {{helper.__class__}} {BLANK} {{ {{x}} }}"
    )


def test_context_of_a_household_pairing(world):
    context = letter_context(world.hh_pairing)
    assert context["helper"] == "李帮扶"
    assert context["beneficiary"] == "王大山户 (户编号 H450123001)"
    assert context["program"] == "甲县精准扶贫一对一" and context["org"] == "甲县扶贫办"
    assert context["start"] == "2026年3月1日"
    assert context["measures"] == []
    assert context["areas"][:3] == ["产业", "就业", "公益岗位"]
    assert context["texts"]["helper"] == _template_text(
        "jingzhun", "helper", beneficiary=context["beneficiary"], start="2026年3月1日"
    )
    assert "李帮扶" in context["texts"]["beneficiary"]
    assert context["titles"] == {"helper": "帮扶责任人承诺书", "beneficiary": "帮扶对象承诺书"}
    assert context["signatures"]["helper"].signed_on is None


def test_a_program_may_word_its_letters_its_own_way(world):
    definition = dict(world.jingzhun.definition)
    definition["commitment"] = {"helper": "{org}的{helper}于{start}承诺帮扶{beneficiary}。"}
    program_update(actor=world.admin, program=world.jingzhun, definition=definition)
    world.hh_pairing.refresh_from_db()
    context = letter_context(world.hh_pairing)
    expected = "甲县扶贫办的李帮扶于2026年3月1日承诺帮扶王大山户 (户编号 H450123001)。"
    assert context["texts"] == {"helper": expected, "beneficiary": ""}
    _document, text = _docx_text(letter_docx(world.hh_pairing, "beneficiary"))
    assert BLANK in text  # the missing text leaves a line to write on, not an error


@pytest.mark.parametrize(
    ("pairing", "code", "helper", "beneficiary", "titles", "signer"),
    [
        (
            "hh_pairing",
            "jingzhun",
            "李帮扶",
            "王大山户 (户编号 H450123001)",
            ("帮扶责任人承诺书", "帮扶对象承诺书"),
            "承诺人签字",
        ),
        (
            "student_pairing",
            "siyige",
            "陈老师",
            "黄小明",
            ("帮扶责任人承诺书", "帮扶对象承诺书"),
            "承诺人签字",
        ),
        (
            "village_pairing",
            "baocun",
            "甲县扶贫办",
            "甲村",
            ("帮扶单位承诺书", "帮扶对象承诺书"),
            "承诺单位 (盖章)",
        ),
    ],
)
def test_word_letters(world, pairing, code, helper, beneficiary, titles, signer):
    pairing = getattr(world, pairing)
    program = pairing.program
    for side, title in zip(("helper", "beneficiary"), titles, strict=True):
        document, text = _docx_text(letter_docx(pairing, side))
        commitment = _template_text(
            code, side, helper=helper, beneficiary=beneficiary, start="2026年3月1日"
        )
        for expected in (
            title,
            f"项目: {program.name}",
            f"帮扶人: {helper}",
            f"帮扶对象: {beneficiary}",
            "结对日期: 2026年3月1日",
            commitment,
            "帮扶方向: " + "、".join(program.definition["measure_types"]),
            f"{signer}: ",
            "日期: ____年____月____日",
        ):
            assert expected in text, (side, expected)
        section = document.sections[0]
        # Word keeps lengths in twips (1/1440 inch): equal to a hundredth of a millimetre.
        for length, cm in (
            (section.page_width, 21),
            (section.page_height, 29.7),
            (section.top_margin, 3.7),
            (section.bottom_margin, 3.5),
            (section.left_margin, 2.8),
            (section.right_margin, 2.6),
        ):
            assert abs(length.cm - cm) < 0.001, (length.cm, cm)
        first = document.paragraphs[0]
        assert first.text == title and first.alignment == 1  # centred
        title_fonts = first.runs[0]._element.rPr.rFonts
        assert title_fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
        assert first.runs[0].font.size == Pt(22)
        body = [r for p in document.paragraphs[1:] for r in p.runs]
        assert body and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋" for r in body)
        assert all(r.font.size == Pt(16) for r in body)
        assert document.core_properties.title == "结对帮扶承诺书"


def test_word_letter_carries_the_recorded_signing_day(world):
    pairing = pairing_sign(
        actor=world.admin, pairing=world.hh_pairing, side="helper", day=D(2026, 3, 5)
    )
    _document, text = _docx_text(letter_docx(pairing, "helper"))
    assert "日期: 2026年3月5日" in text
    _document, text = _docx_text(letter_docx(pairing, "beneficiary"))
    assert "日期: ____年____月____日" in text


@pytest.mark.parametrize(
    ("pairing", "names", "title"),
    [
        ("hh_pairing", ("李帮扶", "王大山户", "H450123001"), "帮扶责任人承诺书"),
        ("student_pairing", ("陈老师", "黄小明"), "帮扶责任人承诺书"),
        ("village_pairing", ("甲县扶贫办", "甲村"), "帮扶单位承诺书"),
    ],
)
def test_pdf_letters(world, pairing, names, title):
    pairing = getattr(world, pairing)
    for side, heading in (("helper", title), ("beneficiary", "帮扶对象承诺书")):
        reader, text = _pdf(letter_pdf(pairing, side))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - 595) <= 1 and abs(float(box.height) - 842) <= 1
        assert heading in text
        for name in (*names, pairing.program.name, "2026年3月1日"):
            assert name in text, (side, name)
        fonts = {
            str(font.get_object()["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
        # Embedded subsets of the system's Noto CJK fonts (e.g. /ABCDEF+Noto-Serif-CJK-SC).
        assert fonts and all("Noto" in f and "CJK-SC" in f for f in fonts), fonts


def test_pdf_letter_with_a_signing_day(world):
    pairing_sign(actor=world.admin, pairing=world.hh_pairing, side="beneficiary", day=D(2026, 4, 2))
    _reader, text = _pdf(letter_pdf(world.hh_pairing, "beneficiary"))
    assert "日期:2026年4月2日" in text


# -- downloads -------------------------------------------------------------------------------


def test_downloads_are_files_and_audited(world, client):
    client.force_login(world.inspector)
    pairing = world.hh_pairing
    for kind, magic, content_type in (
        ("docx", b"PK", "application/vnd.openxmlformats-officedocument"),
        ("pdf", b"%PDF", "application/pdf"),
    ):
        for side in ("helper", "beneficiary"):
            before = _exports(pairing)
            url = reverse(f"pairings:commitment_{kind}", args=[pairing.pk, side])
            response = client.get(url)
            assert response.status_code == 200
            assert response.content.startswith(magic)
            assert response["Content-Type"].startswith(content_type)
            assert response["Content-Disposition"].startswith("attachment;")
            assert f".{kind}" in response["Content-Disposition"]
            assert response["Cache-Control"] == "private, no-store"
            assert _exports(pairing) == before + 1
    event = AuditEvent.objects.filter(action="export").first()
    assert event.actor == world.inspector and event.org_path == pairing.org.path
    assert "PDF" in event.summary and "帮扶对象承诺书" in event.summary


def test_other_sides_are_not_found(world, client):
    client.force_login(world.admin)
    pk = world.hh_pairing.pk
    for url in (
        f"/pairings/{pk}/commitment/household.docx",
        f"/pairings/{pk}/commitment/Helper.pdf",
    ):
        assert client.get(url).status_code == 404
    url = reverse("pairings:commitment_sign", args=[pk, "other"])
    assert client.post(url, {"date": "2026-03-05"}).status_code == 404
    assert _exports(world.hh_pairing) == 0


class _NoPango(types.ModuleType):
    """What importing WeasyPrint looks like on a server without Pango."""

    def __getattr__(self, name):
        raise OSError("cannot load library 'libpango-1.0-0': error 0x7e")


def test_missing_pango_gives_a_message_page(world, client, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", _NoPango("weasyprint"))
    client.force_login(world.unit_admin)
    response = client.get(reverse("pairings:commitment_pdf", args=[world.hh_pairing.pk, "helper"]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "服务器缺少 PDF 组件 (Pango)" in page
    assert reverse("pairings:commitment_docx", args=[world.hh_pairing.pk, "helper"]) in page
    assert _exports(world.hh_pairing) == 0


# -- signing ---------------------------------------------------------------------------------


def _sign(client, pairing, side, *, follow=False, **data):
    url = reverse("pairings:commitment_sign", args=[pairing.pk, side])
    return client.post(url, data, follow=follow)


def test_signing_records_the_day_and_is_audited(world, client):
    client.force_login(world.unit_admin)
    pairing = world.hh_pairing
    response = _sign(client, pairing, "helper", date="2026-03-05")
    assert response.status_code == 302
    assert response["Location"] == reverse("pairings:commitments_unsigned")
    pairing.refresh_from_db()
    assert pairing.helper_signed_on == D(2026, 3, 5) and pairing.beneficiary_signed_on is None
    event = AuditEvent.objects.get(
        action="update", object_type="pairings.pairing", object_id=str(pairing.pk)
    )
    assert event.actor == world.unit_admin
    assert event.before == {"helper_signed_on": None}
    assert event.after == {"helper_signed_on": "2026-03-05"}


def test_signing_without_a_date_means_today(world, client):
    client.force_login(world.admin)
    _sign(client, world.student_pairing, "beneficiary")
    world.student_pairing.refresh_from_db()
    assert world.student_pairing.beneficiary_signed_on == timezone.localdate()


def test_a_future_signing_day_is_refused(world, client):
    client.force_login(world.unit_admin)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = _sign(client, world.hh_pairing, "helper", date=tomorrow.isoformat(), follow=True)
    world.hh_pairing.refresh_from_db()
    assert world.hh_pairing.helper_signed_on is None
    assert "签订日期晚于今天" in response.content.decode()
    assert not AuditEvent.objects.filter(action="update").exists()


def test_a_bad_date_is_refused(world, client):
    client.force_login(world.unit_admin)
    response = _sign(client, world.hh_pairing, "helper", date="2026-02-30")
    assert response.status_code == 302
    world.hh_pairing.refresh_from_db()
    assert world.hh_pairing.helper_signed_on is None


@pytest.mark.parametrize("persona", ["inspector", "helper", "outsider"])
def test_readers_may_not_sign(world, client, persona):
    client.force_login(world.users[persona])
    response = _sign(client, world.hh_pairing, "helper", date="2026-03-05")
    assert response.status_code == 404
    world.hh_pairing.refresh_from_db()
    assert world.hh_pairing.helper_signed_on is None
    assert not AuditEvent.objects.filter(action="update").exists()


@pytest.mark.parametrize(
    ("next_url", "safe"),
    [
        ("/pairings/commitments/unsigned/?program=1", True),
        ("/registry/households/", True),
        ("https://evil.example/", False),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_only_same_site_paths_are_followed(world, client, next_url, safe):
    client.force_login(world.admin)
    response = _sign(client, world.hh_pairing, "beneficiary", date="2026-03-05", next=next_url)
    expected = next_url if safe else reverse("pairings:commitments_unsigned")
    assert response["Location"] == expected


# -- the 30-day list -------------------------------------------------------------------------


@pytest.fixture
def ages(world):
    """Four pairings of the 四个一 program: 31 days old unsigned, 45 days old with only the
    helper's letter, exactly 30 days old unsigned, and 90 days old fully signed."""
    today = timezone.localdate()
    made = {}
    for key, days, signed in (
        ("old", 31, ()),
        ("half", 45, ("helper",)),
        ("young", 30, ()),
        ("done", 90, ("helper", "beneficiary")),
    ):
        pairing = pairing_create(
            actor=world.admin,
            program=world.siyige,
            start=today - datetime.timedelta(days=days),
            helper=world.teacher,
            person=_person(world.a1v, f"学生{key}"),
        )
        for side in signed:
            pairing_sign(actor=world.admin, pairing=pairing, side=side, day=today)
        made[key] = pairing
    return made


def test_unsigned_selection(world, ages):
    found = set(unsigned_pairings(user=world.unit_admin))
    assert {ages["old"], ages["half"], world.hh_pairing} <= found
    assert ages["young"] not in found and ages["done"] not in found
    assert not set(unsigned_pairings(user=world.outsider))
    # A helper sees their own pairing only.
    assert set(unsigned_pairings(user=world.helper)) == {world.hh_pairing}


def test_ended_pairings_are_not_listed(world, ages):
    from bangfu.pairings.services import pairing_end

    pairing_end(
        actor=world.admin,
        pairing=ages["old"],
        end=timezone.localdate() - datetime.timedelta(days=1),
        reason="学生转学",
    )
    assert ages["old"] not in set(unsigned_pairings(user=world.admin))


def _rows(html: str) -> dict[int, str]:
    return {
        int(pk): row
        for pk, row in re.findall(r'<tr data-pairing="(\d+)">(.*?)</tr>', html, flags=re.S)
    }


def test_unsigned_page(world, ages, client):
    client.force_login(world.unit_admin)
    html = client.get(reverse("pairings:commitments_unsigned")).content.decode()
    rows = _rows(html)
    assert ages["old"].pk in rows and ages["half"].pk in rows
    assert ages["young"].pk not in rows and ages["done"].pk not in rows
    half = rows[ages["half"].pk]
    assert '<td class="num">45</td>' in half
    assert half.count("badge-red") == 1 and "帮扶对象承诺书</span>" in half
    for side in ("helper", "beneficiary"):
        for kind in ("docx", "pdf"):
            url = reverse(f"pairings:commitment_{kind}", args=[ages["half"].pk, side])
            assert url in half
    sign = reverse("pairings:commitment_sign", args=[ages["half"].pk, "beneficiary"])
    assert sign in half
    assert reverse("pairings:commitment_sign", args=[ages["half"].pk, "helper"]) not in half
    old = rows[ages["old"].pk]
    assert old.count("badge-red") == 2 and old.count('method="post"') == 2
    # Filtered by program: the household pairing belongs to another program.
    assert world.hh_pairing.pk in rows
    filtered = client.get(reverse("pairings:commitments_unsigned"), {"program": world.siyige.pk})
    rows = _rows(filtered.content.decode())
    assert world.hh_pairing.pk not in rows and ages["old"].pk in rows


def test_unsigned_page_for_readers_has_no_sign_forms(world, ages, client):
    client.force_login(world.inspector)
    html = client.get(reverse("pairings:commitments_unsigned")).content.decode()
    rows = _rows(html)
    assert ages["old"].pk in rows and 'method="post"' not in rows[ages["old"].pk]


def test_outsider_sees_nothing_of_county_a(world, ages, client):
    client.force_login(world.outsider)
    response = client.get(reverse("pairings:commitments_unsigned"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _rows(html) == {}
    for name in ("李帮扶", "王大山", "陈老师", "学生old", "甲县精准扶贫一对一"):
        assert name not in html
    other = client.get(reverse("pairings:commitments_unsigned"), {"program": world.siyige.pk})
    assert _rows(other.content.decode()) == {}


# -- who may reach what ----------------------------------------------------------------------

READ = {"admin": 200, "unit_admin": 200, "inspector": 200, "helper": 200}
SIGN = {"admin": 302, "unit_admin": 302, "inspector": 404, "helper": 404}

CASES = [
    UrlCase(
        "commitment_docx",
        expect=READ,
        kwargs=lambda w: {"pk": w.hh_pairing.pk, "side": "helper"},
    ),
    UrlCase(
        "commitment_pdf",
        expect=READ,
        kwargs=lambda w: {"pk": w.hh_pairing.pk, "side": "beneficiary"},
    ),
    UrlCase(
        "commitment_sign",
        method="post",
        expect=SIGN,
        kwargs=lambda w: {"pk": w.hh_pairing.pk, "side": "helper"},
        data=lambda w: {"date": "2026-03-05"},
    ),
    UrlCase("commitments_unsigned", expect=READ | {"outsider": 200}),
]


def test_every_commitment_url_has_a_case():
    from bangfu.pairings import commitment_urls

    assert {p.name for p in commitment_urls.urlpatterns} == {c.name for c in CASES}


@pytest.mark.parametrize(("case", "persona"), matrix(CASES), ids=str)
def test_authorization(world, case, persona):
    check(world, "pairings", case, persona)


def test_helper_of_another_pairing_is_not_found(world, client):
    """The helper persona reads only their own pairing: 四个一 and 包村 are not theirs."""
    client.force_login(world.helper)
    for pairing in (world.student_pairing, world.village_pairing):
        url = reverse("pairings:commitment_docx", args=[pairing.pk, "helper"])
        assert client.get(url).status_code == 404


def test_letters_list_the_plans_measures(world):
    from bangfu.pairings.plans import measure_add

    pairing = world.hh_pairing
    measure_add(
        actor=world.admin,
        program=pairing.program,
        pairing=pairing,
        measure_type="产业",
        description="发展林下养鸡 200 羽",
        responsible="李帮扶",
    )
    _document, text = _docx_text(letter_docx(pairing, "helper"))
    assert "帮扶措施" in text and "发展林下养鸡 200 羽" in text
