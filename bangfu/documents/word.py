"""Filling a Word template: ``{{名称}}`` placeholders replaced in place, keeping the formatting
of the run where each placeholder begins, in the body, tables, text boxes, headers and footers.

Three kinds of placeholder (:class:`Spec` names which exist):

- a value, ``{{户数}}``: replaced by its text wherever it stands;
- a list, ``{{存在问题}}``: alone in a paragraph, the paragraph is repeated once per item (each
  copy keeps the paragraph's style, indent and fonts); inside other text, the items are joined;
- a table column, ``{{按状态.户数}}``: the table row holding it is repeated once per row of the
  table ``按状态``, each copy filled from that row.

Word often splits what a person typed into several runs (spelling marks, a change of font in the
middle); the text of a paragraph is therefore read across its runs, and a placeholder spanning
runs is written into the first and removed from the others. Full-width braces (｛｛户数｝｝),
which a Chinese input method easily produces, are accepted too.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_P, W_T, W_TR, W_TC = (f"{{{W}}}{tag}" for tag in ("p", "t", "tr", "tc"))
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TOKEN = re.compile(r"(?:\{\{|｛｛)\s*([^{}｛｝]+?)\s*(?:\}\}|｝｝)")
BLANK = "____"
PARTS = re.compile(r"^/word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")

MAX_UPLOAD = 5 * 1024 * 1024  # bytes of the .docx
MAX_UNPACKED = 60 * 1024 * 1024  # bytes once unzipped: refuses a zip bomb before parsing


@dataclass(frozen=True)
class Spec:
    """The placeholders a kind of document knows, each with a description for the help page."""

    values: Mapping[str, str]
    lists: Mapping[str, str]
    tables: Mapping[str, tuple[str, Mapping[str, str]]]

    def columns(self) -> set[str]:
        return {f"{t}.{c}" for t, (_d, cols) in self.tables.items() for c in cols}

    def known(self) -> set[str]:
        return set(self.values) | set(self.lists) | self.columns()


@dataclass
class Content:
    """What fills one document: values, lists of paragraphs and rows of tables."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def resolve(self, name: str, row: Mapping[str, str] | None = None) -> str:
        if row is not None and "." in name:
            return row.get(name.split(".", 1)[1], BLANK)
        if name in self.values:
            return self.values[name]
        if name in self.lists:
            return "；".join(self.lists[name]) or BLANK
        return BLANK


# -- reading the XML -------------------------------------------------------------------------


def _roots(document: Any) -> Iterator[Any]:
    """The XML roots holding text: the body, then headers, footers and notes."""
    from docx.opc.part import XmlPart

    yield document.element.body
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart) and part is not document.part and PARTS.match(part.partname):
            yield part.element


def _own(element: Any, ancestor_tag: str) -> Callable[[Any], bool]:
    """Whether a node's nearest ``ancestor_tag`` is ``element`` (not a nested one)."""

    def test(node: Any) -> bool:
        return next(node.iterancestors(ancestor_tag), None) is element

    return test


def _texts(p: Any) -> list[Any]:
    mine = _own(p, W_P)
    return [t for t in p.iter(W_T) if mine(t)]


def paragraph_text(p: Any) -> str:
    return "".join(t.text or "" for t in _texts(p))


def _replace(p: Any, resolve: Callable[[str], str]) -> None:
    """Replace every placeholder of paragraph ``p``; the value goes into the run where the
    placeholder begins, so it keeps that run's font, size and emphasis."""
    nodes = _texts(p)
    text = "".join(t.text or "" for t in nodes)
    matches = list(TOKEN.finditer(text))
    if not matches:
        return
    bounds, position = [], 0
    for node in nodes:
        length = len(node.text or "")
        bounds.append((position, position + length))
        position += length
    # From the last to the first: each change is after every earlier placeholder's position.
    for match in reversed(matches):
        start, end = match.span()
        value = resolve(match.group(1))
        first = True
        for node, (a, b) in zip(nodes, bounds, strict=True):
            if b <= start or a >= end:
                continue
            old = node.text or ""
            lo, hi = max(start, a) - a, min(end, b) - a
            node.text = old[:lo] + (value if first else "") + old[hi:]
            node.set(XML_SPACE, "preserve")
            first = False


def _row_table(tr: Any, tables: Sequence[str]) -> str | None:
    text = "".join(t.text or "" for t in tr.iter(W_T))
    for match in TOKEN.finditer(text):
        name = match.group(1)
        if "." in name and name.split(".", 1)[0] in tables:
            return name.split(".", 1)[0]
    return None


