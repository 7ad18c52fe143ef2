"""Importing activity files: read (``reading``), check every row, write all or nothing.

Every row meets every check that can refuse it: its fields, that its organisation exists and
the importer may write for it, that no two rows name the same activity, that none falls in a
submitted, locked period. The file is read, checked and written a chunk at a time in one
transaction, so memory stays bounded whatever its length, and a row refused anywhere (or a
failure) undoes the transaction: all rows are written, or none. Rows are idempotent on
(organisation, source system, external id): importing a file again corrects what it names and
adds nothing twice.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, Self, TextIO

from ..database import long_work
from ..language import Language, say
from ..resolvers import activities
from ..resolvers.activities.inputs import ActivitySpec
from ..resolvers.base import notify
from ..resolvers.base.context import Context
from ..resolvers.base.spreadsheet_text import inert
from ..wording import shown
from . import reading
from .cells import BEYOND_HEADER, Beyond, column_letters
from .columns import COLUMNS, description_row, help_text
from .errors import ImportFileError

Progress = Callable[[str], None]
SHOWN_ERRORS = 50

__all__ = [
    "COLUMNS",
    "SHOWN_ERRORS",
    "ErrorFile",
    "ImportFileError",
    "ImportReport",
    "counted",
    "describe",
    "help_text",
    "import_file",
    "write_errors",
    "write_template",
]


@dataclass
class ImportReport:
    """What an import found and did. It holds the first ``SHOWN_ERRORS`` errors and counts the
    rest (``on_error`` hears every one): a file of a million wrong rows costs no more memory
    than one of a few."""

    form: str
    rows: int = 0
    errors: list[activities.RowError] = field(default_factory=list)
    error_count: int = 0
    rows_with_errors: int = 0
    result: activities.IngestResult = field(default_factory=activities.IngestResult)
    organizations: set[str] = field(default_factory=set)
    """The organisations its rows name."""

    def add(self, errors: list[activities.RowError]) -> None:
        self.errors += errors[: max(SHOWN_ERRORS - len(self.errors), 0)]
        self.error_count += len(errors)
        self.rows_with_errors += len({error.row for error in errors})


CHUNK = 5_000
"""Rows read, checked and written at a time: what the import holds of the file besides a digest
per keyed row (README, bench S8)."""


class _Refused(Exception):
    """A row was refused while writing: the transaction is undone."""


async def import_file(
    ctx: Context,
    path: Path,
    *,
    dry_run: bool,
    progress: Progress = lambda _: None,
    sheet: str | None = None,
    written: Callable[[int], Awaitable[None]] | None = None,
    on_error: Callable[[list[activities.RowError]], None] | None = None,
    before_commit: Callable[[ImportReport, notify.Outbox], Awaitable[None]] | None = None,
) -> ImportReport:
    """Read the file a chunk at a time, check every row, and (unless ``dry_run``) write them in
    one transaction as they pass: a row refused anywhere undoes the transaction, so all rows are
    written or none, and the file is never held whole. Reading and the fields' checks run off
    the event loop (CPU work); the database's checks and writes on it.

    ``progress`` hears each stage in words, ``written`` how many rows are written so far (inside
    the transaction: it may tell a listener, not write to the database), ``on_error`` each
    chunk's errors in line order, ``before_commit`` the report of a write about to commit (it
    may still refuse it by raising, and add the events the commit raises to the outbox).

    Long work (``database.long_work``): one transaction of any number of rows."""
    with long_work(ctx.settings):
        return await _import_file(
            ctx,
            path,
            dry_run=dry_run,
            progress=progress,
            sheet=sheet,
            written=written,
            on_error=on_error,
            before_commit=before_commit,
        )


async def _import_file(
    ctx: Context,
    path: Path,
    *,
    dry_run: bool,
    progress: Progress,
    sheet: str | None,
    written: Callable[[int], Awaitable[None]] | None,
    on_error: Callable[[list[activities.RowError]], None] | None,
    before_commit: Callable[[ImportReport, notify.Outbox], Awaitable[None]] | None,
) -> ImportReport:
    table = await asyncio.to_thread(reading.read, path, sheet=sheet)
    progress(f"reading {table.form}")
    report = ImportReport(table.form)
    checks = activities.RowChecks(ctx)

    async def checked() -> AsyncIterator[tuple[list[tuple[int, ActivitySpec]], activities.Checked]]:
        async for specs, field_errors, count in _parsed(table.rows):
            found = await checks.check(specs)
            errors = [as_written(e, table.written) for e in sorted(field_errors + found.errors, key=lambda e: e.row)]
            report.rows += count
            report.organizations.update(spec.organization_id for _, spec in specs)
            if errors:
                report.add(errors)
                if on_error is not None:
                    on_error(errors)
            yield specs, found
            if report.rows // PROGRESS_EVERY != (report.rows - count) // PROGRESS_EVERY:
                progress(f"checked {report.rows:,} rows")

    if dry_run:
        async for _ in checked():
            pass
        progress(f"checked {counted(report.rows, 'row')} ({counted(report.error_count, 'error')})")
        return report
    try:
        async with activities.writing(ctx) as write:
            async for specs, found in checked():
                if report.error_count:
                    continue  # nothing more is written; the rest is only checked, for the report
                await write.write([spec for _, spec in specs], found.existing, found.moments)
                progress(f"written {report.rows:,}")
                if written is not None:
                    await written(report.rows)
            if report.error_count:
                raise _Refused
            report.result = write.result
            if before_commit is not None:
                await before_commit(report, write.outbox)
    except _Refused:
        report.result = activities.IngestResult()
    return report


def counted(count: int, noun: str) -> str:
    """``1 row``, ``3 rows``: a count as the command line says it, in English as all its words
    are (it said "checked 3 rows (1 errors)", polish5)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


