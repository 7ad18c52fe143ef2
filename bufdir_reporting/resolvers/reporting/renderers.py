"""The report's renditions: one per format, each laying out the same ``ReportContent``.

The layout modules (openpyxl, WeasyPrint) are imported when a report is first rendered, not
when this module is: every CLI command and every process that renders nothing started 0.3 s
slower for them (the import command's start-up, bench S8).

``render`` runs in a worker thread (a report takes a second or so of CPU to lay out; the event
loop keeps serving meanwhile) and turns whatever a layout library raises into ``RenderFailed``
with a plain message: its own exceptions name objects by memory address (ReportLab's
``LayoutError`` did) and are logged, not shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ...errors import RenderFailed
from .document import ReportContent

log = logging.getLogger(__name__)

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

    try:
        return render_pdf(content)
    except OSError as exc:
        if "pango" in str(exc).lower() or "gobject" in str(exc).lower():  # WeasyPrint loads them with cffi when imported
            raise RenderFailed(message_id="reporting.renderers.pango_missing") from exc
        raise


RENDERERS = {
    ReportFormat.XLSX: Renderer(_xlsx, ".xlsx", XLSX_CONTENT_TYPE),
    ReportFormat.PDF: Renderer(_pdf, ".pdf", PDF_CONTENT_TYPE),
}


async def render(report_format: ReportFormat, content: ReportContent) -> bytes:
    """The document's bytes, or ``RenderFailed`` saying in plain words that it could not be made."""
    try:
        return await asyncio.to_thread(RENDERERS[report_format].render, content)
    except RenderFailed:
        raise
    except Exception as exc:
        log.exception("the %s report of %s, %s could not be rendered", report_format, content.organization_id, content.period)
        raise RenderFailed(
            details={"format": report_format.value},
            message_id="reporting.renderers.report_could_rendered_error",
            values={"value": report_format.value.upper()},
        ) from exc
