"""The report's renditions: one per format, each laying out the same ``ReportContent``.

The layout modules (openpyxl, reportlab) are imported when a report is first rendered, not
when this module is: every CLI command and every process that renders nothing started 0.3 s
slower for them (the import command's start-up, bench S8)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .content import ReportContent

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class Renderer:
    render: Callable[[ReportContent], bytes]
    suffix: str
    content_type: str


def _xlsx(content: ReportContent) -> bytes:
    from .xlsx import render_xlsx

    return render_xlsx(content)


def _pdf(content: ReportContent) -> bytes:
    from .pdf import render_pdf

    return render_pdf(content)


RENDERERS = {
    ReportFormat.XLSX: Renderer(_xlsx, ".xlsx", XLSX_CONTENT_TYPE),
    ReportFormat.PDF: Renderer(_pdf, ".pdf", PDF_CONTENT_TYPE),
}
