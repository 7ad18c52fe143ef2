"""Render the Bufdir report of a snapshot as an .xlsx workbook (openpyxl).

A front sheet names the organisation, period, snapshot and when it was aggregated; then one
sheet per section in section order: key, Norwegian label, value, prior-period value, change,
whether the field is required, and the validation notes for the field.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ...models import (
    FieldDataType,
    FieldDefinition,
    FieldValue,
    Organization,
    Period,
    Snapshot,
)
from ..base.loaders import FieldValueRow
from ..snapshots.section_values import SectionValues
from ..snapshots.validation import Finding

COLUMNS = ("Felt", "Ledetekst", "Verdi", "Forrige periode", "Endring", "Påkrevd", "Merknader")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name, each name once."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Seksjon"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def shown(value: FieldValue | FieldValueRow, definition: FieldDefinition, *, prior: bool = False) -> object:
    number = value.prior_value if prior else value.value
    text = value.prior_text_value if prior else value.text_value
    if definition.data_type == FieldDataType.TEXT:
        return text
    if number is None:
        return None
    if definition.data_type == FieldDataType.BOOLEAN:
        return "Ja" if number else "Nei"
    if definition.data_type == FieldDataType.INTEGER:
        return int(number)
    return float(number)


def change(value: FieldValue | FieldValueRow, definition: FieldDefinition) -> float | int | None:
    if definition.data_type in (FieldDataType.TEXT, FieldDataType.BOOLEAN):
        return None
    if value.value is None or value.prior_value is None:
        return None
    difference: Decimal = value.value - value.prior_value
    return int(difference) if definition.data_type == FieldDataType.INTEGER else float(difference)


def render(
    *,
    organization: Organization,
    period: Period | None,
    snapshot: Snapshot,
    sections: list[SectionValues],
    findings: list[Finding],
) -> bytes:
    workbook = Workbook()
    front = cast(Worksheet, workbook.active)  # a new workbook's one sheet
    front.title = "Rapport"
    aggregated = snapshot.aggregated_at.astimezone(UTC).isoformat(timespec="seconds") if snapshot.aggregated_at else ""
    for row in (
        ("Rapport til Bufdir",),
        ("Organisasjon", f"{organization.name} ({organization.id})"),
        (
            "Periode",
            f"{period.name} ({period.id}), {period.start} – {period.end}"
            if period
            else f"{snapshot.range_start:%Y-%m-%d} – {snapshot.range_end:%Y-%m-%d}",
        ),
        ("Snapshot", snapshot.id),
        ("Aggregert", aggregated),
        ("Generert", datetime.now(UTC).isoformat(timespec="seconds")),
        ("Felter utfylt", f"{snapshot.populated_field_count} av {snapshot.field_count}"),
    ):
        front.append(row)
    front["A1"].font = BOLD
    notes: dict[str, list[str]] = {}
    for finding in findings:
        notes.setdefault(finding.field_key, []).append(
            f"{'Feil' if finding.severity == 'error' else 'Advarsel'}: {finding.message}"
        )
    taken = {"rapport"}
    for group in sections:
        sheet = workbook.create_sheet(sheet_title(group.section.title, taken))
        sheet.append(COLUMNS)
        for cell in sheet[1]:
            cell.font = BOLD
        for value, definition in group.values:
            sheet.append(
                (
                    definition.key,
                    definition.label,
                    shown(value, definition),
                    shown(value, definition, prior=True),
                    change(value, definition),
                    "Ja" if definition.required else "Nei",
                    "; ".join(notes.get(definition.key, [])) or None,
                )
            )
        sheet.column_dimensions["A"].width = 40
        sheet.column_dimensions["B"].width = 50
        sheet.column_dimensions["G"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
