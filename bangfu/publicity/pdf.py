"""The printable notice (公示) to post in the village: A4 with the margins of a 公文, the title,
the text (conditions, procedure, period, where and to whom to object), the list (names and
villages, with category and amount on money lists), the unit's name and the date, and the public
page's address in large type so that it can be typed into a phone.

No QR code: there is no maintained pure-Python QR encoder among the installed packages, and the
address (43 random characters) printed in large monospaced type does the same job.
Rendered by WeasyPrint in the system's Noto CJK fonts, loading nothing from anywhere."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.pairings.commitments import (
    BODY_PT,
    LETTER_LANGUAGE,
    LINE_PT,
    MARGINS_CM,
    PAGE_CM,
    TITLE_PT,
    PdfUnavailable,
    chinese_date,
)
from bangfu.publicity.models import Notice
from bangfu.publicity.selectors import public_items


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"notices load no resources ({url})")


def print_context(notice: Notice, *, public_url: str) -> dict[str, Any]:
    day = timezone.localdate(notice.published_at) if notice.published_at else notice.start
    return {
        "notice": notice,
        "rows": public_items(notice),
        "money": notice.is_money,
        "kind_label": notice.kind_label,
        "start": chinese_date(notice.start),
        "end": chinese_date(notice.end),
        "date": chinese_date(day),
        "public_url": public_url,
        "page_cm": PAGE_CM,
        "margins_cm": MARGINS_CM,
        "body_pt": BODY_PT,
        "title_pt": TITLE_PT,
        "line_pt": LINE_PT,
    }


def notice_pdf(notice: Notice, *, public_url: str) -> bytes:
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            _("服务器缺少 PDF 组件 (Pango), 暂时无法生成 PDF; 请打印公示网页, 或请管理员安装。")
        ) from exc
    with translation.override(LETTER_LANGUAGE):
        html = render_to_string(
            "publicity/notice_print.html", print_context(notice, public_url=public_url)
        )
        return bytes(HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf())
