"""Where a report record's file may live: inside its own organisation's folder of the store.

Every organisation's files are under ``reports/<organization id>/``; the service writes a
generated report as ``reports/<organization>/<period or "range">/<record id>.xlsx``. A client may
set ``file_ref`` (the legacy repository contract lets it), but only to a path inside the record's
own organisation's folder: checked when a ref is written, and again on every read and delete, so a
ref stored before this rule (or by any other path) still never reaches another organisation's file.

A record deletes only the file it owns — its own stored name — and not while another record points
at the same file. A submitted report's file is that submission's only: no other record may be
pointed at it (a draft that names it could be edited, regenerated or deleted as the file Bufdir
received; outside review).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ...errors import InvalidInput
from ...language import Language, parse, say
from ...models import ReportRecord
from ..base.context import Context
from .filestore import FileStore

ROOT = "reports"


def store(ctx: Context) -> FileStore:
    return FileStore(ctx.settings.report_store_root)


def folder(organization_id: str) -> str:
    return f"{ROOT}/{organization_id}"


def own_ref(record: ReportRecord, *, period_id: str | None, suffix: str = ".xlsx") -> str:
    return f"{folder(record.organization_id)}/{period_id or 'range'}/{record.id}{suffix}"


def is_inside(ref: str, organization_id: str) -> bool:
    try:
        parts = PurePosixPath(FileStore.checked(ref)).parts
    except InvalidInput:
        return False
    return len(parts) >= 3 and parts[0] == ROOT and parts[1] == organization_id


def require_inside(ref: str | None, organization_id: str) -> None:
    if ref is not None and not is_inside(ref, organization_id):
        raise InvalidInput(
            field="file_ref", message_id="reporting.files.file_ref_name_file", values={"organization_id": folder(organization_id)}
        )


def is_owned(record: ReportRecord) -> bool:
    """The ref is this record's own stored name: under its organisation, named by its id."""
    ref = record.file_ref
    return ref is not None and is_inside(ref, record.organization_id) and PurePosixPath(ref).stem == record.id


async def refuse_if_submitted_file(ref: str | None, *, report_id: str | None = None) -> None:
    """Refuse a ``file_ref`` naming the file of a submitted report (another record's)."""
    if ref is None:
        return
    submitted = ReportRecord.filter(file_ref=ref, submissions__id__isnull=False)
    if report_id is not None:
        submitted = submitted.exclude(id=report_id)
    if await submitted.exists():
        raise InvalidInput(field="file_ref", message_id="reporting.files.file_ref_names_file")


async def is_shared(record: ReportRecord) -> bool:
    return await ReportRecord.filter(file_ref=record.file_ref).exclude(id=record.id).exists()


def download_name(record: ReportRecord, language: Language | None = None) -> str:
    """The file's name in the language it is written in (``language_of``): an English report
    downloaded as ``bufdir-rapport_…`` (outside review #32); Bokmål when it states none."""
    period = record.period_id or f"{record.period_from}_{record.period_to}"
    suffix = PurePosixPath(record.file_ref).suffix if record.file_ref else ".xlsx"
    stem = say("reporting.files.download_stem", language or Language.NB)
    return f"{stem}_{record.organization_id}_{period}_{record.id}{suffix or '.xlsx'}"


STATED_IN_PDF = re.compile(rb"/Lang\s*\(([A-Za-z-]{2,8})\)|<dc:language>\s*<rdf:Bag>\s*<rdf:li>([A-Za-z-]{2,8})</rdf:li>")
STATED_IN_XLSX = re.compile(r"<dc:language[^>]*>([A-Za-z-]{2,8})</dc:language>")
STREAM = re.compile(rb"stream\r?\n")
INFLATED_LIMIT = 1 << 20
"""The most of one compressed PDF stream read looking for the language."""


def _pdf_language(data: bytes) -> str | None:
    """The PDF's stated language: the catalogue's ``/Lang``, which WeasyPrint writes inside a
    compressed object stream, or XMP ``dc:language``; read in the file, then in each stream."""
    found = STATED_IN_PDF.search(data)
    for opened in STREAM.finditer(data):
        if found:
            break
        end = data.find(b"endstream", opened.end())
        try:
            inflated = zlib.decompressobj().decompress(data[opened.end() : end], INFLATED_LIMIT)
        except zlib.error:
            continue
        found = STATED_IN_PDF.search(inflated)
    return (found[1] or found[2]).decode("ascii") if found else None


def language_of(path: str) -> Language | None:
    """The language a rendered file states it is in (the PDF's ``/Lang``; the workbook's
    ``docProps/core.xml``), None when it states none we know. Its download says it
    (``Content-Language``), not the request's: an English PDF answered ``Content-Language: nn``
    (outside review). Blocking: call off the event loop."""
    file = Path(path)
    try:
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as workbook:
                core = workbook.read("docProps/core.xml").decode("utf-8", "replace")
            stated = STATED_IN_XLSX.search(core)
            return parse(stated[1]) if stated else None
        return parse(_pdf_language(file.read_bytes()))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
