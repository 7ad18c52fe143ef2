"""The workbook's layout: columns, fonts and fills, text wrapped and cut to the printed widths,
and the print setup (A4, one page wide, the organisation and period in the page header)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ...models import FieldDataType
from .document import ReportContent
from .texts import CONTROL

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
TRAIL_WIDTHS = (20, 26, 17, 16, 18, 19, 48)
"""The dialogue sheet's columns, as wide in print as a section's (``WIDTHS`` up to ``PRINTED``,
164): each sheet is fitted to the page's width, so a wider one (218) printed at three quarters
of the others' size (#32 outsider)."""

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


def line_count(text: str | None, width: float) -> int:
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


def text_cell(cell: Any, value: str | None) -> None:
    """A text cell, as text: never read as a formula however it starts, and without the control
    characters openpyxl refuses (``texts.CONTROL``)."""
    cell.value = None if value is None else CONTROL.sub("", value)
    if value is not None:
        cell.data_type = "s"


def header_text(text: str) -> str:
    """Page header/footer text: a literal & is written && there."""
    return text.replace("&", "&&")


def print_setup(sheet: Worksheet, content: ReportContent, *, title_rows: str | None) -> None:
    """Every sheet on landscape A4, the front too: it printed portrait between landscape sections,
    one printout turning halfway (outsider); the sections' columns need the width."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.top, sheet.page_margins.bottom = 0.8, 0.8
    if title_rows:
        sheet.print_title_rows = title_rows
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and footer is not None  # a worksheet always has them
    header.left.text = header_text(content.organization_name)
    header.center.text = header_text(content.period)
    header.right.text = header_text(content.words("document.title"))
    footer.left.text = header_text(content.footer)
    footer.right.text = header_text(content.words("page.number", page="\0", pages="\1")).replace("\0", "&P").replace("\1", "&N")
    for part in (header.left, header.center, header.right, footer.left, footer.right):
        part.size = 9


def set_widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def width_of(sheet: Worksheet, first: int, last: int) -> float:
    return sum(sheet.column_dimensions[chr(ord("A") + index - 1)].width or 10 for index in range(first, last + 1))


def wrapped(sheet: Worksheet, spans: Sequence[tuple[int, int, str | None]], fill: Any = None) -> tuple[int, int]:
    """Write texts into (first column, last column, text) spans of a new row, each wrapped and
    merged across its span; a text that outgrows the row goes on in the rows below. Returns the
    first and last row written."""
    cut = [pieces(text or "", width_of(sheet, first, last)) if text else [None] for first, last, text in spans]
    top = sheet.max_row + 1
    for offset in range(max(len(parts) for parts in cut)):
        line = top + offset
        tallest = 1
        for (first, last, _), parts in zip(spans, cut, strict=True):
            text = parts[offset] if offset < len(parts) else None
            text_cell(sheet.cell(line, first), text)
            if last > first:
                sheet.merge_cells(start_row=line, start_column=first, end_row=line, end_column=last)
            for column in range(first, last + 1):
                sheet.cell(line, column).alignment = WRAP
                if fill is not None:
                    sheet.cell(line, column).fill = fill
            tallest = max(tallest, line_count(text, width_of(sheet, first, last)))
        if tallest > 1:
            sheet.row_dimensions[line].height = LINE_HEIGHT * tallest
    return top, sheet.max_row
