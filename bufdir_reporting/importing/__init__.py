"""Importing activity files: read (``reading``), check every row, then write all or nothing.

Every check that can refuse a row runs before the first write: the row's fields, that its
organisation exists and the importer may write for it, that no two rows name the same activity,
that no row falls in a submitted, locked period. Then the rows are written in one transaction,
so a failure leaves the database as it was. Rows are idempotent on (organisation, source
system, external id): importing a file again corrects what it names and adds nothing twice.
"""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..resolvers import activities
from ..resolvers.base.context import Context
from ..wording import shown
from . import reading
from .columns import COLUMNS, description_row, help_text
from .errors import ImportFileError
from .reading import read

Progress = Callable[[str], None]
SHOWN_ERRORS = 50

__all__ = [
    "COLUMNS",
    "SHOWN_ERRORS",
    "ImportFileError",
    "ImportReport",
    "describe",
    "help_text",
    "import_file",
    "write_errors",
    "write_template",
]


@dataclass
class ImportReport:
    form: str
    rows: int
    result: activities.IngestResult = field(default_factory=activities.IngestResult)
    organizations: frozenset[str] = frozenset()
    """The organisations its rows name."""

    @property
    def errors(self) -> list[activities.RowError]:
        return self.result.errors

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors})


async def import_file(
    ctx: Context,
    path: Path,
    *,
    dry_run: bool,
    progress: Progress = lambda _: None,
    sheet: str | None = None,
    written: Callable[[int], Awaitable[None]] | None = None,
) -> ImportReport:
    """Read, check every row, then (unless ``dry_run`` or any row is wrong) write all rows in one
    transaction. ``progress`` hears each stage in words; ``written`` how many rows are written."""
    table = read(path, sheet=sheet, progress=lambda count: progress(f"reading: {count:,} rows so far"))
    total = len(table.rows)
    progress(f"read {total:,} rows ({table.form})")
    specs, errors = activities.parse_numbered(
        reading.counted(table.rows, lambda count: progress(f"checking the fields: {count:,}/{total:,} rows"))
    )
    progress(f"checked the fields of {total:,} rows; checking organisations, duplicates and locked periods")
    checked = await activities.check_rows(ctx, specs)
    errors = sorted(errors + checked.errors, key=lambda error: error.row)
    named = frozenset(spec.organization_id for _, spec in specs)
    report = ImportReport(table.form, total, activities.IngestResult(errors=errors), named)
    if errors or dry_run:
        return report
    written_of = len(specs)

    async def chunk_written(done: int) -> None:
        progress(f"written {done:,}/{written_of:,}")
        if written is not None:
            await written(done)

    report.result = await activities.write_all_or_nothing(
        ctx, [spec for _, spec in specs], stored=checked.stored, progress=chunk_written
    )
    return report


def describe(error: activities.RowError) -> str:
    value = f" '{shown(error.value)}'" if error.value is not None else ""
    return f"line {error.row}, {error.field or 'row'}{value}: {error.message}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet take a cell for a formula (OWASP, "CSV injection")."""


def inert(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe, as OWASP advises. A CSV cannot say "this cell is text" otherwise; the
    apostrophe is visible, a value refused as ``-5`` reads ``'-5``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_errors(errors: list[activities.RowError], path: Path) -> None:
    """Every error as CSV (line, column, value, message), to open beside the file and fix; the
    file's own texts (the column and the value) as ``inert`` cells."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("line", "column", "value", "message"))
        writer.writerows((error.row, inert(error.field), inert(error.value or ""), inert(error.message)) for error in errors)


def write_template(path: Path) -> None:
    """The columns, a row describing each, and one example row: as .xlsx or .csv (as Excel in
    Norway writes and reads it: ';'-separated, UTF-8 with a byte order mark)."""
    header = [column.name for column in COLUMNS]
    example = [column.example for column in COLUMNS]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None  # a new workbook has its one sheet
        sheet.title = "Aktiviteter"
        sheet.append(header)
        sheet.append(description_row())
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="666666")
        for index, column in enumerate(COLUMNS):
            sheet.column_dimensions[chr(ord("A") + index)].width = max(16, len(column.name) + 4)
        sheet.freeze_panes = "A3"
        workbook.save(path)
        return
    if path.suffix.lower() != ".csv":
        raise ImportFileError("a template is .xlsx or .csv")
    # As Excel in Norway reads a CSV it opens: ';' between cells (the list separator where the
    # decimal separator is ','), and UTF-8 with a byte order mark, which Excel needs to read æøå
    # as UTF-8. A comma-separated file opened in one column.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerows((header, description_row(), example))
