"""Reading the activity files people have: CSV as Excel and case-management systems write it,
an .xlsx workbook, or JSON lines.

- Text: UTF-8 (with or without a byte order mark), UTF-16 with its mark (Excel's "Unicode
  text"), and Windows-1252 when the bytes are not UTF-8 (Excel's CSV in Norway); the delimiter
  (``,`` ``;`` or tab) is found from the file.
- Values: decimal commas (``1,5``, ``1 234,5``) and Norwegian dates (``31.12.2024``,
  ``31.12.2024 14:30``) beside ISO 8601; empty cells mean "not given".
- Every row keeps the line it came from, so errors point at the file as the person sees it.
- Bounds, whatever the form (the README's import section states them): ``MAX_ROWS`` rows,
  ``MAX_COLUMNS`` cells a row, ``MAX_CELL_CHARS`` characters a cell, ``MAX_LINE_BYTES`` a JSON
  line; a workbook's parts are bounded before openpyxl reads them (``xlsx_guard``). A file
  past one is refused whole with an ``ImportFileError`` saying which, and an error echoes at
  most ``SHOWN_COLUMNS`` of the file's texts, each ``wording.shown``.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from ..language import Language, say
from ..wording import shown
from . import xlsx_guard
from .cells import BEYOND_HEADER, beyond_header, header_names, listed, row_of
from .columns import column_for, description_row
from .errors import ImportFileError
from .limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_LINE_BYTES, MAX_ROWS, SNIFFED_CHARS
from .text_form import encoding_of, sniff

log = logging.getLogger(__name__)

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
ZIP_MAGIC = b"PK\x03\x04"

Row = tuple[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Table:
    form: str
    """What the file was read as, for the progress line: "CSV, Windows-1252, ';'"."""
    rows: Iterator[Row]
    """Read as they are taken, so a file of any length is never held whole: the import checks
    and writes them chunk by chunk. A file that turns out unreadable further on raises
    ``ImportFileError`` from the iteration."""
    written: dict[str, str] = field(default_factory=dict)
    """Each column by the header the file wrote for it (``occurred_at`` -> ``dato``), filled as
    the header is read: an error names the column as the person who wrote the file knows it."""


def read(path: Path, *, sheet: str | None = None) -> Table:
    """The file, opened: its form known (the encoding of a text file found, a workbook's parts
    bounded), its rows to be taken. CPU work: the import calls it off the event loop."""
    if path.suffix.lower() in JSON_SUFFIXES:
        written: dict[str, str] = {}
        return Table("JSON lines", _json_lines(path, written), written)
    with path.open("rb") as head:
        magic = head.read(len(ZIP_MAGIC))
    if magic == ZIP_MAGIC or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook(path, sheet)
    if sheet is not None:
        raise ImportFileError(message_id="imports.reading.sheet_xlsx_workbooks_file")
    codec, encoding = encoding_of(path)
    stream = path.open(encoding=codec, newline="")
    try:
        delimiter = sniff(stream.read(SNIFFED_CHARS))
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    shown = {"\t": "tab", ",": "','", ";": "';'"}[delimiter]
    written = {}
    return Table(f"CSV, {encoding}, {shown}-separated", _csv_rows(stream, delimiter, written), written)


def _json_lines(path: Path, written: dict[str, str]) -> Iterator[Row]:
    with path.open("rb") as lines:
        for number in range(1, MAX_ROWS + 2):
            line = lines.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            if number > MAX_ROWS:
                raise ImportFileError(message_id="imports.reading.file_more_lines_most_2", values={"MAX_ROWS": MAX_ROWS})
            if len(line) > MAX_LINE_BYTES:
                raise ImportFileError(
                    message_id="imports.reading.line_longer_bytes_most",
                    values={"number": number, "MAX_LINE_BYTES": MAX_LINE_BYTES},
                )
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    message_id="imports.reading.line_utf_byte_line", values={"number": number, "value": exc.start + 1}
                ) from None
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ImportFileError(message_id="imports.reading.line_json", values={"number": number, "msg": exc.msg}) from None
            except (ValueError, RecursionError):  # a number of over 4,300 digits; arrays nested thousands deep
                raise ImportFileError(message_id="imports.reading.line_json_import_take", values={"number": number}) from None
            if not isinstance(row, dict):
                raise ImportFileError(message_id="imports.reading.line_json_object", values={"number": number})
            if len(row) > MAX_COLUMNS:
                raise ImportFileError(
                    message_id="imports.reading.line_keys_row_may",
                    values={"number": number, "row": len(row), "MAX_COLUMNS": MAX_COLUMNS},
                )
            named = {column_for(key) or key: key for key in row}
            for name, key in named.items():
                written.setdefault(name, key)
            yield number, {column_for(key) or key: value for key, value in row.items()}


def _csv_rows(stream: TextIO, delimiter: str, written: dict[str, str]) -> Iterator[Row]:
    with stream:
        reader = csv.reader(stream, delimiter=delimiter)
        records = _records(reader)
        header = next(records, None)
        if header is None:
            raise ImportFileError(message_id="imports.reading.file_empty")
        names = header_names(header, written)
        skip = description_row()
        line = reader.line_num
        for cells in records:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells) or cells[: len(skip)] == skip:
                continue
            yield start, row_of(names, cells)


def _records(reader: Any) -> Iterator[list[str]]:
    """The reader's records, each within the bounds. The csv module refuses a cell past its own
    field limit (131,072 characters) with an error; that is a long cell too."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _long_cell(reader.line_num) from None
            raise ImportFileError(message_id="imports.reading.line_read_csv", values={"line_num": reader.line_num}) from None
        if reader.line_num > MAX_ROWS:
            raise ImportFileError(message_id="imports.reading.file_more_lines_most", values={"MAX_ROWS": MAX_ROWS})
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                message_id="imports.reading.line_cells_row_may",
                values={"line_num": reader.line_num, "cells": len(cells), "MAX_COLUMNS": MAX_COLUMNS},
            )
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise _long_cell(reader.line_num)
        yield cells


