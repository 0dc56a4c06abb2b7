"""Write the built-in 工作总结 template, ``bangfu/documents/data/工作总结模板.docx``.

    .venv/bin/python -m bangfu.documents.make_template [path]

The file is committed; this script is how it was made and how to remake it after a change.
An administrator who wants other wording downloads it, edits it in Word or WPS (keeping the
``{{…}}`` placeholders they need) and uploads it on the template page.

Page and fonts follow the 公文 standard (GB/T 9704): A4, margins 3.7 / 3.5 / 2.8 / 2.6 cm; the
title in 方正小标宋简体 二号 (22 pt); first-level headings (一、基本情况) in 黑体 三号; body in
仿宋_GB2312 三号 (16 pt) on a fixed 28 pt line, each paragraph indented two characters. The
Chinese font is named on each run's ``w:eastAsia`` attribute (python-docx's ``font.name`` sets
only the Latin one), and the document's font table names what to use where a font is missing:
方正小标宋简体 → Noto Serif CJK SC, 黑体 → Noto Sans CJK SC, 仿宋_GB2312 → FangSong (仿宋) →
Noto Serif CJK SC.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_TEMPLATE = DATA / "工作总结模板.docx"

TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
# Font → what stands in for it on a machine without it (w:altName in the font table).
FALLBACKS = {
    TITLE_FONT: "Noto Serif CJK SC",
    HEADING_FONT: "Noto Sans CJK SC",
    BODY_FONT: "FangSong",
    "FangSong": "Noto Serif CJK SC",
}
TITLE_PT, BODY_PT, TABLE_PT, LINE_PT = 22, 16, 12, 28
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}

SECTIONS = ("一、基本情况", "二、主要做法", "三、帮扶成效", "四、存在问题", "五、下一步打算")


def set_fonts(element: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a run or a style on its ``w:rFonts``; theme fonts are dropped, since
    Word lets them win over the names."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _font_table(document: Any) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = document.part.part_related_by(RT.FONT_TABLE)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    for name, family in (
        (TITLE_FONT, "roman"),
        (HEADING_FONT, "modern"),
        (BODY_FONT, "modern"),
        ("FangSong", "modern"),
    ):
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": FALLBACKS[name]})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[attr-defined]


def _styles(document: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
    if rpr is not None:
        lang = rpr.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
    for name, font, size, bold, align in (
        ("Normal", BODY_FONT, BODY_PT, False, WD_ALIGN_PARAGRAPH.JUSTIFY),
        ("Title", TITLE_FONT, TITLE_PT, False, WD_ALIGN_PARAGRAPH.CENTER),
        ("Heading 1", HEADING_FONT, BODY_PT, False, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        set_fonts(style.element, font)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(36 if name == "Title" else LINE_PT)
        if name != "Title":
            fmt.first_line_indent = Pt(BODY_PT * 2)
        # The title style's bottom border is python-docx's default look, not a 公文's.
        ppr = style.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _paragraph(
    document: Any, text: str, *, style: str = "Normal", font: str = BODY_FONT, **fmt: Any
) -> Any:
    from docx.shared import Pt

    paragraph = document.add_paragraph(style=style)
    for key, value in fmt.items():
        setattr(paragraph.paragraph_format, key, value)
    if text:
        run = paragraph.add_run(text)
        set_fonts(run._element, font)
        run.font.size = Pt(TITLE_PT if style == "Title" else BODY_PT)
    return paragraph


def _table(document: Any, header: list[str], row: list[str], total: list[str] | None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    table = document.add_table(rows=0, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cells, font in ((header, HEADING_FONT), (row, BODY_FONT), (total, HEADING_FONT)):
        if cells is None:
            continue
        tr = table.add_row()
        for cell, text in zip(tr.cells, cells, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles["Normal"]
            fmt = paragraph.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing = Pt(20)
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size = Pt(TABLE_PT)
            set_fonts(run._element, font)
    _paragraph(document, "")


def build() -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    _styles(document)
    _font_table(document)
    props = document.core_properties
    props.title = "结对帮扶工作总结"
    props.author = props.last_modified_by = "bangfu"
    props.comments = "占位符 {{…}} 在生成时由记录中的数字和文字替换"

    _paragraph(document, "{{单位}}{{期间}}结对帮扶工作总结", style="Title", font=TITLE_FONT)
    _paragraph(document, "")
    _paragraph(
        document,
        "{{期间}}, {{单位}}坚持精准帮扶, 组织帮扶责任人{{帮扶责任人数}}名、帮扶单位"
        "{{帮扶单位数}}个与帮扶对象结成帮扶对子{{结对数}}对, 扎实开展走访慰问、结对帮扶和"
        "动态管理工作, 取得了一定成效。现将工作情况总结如下:",
    )

    def heading(text: str) -> None:
        _paragraph(document, text, style="Heading 1", font=HEADING_FONT)

    heading(SECTIONS[0])
    _paragraph(document, "{{动态管理}}")
    _paragraph(
        document,
        "期间在帮结对{{结对数}}对, 其中结对帮扶户{{结对户数}}户, 涉及{{项目名称}}等帮扶项目"
        "{{项目数}}个。帮扶对象按状态统计如下:",
    )
    _table(
        document,
        ["状态", "户数", "人数"],
        ["{{按状态.状态}}", "{{按状态.户数}}", "{{按状态.人数}}"],
        ["合计", "{{户数}}", "{{人数}}"],
    )
    heading(SECTIONS[1])
    _paragraph(document, "{{主要做法}}")
    heading(SECTIONS[2])
    _paragraph(
        document,
        "{{期间}}, 共开展帮扶活动{{活动次数}}次, 走访{{走访户次}}户次 (涉及{{走访户数}}户), "
        "帮扶{{帮扶人次}}人次; 发放帮扶资金{{发放万元}}万元, 惠及{{受助户次}}户次、"
        "{{受助人次}}人次。",
    )
    _paragraph(document, "{{帮扶成效}}")
    _paragraph(document, "帮扶活动按类型统计如下:")
    _table(
        document,
        ["活动类型", "次数", "户次", "涉及户数", "人次"],
        [
            "{{按类型.类型}}",
            "{{按类型.次数}}",
            "{{按类型.户次}}",
            "{{按类型.户数}}",
            "{{按类型.人次}}",
        ],
        ["合计", "{{活动次数}}", "{{走访户次}}", "{{走访户数}}", "{{帮扶人次}}"],
    )
    _paragraph(document, "帮扶资金和物资按类别统计如下:")
    _table(
        document,
        ["类别", "金额(元)", "金额(万元)", "物资"],
        ["{{按类别.类别}}", "{{按类别.元}}", "{{按类别.万元}}", "{{按类别.物资}}"],
        ["合计", "{{发放元}}", "{{发放万元}}", "{{物资}}"],
    )
    heading(SECTIONS[3])
    _paragraph(document, "{{存在问题}}")
    heading(SECTIONS[4])
    _paragraph(document, "{{下一步打算}}")
    _paragraph(document, "")
    _paragraph(document, "{{单位}}", alignment=WD_ALIGN_PARAGRAPH.RIGHT, first_line_indent=Pt(0))
    _paragraph(
        document, "{{成文日期}}", alignment=WD_ALIGN_PARAGRAPH.RIGHT, first_line_indent=Pt(0)
    )

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DEFAULT_TEMPLATE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build())
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
