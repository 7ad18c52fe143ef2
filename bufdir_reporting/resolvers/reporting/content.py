"""What a Bufdir report says, once, for every rendition of it (``render_xlsx``, ``render_pdf``).

The renderers lay this out; they decide nothing about what is shown or in which order, so the
workbook and the PDF cannot drift apart. Everything here is already in the reader's terms:
Norwegian labels and wording, dates and times in Europe/Oslo, numbers kept as numbers (each
renderer formats them for its medium) with the data type that says how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ...models import FieldDataType, FieldDefinition, Organization, Period, Snapshot, Submission
from ..base.loaders import FieldValueRow
from ..snapshots.section_values import SectionValues
from ..snapshots.validation import Finding

OSLO = ZoneInfo("Europe/Oslo")
Value = Decimal | str | bool | None


@dataclass(frozen=True, slots=True)
class Note:
    severity: str  # "error" | "warning"
    message: str

    @property
    def label(self) -> str:
        return "Feil" if self.severity == "error" else "Advarsel"


MISSING = Note("error", "påkrevd, ikke utfylt")
MISSING_VALUE = "mangler"
"""What stands in the value column of a required field that has no value."""


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    data_type: FieldDataType
    unit: str | None
    value: Value
    prior: Value
    change: Decimal | None
    """value minus prior, for numbers with both."""
    change_share: Decimal | None
    """change as a share of |prior| (0.25 is +25 %), when prior is not zero."""
    required: bool
    notes: tuple[Note, ...] = ()
    explanation: str | None = None
    """The organisation's explanation of the value (a large change), shown beside it."""

    @property
    def remarks(self) -> str:
        """The notes column: the explanation first, then the errors and warnings."""
        lines = [f"Forklaring: {self.explanation}"] if self.explanation else []
        return "\n".join(lines + [f"{note.label}: {note.message}" for note in self.notes])

    @property
    def missing(self) -> bool:
        return self.required and self.value is None

    @property
    def display_label(self) -> str:
        """The label with its unit, unless the label already says it ("Brutto driftsutgifter (1000 kr)")."""
        if not self.unit or self.unit.lower() in self.label.lower() or self.kind == FieldDataType.PERCENT:
            return self.label
        return f"{self.label} ({self.unit})"

    @property
    def kind(self) -> FieldDataType:
        """How the number reads: a decimal field counted in % reads as a percentage."""
        if self.data_type == FieldDataType.DECIMAL and self.unit == "%":
            return FieldDataType.PERCENT
        return self.data_type


@dataclass(frozen=True, slots=True)
class SectionPart:
    title: str
    description: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Listed:
    """A finding as the front page lists it: where, what kind, what."""

    section: str
    label: str
    note: Note


