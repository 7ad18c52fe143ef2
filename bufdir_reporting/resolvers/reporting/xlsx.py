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
import re
from collections.abc import Iterator, Sequence
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ...models import FieldDataType
from .content import ReportContent, Row, SectionPart

COLUMN_KEYS = (
    "column.field",
    "column.value",
    "column.prior",
    "column.change",
    "column.change_share",
    "column.required",
    "column.remarks",
    "column.key",
)
WIDTHS = (48, 15, 15, 13, 12, 9, 52, 34)
PRINTED = "G"  # the key column (H) stays out of print
TEXT_VALUE = (2, 5)  # a text field's value spans Verdi .. Endring i %
TRAIL_WIDTHS = (40, 44, 24, 20, 20, 70)

NUMBER_FORMATS = {
    FieldDataType.INTEGER: "#,##0",
    FieldDataType.DECIMAL: "#,##0.00",
    FieldDataType.PERCENT: '0.0" %"',
}
CHANGE_FORMATS = {
    FieldDataType.INTEGER: "+#,##0;-#,##0;0",
    FieldDataType.DECIMAL: "+#,##0.00;-#,##0.00;0.00",
    FieldDataType.PERCENT: '+0.0" pp";-0.0" pp";0.0" pp"',  # percentage points
}
SHARE_FORMAT = "+0.0%;-0.0%;0.0%"
HEADER_ALIGN = {2: "right", 3: "right", 4: "right", 5: "right", 6: "center"}

TITLE = Font(bold=True, size=15)
HEADING = Font(bold=True, size=12)
BOLD = Font(bold=True)
MUTED = Font(italic=True, color="555555")
KEY = Font(color="888888", size=9)
MISSING_FONT = Font(bold=True, color="A4161A")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")
WARNING_FILL = PatternFill("solid", fgColor="FFF3CD")
RULE = Border(bottom=Side(style="thin", color="999999"))
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

CHARS_PER_WIDTH = 1.15
"""Characters a line holds per unit of column width. A unit is one digit of the 11-point default
font and Norwegian prose averages narrower (LibreOffice printed 1.35 a unit here, with its own
fonts); taken low, so a row is never shorter than its text."""
LINE_HEIGHT = 15  # points per line of the 11-point default font, with its leading
MAX_LINES = 12
"""Lines in one row before the text goes on in the next. Excel's tallest row is 409 points
(27 lines), but a row never breaks across printed pages: shorter rows fill the pages."""
TOKENS = re.compile(r"\n|[^\s]+|[^\S\n]+")


