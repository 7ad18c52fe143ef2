"""The selection streamed as JSON-stat 2.0, as CSV for Norwegian Excel, and as DHIS2
``dataValueSets`` JSON: async generators of bytes, reading a chunk of fields at a time
(``table.cells``), so no export holds the whole table.

- **JSON-stat 2.0** (https://json-stat.org/format/): one ``dataset`` with the dimensions
  ``field`` (role metric), ``organization`` (geo) and ``period`` (time), ``value`` in that order
  (row-major, the last dimension fastest) and ``status`` beside it (the cell's status word). The
  statuses are kept one byte a cell until the values are written: the one thing an export holds
  for the whole table.
- **CSV for Norwegian Excel**: UTF-8 with a byte-order mark (Excel reads UTF-8 as such only with
  one; Windows-1252 cannot hold every name), semicolons between columns and a decimal comma (what
  Excel expects under a Norwegian locale, where a comma separates decimals), CRLF line ends, one
  row a cell: codes beside their words in the reader's language (a status code, which scripts
  filter on, and its word; a yes/no field's value as ja/nei, yes/no, not 1/0). Text that Excel
  would read as a formula (``spreadsheet_text.FORMULA_STARTS``) is preceded by an apostrophe
  (OWASP "CSV injection"), ids as well as names.
- **DHIS2 dataValueSets**: ``{"dataValues": [{"dataElement", "period", "orgUnit", "value"}]}``
  with the field key as data element, the organisation's id as org unit, DHIS2's period format
  (``2025``, ``2025S1``, ``2025Q1``, ``202501``) and the value as a string, as DHIS2 writes it;
  cells with no value are left out, as DHIS2 does. A custom period has no DHIS2 form.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ...errors import InvalidInput
from ...language import FALLBACK, Language, chosen, say
from ...models import FieldDataType, PeriodType
from ..base.context import Context
from ..base.numbers import plain
from ..base.spreadsheet_text import inert
from .dimensions import PeriodInfo
from .selection import Plan, Selection, plan
from .table import Cell, CellStatus, cells

Progress = Callable[[int, int], None]
ROWS_PER_WRITE = 2000
"""Cells written per chunk of bytes sent."""
BOM = "\ufeff"
STATUSES = list(CellStatus)
CSV_HEADER = "analytics.csv_header"
"""The CSV's column names, in the language asked (``messages/analytics.toml``; Bokmål by default):
felt;feltnavn;organisasjon;organisasjonsnavn;periode;periodenavn;verdi;status;statusnavn;godkjent."""


def _number(value: Decimal) -> str:
    return plain(value)


def _json_value(cell: Cell) -> str:
    if cell.value is not None:
        return _number(cell.value)
    if cell.text is not None:
        return json.dumps(cell.text, ensure_ascii=False)
    return "null"


def jsonstat_head(planned: Plan, language: Language = FALLBACK) -> dict[str, Any]:
    """The dataset's labels (its dimensions', its categories') in ``language``; ids stay."""
    fields = planned.fields
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "Bufdir: " + ", ".join(f.label for f in fields[:3]) + (" …" if len(fields) > 3 else ""),
        "source": "Bufdir",
        "updated": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "id": ["field", "organization", "period"],
        "size": [len(fields), len(planned.organizations), len(planned.periods)],
        "role": {"metric": ["field"], "geo": ["organization"], "time": ["period"]},
        "dimension": {
            "field": {
                "label": say("analytics.field", language),
                "category": {
                    "index": [f.key for f in fields],
                    "label": {f.key: f.label for f in fields},
                    "unit": {f.key: {"label": f.unit} for f in fields if f.unit},
                },
            },
            "organization": {
                "label": say("analytics.organization", language),
                "category": {
                    "index": [o.id for o in planned.organizations],
                    "label": {o.id: o.name for o in planned.organizations},
                },
            },
            "period": {
                "label": say("analytics.period", language),
                "category": {"index": [p.id for p in planned.periods], "label": {p.id: p.name for p in planned.periods}},
            },
        },
        "extension": {"value_source": planned.source.value, "form_id": planned.form_id},
    }


async def jsonstat(planned: Plan, *, language: Language = FALLBACK, progress: Progress | None = None) -> AsyncIterator[bytes]:
    head = json.dumps(jsonstat_head(planned, language), ensure_ascii=False)
    yield (head[:-1] + ',"value":[').encode()
    statuses = bytearray()
    written: list[str] = []
    async for cell in cells(planned, progress=progress):
        statuses.append(STATUSES.index(cell.status))
        written.append(_json_value(cell))
        if len(written) >= ROWS_PER_WRITE:
            yield ((b"," if len(statuses) > len(written) else b"") + ",".join(written).encode())
            written = []
    if written:
        yield ((b"," if len(statuses) > len(written) else b"") + ",".join(written).encode())
    yield b'],"status":['
    for start in range(0, len(statuses), ROWS_PER_WRITE):
        part = statuses[start : start + ROWS_PER_WRITE]
        yield ((b"," if start else b"") + ",".join(f'"{STATUSES[i].value}"' for i in part).encode())
    yield b"]}"


def _excel_number(value: Decimal) -> str:
    return _number(value).replace(".", ",")