@dataclass(frozen=True, slots=True)
class ReportContent:
    organization_name: str
    organization_number: str
    organization_id: str
    period_name: str
    period_dates: str
    prior_period: str | None
    """The compared period by name and dates, or None when there is none."""
    aggregated_at: str
    reference: str
    """The snapshot the figures come from: what support and Bufdir look up."""
    generated_at: str
    generated_by: str
    status: str
    fields_total: int
    fields_filled: int
    sections: tuple[SectionPart, ...]
    missing_required: tuple[Listed, ...] = field(default=())
    findings: tuple[Listed, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"Rapport til Bufdir – {self.organization_name}, {self.period_name}"

    @property
    def facts(self) -> tuple[tuple[str, str], ...]:
        """The front page's label/value lines, in order."""
        return (
            ("Organisasjon", self.organization_name),
            ("Organisasjonsnummer", self.organization_number),
            ("Rapporteringsperiode", f"{self.period_name} ({self.period_dates})"),
            ("Sammenlignet med", self.prior_period or "Ingen tidligere periode å sammenligne med"),
            ("Status", self.status),
            ("Utfylling", self.completeness),
            ("Data hentet", self.aggregated_at),
            ("Generert", f"{self.generated_at} av {self.generated_by}"),
            ("Referanse", self.reference),
        )

    @property
    def missing_heading(self) -> str:
        return f"Påkrevde felt som mangler ({len(self.missing_required)}) – rapporten kan ikke sendes inn før de er utfylt"

    @property
    def ordered_findings(self) -> tuple[Listed, ...]:
        """Errors first, then warnings, each in the report's order."""
        return tuple(sorted(self.findings, key=lambda listed: listed.note.severity != "error"))

    @property
    def findings_heading(self) -> str:
        errors = sum(listed.note.severity == "error" for listed in self.findings)
        return f"Feil ({errors}) og advarsler ({len(self.findings) - errors})"

    @property
    def completeness(self) -> str:
        missing = len(self.missing_required)
        text = f"{self.fields_filled} av {self.fields_total} felt utfylt"
        return f"{text}, {missing} påkrevde mangler" if missing else f"{text}, alle påkrevde er utfylt"


def local_time(moment: datetime) -> str:
    """29.11.2026 kl. 18:05 in Norway's time (CET/CEST as the date has it)."""
    return moment.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def organization_number(number: str | None) -> str:
    """Brønnøysund's grouping: 974 778 742."""
    if number and len(number) == 9 and number.isdigit():
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number or "–"


def _value(row: FieldValueRow, definition: FieldDefinition, *, prior: bool) -> Value:
    number = row.prior_value if prior else row.value
    text = row.prior_text_value if prior else row.text_value
    if definition.data_type == FieldDataType.TEXT:
        return text
    if number is None:
        return None
    if definition.data_type == FieldDataType.BOOLEAN:
        return bool(number)
    return number


def _row(value: FieldValueRow, definition: FieldDefinition, notes: list[Note], explanation: str | None) -> Row:
    current, prior = _value(value, definition, prior=False), _value(value, definition, prior=True)
    change = share = None
    if isinstance(current, Decimal) and isinstance(prior, Decimal):
        change = current - prior
        share = change / abs(prior) if prior else None
    return Row(
        key=definition.key,
        label=definition.label,
        data_type=definition.data_type,
        unit=definition.unit,
        value=current,
        prior=prior,
        change=change,
        change_share=share,
        required=definition.required,
        notes=tuple(notes),
        explanation=explanation,
    )


def status_of(submission: Submission | None, snapshot: Snapshot) -> str:
    """Draft, submitted version N, or reopened after version N."""
    if submission is None:
        return "Utkast – ikke sendt inn"
    if submission.reopened_at is not None:
        return f"Gjenåpnet for retting {local_time(submission.reopened_at)} (versjon {submission.version} ble sendt inn)"
    if submission.snapshot_id == snapshot.id:
        return f"Sendt inn, versjon {submission.version}, {local_time(submission.submitted_at)} av {submission.submitted_by}"
    return f"Utkast – versjon {submission.version} er sendt inn"


def build(
    *,
    organization: Organization,
    period: Period | None,
    prior_period: Period | None,
    snapshot: Snapshot,
    sections: list[SectionValues],
    findings: list[Finding],
    submission: Submission | None,
    generated_at: datetime,
    generated_by: str,
    explanations: dict[str, str] | None = None,
) -> ReportContent:
    notes: dict[str, list[Note]] = {}
    for finding in findings:
        notes.setdefault(finding.field_key, []).append(Note(finding.severity, finding.message))
    parts = tuple(
        SectionPart(
            title=group.section.title,
            description=group.section.description,
            rows=tuple(
                _row(value, definition, notes.get(definition.key, []), (explanations or {}).get(definition.key))
                for value, definition in group.values
            ),
        )
        for group in sections
    )
    rows = [(part.title, row) for part in parts for row in part.rows]
    if period is not None:
        name, dates = period.name, f"{day(period.start)}–{day(period.end)}"
    else:
        name, dates = "Egendefinert periode", f"{day(snapshot.range_start.date())}–{day(snapshot.range_end.date())}"
    return ReportContent(
        organization_name=organization.name,
        organization_number=organization_number(organization.org_number),
        organization_id=organization.id,
        period_name=name,
        period_dates=dates,
        prior_period=f"{prior_period.name} ({day(prior_period.start)}–{day(prior_period.end)})" if prior_period else None,
        aggregated_at=local_time(snapshot.aggregated_at) if snapshot.aggregated_at else "–",
        reference=snapshot.id,
        generated_at=local_time(generated_at),
        generated_by=generated_by,
        status=status_of(submission, snapshot),
        fields_total=len(rows),
        fields_filled=sum(row.value is not None for _, row in rows),
        sections=parts,
        missing_required=tuple(Listed(title, row.label, MISSING) for title, row in rows if row.missing),
        findings=tuple(Listed(title, row.label, note) for title, row in rows for note in row.notes),
    )
