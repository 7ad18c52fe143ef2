"""The report as a print-ready .xlsx workbook (openpyxl), laid out from ``content.ReportContent``.

A front sheet a reader can act on (organisation, period and the compared one, status,
completeness with the missing required fields, every error and warning), then one sheet per
section: the Norwegian label first, value, prior-period value, change and change in percent,
the required mark and the notes beside their row; the technical key last, outside the print
area. Numbers carry number formats by data type (thousands separators follow the reader's
locale: 1 234 567 in Norwegian Excel), sheets print on A4 one page wide with the header row
repeated, the organisation and period in the page header and "Side X av Y" in the footer.

Every text is a text cell, shown as written: the workbook has no formulas (``_as_text``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ...models import FieldDataType
from .content import MISSING_VALUE, ReportContent, Row, SectionPart

COLUMNS = ("Felt", "Verdi", "Forrige periode", "Endring", "Endring i %", "Påkrevd", "Merknader", "Teknisk nøkkel")
WIDTHS = (48, 15, 15, 13, 12, 9, 52, 34)
PRINTED = "G"  # the key column (H) stays out of print

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


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name, each name once."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Seksjon"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


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
    header.center.text = _header_text(f"{content.period_name} ({content.period_dates})")
    header.right.text = "Rapport til Bufdir"
    footer.left.text = _header_text(f"Generert {content.generated_at}")
    footer.right.text = "Side &P av &N"
    for part in (header.left, header.center, header.right, footer.left, footer.right):
        part.size = 9


def _widths(sheet: Worksheet, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def _front(sheet: Worksheet, content: ReportContent) -> None:
    sheet.title = "Rapport"
    _widths(sheet, (26, 34, 11, 56))
    sheet.append(("Rapport til Bufdir",))
    sheet["A1"].font = TITLE
    sheet.append(())
    for label, value in content.facts:
        sheet.append((label, value))
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        sheet.cell(row, 1).font = BOLD
        sheet.cell(row, 1).alignment = TOP
        sheet.cell(row, 2).alignment = WRAP
        needed = _lines(value, 34 + 11 + 56)
        if needed > 1:
            sheet.row_dimensions[row].height = 15 * needed
    if content.missing_required:
        rows = [(listed.section, listed.label) for listed in content.missing_required]
        _table(sheet, content.missing_heading, ("Seksjon", "Felt"), rows, fill=ERROR_FILL)
    _table(
        sheet,
        content.findings_heading,
        ("Seksjon", "Felt", "Type", "Melding"),
        [(listed.section, listed.label, listed.note.label, listed.note.message) for listed in content.ordered_findings]
        or [("Ingen feil eller advarsler.",)],
    )


def _table(sheet: Worksheet, heading: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], fill: Any = None) -> None:
    sheet.append(())
    sheet.append((heading,))
    sheet.cell(sheet.max_row, 1).font = HEADING
    sheet.append(columns)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
    widths = [sheet.column_dimensions[chr(ord("A") + index)].width or 10 for index in range(len(columns))]
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
            if fill is not None:
                cell.fill = fill
        needed = max(_lines(value, width) for value, width in zip(values, widths, strict=False))
        if needed > 1:
            sheet.row_dimensions[sheet.max_row].height = 15 * needed


def _number(cell: Any, value: object, number_format: str | None) -> None:
    cell.value = value
    if number_format:
        cell.number_format = number_format


def _shown(row: Row, value: object) -> object:
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if row.data_type == FieldDataType.INTEGER and value is not None:
        return int(cast(int, value))
    return value


def _lines(text: str | None, width: float) -> int:
    """Lines a wrapped cell needs (LibreOffice and Excel keep the default height of rows
    written by openpyxl, so wrapped text would overlap the next row)."""
    if not text:
        return 1
    per_line = max(1, int(width * 1.1))
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def _section(sheet: Worksheet, part: SectionPart, content: ReportContent) -> None:
    _widths(sheet, WIDTHS)
    sheet.append((part.title,))
    sheet["A1"].font = TITLE
    sheet.append((part.description,))
    sheet.merge_cells(f"A2:{PRINTED}2")
    sheet["A2"].font, sheet["A2"].alignment = MUTED, WRAP
    sheet.row_dimensions[2].height = 15 * _lines(part.description, sum(WIDTHS[:7]))
    sheet.append(COLUMNS)
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, RULE
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=HEADER_ALIGN.get(cell.column or 0, "left"))
    for row in part.rows:
        notes = row.remarks
        sheet.append((row.display_label, None, None, None, None, "Ja" if row.required else None, notes or None, row.key))
        line = sheet.max_row
        number_format = NUMBER_FORMATS.get(row.kind)
        value = MISSING_VALUE if row.missing else _shown(row, row.value)
        _number(sheet.cell(line, 2), value, number_format)
        _number(sheet.cell(line, 3), _shown(row, row.prior), number_format)
        if row.change is not None:
            _number(sheet.cell(line, 4), _shown(row, row.change), CHANGE_FORMATS.get(row.kind))
        if row.change_share is not None:
            _number(sheet.cell(line, 5), float(row.change_share), SHARE_FORMAT)
        for cell in sheet[line]:
            cell.alignment = WRAP if cell.column in (1, 7) else TOP
        sheet.cell(line, 2).alignment = Alignment(vertical="top", horizontal="right")
        sheet.cell(line, 6).alignment = Alignment(vertical="top", horizontal="center")
        sheet.cell(line, 8).font = KEY
        if row.missing:
            sheet.cell(line, 2).font = MISSING_FONT
        severities = {note.severity for note in row.notes}
        fill = ERROR_FILL if "error" in severities else WARNING_FILL if severities else None
        if fill is not None:
            for column in range(1, 8):
                sheet.cell(line, column).fill = fill
        needed = max(_lines(row.display_label, WIDTHS[0]), _lines(notes, WIDTHS[6]))
        if needed > 1:
            sheet.row_dimensions[line].height = 15 * needed
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


def render_xlsx(content: ReportContent) -> bytes:
    workbook = Workbook()
    front = cast(Worksheet, workbook.active)  # a new workbook's one sheet
    _front(front, content)
    _print_setup(front, content, landscape=False, title_rows=None)
    taken = {"rapport"}
    for part in content.sections:
        _section(workbook.create_sheet(sheet_title(part.title, taken)), part, content)
    workbook.properties.title = content.title
    workbook.properties.creator = "Bufdir reporting API"
    _as_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