def sheet_title(title: str, taken: set[str], fallback: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name, each name once."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or fallback
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _words(text: str, longest: int) -> Iterator[tuple[int, str]]:
    """The words of ``text`` with their offsets, a newline as a word of its own, a word longer
    than ``longest`` in slices of that length."""
    for token in TOKENS.finditer(text):
        word = token.group()
        if word.isspace() and word != "\n":
            continue
        for offset in range(0, len(word), longest):
            yield token.start() + offset, word[offset : offset + longest]


def pieces(text: str, width: float, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` cut between words into pieces that each wrap to at most ``max_lines`` lines in a
    column ``width`` wide (a word longer than a line is broken, as the spreadsheet breaks it)."""
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    found: list[str] = []
    start, lines, used = 0, 1, 0
    for offset, word in _words(text, per_line * max_lines):
        if word == "\n":
            lines, used = lines + 1, 0
            continue
        taken = used + (1 if used else 0) + len(word)
        if used and taken > per_line:
            lines, taken = lines + 1, len(word)
        if lines + (taken - 1) // per_line > max_lines and offset > start:
            found.append(text[start:offset])
            start, lines, taken = offset, 1, len(word)
        lines += (taken - 1) // per_line
        used = (taken - 1) % per_line + 1
    found.append(text[start:])
    return [piece.strip() for piece in found if piece.strip()] or [""]


def _line_count(text: str | None, width: float) -> int:
    """Lines a wrapped cell needs (LibreOffice and Excel keep the default height of rows
    written by openpyxl, so wrapped text would overlap the next row)."""
    if not text:
        return 1
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    lines, used = 1, 0
    for _, word in _words(text, per_line):
        if word == "\n":
            lines, used = lines + 1, 0
            continue
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += (1 if used else 0) + len(word)
    return lines


def _text(cell: Any, value: str | None) -> None:
    """A text cell, as text: never read as a formula however it starts."""
    cell.value = value
    if value is not None:
        cell.data_type = "s"


def _header_text(text: str) -> str:
    """Page header/footer text: a literal & is written && there."""
    return text.replace("&", "&&")


def _print_setup(sheet: Worksheet, content: ReportContent, *, landscape: bool, title_rows: str | None) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.top, sheet.page_margins.bottom = 0.8, 0.8
    if title_rows:
        sheet.print_title_rows = title_rows
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and footer is not None  # a worksheet always has them
    header.left.text = _header_text(content.organization_name)
    header.center.text = _header_text(content.period)
    header.right.text = _header_text(content.words("document.title"))
    footer.left.text = _header_text(content.footer)
    footer.right.text = _header_text(content.words("page.number", page="\0", pages="\1")).replace("\0", "&P").replace("\1", "&N")
    for part in (header.left, header.center, header.right, footer.left, footer.right):
        part.size = 9


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def _width(sheet: Worksheet, first: int, last: int) -> float:
    return sum(sheet.column_dimensions[chr(ord("A") + index - 1)].width or 10 for index in range(first, last + 1))


def _wrapped(sheet: Worksheet, spans: Sequence[tuple[int, int, str | None]], fill: Any = None) -> tuple[int, int]:
    """Write texts into (first column, last column, text) spans of a new row, each wrapped and
    merged across its span; a text that outgrows the row goes on in the rows below. Returns the
    first and last row written."""
    cut = [pieces(text or "", _width(sheet, first, last)) if text else [None] for first, last, text in spans]
    top = sheet.max_row + 1
    for offset in range(max(len(parts) for parts in cut)):
        line = top + offset
        tallest = 1
        for (first, last, _), parts in zip(spans, cut, strict=True):
            text = parts[offset] if offset < len(parts) else None
            _text(sheet.cell(line, first), text)
            if last > first:
                sheet.merge_cells(start_row=line, start_column=first, end_row=line, end_column=last)
            for column in range(first, last + 1):
                sheet.cell(line, column).alignment = WRAP
                if fill is not None:
                    sheet.cell(line, column).fill = fill
            tallest = max(tallest, _line_count(text, _width(sheet, first, last)))
        if tallest > 1:
            sheet.row_dimensions[line].height = LINE_HEIGHT * tallest
    return top, sheet.max_row


def _front(sheet: Worksheet, content: ReportContent) -> None:
    w = content.words
    sheet.title = w("sheet.front")
    _widths(sheet, (26, 34, 11, 56))
    sheet.append((w("document.title"),))
    sheet["A1"].font = TITLE
    sheet.append(())
    for label, value in content.facts:
        first, last = _wrapped(sheet, ((1, 1, label), (2, 4, value)))
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
    line, _ = _wrapped(sheet, [(*span, name) for span, name in zip(spans, columns, strict=True)])
    for cell in sheet[line]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
    for values in rows:
        _wrapped(sheet, [(*span, value) for span, value in zip(spans, values, strict=False)], fill)


def _number(cell: Any, value: object, number_format: str | None) -> None:
    cell.value = value
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
    _widths(sheet, WIDTHS)
    _text(sheet.cell(1, 1), part.title)
    sheet["A1"].font = TITLE
    _text(sheet.cell(2, 1), part.description)
    sheet.merge_cells(f"A2:{PRINTED}2")
    sheet["A2"].font, sheet["A2"].alignment = MUTED, WRAP
    sheet.row_dimensions[2].height = LINE_HEIGHT * _line_count(part.description, sum(WIDTHS[:7]))
    sheet.append(tuple(w(key) for key in COLUMN_KEYS))
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=HEADER_ALIGN.get(cell.column or 0, "left"))
    for row in part.rows:
        severities = {note.severity for note in row.notes}
        fill = ERROR_FILL if "error" in severities else WARNING_FILL if severities else None
        values = [(*TEXT_VALUE, _text_value(content, row))] if row.is_text else [(column, column, None) for column in range(2, 6)]
        required = w("value.yes") if row.required else None
        line, _ = _wrapped(sheet, [(1, 1, row.display_label), *values, (6, 6, required), (7, 7, row.remarks or None)], fill)
        _text(sheet.cell(line, 8), row.key)
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
    _print_setup(sheet, content, landscape=True, title_rows="3:3")


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
    _widths(sheet, TRAIL_WIDTHS)
    _text(sheet.cell(1, 1), w("heading.trail"))
    sheet["A1"].font = TITLE
    if content.history:
        names: tuple[str, ...] = ("column.version", "column.event", "column.when", "column.who", "column.reason")
        events = [(str(event.version), event.what, event.at, event.who, event.reason) for event in content.history]
        _table(sheet, w("heading.versions"), [w(name) for name in names], events, spans=((1, 1), (2, 2), (3, 3), (4, 4), (5, 6)))
    if content.dialogue:
        names = ("column.section", "column.field", "column.type", "column.when", "column.who", "column.text")
        said = [(item.section, item.field, item.kind, item.at, item.who, item.text) for item in content.dialogue]
        _table(sheet, w("heading.dialogue"), [w(name) for name in names], said)
    sheet.print_area = f"A1:F{sheet.max_row}"
    _print_setup(sheet, content, landscape=True, title_rows=None)


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
    _print_setup(front, content, landscape=False, title_rows=None)
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
