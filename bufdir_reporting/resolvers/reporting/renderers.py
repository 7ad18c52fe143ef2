"""The report's renditions: one per format, each laying out the same ``ReportContent``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from . import pdf, xlsx
from .content import ReportContent

XLSX_CONTENT_TYPE = xlsx.CONTENT_TYPE


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class Renderer:
    render: Callable[[ReportContent], bytes]
    suffix: str
    content_type: str


RENDERERS = {
    ReportFormat.XLSX: Renderer(xlsx.render_xlsx, ".xlsx", xlsx.CONTENT_TYPE),
    ReportFormat.PDF: Renderer(pdf.render_pdf, ".pdf", pdf.CONTENT_TYPE),
}
