"""The two commitment letters of a pairing (双承诺): the helper's and the beneficiary's.

The letter's wording is the program's own: ``program.definition["commitment"]`` holds one text
per side with the placeholders ``{helper}``, ``{beneficiary}``, ``{start}``, ``{program}`` and
``{org}``, copied from the template when the program was created and editable per program. This
module fills in the real names and dates (:func:`letter_context`) and produces a Word file for
offices that edit before printing (:func:`letter_docx`) and a PDF that prints the same anywhere
(:func:`letter_pdf`); both on A4 with the margins of a 公文.

Letters are always written in Chinese, whatever the user's interface language: they are signed
paper documents and the program's text is Chinese.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.pairings.models import Pairing
from bangfu.pairings.plans import measure_texts
from bangfu.pairings.selectors import pairing_list

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

    from bangfu.accounts.models import User

SIDES = ("helper", "beneficiary")
LETTER_LANGUAGE = "zh-hans"
# What a placeholder without a value becomes: a line to fill in by hand on the printed letter.
BLANK = "________"
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w*)\}")

# Page and fonts of a 公文 (GB/T 9704): A4, 3.7 cm top, 3.5 cm bottom, 2.8 cm left, 2.6 cm right;
# title in 方正小标宋简体 二号 (22 pt), body in 仿宋 三号 (16 pt) on a fixed 28 pt line.
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TITLE_FONT, TITLE_FALLBACK, TITLE_PT = "方正小标宋简体", "宋体", 22
BODY_FONT, BODY_PT, LINE_PT = "仿宋", 16, 28
LATIN_FONT = "Times New Roman"


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (its system libraries, Pango and friends, are missing). The
    view shows a message page instead of failing with a server error."""


@dataclass(frozen=True)
class Signature:
    """The signature line of one side: who signs, and the recorded day if already signed."""

    side: str
    label: str
    name: str
    signed_on: datetime.date | None

    @property
    def date_text(self) -> str:
        return chinese_date(self.signed_on) if self.signed_on else ""


def chinese_date(day: datetime.date) -> str:
    """A date written the Chinese way, without leading zeros: 2026年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` in a commitment text by its value. Only plain names are recognised
    (no attribute or index access, unlike ``str.format``), ``{{`` and ``}}`` stand for braces,
    and a name without a value becomes a blank line to fill in by hand instead of an error:
    the text is data an administrator edits, and a letter must still print."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values.get(match.group(1)) or BLANK

    return PLACEHOLDER.sub(replace, text)


def _helper_name(pairing: Pairing) -> str:
    if pairing.helper_id and pairing.helper:
        return pairing.helper.person.name
    return pairing.helper_org.name if pairing.helper_org else ""


def _beneficiary_name(pairing: Pairing) -> str:
    """户主 and 户编号 for a household, the person's or the unit's name otherwise."""
    if pairing.household_id and pairing.household:
        household = pairing.household
        head = household.head
        if head is None:
            return _("户编号 %s") % household.code
        return _("%(head)s户 (户编号 %(code)s)") % {"head": head.name, "code": household.code}
    if pairing.person_id and pairing.person:
        return pairing.person.name
    return pairing.beneficiary_org.name if pairing.beneficiary_org else ""


def _kinds(pairing: Pairing) -> dict[str, str]:
    helper = "person" if pairing.helper_id else "unit"
    if pairing.household_id:
        beneficiary = "household"
    elif pairing.person_id:
        beneficiary = "person"
    else:
        beneficiary = "unit"
    return {"helper": helper, "beneficiary": beneficiary}


def letter_title(side: str, kind: str) -> str:
    """帮扶责任人承诺书 for a person helping, 帮扶单位承诺书 for a unit (单位包村, 城乡学校结对),
    帮扶对象承诺书 for the beneficiary."""
    if side == "helper":
        return _("帮扶单位承诺书") if kind == "unit" else _("帮扶责任人承诺书")
    return _("帮扶对象承诺书")


def _signature_label(kind: str) -> str:
    return _("承诺单位 (盖章)") if kind == "unit" else _("承诺人签字")


def letter_context(pairing: Pairing) -> dict[str, Any]:
    """Everything both letters of a pairing show: names, program, organiser, start date, the
    plan's measures (none yet: there is no plan model, so the program's measure types are
    shown as the areas of help), the two commitment texts with the placeholders filled in,
    and the signature lines with the days recorded so far."""
    program = pairing.program
    definition = program.definition or {}
    helper, beneficiary = _helper_name(pairing), _beneficiary_name(pairing)
    start = chinese_date(pairing.start)
    values = {
        "helper": helper,
        "beneficiary": beneficiary,
        "start": start,
        "program": program.name,
        "org": program.org.name,
    }
    raw = definition.get("commitment")
    raw = raw if isinstance(raw, dict) else {}
    texts = {
        side: fill_placeholders(raw[side], values) if isinstance(raw.get(side), str) else ""
        for side in SIDES
    }
    kinds = _kinds(pairing)
    names = {"helper": helper, "beneficiary": beneficiary}
    signed = {"helper": pairing.helper_signed_on, "beneficiary": pairing.beneficiary_signed_on}
    areas = [a for a in definition.get("measure_types") or [] if isinstance(a, str) and a]
    return {
        "pairing": pairing,
        "program": program.name,
        "org": program.org.name,
        "helper": helper,
        "beneficiary": beneficiary,
        "helper_label": program.helper_label,
        "beneficiary_label": program.beneficiary_label,
        "kinds": kinds,
        "start": start,
        "start_date": pairing.start,
        # The plan's measures (帮扶措施), common ones first; the areas of help besides.
        "measures": measure_texts(pairing),
        "areas": areas,
        "texts": texts,
        "titles": {side: letter_title(side, kinds[side]) for side in SIDES},
        "signatures": {
            side: Signature(
                side=side,
                label=_signature_label(kinds[side]),
                name=names[side],
                signed_on=signed[side],
            )
            for side in SIDES
        },
        "facts": [
            (_("项目"), program.name),
            (_("主办单位"), program.org.name),
            (_("帮扶人"), helper),
            (_("帮扶对象"), beneficiary),
            (_("结对日期"), start),
        ],
    }


def side_context(pairing: Pairing, side: str) -> dict[str, Any]:
    """:func:`letter_context` narrowed to one side's letter: its title, text and signature."""
    if side not in SIDES:
        raise ValueError(side)
    context = letter_context(pairing)
    measures: list[str] = context["measures"]
    context.update(
        side=side,
        title=context["titles"][side],
        text=context["texts"][side],
        signature=context["signatures"][side],
        areas_label=_("帮扶措施") if measures else _("帮扶方向"),
        general_title=_("结对帮扶承诺书"),
    )
    return context