PROGRESS_EVERY = 100_000
"""Rows between two progress lines of a dry run."""


async def _parsed(
    rows: Iterator[reading.Row],
) -> AsyncIterator[tuple[list[tuple[int, ActivitySpec]], list[activities.RowError], int]]:
    """The rows a chunk at a time, each row's fields checked (a spec, or its errors), read and
    checked off the event loop; the next chunk is read while the caller works on this one."""
    ahead = asyncio.ensure_future(asyncio.to_thread(_parse_chunk, rows))
    try:
        while True:
            specs, errors, count = await ahead
            if not count:
                return
            ahead = asyncio.ensure_future(asyncio.to_thread(_parse_chunk, rows))
            yield specs, errors, count
    finally:
        if not ahead.done():
            ahead.cancel()
            await asyncio.gather(ahead, return_exceptions=True)  # the thread ends its chunk first


def _parse_chunk(rows: Iterator[reading.Row]) -> tuple[list[tuple[int, ActivitySpec]], list[activities.RowError], int]:
    chunk = list(islice(rows, CHUNK))
    overfull = [_overfull(number, row.pop(BEYOND_HEADER)) for number, row in chunk if BEYOND_HEADER in row]
    specs, errors = activities.parse_numbered(chunk)
    # the row's spec stays, so the checks of its organisation, duplicates and locks are told too:
    # an error anywhere keeps the whole import from being written
    return specs, errors + overfull, len(chunk)


def _overfull(line: int, beyond: Beyond) -> activities.RowError:
    """A row with cells past its header's last column, refused: read by the header alone it
    would import without them (a list of participant references cut at its first ``;``). Its
    column is where those cells are, as a spreadsheet names the columns (``L``, ``L:N``): it
    was empty (polish5). A workbook's row is told to move or clear its cells: the CSV's advice
    to quote a cell holding the separator means nothing in a sheet (outsider6)."""
    values = {"cells": beyond.cells, "columns": beyond.columns}
    message_id = "imports.cells.more_cells_than_columns" + ("_in_sheet" if beyond.sheet else "")
    message = say(message_id, Language.EN, **values)
    where = column_letters(beyond.first + 1)
    if beyond.last != beyond.first:
        where += f":{column_letters(beyond.last + 1)}"
    return activities.RowError(line, where, message, beyond.value, message_id, tuple(values.items()))


FILE_DATES = {"cell.date": "imports.cell.date", "cell.datetime": "imports.cell.datetime"}
"""A refused date in a file, said with the form a file may write (``15.02.2026 10:00``, which
``cells`` reads beside ISO 8601): English gave the API's ISO example alone while nb/nn gave the
file's (outside review #32)."""


def as_written(error: activities.RowError, written: dict[str, str]) -> activities.RowError:
    """The error as the file's writer reads it: its column by the header they wrote (``dato``,
    not ``occurred_at``), its message in the language they asked for (English when none)."""
    head, dot, rest = error.field.partition(".")
    if error.message_id in FILE_DATES:
        file_date = FILE_DATES[error.message_id]
        error = replace(error, message=say(file_date, Language.EN), message_id=file_date)
    return replace(error, field=written.get(head, head) + dot + rest, message=error.said())


def describe(error: activities.RowError) -> str:
    value = f" '{shown(error.value)}'" if error.value is not None else ""
    return f"line {error.row}, {error.field or 'row'}{value}: {error.message}"


class ErrorFile:
    """Every error of an import as CSV (line, column, value, message), to open beside the file
    and fix, written as the import finds them (none are held for it); the file's own texts (the
    column and the value) as ``inert`` cells. As Excel in Norway reads a CSV: ';'-separated,
    UTF-8 with a byte order mark. Without a path, or without errors, nothing is written."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle: TextIO | None = None
        self._writer: Any = None

    def write(self, errors: list[activities.RowError]) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle, delimiter=";")
            self._writer.writerow(("line", "column", "value", "message"))
        self._writer.writerows(
            (error.row, inert(error.field), inert(error.value or ""), inert(error.message)) for error in errors
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        if self._handle is not None:
            self._handle.close()


def write_errors(errors: list[activities.RowError], path: Path) -> None:
    """``errors`` as an ``ErrorFile``."""
    with ErrorFile(path) as error_file:
        error_file.write(errors)


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
        raise ImportFileError(message_id="imports.__init__.template_xlsx_csv")
    # As Excel in Norway reads a CSV it opens: ';' between cells (the list separator where the
    # decimal separator is ','), and UTF-8 with a byte order mark, which Excel needs to read æøå
    # as UTF-8. A comma-separated file opened in one column.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerows((header, description_row(), example))
