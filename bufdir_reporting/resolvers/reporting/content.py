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

from datetime import date, datetime
from decimal import Decimal

from ...models import (
    FieldDataType,
    FieldDefinition,
    Period,
    Submission,
    SubmissionReview,
    ValueNote,
)
from .. import periods
from ..base.loaders import FieldValueRow
from ..base.rows import AnyOrganization, AnySnapshot
from ..snapshots.section_values import SectionValues
from ..snapshots.validation import Finding
from ..structure.translations import BOKMAL, Texts
from . import trail
from .document import Listed, Note, ReportContent, Row, SectionPart, Value, kind_of, printed_change
from .texts import DEFAULT_LANGUAGE, Words, words
from .trail import Event, Said, local_time

__all__ = ["Event", "ReportContent", "Row", "Said", "SectionPart", "build", "day", "local_time"]


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
    unit = texts.field_unit(definition)
    change = share = None
    if isinstance(current, Decimal) and isinstance(prior, Decimal):
        change = printed_change(current, prior, kind_of(definition.data_type, definition.unit))
        share = (current - prior) / abs(prior) if prior else None
    remarks = [w("remark.explanation", text=explanation)] if explanation else []
    remarks += [w("remark.note", label=note.label, message=note.message) for note in notes]
    return Row(
        key=definition.key,
        label=texts.field_label(definition),
        data_type=definition.data_type,
        unit=unit,
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
    organization: AnyOrganization,
    period: Period | None,
    prior_period: Period | None,
    snapshot: AnySnapshot,
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
        name, dates = texts.period_name(period), f"{day(period.start)}–{day(period.end)}"
    else:
        first, last = (periods.local_date(moment) for moment in (snapshot.range_start, snapshot.range_end))
        name, dates = w("period.custom"), f"{day(first)}–{day(last)}"
    latest = sent or (versions[-1] if versions else None)
    # A later copy of the latest version is that version's document: "earlier versions" listed it too
    # (its approval as "Version 1: approved", outsider); its steps are in the status line.
    this = sent or (latest if latest is not None and latest.snapshot_id == snapshot.id else None)
    earlier = [version for version in versions if this is None or version.version < this.version]
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
        prior_period=w(
            "period.dates", name=texts.period_name(prior_period), dates=f"{day(prior_period.start)}–{day(prior_period.end)}"
        )
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