def may_sign(user: User, pairing: Pairing) -> bool:
    """Whether the page should offer the sign form: the same test as the pairing services
    (an administrator of the pairing's unit or of the program's organiser). The services
    themselves remain the check that counts."""
    scope = scope_of(user)
    return scope.can_admin_org(pairing.program.org) or scope.can_admin_org(pairing.org)


# -- Word ------------------------------------------------------------------------------------


def _set_fonts(element: Any, *, latin: str, east_asian: str) -> None:
    """Name the fonts of a run or style on its ``w:rFonts``: ``w:ascii``/``w:hAnsi`` for Latin
    letters and digits, ``w:eastAsia`` for Chinese. python-docx's ``font.name`` sets only the
    Latin ones, so Word would fall back to the theme's East-Asian font for the Chinese text.
    Theme attributes are dropped: Word lets them win over the explicit names."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _font_fallbacks(document: DocxDocument) -> None:
    """Declare the fonts in the document's font table, with 宋体 as the alternative to
    方正小标宋简体 on machines without it (``w:altName``), all as GB2312 (charset 86)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    try:
        part = document.part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    for name, alt, family in (
        (TITLE_FONT, TITLE_FALLBACK, "roman"),
        (TITLE_FALLBACK, None, "roman"),
        (BODY_FONT, None, "modern"),
    ):
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        if alt:
            etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
    # A generic part keeps its bytes; there is no public setter.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[attr-defined]


