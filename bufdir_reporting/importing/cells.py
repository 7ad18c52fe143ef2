"""A file's cells as the import's columns and values, whatever form the file is in: the header's
cells named as columns (a file with unknown or missing columns refused whole), a row's cells read
as their columns' types (decimal commas, Norwegian dates beside ISO 8601; empty cells mean "not
given")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..resolvers.base import numbers
from ..wording import shown
from .columns import BY_NAME, COLUMNS, column_for
from .errors import ImportFileError
from .limits import SHOWN_COLUMNS

NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")


def listed(cells: list[str], *, quote: str = "'", end: str | None = None, more: str = " and {:,} more") -> str:
    """Header cells (or sheet names) for a message: ``SHOWN_COLUMNS`` at most, each shortened,
    between ``quote`` and ``end`` (``quote`` again when None)."""
    close = quote if end is None else end
    names = ", ".join(f"{quote}{shown(cell, limit=40)}{close}" for cell in cells[:SHOWN_COLUMNS])
    rest = len(cells) - SHOWN_COLUMNS
    return names + (more.format(rest) if rest > 0 else "")


def header_names(header: list[str], written: dict[str, str]) -> list[str | None]:
    """Each header cell's column; a file with unknown or missing columns is refused whole,
    with the columns it has and the ones the import takes."""
    names = [column_for(cell) if cell.strip() else None for cell in header]
    unknown = [cell for cell, name in zip(header, names, strict=True) if cell.strip() and name is None]
    if unknown:
        one_cell = len(header) == 1 and re.search(r"[^\w\s]", header[0].strip()) is not None
        raise ImportFileError(
            message_id="imports.cells.unknown_columns_one_cell" if one_cell else "imports.cells.unknown_columns",
            values={
                "value": "s" if len(unknown) > 1 else "",
                "unknown": listed(unknown),
                "value2": ", ".join(column.name for column in COLUMNS),
                # nb/nn: quoted as Norwegian quotes, and the names a Norwegian writes (Dato, not
                # occurred_at): "ukjend kolonne: 'Farge'; kolonnane er: organization_id, …" (outside review)
                "unknown_quoted": listed(unknown, quote="«", end="»", more=" og {} til"),
                "norwegian": ", ".join(column.norwegian for column in COLUMNS),
            },
        )
    missing = [column for column in COLUMNS if column.required and column.name not in names]
    if missing:
        named = [cell for cell in header if cell.strip()]
        raise ImportFileError(
            message_id="imports.cells.header_column" if named else "imports.cells.header_column_none_named",
            values={
                "missing": ", ".join(column.name for column in missing),
                "has": listed(named),
                # nb/nn: the columns as a Norwegian writes them, quoted as Norwegian quotes
                # ("ingen kolonne for organization_id, occurred_at" named columns no one wrote)
                "missing_quoted": listed([column.norwegian for column in missing], quote="«", end="»", more=" og {} til"),
                "has_quoted": listed(named, quote="«", end="»", more=" og {} til"),
            },
        )
    for cell, name in zip(header, names, strict=True):
        if name is not None:
            written.setdefault(name, shown(cell.strip(), limit=40))
    return names


BEYOND_HEADER = "\x00cells beyond the header"
"""The key under which ``row_of`` keeps what a row holds past its header's last column (a
``Beyond``; the row is refused for it, ``importing.overfull``): no header cell or JSON key a
person writes is it."""


@dataclass(frozen=True, slots=True)
class Beyond:
    """A row's cells past its header's last column: how many cells the row has up to the last one
    written, the header's columns, where the written ones are (from 0) and the first's text."""

    cells: int
    columns: int
    first: int
    last: int
    value: str
    sheet: bool = False
    """A workbook's row: a cell there holds no separator to quote, so its refusal says otherwise."""


def column_letters(position: int) -> str:
    """A column as a spreadsheet names it: 1 is ``A``, 27 ``AA``, 16,384 ``XFD``."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def beyond_header(columns: int, written: list[tuple[int, str]], *, sheet: bool = False) -> Beyond | None:
    """``written``: the row's cells past its header that are not empty, (position, text)."""
    if not written:
        return None
    return Beyond(written[-1][0] + 1, columns, written[0][0], written[-1][0], written[0][1], sheet)


def row_of(names: list[str | None], cells: list[str]) -> dict[str, Any]:
    """A row's cells by their columns. Cells past the header's last column are kept aside
    (``BEYOND_HEADER``), not dropped: in a ``;``-separated file an unquoted ``p-1;p-2`` of
    participant references is two cells, and the row imported with ``p-1`` alone, the second
    person silently not counted (outsider)."""
    row: dict[str, Any] = {}
    beyond = beyond_header(
        len(names), [(index, cell.strip()) for index, cell in enumerate(cells) if index >= len(names) and cell.strip()]
    )
    if beyond is not None:
        row[BEYOND_HEADER] = beyond
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
        return numbers.decimal_text(text)
    if kind == "integer" and numbers.GROUPED.match(text):
        return re.sub(r"[ \u00a0]", "", text)
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    return text
