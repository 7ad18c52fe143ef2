"""Bounds on an .xlsx before openpyxl reads it: a workbook is a zip of XML parts, and neither the
upload's size nor openpyxl bounds what the parts unpack to, or what openpyxl keeps of them.

First from the zip's directory, before anything is unpacked: how many parts, what they unpack
to together, and how far each packs (``limits``). Then every part is read once through expat,
keeping nothing but counts: a DOCTYPE (where entities are declared, to be expanded or fetched)
is refused, and so are a cell's text past ``MAX_CELL_CHARS``, rows and cells past an Excel
sheet's, and more elements than openpyxl should keep. Only then does openpyxl parse the file
(through defusedxml too, which refuses entity declarations: openpyxl uses it when installed).
A part that is not XML (a picture) is read until expat says so; openpyxl would stop there too.

What a part unpacks to is never more than its directory says: zipfile stops at the declared
size and then refuses the part's checksum (``test_a_part_that_unpacks_past_its_declared_size``).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from xml.parsers import expat

from ..wording import shown
from .errors import ImportFileError
from .limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_ELEMENTS,
    MAX_XLSX_PARTS,
    MAX_XLSX_RATIO,
    MAX_XLSX_ROW_ELEMENTS,
    MAX_XLSX_STRINGS,
    MAX_XLSX_TOKEN_BYTES,
    MAX_XLSX_UNPACKED,
    MIB,
    XLSX_RATIO_FROM,
)

CHUNK = 1 << 16
UNREADABLE_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)
"""What zipfile raises on a damaged, encrypted or oddly compressed archive."""


def check(path: Path) -> None:
    """Refuse the workbook at ``path`` if it is past a bound, with the bound in the message."""
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE_ZIP:
        raise ImportFileError(message_id="imports.xlsx_guard.readable_xlsx_workbook_zip") from None
    with archive:
        parts = archive.infolist()
        _check_directory(parts)
        for part in parts:
            try:
                _scan(archive, part)
            except UNREADABLE_ZIP:
                raise ImportFileError(
                    message_id="imports.xlsx_guard.readable_xlsx_workbook_part", values={"filename": shown(part.filename)}
                ) from None


def _check_directory(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_XLSX_PARTS:
        raise ImportFileError(
            message_id="imports.xlsx_guard.workbook_parts_xlsx_may",
            values={"parts": len(parts), "MAX_XLSX_PARTS": MAX_XLSX_PARTS},
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(
            message_id="imports.xlsx_guard.workbook_unpacks_xlsx_may",
            values={"unpacked": _mib(unpacked), "MAX_XLSX_UNPACKED": _mib(MAX_XLSX_UNPACKED)},
        )
    for part in parts:
        if part.file_size > XLSX_RATIO_FROM and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            raise ImportFileError(
                message_id="imports.xlsx_guard.workbook_s_part_unpacks",
                values={
                    "filename": shown(part.filename),
                    "file_size": _mib(part.file_size),
                    "compress_size": part.compress_size,
                    "MAX_XLSX_RATIO": MAX_XLSX_RATIO,
                },
            )


def _mib(size: int) -> str:
    return f"{size / MIB:,.1f} MiB"


class _Scan:
    """Counts kept while one part is parsed; each handler refuses what goes past a bound."""

    def __init__(self, parser: expat.XMLParserType, name: str) -> None:
        self.parser, self.name = parser, shown(name)
        self.depth = 0
        self.elements = 0
        """Elements outside rows and shared strings."""
        self.item: str | None = None
        """'row' or 'si' while inside one."""
        self.item_depth = self.item_elements = 0
        self.rows = self.strings = self.cells = 0
        self.chars = 0
        """Characters of the current cell, shared string or (outside those) element."""
        self.last_token = 0
        """Where the latest tag began: a text is bounded by ``chars``, so bytes fed past this many
        more are a tag or a comment that never ends."""

    def refuse(self, problem: str) -> None:
        raise ImportFileError(message_id="imports.xlsx_guard.workbook_s_part", values={"name": self.name, "problem": problem})

    def doctype(self, *_: object) -> None:
        self.refuse("declares a DOCTYPE (XML entities), which a workbook never needs; save it again as .xlsx")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.last_token = self.parser.CurrentByteIndex
        self.depth += 1
        local = name.rpartition(":")[2]
        if self.item is not None:
            self.item_elements += 1
            if self.item_elements > MAX_XLSX_ROW_ELEMENTS:
                self.refuse(f"has a row or text of more than {MAX_XLSX_ROW_ELEMENTS:,} XML elements")
            if self.item == "row" and local == "c":
                self.cells += 1
                self.chars = 0
                if self.cells > MAX_COLUMNS:
                    self.refuse(f"has a row of more than {MAX_COLUMNS:,} cells, the most a row may have")
            return
        self.chars = 0
        if local == "row":
            self._row(attributes.get("r"))
        elif local == "si":
            self.strings += 1
            if self.strings > MAX_XLSX_STRINGS:
                self.refuse(f"has more than {MAX_XLSX_STRINGS:,} shared strings")
        else:
            self.elements += 1
            if self.elements > MAX_XLSX_ELEMENTS:
                self.refuse(f"has more than {MAX_XLSX_ELEMENTS:,} XML elements outside its rows")
            return
        self.item, self.item_depth, self.item_elements, self.cells = local, self.depth, 0, 0

    def _row(self, number: str | None) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            self.refuse(f"has more than {MAX_ROWS:,} rows, the most a file may have")
        try:
            numbered = int(number) if number is not None else None
        except ValueError:
            return  # openpyxl refuses it
        if numbered is not None and not 1 <= numbered <= MAX_ROWS:
            self.refuse(f"has a row numbered {shown(number or '')}; rows are numbered 1 to {MAX_ROWS:,}")

    def end(self, _: str) -> None:
        if self.item is not None and self.depth == self.item_depth:
            self.item = None
        self.depth -= 1

    def text(self, data: str) -> None:
        self.chars += len(data)
        if self.chars > MAX_CELL_CHARS:
            self.refuse(f"has a cell or text of more than {MAX_CELL_CHARS:,} characters, the most a cell may hold")


def _scan(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True  # a text in one call, not one a line
    scan = _Scan(parser, part.filename)
    parser.StartDoctypeDeclHandler = scan.doctype
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    fed = 0
    with archive.open(part) as source:
        while chunk := source.read(CHUNK):
            fed += len(chunk)
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError:
                return  # not XML, or broken: openpyxl's parse stops at the same byte
            if fed - scan.last_token > MAX_XLSX_TOKEN_BYTES:
                scan.refuse(f"has a tag, comment or text running past {MAX_XLSX_TOKEN_BYTES:,} bytes")
        try:
            parser.Parse(b"", True)
        except expat.ExpatError:
            return