def _paragraph(
    document: DocxDocument,
    text: str = "",
    *,
    align: str = "left",
    indent: bool = False,
    title: bool = False,
    bold: bool = False,
    space_before: float = 0,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(space_before)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(36 if title else LINE_PT)
    if indent:
        fmt.first_line_indent = Pt(BODY_PT * 2)  # two characters, as Chinese paragraphs begin
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(TITLE_PT if title else BODY_PT)
        run.bold = bold or None
        if title:
            _set_fonts(run._element, latin=TITLE_FALLBACK, east_asian=TITLE_FONT)
        else:
            _set_fonts(run._element, latin=LATIN_FONT, east_asian=BODY_FONT)
    return paragraph


def letter_docx(pairing: Pairing, side: str) -> bytes:
    """One side's letter as a Word file: A4 with 公文 margins, the title in 方正小标宋简体
    (宋体 where it is missing) 22 pt, the body in 仿宋 16 pt; the pairing's facts, the
    commitment, the areas of help (or the plan's measures) and the signature line, dated when
    the signing is recorded."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    with translation.override(LETTER_LANGUAGE):
        context = side_context(pairing, side)
        document = Document()
        section = document.sections[0]
        section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
        section.top_margin = Cm(MARGINS_CM["top"])
        section.bottom_margin = Cm(MARGINS_CM["bottom"])
        section.left_margin = Cm(MARGINS_CM["left"])
        section.right_margin = Cm(MARGINS_CM["right"])

        # Defaults for anything typed into the file later: 仿宋 16 pt, Chinese language.
        defaults = document.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
            if rpr is not None:
                fonts = rpr.find(qn("w:rFonts"))
                if fonts is not None:
                    rpr.remove(fonts)
                lang = rpr.find(qn("w:lang"))
                if lang is not None:
                    lang.set(qn("w:eastAsia"), "zh-CN")
        normal = document.styles["Normal"]
        normal.font.size = Pt(BODY_PT)  # type: ignore[attr-defined]
        _set_fonts(normal.element, latin=LATIN_FONT, east_asian=BODY_FONT)
        _font_fallbacks(document)

        props = document.core_properties
        props.title = str(context["general_title"])
        props.subject = str(context["title"])
        props.author = str(context["org"])
        props.last_modified_by = str(context["org"])
        props.comments = ""
        props.keywords = str(context["program"])

        _paragraph(document, context["title"], align="center", title=True)
        _paragraph(document)
        for label, value in context["facts"]:
            _paragraph(document, f"{label}: {value}")
        _paragraph(document)
        text = context["text"] or BLANK
        for part in text.splitlines() or [text]:
            _paragraph(document, part, align="justify", indent=True)
        measures: list[str] = context["measures"]
        if measures:
            _paragraph(document, f"{context['areas_label']}:", space_before=LINE_PT / 2)
            for i, measure in enumerate(measures, 1):
                _paragraph(document, f"{i}. {measure}", indent=True)
        elif context["areas"]:
            _paragraph(
                document,
                f"{context['areas_label']}: {'、'.join(context['areas'])}",
                align="justify",
                space_before=LINE_PT / 2,
            )
        signature: Signature = context["signature"]
        date = signature.date_text or _("____年____月____日")
        _paragraph(document, space_before=LINE_PT)
        _paragraph(document, f"{signature.label}: ________________")
        _paragraph(document, f"{_('日期')}: {date}")

        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


# -- PDF -------------------------------------------------------------------------------------


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher for letters: nothing is ever loaded from anywhere."""
    raise ValueError(f"commitment letters load no resources ({url})")


def letter_pdf(pairing: Pairing, side: str) -> bytes:
    """One side's letter as PDF through WeasyPrint, from ``pairings/commitment_letter.html``:
    A4 with 公文 margins, in the Noto CJK fonts of the system (Debian's fonts-noto-cjk),
    embedded in the file; no web fonts and no other resources are fetched.

    WeasyPrint is imported here, not at module level, so the application starts on a server
    without Pango; there this raises :class:`PdfUnavailable`."""
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            _("服务器缺少 PDF 组件 (Pango), 暂时无法生成 PDF; 请下载 Word 版本, 或请管理员安装。")
        ) from exc
    with translation.override(LETTER_LANGUAGE):
        context = side_context(pairing, side)
        context.update(
            page_cm=PAGE_CM,
            margins_cm=MARGINS_CM,
            body_pt=BODY_PT,
            title_pt=TITLE_PT,
            line_pt=LINE_PT,
            blank=BLANK,
        )
        html = render_to_string("pairings/commitment_letter.html", context)
        document = HTML(string=html, base_url=None, url_fetcher=_no_fetch)
        return bytes(document.write_pdf())


# -- the 30-day list -------------------------------------------------------------------------

# A pairing should have both letters signed within this many days of its start.
SIGN_WITHIN_DAYS = 30


def unsigned_pairings(*, user: User, day: datetime.date | None = None) -> QuerySet[Pairing]:
    """Pairings the user may see that started more than :data:`SIGN_WITHIN_DAYS` days before
    ``day``, are still running on ``day``, and miss one or both signed letters; oldest first."""
    day = day or timezone.localdate()
    cutoff = day - datetime.timedelta(days=SIGN_WITHIN_DAYS)
    return (
        pairing_list(user=user)
        .filter(start__lt=cutoff)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .filter(Q(helper_signed_on__isnull=True) | Q(beneficiary_signed_on__isnull=True))
        .order_by("start", "id")
    )
