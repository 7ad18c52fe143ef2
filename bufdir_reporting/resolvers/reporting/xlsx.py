"""The report as a print-ready .xlsx workbook (openpyxl), laid out from ``content.ReportContent``.

A front sheet a reader can act on (organisation, period and the compared one, status,
completeness with the missing required fields, every error and warning), then one sheet per
section: the Norwegian label first, value, prior-period value, change and change in percent,
the required mark and the notes beside their row; the technical key last, outside the print
area. Numbers carry number formats by data type (thousands separators follow the reader's
locale: 1 234 567 in Norwegian Excel), sheets print on A4 one page wide with the header row
repeated, the organisation and period in the page header and "Side X av Y" in the footer. A
last sheet holds Bufdir's review of earlier versions and the dialogue about the values, when
there is any. The workbook's properties say what it is (title, subject, language, status).

Text prints in full: a text field's value spans the four number columns, and a text that
outgrows one row (Excel and LibreOffice print no row taller than 409 points, and cut what does
not fit) continues on the rows below, cut between words (``pieces``).

Every text is a text cell, shown as written: the workbook has no formulas (``_as_text``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from ...models import FieldDataType
from .document import ReportContent, Row, SectionPart
from .texts import CONTROL
from .xlsx_layout import (
    BOLD,
    CHANGE_FORMATS,
    COLUMN_KEYS,
    ERROR_FILL,
    HEADER_ALIGN,
    HEADER_FILL,
    HEADING,
    KEY,
    LINE_HEIGHT,
    MISSING_FONT,
    MUTED,
    NUMBER_FORMATS,
    PRINTED,
    RULE,
    SHARE_FORMAT,
    TEXT_VALUE,
    TITLE,
    TRAIL_WIDTHS,
    WARNING_FILL,
    WIDTHS,
    WRAP,
    line_count,
    print_setup,
    set_widths,
    sheet_title,
    text_cell,
    wrapped,
)


def _front(sheet: Worksheet, content: ReportContent) -> None:
    w = content.words
    sheet.title = w("sheet.front")
    set_widths(sheet, (26, 34, 11, 56))
    sheet.append((w("document.title"),))
    sheet["A1"].font = TITLE
    sheet.append(())
    for label, value in content.facts:
        first, last = wrapped(sheet, ((1, 1, label), (2, 4, value)))
        for line in range(first, last + 1):
            sheet.cell(line, 1).font = BOLD
    if content.missing_required:
        rows = [(listed.section, listed.label) for listed in content.missing_required]
        _table(sheet, content.missing_heading, (w("column.section"), w("column.field")), rows, fill=ERROR_FILL)
    _table(
        sheet,
        content.findings_heading,
        (w("column.section"), w("column.field"), w("column.type"), w("column.message")),
        [(listed.section, listed.label, listed.note.label, listed.note.message) for listed in content.ordered_findings]
        or [(w("findings.none"),)],
    )


def _table(
    sheet: Worksheet,
    heading: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    fill: Any = None,
    spans: Sequence[tuple[int, int]] | None = None,
) -> None:
    """A heading and a table under it; ``spans`` gives each column its (first, last) sheet
    columns where one is wider than a sheet column."""
    spans = spans or [(index, index) for index in range(1, len(columns) + 1)]
    sheet.append(())
    sheet.append((heading,))
    sheet.cell(sheet.max_row, 1).font = HEADING
    line, _ = wrapped(sheet, [(*span, name) for span, name in zip(spans, columns, strict=True)])
    for cell in sheet[line]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
    for values in rows:
        wrapped(sheet, [(*span, value) for span, value in zip(spans, values, strict=False)], fill)


def _number(cell: Any, value: object, number_format: str | None) -> None:
    """A figure, or the text a text field holds (without the control characters openpyxl
    refuses: one in a pasted value failed the whole workbook)."""
    cell.value = CONTROL.sub("", value) if isinstance(value, str) else value
    if number_format:
        cell.number_format = number_format


def _shown(content: ReportContent, row: Row, value: object) -> object:
    if isinstance(value, bool):
        return content.words("value.yes") if value else content.words("value.no")
    if row.data_type == FieldDataType.INTEGER and value is not None:
        return int(cast(int, value))
    return value


def _text_value(content: ReportContent, row: Row) -> str:
    """A text field's value as it prints: the text, then the prior period's under it."""
    value = content.words("value.missing") if row.missing else str(row.value or "")
    prior = content.words("value.prior_text", text=row.prior) if row.prior else ""
    return "\n\n".join(text for text in (value, prior) if text)


def _section(sheet: Worksheet, part: SectionPart, content: ReportContent) -> None:
    w = content.words
    set_widths(sheet, WIDTHS)
    text_cell(sheet.cell(1, 1), part.title)
    sheet["A1"].font = TITLE
    text_cell(sheet.cell(2, 1), part.description)
    sheet.merge_cells(f"A2:{PRINTED}2")
    sheet["A2"].font, sheet["A2"].alignment = MUTED, WRAP
    sheet.row_dimensions[2].height = LINE_HEIGHT * line_count(part.description, sum(WIDTHS[:7]))
    sheet.append(tuple(w(key) for key in COLUMN_KEYS))
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=HEADER_ALIGN.get(cell.column or 0, "left"))
    for row in part.rows:
        severities = {note.severity for note in row.notes}
        fill = ERROR_FILL if "error" in severities else WARNING_FILL if severities else None
        values = [(*TEXT_VALUE, _text_value(content, row))] if row.is_text else [(column, column, None) for column in range(2, 6)]
        required = w("value.yes") if row.required else None
        line, _ = wrapped(sheet, [(1, 1, row.display_label), *values, (6, 6, required), (7, 7, row.remarks or None)], fill)
        text_cell(sheet.cell(line, 8), row.key)
        sheet.cell(line, 8).font = KEY
        sheet.cell(line, 6).alignment = Alignment(vertical="top", horizontal="center")
        if row.is_text:
            if row.missing:
                sheet.cell(line, 2).font = MISSING_FONT
            continue
        number_format = NUMBER_FORMATS.get(row.kind)
        value = w("value.missing") if row.missing else _shown(content, row, row.value)
        _number(sheet.cell(line, 2), value, number_format)
        _number(sheet.cell(line, 3), _shown(content, row, row.prior), number_format)
        if row.change is not None:
            _number(sheet.cell(line, 4), _shown(content, row, row.change), CHANGE_FORMATS.get(row.kind))
        if row.change_share is not None:
            _number(sheet.cell(line, 5), float(row.change_share), SHARE_FORMAT)
        for column in range(2, 6):
            sheet.cell(line, column).alignment = Alignment(vertical="top", horizontal="right")
        if row.missing:
            sheet.cell(line, 2).font = MISSING_FONT
    sheet.freeze_panes = "B4"
    sheet.print_area = f"A1:{PRINTED}{sheet.max_row}"
    print_setup(sheet, content, title_rows="3:3")


def _as_text(workbook: Workbook) -> None:
    """Every text cell stays text. openpyxl writes a str starting with '=' as a formula (and
    '#N/A' as an error): an organisation's ``=HYPERLINK("http://…"&B5,"Se vedlegg")`` in a field
    value, a remark or its name would be live in the workbook Bufdir's case officers open
    (OWASP, "CSV injection"). The report writes no formulas of its own, so every str is set to
    a text cell, which Excel and LibreOffice show as written, without an apostrophe."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _trail(sheet: Worksheet, content: ReportContent) -> None:
    """Bufdir's review of the earlier versions and the dialogue about the values."""
    w = content.words
    set_widths(sheet, TRAIL_WIDTHS)
    text_cell(sheet.cell(1, 1), w("heading.trail"))
    sheet["A1"].font = TITLE
    if content.history:
        names: tuple[str, ...] = ("column.version", "column.event", "column.when", "column.who", "column.reason")
        events = [(str(event.version), event.what, event.at, event.who, event.reason) for event in content.history]
        _table(sheet, w("heading.versions"), [w(name) for name in names], events, spans=((1, 1), (2, 3), (4, 4), (5, 5), (6, 7)))
    if content.dialogue:
        names = ("column.section", "column.field", "column.type", "column.when", "column.who", "column.outcome", "column.text")
        said = [(item.section, item.field, item.kind, item.at, item.who, item.outcome, item.text) for item in content.dialogue]
        _table(sheet, w("heading.dialogue"), [w(name) for name in names], said)
    sheet.print_area = f"A1:G{sheet.max_row}"
    print_setup(sheet, content, title_rows=None)


def _properties(workbook: Workbook, content: ReportContent) -> None:
    """What the file is, for an archive or a file manager: title, subject, language, status."""
    properties = workbook.properties
    properties.title = content.title
    properties.subject = content.period
    properties.creator = content.organization_name
    properties.description = content.description
    properties.keywords = ", ".join(content.keywords)
    properties.language = content.language
    properties.category = content.words("document.title")
    properties.contentStatus = content.status
    properties.identifier = content.reference
    properties.version = str(content.version) if content.version else None
    properties.created = properties.modified = content.created.replace(tzinfo=None)
    properties.lastModifiedBy = content.words("document.producer")


def render_xlsx(content: ReportContent) -> bytes:
    workbook = Workbook()
    front = cast(Worksheet, workbook.active)  # a new workbook's one sheet
    _front(front, content)
    print_setup(front, content, title_rows=None)
    taken = {front.title.lower()}
    for part in content.sections:
        _section(workbook.create_sheet(sheet_title(part.title, taken, content.words("sheet.section"))), part, content)
    if content.history or content.dialogue:
        _trail(workbook.create_sheet(sheet_title(content.words("sheet.dialogue"), taken, "")), content)
    _properties(workbook, content)
    _as_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
