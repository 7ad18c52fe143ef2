"""What a Bufdir report says, once, for every rendition of it (``render_xlsx``, ``render_pdf``).

The renderers lay this out; they decide nothing about what is shown or in which order, so the
workbook and the PDF cannot drift apart. Everything here is already in the reader's terms:
the document's language (``texts``: its words in nb, nn or en; the structure's titles and labels translated), dates and times in
Europe/Oslo, numbers kept as numbers (each renderer formats them for its medium) with the data
type that says how.

A submission's own document (``sent``) says it was sent: version, when and by whom, what
became of the versions before it and the dialogue that shaped it (``trail``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ...models import (
    FieldDataType,
    FieldDefinition,
    Organization,
    Period,
    Snapshot,
    Submission,
    SubmissionReview,
    ValueNote,
)
from .. import periods
from ..base.loaders import FieldValueRow
from ..snapshots.section_values import SectionValues
from ..snapshots.validation import Finding
from ..structure.translations import BOKMAL, Texts
from . import trail
from .texts import DEFAULT_LANGUAGE, Words, words
from .trail import Event, Said, local_time

Value = Decimal | str | bool | None

__all__ = ["Event", "ReportContent", "Row", "Said", "SectionPart", "build", "day", "local_time"]


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
    """value minus prior, for numbers with both."""
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
        if self.data_type == FieldDataType.DECIMAL and self.unit == "%":
            return FieldDataType.PERCENT
        return self.data_type

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


def _row(
    w: Words, texts: Texts, value: FieldValueRow, definition: FieldDefinition, notes: list[Note], explanation: str | None
) -> Row:
    current, prior = _value(value, definition, prior=False), _value(value, definition, prior=True)
    change = share = None
    if isinstance(current, Decimal) and isinstance(prior, Decimal):
        change = current - prior
        share = change / abs(prior) if prior else None
    remarks = [w("remark.explanation", text=explanation)] if explanation else []
    remarks += [w("remark.note", label=note.label, message=note.message) for note in notes]
    return Row(
        key=definition.key,
        label=texts.field_label(definition),
        data_type=definition.data_type,
        unit=definition.unit,
        value=current,
        prior=prior,
        change=change,
        change_share=share,
        required=definition.required,
        notes=tuple(notes),
        remarks="\n".join(remarks),
    )


def build(
    *,
    organization: Organization,
    period: Period | None,
    prior_period: Period | None,
    snapshot: Snapshot,
    sections: list[SectionValues],
    findings: list[Finding],
    versions: list[Submission],
    steps: dict[str, list[SubmissionReview]],
    notes: list[ValueNote],
    generated_at: datetime,
    generated_by: str,
    sent: Submission | None = None,
    language: str = DEFAULT_LANGUAGE,
    texts: Texts = BOKMAL,
) -> ReportContent:
    """``versions``: the period's submissions so far, oldest first, with their review ``steps``
    by submission id; ``sent``: the submission this document is made for (the last of
    ``versions``), None for a draft; ``texts``: the structure's titles and labels in
    ``language`` (Bokmål where one is not translated)."""
    w = words(language)
    by_field: dict[str, list[Note]] = {}
    for finding in findings:
        by_field.setdefault(finding.field_key, []).append(
            Note(finding.severity, finding.message, w(f"severity.{finding.severity}"))
        )
    explained = trail.explanations(notes)
    parts = tuple(
        SectionPart(
            title=texts.section_title(group.section),
            description=texts.section_description(group.section),
            rows=tuple(
                _row(w, texts, value, definition, by_field.get(definition.key, []), explained.get(definition.key))
                for value, definition in group.values
            ),
        )
        for group in sections
    )
    rows = [(part.title, row) for part in parts for row in part.rows]
    if period is not None:
        name, dates = period.name, f"{day(period.start)}–{day(period.end)}"
    else:
        first, last = (periods.local_date(moment) for moment in (snapshot.range_start, snapshot.range_end))
        name, dates = w("period.custom"), f"{day(first)}–{day(last)}"
    earlier = [version for version in versions if sent is None or version.version < sent.version]
    latest = sent or (versions[-1] if versions else None)
    generated = local_time(generated_at, w)
    footer = (
        w("page.submitted", at=generated, who=generated_by, version=sent.version) if sent else w("page.generated", at=generated)
    )
    missing = Note("error", w("note.required_missing"), w("severity.error"))
    return ReportContent(
        words=w,
        organization_name=organization.name,
        organization_number=organization_number(organization.org_number),
        organization_id=organization.id,
        period_id=period.id if period else None,
        period_name=name,
        period_dates=dates,
        prior_period=w("period.dates", name=prior_period.name, dates=f"{day(prior_period.start)}–{day(prior_period.end)}")
        if prior_period
        else None,
        aggregated_at=local_time(snapshot.aggregated_at, w) if snapshot.aggregated_at else "–",
        reference=snapshot.id,
        generated_at=generated,
        generated_by=generated_by,
        created=generated_at,
        status=trail.status(
            w,
            latest,
            steps.get(latest.id, []) if latest else [],
            sent=sent is not None,
            snapshot=snapshot,
            generated_at=generated_at,
        ),
        fields_total=len(rows),
        fields_filled=sum(row.value is not None for _, row in rows),
        sections=parts,
        missing_required=tuple(Listed(title, row.label, missing) for title, row in rows if row.missing),
        findings=tuple(Listed(title, row.label, note) for title, row in rows for note in row.notes),
        version=sent.version if sent else None,
        footer=footer,
        history=trail.events(w, earlier, steps) if any(steps.get(version.id) for version in earlier) else (),
        dialogue=trail.dialogue(w, notes, {row.key: (title, row.display_label) for title, row in rows}),
    )
