"""The report as a PDF (reportlab, pure Python) for archiving and reading on screen, laid out
from the same ``content.ReportContent`` as the workbook: the same front page, then each
section on its own A4 landscape page with the same columns in the same order (the technical
key, outside the workbook's print area, is left out here too). Numbers are written the
Norwegian way: 1 234 567, 14 369,50, 72,8 %.

The fonts are the Bitstream Vera faces shipped with reportlab, embedded, so every Norwegian
letter and dash prints and the text can be searched and copied.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from ...models import FieldDataType
from .content import MISSING_VALUE, ReportContent, Row, SectionPart

PAGE = landscape(A4)
MARGIN = 15 * mm
COLUMNS = ("Felt", "Verdi", "Forrige periode", "Endring", "Endring i %", "Påkrevd", "Merknader")
WIDTHS = (74 * mm, 24 * mm, 27 * mm, 22 * mm, 24 * mm, 20 * mm, 76 * mm)

_FONTS = Path(reportlab.__file__).parent / "fonts"
for _name, _file in (("Report", "Vera.ttf"), ("Report-Bold", "VeraBd.ttf"), ("Report-Italic", "VeraIt.ttf")):
    pdfmetrics.registerFont(TTFont(_name, str(_FONTS / _file)))

BODY = ParagraphStyle("body", fontName="Report", fontSize=8.5, leading=10.5)
NUMBER = ParagraphStyle("number", parent=BODY, alignment=TA_RIGHT)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Report-Bold")
BOLD_RIGHT = ParagraphStyle("bold-right", parent=BOLD, alignment=TA_RIGHT)
MISSING = ParagraphStyle("missing", parent=BOLD_RIGHT, textColor=colors.HexColor("#A4161A"))
MUTED = ParagraphStyle("muted", parent=BODY, fontName="Report-Italic", textColor=colors.HexColor("#555555"))
TITLE = ParagraphStyle("title", parent=BODY, fontName="Report-Bold", fontSize=16, leading=20, spaceAfter=8)
HEADING = ParagraphStyle("heading", parent=BODY, fontName="Report-Bold", fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
HEADER_FILL = colors.HexColor("#DCE6F0")
ERROR_FILL = colors.HexColor("#F8D7DA")
WARNING_FILL = colors.HexColor("#FFF3CD")
NBSP = "\u00a0"


def _grouped(text: str) -> str:
    """Python's 1,234.56 as Norwegian 1 234,56 (no-break space between groups)."""
    return text.replace(",", NBSP).replace(".", ",")


def number_text(value: Decimal, data_type: FieldDataType, *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if data_type == FieldDataType.INTEGER:
        return _grouped(f"{int(value):{sign},}")
    if data_type == FieldDataType.PERCENT:
        return _grouped(f"{value:{sign},.1f}") + (f"{NBSP}pp" if signed else f"{NBSP}%")
    return _grouped(f"{value:{sign},.2f}")


def value_text(row: Row, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if isinstance(value, Decimal):
        return number_text(value, row.kind)
    return str(value)


def share_text(share: Decimal) -> str:
    return _grouped(f"{share * 100:+,.1f}") + f"{NBSP}%"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(_escape(text), style)


def _grid(data: list[list[Any]], widths: tuple[float, ...], fills: list[tuple[int, Any]] | None = None) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style: list[Any] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#999999")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#DDDDDD")),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("BACKGROUND", (0, line), (-1, line), fill) for line, fill in fills or []]
    table.setStyle(TableStyle(style))
    return table


def _front(content: ReportContent) -> list[Flowable]:
    story: list[Flowable] = [_p("Rapport til Bufdir", TITLE)]
    facts = [[_p(label, BOLD), _p(value)] for label, value in content.facts]
    table = Table(facts, colWidths=[50 * mm, 200 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    story.append(table)
    if content.missing_required:
        story.append(_p(content.missing_heading, HEADING))
        rows = [[_p("Seksjon", BOLD), _p("Felt", BOLD)]] + [
            [_p(listed.section), _p(listed.label)] for listed in content.missing_required
        ]
        story.append(_grid(rows, (90 * mm, 160 * mm), [(line, ERROR_FILL) for line in range(1, len(rows))]))
    story.append(_p(content.findings_heading, HEADING))
    listed_rows = [
        [_p(listed.section), _p(listed.label), _p(listed.note.label), _p(listed.note.message)]
        for listed in content.ordered_findings
    ]
    if listed_rows:
        header = [[_p(name, BOLD) for name in ("Seksjon", "Felt", "Type", "Melding")]]
        story.append(_grid(header + listed_rows, (60 * mm, 70 * mm, 20 * mm, 117 * mm)))
    else:
        story.append(_p("Ingen feil eller advarsler."))
    return story


def _section(part: SectionPart) -> list[Flowable]:
    story: list[Flowable] = [_p(part.title, TITLE)]
    if part.description:
        story += [_p(part.description, MUTED), Spacer(1, 4 * mm)]
    data: list[list[Any]] = [[_p(name, BOLD_RIGHT if 1 <= index <= 4 else BOLD) for index, name in enumerate(COLUMNS)]]
    fills = []
    for row in part.rows:
        data.append(
            [
                _p(row.display_label),
                _p(MISSING_VALUE, MISSING) if row.missing else _p(value_text(row, row.value), NUMBER),
                _p(value_text(row, row.prior), NUMBER),
                _p(number_text(row.change, row.kind, signed=True) if row.change is not None else "", NUMBER),
                _p(share_text(row.change_share) if row.change_share is not None else "", NUMBER),
                _p("Ja" if row.required else ""),
                _p(row.remarks),
            ]
        )
        severities = {note.severity for note in row.notes}
        if severities:
            fills.append((len(data) - 1, ERROR_FILL if "error" in severities else WARNING_FILL))
    story.append(_grid(data, WIDTHS, fills))
    return story


class _NumberedCanvas(Canvas):
    """Draws the running header and "Side X av Y" once the page count is known."""

    content: ReportContent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own reset, untyped in the stubs

    def save(self) -> None:
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = PAGE
        content = self.content
        self.setFont("Report", 8)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawString(MARGIN, height - 10 * mm, content.organization_name)
        self.drawCentredString(width / 2, height - 10 * mm, f"{content.period_name} ({content.period_dates})")
        self.drawRightString(width - MARGIN, height - 10 * mm, "Rapport til Bufdir")
        self.drawString(MARGIN, 8 * mm, f"Generert {content.generated_at}")
        self.drawRightString(width - MARGIN, 8 * mm, f"Side {number} av {total}")


def render_pdf(content: ReportContent) -> bytes:
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN,
        title=content.title,
        author="Bufdir reporting API",
        subject=f"{content.organization_name}, {content.period_name}",
        lang="nb-NO",
    )
    frame = Frame(MARGIN, MARGIN, PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - 4 * mm, id="body")
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story = _front(content)
    for part in content.sections:
        story += [PageBreak(), *_section(part)]

    class Numbered(_NumberedCanvas):
        pass

    Numbered.content = content
    document.build(story, canvasmaker=Numbered)
    return buffer.getvalue()
