"""Every word the report document says of its own, in one catalogue per language.

The field labels, section titles and finding messages come with the structure and validation;
everything else a reader sees in the workbook or the PDF (headings, column names, statuses, the
front page's labels, the page header and footer) is here, keyed by a stable id, so a Nynorsk or
English catalogue is one more entry in ``CATALOGUES`` and ``content.build(language=...)`` picks it.
Placeholders are ``str.format`` fields filled by the content model.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "nb"

NB = {
    "document.title": "Rapport til Bufdir",
    "document.title_of": "Rapport til Bufdir – {organization}, {period}",
    "document.producer": "Bufdir reporting API",
    "document.description": "{organization} (org.nr. {number}) rapporterer til Bufdir for {period} ({dates}). {status}.",
    "document.keyword.version": "versjon {version}",
    "fact.organization": "Organisasjon",
    "fact.organization_number": "Organisasjonsnummer",
    "fact.period": "Rapporteringsperiode",
    "fact.compared_with": "Sammenlignet med",
    "fact.status": "Status",
    "fact.completeness": "Utfylling",
    "fact.aggregated_at": "Data hentet",
    "fact.generated": "Generert",
    "fact.reference": "Referanse",
    "fact.who_when": "{at} av {who}",
    "fact.earlier": "Tidligere versjoner",
    "earlier.outcome": "Versjon {version}: {what} {at} av {who}",
    "earlier.reason": "Versjon {version}: {what} {at} av {who}. Begrunnelse: {reason}",
    "period.dates": "{name} ({dates})",
    "period.custom": "Egendefinert periode",
    "period.no_prior": "Ingen tidligere periode å sammenligne med",
    "completeness": "{filled} av {total} felt utfylt",
    "completeness.missing": "{text}, {missing} påkrevde mangler",
    "completeness.complete": "{text}, alle påkrevde er utfylt",
    "status.draft": "Utkast – ikke sendt inn",
    "status.submitted": "Sendt inn, versjon {version}, {at} av {who}",
    "status.copy": "Versjon {version} ble sendt inn {at} av {who}; denne filen er laget senere, {generated}",
    "status.draft_after": "Utkast – versjon {version} er sendt inn",
    "status.draft_after_returned": "Utkast – versjon {version} ble returnert for retting {at}",
    "status.reopened": "Gjenåpnet for retting {at} (versjon {version} ble sendt inn)",
    "heading.missing": "Påkrevde felt som mangler ({count}) – rapporten kan ikke sendes inn før de er utfylt",
    "heading.findings": "Feil ({errors}) og advarsler ({warnings})",
    "heading.versions": "Tidligere versjoner og Bufdirs behandling",
    "heading.dialogue": "Forklaringer, kommentarer og svar",
    "heading.trail": "Bufdirs behandling og dialogen om verdiene",
    "findings.none": "Ingen feil eller advarsler.",
    "severity.error": "Feil",
    "severity.warning": "Advarsel",
    "note.required_missing": "påkrevd, ikke utfylt",
    "value.missing": "mangler",
    "value.yes": "Ja",
    "value.no": "Nei",
    "value.prior_text": "Forrige periode: {text}",
    "remark.explanation": "Forklaring: {text}",
    "remark.note": "{label}: {message}",
    "column.section": "Seksjon",
    "column.field": "Felt",
    "column.type": "Type",
    "column.message": "Melding",
    "column.value": "Verdi",
    "column.prior": "Forrige periode",
    "column.change": "Endring",
    "column.change_share": "Endring i %",
    "column.required": "Påkrevd",
    "column.remarks": "Merknader",
    "column.key": "Teknisk nøkkel",
    "column.version": "Versjon",
    "column.event": "Hendelse",
    "column.when": "Når",
    "column.who": "Av",
    "column.reason": "Begrunnelse",
    "column.text": "Tekst",
    "event.submitted": "Sendt inn",
    "event.under_review": "Tatt til behandling",
    "event.approved": "Godkjent",
    "event.returned": "Returnert for retting",
    "event.reopened": "Gjenåpnet",
    "note_kind.explanation": "Forklaring",
    "note_kind.comment": "Kommentar fra Bufdir",
    "note_kind.answer": "Svar",
    "note_kind.follow_up": "Til oppfølging fra Bufdir",
    "dialogue.beside_value": "(står ved verdien)",
    "page.generated": "Generert {at}",
    "page.submitted": "Sendt inn {at} av {who} – versjon {version}",
    "page.number": "Side {page} av {pages}",
    "sheet.front": "Rapport",
    "sheet.dialogue": "Dialog",
    "sheet.section": "Seksjon",
}

CATALOGUES: dict[str, dict[str, str]] = {"nb": NB}


@dataclass(frozen=True, slots=True)
class Words:
    """One language's words: ``words("status.submitted", version=2, at=..., who=...)``."""

    language: str
    texts: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values) if values else self.texts[key]


def words(language: str = DEFAULT_LANGUAGE) -> Words:
    return Words(language, CATALOGUES[language])