def _row_resolver(content: Content, row: Mapping[str, str]) -> Callable[[str], str]:
    def resolve(name: str) -> str:
        return content.resolve(name, row)

    return resolve


def _constant(value: str) -> Callable[[str], str]:
    def resolve(name: str) -> str:
        return value

    return resolve


def fill(data: bytes, content: Content) -> bytes:
    """The template ``data`` (a .docx) with ``content`` filled in, as a .docx."""
    from docx import Document

    document = Document(io.BytesIO(data))
    for root in _roots(document):
        # Table rows first: a row naming a table's columns becomes one row per table row.
        for tr in list(root.iter(W_TR)):
            table = _row_table(tr, list(content.tables))
            if table is None:
                continue
            anchor = tr
            for row in content.tables[table]:
                clone = copy.deepcopy(tr)
                for p in list(clone.iter(W_P)):
                    _replace(p, _row_resolver(content, row))
                anchor.addnext(clone)
                anchor = clone
            tr.getparent().remove(tr)
        for p in list(root.iter(W_P)):
            if p.getparent() is None:
                continue
            whole = TOKEN.fullmatch(paragraph_text(p).strip())
            if whole and whole.group(1) in content.lists:
                anchor = p
                for item in content.lists[whole.group(1)]:
                    clone = copy.deepcopy(p)
                    _replace(clone, _constant(item))
                    anchor.addnext(clone)
                    anchor = clone
                p.getparent().remove(p)
                continue
            _replace(p, content.resolve)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- checking an upload ----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """The placeholders of a template, in order of first appearance, and where each stands."""

    names: list[str]
    outside_tables: set[str]


def placeholders(data: bytes) -> Found:
    from docx import Document

    document = Document(io.BytesIO(data))
    names: list[str] = []
    outside: set[str] = set()
    for root in _roots(document):
        for p in root.iter(W_P):
            in_table = next(p.iterancestors(W_TC), None) is not None
            for match in TOKEN.finditer(paragraph_text(p)):
                name = match.group(1)
                if name not in names:
                    names.append(name)
                if not in_table:
                    outside.add(name)
    return Found(names, outside)


def _wrap(name: str) -> str:
    return "{{" + name + "}}"


def check_template(filename: str, data: bytes, spec: Spec) -> list[str]:
    """The placeholders of an uploaded template, or a :class:`ValidationError` saying in plain
    words what is wrong: not a .docx, too large, unreadable, no placeholder at all, a
    placeholder the platform does not know, a table column outside a table."""
    if not filename.lower().endswith(".docx"):
        raise ValidationError(
            _(
                "只能上传 Word 文档 (.docx)。.doc、.wps 等格式请先在 Word 或 WPS 中"
                "“另存为” .docx 后再上传。"
            ),
            code="extension",
        )
    if len(data) > MAX_UPLOAD:
        raise ValidationError(
            _("文件过大 (%(size)s MB), 模板不能超过 %(max)s MB。")
            % {"size": round(len(data) / 1024 / 1024, 1), "max": MAX_UPLOAD // 1024 // 1024},
            code="size",
        )
    unreadable = ValidationError(
        _("无法读取该文件: 它不是有效的 Word 文档 (.docx), 可能已损坏或只是改了扩展名。"),
        code="invalid",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValidationError(
                    _("文件解压后过大, 不像是正常的 Word 模板, 请检查后重新上传。"),
                    code="size",
                )
        found = placeholders(data)
    except ValidationError:
        raise
    except Exception as exc:  # zip, XML and package errors of every kind
        raise unreadable from exc
    if not found.names:
        raise ValidationError(
            _("模板中没有任何占位符 (如 {{单位}}、{{户数}}), 生成的总结将不含任何数据。"),
            code="empty",
        )
    known = spec.known()
    unknown = [n for n in found.names if n not in known]
    if unknown:
        raise ValidationError(
            _(
                "模板中有无法识别的占位符: %(names)s。"
                "请对照本页的占位符列表修改 (注意名称须完全一致)。"
            )
            % {"names": "、".join(_wrap(n) for n in unknown)},
            code="unknown",
        )
    columns = spec.columns()
    stray = [n for n in found.names if n in columns and n in found.outside_tables]
    if stray:
        raise ValidationError(
            _("占位符 %(names)s 是表格的列, 只能放在表格的一行中。")
            % {"names": "、".join(_wrap(n) for n in stray)},
            code="column",
        )
    return found.names
