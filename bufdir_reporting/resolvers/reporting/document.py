"""The report document's content as the renderers read it: rows, section parts, the listed
findings and ``ReportContent`` (what ``content.build`` fills in, in the reader's terms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ...models import FieldDataType
from .texts import Words
from .trail import Event, Said

Value = Decimal | str | bool | None

PRINTED_PLACES = {FieldDataType.INTEGER: 0, FieldDataType.DECIMAL: 2, FieldDataType.PERCENT: 1}
"""The decimals a number of each kind prints with, in the PDF and in the workbook's formats."""


def rounded(value: Decimal, places: int) -> Decimal:
    """Half away from zero, as the workbook's number formats (Excel) and Norwegian custom round:
    Python's own formatting rounds half to even, so the PDF said -0,6 pp where the workbook of
    the same report said -0,7 pp (84,60 % to 83,95 %)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def kind_of(data_type: FieldDataType, unit: str | None) -> FieldDataType:
    """How a value reads: a decimal field counted in % reads as a percentage."""
    if data_type == FieldDataType.DECIMAL and unit == "%":
        return FieldDataType.PERCENT
    return data_type


def printed_change(current: Decimal, prior: Decimal, kind: FieldDataType) -> Decimal:
    """The change as the difference of the two figures as printed: 39,3 % against 38,9 % is
    +0,4 pp. Taken from the stored values (39.34 and 38.85) it printed +0,5 pp beside them, a
    difference no reader could make of the figures shown (#32 outsider)."""
    places = PRINTED_PLACES.get(kind)
    if places is None:
        return current - prior
    return rounded(current, places) - rounded(prior, places)


@dataclass(frozen=True, slots=True)
class Note:
    severity: str  # "error" | "warning"
    message: str
    label: str
    """The severity in the document's words (Feil, Advarsel)."""


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    data_type: FieldDataType
    unit: str | None
    value: Value
    prior: Value
    change: Decimal | None
    """value minus prior as both print (``printed_change``), for numbers with both."""
    change_share: Decimal | None
    """change as a share of |prior| (0.25 is +25 %), when prior is not zero."""
    required: bool
    notes: tuple[Note, ...] = ()
    remarks: str = ""
    """The notes column: the organisation's explanation first, then the errors and warnings."""

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
        """How the value reads: a decimal field counted in % reads as a percentage."""
        return kind_of(self.data_type, self.unit)

    @property
    def is_text(self) -> bool:
        """Free text (up to 10,000 characters): laid out wide, never in a number column."""
        return self.data_type == FieldDataType.TEXT


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
    words: Words
    organization_name: str
    organization_number: str
    organization_id: str
    period_id: str | None
    period_name: str
    period_dates: str
    prior_period: str | None
    """The compared period by name and dates, or None when there is none."""
    aggregated_at: str
    reference: str
    """The snapshot the figures come from: what support and Bufdir look up."""
    generated_at: str
    generated_by: str
    created: datetime
    """When the document was made (its metadata's creation date)."""
    status: str
    fields_total: int
    fields_filled: int
    sections: tuple[SectionPart, ...]
    missing_required: tuple[Listed, ...] = field(default=())
    findings: tuple[Listed, ...] = field(default=())
    version: int | None = None
    """The submission's version when this is the document it sent, else None (a draft)."""
    footer: str = ""
    """The page footer's left part: when (and by whom) it was generated or sent."""
    history: tuple[Event, ...] = field(default=())
    """The earlier versions' submissions and review steps, oldest first; none while no version
    has had a step (the status says all there is: which version was sent, when, by whom)."""
    dialogue: tuple[Said, ...] = field(default=())

    @property
    def language(self) -> str:
        return self.words.language

    @property
    def title(self) -> str:
        return self.words("document.title_of", organization=self.organization_name, period=self.period_name)

    @property
    def period(self) -> str:
        return self.words("period.dates", name=self.period_name, dates=self.period_dates)

    @property
    def facts(self) -> tuple[tuple[str, str], ...]:
        """The front page's label/value lines, in order."""
        w = self.words
        earlier = ((w("fact.earlier"), "\n".join(self.outcomes)),) if self.outcomes else ()
        return (
            (w("fact.organization"), self.organization_name),
            (w("fact.organization_number"), self.organization_number),
            (w("fact.period"), self.period),
            (w("fact.compared_with"), self.prior_period or w("period.no_prior")),
            (w("fact.status"), self.status),
            *earlier,
            (w("fact.completeness"), self.completeness),
            (w("fact.aggregated_at"), self.aggregated_at),
            (w("fact.generated"), w("fact.who_when", at=self.generated_at, who=self.generated_by)),
            (w("fact.reference"), self.reference),
        )

    @property
    def outcomes(self) -> tuple[str, ...]:
        """What became of each earlier version: its last step, who took it, when and why."""
        last = {event.version: event for event in self.history}
        return tuple(
            self.words(
                "earlier.reason" if event.reason else "earlier.outcome",
                version=event.version,
                what=event.what.lower(),
                at=event.at,
                who=event.who,
                reason=event.reason,
            )
            for event in last.values()
        )

    @property
    def description(self) -> str:
        """One sentence for the document's metadata: who reports what, and its status."""
        return self.words(
            "document.description",
            organization=self.organization_name,
            number=self.organization_number,
            period=self.period_name,
            dates=self.period_dates,
            status=self.status,
        )

    @property
    def keywords(self) -> tuple[str, ...]:
        version = (self.words("document.keyword.version", version=self.version),) if self.version else ()
        period = (self.period_id,) if self.period_id else ()
        return ("Bufdir", self.organization_name, self.organization_number, *period, self.period_name, *version)

    @property
    def missing_heading(self) -> str:
        return self.words("heading.missing", count=len(self.missing_required))

    @property
    def ordered_findings(self) -> tuple[Listed, ...]:
        """Errors first, then warnings, each in the report's order."""
        return tuple(sorted(self.findings, key=lambda listed: listed.note.severity != "error"))

    @property
    def findings_heading(self) -> str:
        errors = sum(listed.note.severity == "error" for listed in self.findings)
        return self.words("heading.findings", errors=errors, warnings=len(self.findings) - errors)

    @property
    def completeness(self) -> str:
        missing = len(self.missing_required)
        text = self.words("completeness", filled=self.fields_filled, total=self.fields_total)
        if missing:
            return self.words("completeness.missing", text=text, missing=missing)
        return self.words("completeness.complete", text=text)
