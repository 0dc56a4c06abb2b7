"""A report printed on A4 through WeasyPrint, in the system's Noto CJK fonts (Debian's
fonts-noto-cjk), embedded in the file, as the commitment letters are (``pairings.commitments``):
no web fonts, and no resources are ever fetched."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from bangfu.pairings.commitments import PdfUnavailable
from bangfu.reports.base import Report

PAGE_CM = (21.0, 29.7)
MARGIN_CM = 2.0


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"reports load no resources ({url})")


def report_pdf(report: Report) -> bytes:
    """The report as PDF; :class:`PdfUnavailable` on a server without Pango."""
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            _("服务器缺少 PDF 组件 (Pango), 暂时无法生成 PDF; 请下载 Excel 或 Word 版本。")
        ) from exc
    html = render_to_string(
        "reports/print.html", {"report": report, "page_cm": PAGE_CM, "margin_cm": MARGIN_CM}
    )
    return bytes(HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf())