async def excel_csv(planned: Plan, *, language: Language = FALLBACK, progress: Progress | None = None) -> AsyncIterator[bytes]:
    fields = {f.key: f for f in planned.fields}
    organizations = {o.id: o for o in planned.organizations}
    periods = {p.id: p for p in planned.periods}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(say(CSV_HEADER, language).split(";"))
    yes, no = say("analytics.yes", language), say("analytics.no", language)
    # the status code stays for scripts that filter on it; its word beside it for people
    status_names = {status: say(f"word.CellStatus.{status.value}", language) for status in CellStatus}
    booleans = {f.key for f in planned.fields if f.data_type == FieldDataType.BOOLEAN}
    count = 0
    async for cell in cells(planned, progress=progress):
        if cell.value is not None and cell.field_key in booleans:
            value = yes if cell.value else no
        elif cell.value is not None:
            value = _excel_number(cell.value)
        else:
            value = "" if cell.text is None else inert(cell.text)
        # every text the selection's rows hold, their ids too (an organisation's id is anyone's
        # text once an admin has made it): the ids went out as they were (polish5)
        writer.writerow(
            [
                inert(cell.field_key),
                inert(fields[cell.field_key].label),
                inert(cell.organization_id),
                inert(organizations[cell.organization_id].name),
                inert(cell.period_id),
                inert(periods[cell.period_id].name),
                value,
                cell.status.value,
                status_names[cell.status],
                yes if cell.approved else no,
            ]
        )
        count += 1
        if count % ROWS_PER_WRITE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def dhis2_period(period: PeriodInfo) -> str | None:
    year = period.start.year
    match period.type:
        case PeriodType.YEAR:
            return str(year)
        case PeriodType.HALF:
            return f"{year}S{1 if period.start.month <= 6 else 2}"
        case PeriodType.QUARTER:
            return f"{year}Q{(period.start.month - 1) // 3 + 1}"
        case PeriodType.MONTH:
            return f"{year}{period.start.month:02d}"
        case _:
            return None


def require_dhis2_periods(planned: Plan) -> dict[str, str]:
    """Each period's DHIS2 form; INVALID for a custom period, which DHIS2 has no form for."""
    found = {p.id: dhis2_period(p) for p in planned.periods}
    custom = [p for p, code in found.items() if code is None]
    if custom:
        raise InvalidInput(
            field="period_ids", message_id="analytics.export.dhis_period_type_custom", values={"custom": ", ".join(custom)}
        )
    return {p: code for p, code in found.items() if code is not None}


async def dhis2(planned: Plan, *, language: Language = FALLBACK, progress: Progress | None = None) -> AsyncIterator[bytes]:
    """Codes only (DHIS2 reads no labels): the same in every language."""
    periods = require_dhis2_periods(planned)
    yield b'{"dataValues":['
    first = True
    written: list[bytes] = []
    async for cell in cells(planned, progress=progress):
        if cell.value is None and cell.text is None:
            continue
        value = _number(cell.value) if cell.value is not None else cell.text
        item = {"dataElement": cell.field_key, "period": periods[cell.period_id], "orgUnit": cell.organization_id, "value": value}
        written.append(json.dumps(item, ensure_ascii=False).encode())
        if len(written) >= ROWS_PER_WRITE:
            yield (b"" if first else b",") + b",".join(written)
            first, written = False, []
    if written:
        yield (b"" if first else b",") + b",".join(written)
    yield b"]}"


class ExportFormat(StrEnum):
    JSONSTAT = "jsonstat"
    CSV = "csv"
    DHIS2 = "dhis2"


EXTENSIONS = {ExportFormat.JSONSTAT: "json", ExportFormat.CSV: "csv", ExportFormat.DHIS2: "dhis2.json"}
"""Each format's file extension: JSON-stat and DHIS2 are both JSON, told apart by their names."""
UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Export:
    plan: Plan
    format: ExportFormat
    body: AsyncIterator[bytes]

    @property
    def file_name(self) -> str:
        """What the file holds: ``bufdir-analytics[-<form>][-<period>[_<last period>]].<ext>``, e.g.
        ``bufdir-analytics-barnevern-2025-Q1_2025-Q4.csv``. It was named by its format
        (``bufdir-analytics-csv.csv``): every export saved beside the others had the same name
        (polish5). Characters a file name or a Content-Disposition header may not hold become ``_``."""
        parts = ["bufdir-analytics", *([self.plan.form_id] if self.plan.form_id else [])]
        if periods := self.plan.periods:  # a range may hold none
            first, last = min(periods, key=lambda p: p.start), max(periods, key=lambda p: p.end)
            parts.append(first.id if first is last else f"{first.id}_{last.id}")
        stem = UNSAFE_IN_NAME.sub("_", "-".join(parts))
        return f"{stem}.{EXTENSIONS[self.format]}"


async def export(ctx: Context, *, selection: Selection, format: ExportFormat, progress: Progress | None = None) -> Export:
    """The selection as ``format``, checked whole before the first byte (who may read it, periods
    DHIS2 can name), so a refusal is an error answer and not a broken stream; labelled in the
    request's language, chosen now (the body is written as it streams)."""
    planned = await plan(ctx, selection=selection)
    if format is ExportFormat.DHIS2:
        require_dhis2_periods(planned)
    writer = {ExportFormat.JSONSTAT: jsonstat, ExportFormat.CSV: excel_csv, ExportFormat.DHIS2: dhis2}[format]
    return Export(planned, format, writer(planned, language=chosen(), progress=progress))