def _long_cell(line: int) -> ImportFileError:
    return ImportFileError(message_id="imports.reading.long_cell", values={"line": line, "MAX_CELL_CHARS": MAX_CELL_CHARS})


def _workbook(path: Path, sheet: str | None) -> Table:
    """One sheet, after ``xlsx_guard`` has bounded what its parts unpack to and hold. Whatever
    openpyxl raises on a damaged or crafted workbook (a shared string it does not have, an
    attribute of the wrong type, XML that does not parse, ...) refuses the file."""
    import openpyxl

    xlsx_guard.check(path)
    try:
        # keep_links=False: external workbooks linked from this one are not read
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise _unreadable(exc) from None
    try:
        worksheet = _sheet(workbook, sheet)
    except BaseException:
        workbook.close()
        raise
    written: dict[str, str] = {}
    return Table(f"workbook sheet '{shown(worksheet.title)}'", _workbook_rows(workbook, worksheet, written), written)


def _workbook_rows(workbook: Any, worksheet: Any, written: dict[str, str]) -> Iterator[Row]:
    try:
        yield from _sheet_rows(worksheet, written)
    except ImportFileError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from None
    finally:
        workbook.close()


def _unreadable(exc: Exception) -> ImportFileError:
    log.info("an .xlsx openpyxl cannot read: %s: %s", type(exc).__name__, exc)
    return ImportFileError(message_id="imports.reading.readable_xlsx_workbook_damaged")


def _sheet(workbook: Any, sheet: str | None) -> Any:
    if sheet is not None and sheet not in workbook.sheetnames:
        raise ImportFileError(
            message_id="imports.reading.sheet_workbook",
            values={"sheet": shown(sheet), "sheetnames": listed(workbook.sheetnames, quote="")},
        )
    if sheet is None and not workbook.worksheets:
        raise ImportFileError(message_id="imports.reading.workbook_sheet_cells")
    return workbook[sheet] if sheet is not None else workbook.worksheets[0]


def _sheet_rows(worksheet: Any, written: dict[str, str]) -> Iterator[Row]:
    # Rows and columns are bounded explicitly: without them openpyxl pads every row to the
    # columns, and adds the rows, that the sheet's own <dimension> claims (A1:XFD1048576 is
    # 17 billion cells). The guard has bounded the rows' numbers and cells already.
    header_cells = next(worksheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
    if header_cells is None:
        raise ImportFileError(message_id="imports.reading.sheet_empty")
    header = ["" if cell is None else str(cell) for cell in header_cells]
    while header and not header[-1].strip():  # the padding up to MAX_COLUMNS
        header.pop()
    # Only the named columns are read from each row: openpyxl pads a row to the last column
    # (up to XFD, with blank header cells between), and a million rows of 16,384 would be read
    # cell by cell.
    named = [(index, name) for index, name in enumerate(header_names(header, written)) if name is not None]
    names: list[str | None] = [name for _, name in named]
    skip = description_row()
    # A row's cells as the sheet holds them, not padded: openpyxl pads each row to the columns
    # asked for (or that the sheet's own <dimension> claims, up to XFD), so reading past the
    # header to refuse a cell there, as a CSV row's is (it was dropped unseen, polish5), would
    # build 16,384 values for a row with one cell at XFD (20,000 such rows took 200 s). Its
    # read-only sheet builds rows in ``_get_row`` from the cells parsed; taken as parsed here.
    worksheet.reset_dimensions()  # a missing row is then [], not a padded tuple
    worksheet._get_row = _as_parsed
    width = len(header)
    for number, cells in enumerate(worksheet.iter_rows(min_row=2, max_row=MAX_ROWS, values_only=True), start=2):
        present = {cell["column"] - 1: cell["value"] for cell in cells if cell["value"] is not None}
        values = [_cell(present.get(index)) for index, _ in named]
        beyond = beyond_header(
            width,
            [(index, text) for index, value in sorted(present.items()) if index >= width and (text := _cell(value).strip())],
            sheet=True,
        )
        if (not any(values) and beyond is None) or values[: len(skip)] == skip:
            continue
        row = row_of(names, values)
        if beyond is not None:
            row[BEYOND_HEADER] = beyond
        yield number, row


def _as_parsed(row: list[dict[str, Any]], *_: object, **__: object) -> list[dict[str, Any]]:
    """A row of openpyxl's read-only sheet as its parser gives it: each cell present, a dict
    with its ``column`` (from 1) and ``value``."""
    return row


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


CSV_FORM = re.compile(r"CSV, (?P<encoding>[^,]+), (?P<separator>tab|'.')-separated")
WORKBOOK_FORM = re.compile(r"workbook sheet '(?P<sheet>.*)'", re.DOTALL)


def form_said(form: str, language: Language | None) -> str:
    """What a file was read as (``Table.form``, stored in English) in the language asked; as
    stored without one. Under nn an upload read "CSV, UTF-8, ';'-separated" (outside review
    #32)."""
    if language is None:
        return form
    if form == "JSON lines":
        return say("imports.form.json", language)
    if (csv_form := CSV_FORM.fullmatch(form)) is not None:
        separator = csv_form["separator"]
        separator = say("imports.form.tab", language) if separator == "tab" else separator
        return say("imports.form.csv", language, encoding=csv_form["encoding"], separator=separator)
    if (sheet := WORKBOOK_FORM.fullmatch(form)) is not None:
        return say("imports.form.workbook", language, sheet=sheet["sheet"])
    return form
