"""Reading the activity files people have: CSV as Excel and case-management systems write it,
an .xlsx workbook, or JSON lines.

- Text: UTF-8 (with or without a byte order mark), UTF-16 with its mark (Excel's "Unicode
  text"), and Windows-1252 when the bytes are not UTF-8 (Excel's CSV in Norway); the delimiter
  (``,`` ``;`` or tab) is found from the file.
- Values: decimal commas (``1,5``, ``1 234,5``) and Norwegian dates (``31.12.2024``,
  ``31.12.2024 14:30``) beside ISO 8601; empty cells mean "not given".
- Every row keeps the line it came from, so errors point at the file as the person sees it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .columns import BY_NAME, COLUMNS, column_for, description_row

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
ZIP_MAGIC = b"PK\x03\x04"
NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0.]\d{3})*,\d+$|^[-+]?\d+,\d+$")
GROUPED = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0]\d{3})+(?:\.\d+)?$")

Row = tuple[int, dict[str, Any]]


class ImportFileError(Exception):
    """The file as a whole cannot be read as activities; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Table:
    form: str
    """What the file was read as, for the progress line: "CSV, Windows-1252, ';'"."""
    rows: list[Row]


PROGRESS_EVERY = 100_000
"""Rows between two progress lines while a large file is read and validated."""


def read(path: Path, *, sheet: str | None = None, progress: Callable[[int], None] = lambda _: None) -> Table:
    """The file's rows; ``progress`` hears how many are read so far, every ``PROGRESS_EVERY``."""
    if path.suffix.lower() in JSON_SUFFIXES:
        return Table("JSON lines", list(counted(_json_lines(path), progress)))
    data = path.read_bytes()
    if data.startswith(ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook(path, sheet, progress)
    if sheet is not None:
        raise ImportFileError("--sheet is for .xlsx workbooks; this file is text")
    text, encoding = decode(data)
    delimiter = sniff(text)
    shown = {"\t": "tab", ",": "','", ";": "';'"}[delimiter]
    return Table(f"CSV, {encoding}, {shown}-separated", list(counted(_csv_rows(text, delimiter), progress)))


def counted(rows: Iterable[Row], progress: Callable[[int], None]) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count % PROGRESS_EVERY == 0:
            progress(count)
        yield row


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: a byte order mark decides, else UTF-8 if the bytes
    are UTF-8, else Windows-1252 (what Excel writes as "CSV" on a Norwegian Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def sniff(text: str) -> str:
    """``,``, ``;`` or tab: what the header line is split by (the sniffer on a sample when it
    can tell, else the most frequent of the three in the header)."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(",;\t", key=header.count)


def _json_lines(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFileError(f"line {number} is not JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise ImportFileError(f"line {number} is not a JSON object")
            yield number, {column_for(key) or key: value for key, value in row.items()}


def _columns(header: list[str]) -> list[str | None]:
    """Each header cell's column; a file with unknown or missing columns is refused whole,
    with the columns it has and the ones the import takes."""
    names = [column_for(cell) if cell.strip() else None for cell in header]
    unknown = [cell for cell, name in zip(header, names, strict=True) if cell.strip() and name is None]
    if unknown:
        hint = ""
        if len(header) == 1 and re.search(r"[^\w\s]", header[0].strip()):
            hint = " (the header is one cell: is the file separated by something other than , ; or tab?)"
        raise ImportFileError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)}{hint}; "
            f"the columns are: {', '.join(column.name for column in COLUMNS)} (see import --help or --template)"
        )
    missing = [column.name for column in COLUMNS if column.required and column.name not in names]
    if missing:
        raise ImportFileError(f"the header has no column for {', '.join(missing)} (it has: {', '.join(header)})")
    return names


def _csv_rows(text: str, delimiter: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportFileError("the file is empty")
    names = _columns(header)
    skip = description_row()
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells) or cells[: len(skip)] == skip:
            continue
        yield start, _row(names, cells)


def _workbook(path: Path, sheet: str | None, progress: Callable[[int], None]) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ImportFileError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ImportFileError(f"no sheet {sheet!r}; the workbook has {', '.join(workbook.sheetnames)}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header_cells = next(rows, None)
        if header_cells is None:
            raise ImportFileError("the sheet is empty")
        names = _columns(["" if cell is None else str(cell) for cell in header_cells])
        skip = description_row()
        found: list[Row] = []
        for number, cells in enumerate(rows, start=2):
            values = [_cell(cell) for cell in cells]
            if not any(values) or values[: len(skip)] == skip:
                continue
            found.append((number, _row(names, values)))
            if len(found) % PROGRESS_EVERY == 0:
                progress(len(found))
        return Table(f"workbook sheet {worksheet.title!r}", found)
    finally:
        workbook.close()


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


def _row(names: list[str | None], cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):
        text = cell.strip()
        if name is None or not text:
            continue
        row[name] = value_of(BY_NAME[name].kind, text)
    return row


def value_of(kind: str, text: str) -> Any:
    """A cell's text as the column's type reads it; what does not fit is left for validation
    to refuse with the value shown."""
    if kind == "datetime" and (match := NORWEGIAN_DATE.match(text)):
        day, month, year, hour, minute, second = (int(part) if part else 0 for part in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second).isoformat()
        except ValueError:
            return text  # 31.02.2024: refused by validation with the value as written
    if kind == "decimal":
        if DECIMAL_COMMA.match(text):
            return re.sub(r"[ \u00a0.]", "", text).replace(",", ".")
        if GROUPED.match(text):
            return re.sub(r"[ \u00a0]", "", text)
    if kind == "integer" and GROUPED.match(text):
        return re.sub(r"[ \u00a0]", "", text)
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    return text
