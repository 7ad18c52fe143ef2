"""A text file's form, found before a row is read: its encoding (a byte order mark, else UTF-8
if every byte is, else Windows-1252, else Latin-1) and the delimiter its header is split by."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from .errors import ImportFileError
from .limits import SNIFFED_CHARS

SCAN_BYTES = 1 << 20
"""What a text file's encoding is checked in at a time: the whole file is checked before a row
is read (a byte order mark says the file is in its encoding; otherwise UTF-8 is taken only if
every byte is), without holding it whole."""


def encoding_of(path: Path) -> tuple[str, str]:
    """The codec a text file is read with and its name for people: a byte order mark decides,
    else UTF-8 if the bytes are UTF-8, else Windows-1252 (what Excel writes as "CSV" on a
    Norwegian Windows), else Latin-1."""
    with path.open("rb") as source:
        head = source.read(3)
    if head.startswith(b"\xef\xbb\xbf"):
        _scan(path, "utf-8", start=3, marked="UTF-8")
        return "utf-8-sig", "UTF-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if path.stat().st_size % 2:
            raise ImportFileError(message_id="imports.text_form.file_marked_utf_unicode")
        _scan(path, "utf-16", marked="UTF-16")
        return "utf-16", "UTF-16"
    for codec, name in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        if _scan(path, codec):
            return codec, name
    return "latin-1", "Latin-1"


def _scan(path: Path, codec: str, *, start: int = 0, marked: str | None = None) -> bool:
    """Whether every byte from ``start`` on is ``codec``. A file ``marked`` (by a byte order
    mark) as that encoding is refused where it is not, naming the line: the mark says the file
    is in it, so no other encoding is guessed."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines, offset = 1, start
    with path.open("rb") as source:
        source.seek(start)
        while True:
            chunk = source.read(SCAN_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                if marked is None:
                    return False
                at = max(exc.start, 0)
                line = lines + chunk[:at].decode(codec, errors="replace").count("\n")
                raise ImportFileError(
                    message_id="imports.text_form.file_marked_but_line",
                    values={"marked": marked, "line": line, "value": offset + at + 1},
                ) from None
            if not chunk:
                return True
            lines += text.count("\n")
            offset += len(chunk)


def sniff(text: str) -> str:
    """``,``, ``;`` or tab: what the header line is split by (the sniffer on a sample when it
    can tell, else the most frequent of the three in the header)."""
    lines = text[:SNIFFED_CHARS].splitlines()
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        return max(",;\t", key=header.count)
