"""The reader's language: Bokmål, Nynorsk or English (språklova § 14 asks both written
Norwegian forms of a state body's self-service; English serves everyone else).

- ``Language``: the three, by their BCP 47 tags (``nb``, ``nn``, ``en``).
- ``from_accept_language``: the best of them an ``Accept-Language`` header asks for (q-values
  honoured; ``no``/``nb-NO`` read as Bokmål, ``en-GB`` as English), or None when it names none.
- ``requested``: the request's choice, set once per request by ``LanguageOfRequest`` (the
  outermost middleware, so every layer below sees it: REST handlers, GraphQL, error bodies).
  None means the client asked for nothing, and every text keeps what it said before languages
  existed: API errors in English, findings and documents in Bokmål (``chosen(default)``).
- ``MESSAGES``: person-facing texts by a stable message id, each in all three languages;
  ``say(id, language, **values)`` fills one in. Error *codes* stay what they were; a message id
  only picks the words.
- ``number``/``moment``: values as the reader writes them (``1 234,5``, ``15.02.2026 10:00``).
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Language(StrEnum):
    NB = "nb"
    NN = "nn"
    EN = "en"


FALLBACK = Language.NB
"""Bokmål is the source every translation is made from, and what a missing one falls back to."""

_TAGS = {"nb": Language.NB, "no": Language.NB, "nn": Language.NN, "en": Language.EN}

requested: ContextVar[Language | None] = ContextVar("requested_language", default=None)


def parse(text: str | None) -> Language | None:
    """One tag or name (``nn``, ``nn-NO``, ``NB``) as a Language, None for anything else."""
    if not text:
        return None
    return _TAGS.get(text.strip().lower().replace("_", "-").split("-")[0])


def from_accept_language(header: str | None) -> Language | None:
    """The supported language the header ranks highest (ties: the one written first), or None.
    ``q=0`` refuses a language; a malformed q counts as 0; ``*`` names none of ours."""
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate((header or "")[:1000].split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = parse(tag)
        if language is None or not 0 < quality <= 1:
            continue
        if best is None or quality > best[0]:
            best = (quality, position, language)
    return best[2] if best else None


def chosen(default: Language = FALLBACK) -> Language:
    """The request's language, or ``default`` when it asked for none."""
    return requested.get() or default


ANSWERING_IN_LANGUAGE = ("/graphql", "/api/")
"""Where a response's words depend on ``Accept-Language``: the API (pages and assets do not)."""


class LanguageOfRequest:
    """Reads ``Accept-Language`` into ``requested`` for each HTTP request and websocket connection.

    An API response says what it depends on and what it is in: ``Vary: Accept-Language`` always
    (a legacy route's body is the same in every language, but its error messages are not, so a
    shared cache must keep one answer per language), ``Content-Language`` when a language was asked
    (without one the texts are as before languages existed, English errors and Bokmål labels,
    no one language). Headers only: every body stays byte for byte what it was."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"accept-language")
        language = from_accept_language(header.decode("latin-1") if header else None)
        token = requested.set(language)
        try:
            if scope["type"] == "http" and str(scope.get("path", "")).startswith(ANSWERING_IN_LANGUAGE):
                await self.app(scope, receive, _saying_language(send, language))
            else:
                await self.app(scope, receive, send)
        finally:
            requested.reset(token)


def _saying_language(send: Send, language: Language | None) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.add_vary_header("Accept-Language")
            if language is not None and "content-language" not in headers:
                # a response that states its own (a document in another language) keeps it
                headers["Content-Language"] = language.value
        await send(message)

    return sending


def number(value: Decimal | float, language: Language) -> str:
    """``1234.5`` as the reader writes it: ``1 234,5`` in Norwegian, ``1,234.5`` in English;
    never ``1E+3``."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    text = f"{exact.normalize():,f}" if exact == exact.to_integral_value() else f"{exact:,f}".rstrip("0")
    if "." in text and text.endswith("."):
        text = text[:-1]
    if language == Language.EN:
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def moment(value: datetime | date) -> str:
    """A date or a local time as written in all three: ``15.02.2026`` or ``15.02.2026 10:00``."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


MESSAGES: dict[str, dict[Language, str]] = {
    # Findings of validation (FindingCode): go into the report, so their default is Bokmål.
    "finding.REQUIRED_MISSING": {
        Language.NB: "{label} er påkrevd",
        Language.NN: "{label} er påkravd",
        Language.EN: "{label} is required",
    },
    "finding.BELOW_MIN": {
        Language.NB: "{label} er under {limit}",
        Language.NN: "{label} er under {limit}",
        Language.EN: "{label} is below {limit}",
    },
    "finding.ABOVE_MAX": {
        Language.NB: "{label} er over {limit}",
        Language.NN: "{label} er over {limit}",
        Language.EN: "{label} is above {limit}",
    },
    "finding.LARGE_CHANGE": {
        Language.NB: "{label} endret {change} % fra forrige periode",
        Language.NN: "{label} endra seg {change} % frå førre periode",
        Language.EN: "{label} changed {change} % from the previous period",
    },
    "finding.EXPLANATION_MISSING": {
        Language.NB: "{label}: det uvanlige tallet må forklares før rapporten sendes inn",
        Language.NN: "{label}: det uvanlege talet må forklarast før rapporten blir send inn",
        Language.EN: "{label}: the unusual figure must be explained before the report is submitted",
    },
    # An outlier is said of "the value for" its label ("Verdien for {label} er uvanlig høy"), so
    # the adjective agrees with "verdien" whatever the label's gender and number: "Talet på
    # årsverk er uvanleg høg" was wrong in Nynorsk (neuter: høgt), as plural labels were (outside
    # review). The value itself is said too: a case officer saw the median and z, not it.
    "finding.OUTLIER_HISTORY": {
        Language.NB: "Verdien for {label} ({value}) er uvanlig {direction} sammenlignet med organisasjonens tidligere"
        " perioder (median {median}, robust z-verdi {score})",
        Language.NN: "Verdien for {label} ({value}) er uvanleg {direction} samanlikna med dei tidlegare periodane til"
        " organisasjonen (median {median}, robust z-verdi {score})",
        Language.EN: "The value for {label} ({value}) is unusually {direction} compared with the organisation's earlier"
        " periods (median {median}, robust z-score {score})",
    },
    "finding.OUTLIER_PEERS": {
        Language.NB: "Verdien for {label} ({value}) er uvanlig {direction} sammenlignet med organisasjoner av samme type"
        " (robust z-verdi {score})",
        Language.NN: "Verdien for {label} ({value}) er uvanleg {direction} samanlikna med organisasjonar av same type"
        " (robust z-verdi {score})",
        Language.EN: "The value for {label} ({value}) is unusually {direction} compared with organisations of the same"
        " kind (robust z-score {score})",
    },
    "finding.score_above": {Language.NB: "over {limit}", Language.NN: "over {limit}", Language.EN: "above {limit}"},
    "finding.score_below": {Language.NB: "under {limit}", Language.NN: "under {limit}", Language.EN: "below {limit}"},
    "finding.higher": {Language.NB: "høy", Language.NN: "høg", Language.EN: "high"},
    "finding.lower": {Language.NB: "lav", Language.NN: "låg", Language.EN: "low"},
    # Refusals (DomainError.message_id): English is what the API said before languages existed.
    "error.token_required": {
        Language.NB: "Du må sende et tilgangstoken: 'Authorization: Bearer <token>'.",
        Language.NN: "Du må sende eit tilgangstoken: 'Authorization: Bearer <token>'.",
        Language.EN: "A bearer token is required: send 'Authorization: Bearer <token>'.",
    },
    "error.admin_required": {
        Language.NB: "Dette krever administratorrollen; be en administrator om et token med den.",
        Language.NN: "Dette krev administratorrolla; be ein administrator om eit token med henne.",
        Language.EN: "The admin role is required for this; ask an administrator for a token with it.",
    },
    "error.reviewer_required": {
        Language.NB: "Å behandle innsendinger krever Bufdirs saksbehandlerrolle (eller administrator).",
        Language.NN: "Å handsame innsendingar krev saksbehandlarrolla til Bufdir (eller administrator).",
        Language.EN: "Reviewing submissions needs Bufdir's reviewer role (or admin).",
    },
    "error.org_read_denied": {
        Language.NB: "Tokenet ditt gir ikke tilgang til å lese denne organisasjonens data",
        Language.NN: "Tokenet ditt gjev ikkje tilgang til å lese dataa til denne organisasjonen",
        Language.EN: "Your token does not allow reading this organisation's data",
    },
    "error.org_write_denied": {
        Language.NB: "Tokenet ditt gir ikke tilgang til å endre denne organisasjonens data",
        Language.NN: "Tokenet ditt gjev ikkje tilgang til å endre dataa til denne organisasjonen",
        Language.EN: "Your token does not allow changing this organisation's data",
    },
    "error.org_review_denied": {
        Language.NB: "Tokenet ditt gir ikke tilgang til å behandle denne organisasjonens rapporter: "
        "du er ikke saksbehandler for den",
        Language.NN: "Tokenet ditt gjev ikkje tilgang til å handsame rapportane til denne organisasjonen: "
        "du er ikkje saksbehandlar for han",
        Language.EN: "Your token does not allow reviewing this organisation's reports: you are not its reviewer",
    },
    "error.object_write_denied": {
        Language.NB: "Tokenet ditt gir ikke tilgang til å endre {kind}",
        Language.NN: "Tokenet ditt gjev ikkje tilgang til å endre {kind}",
        Language.EN: "Your token does not allow changing this {kind}",
    },
    "error.not_found": {
        Language.NB: "{kind} «{id}» finnes ikke",
        Language.NN: "{kind} «{id}» finst ikkje",
        Language.EN: "{kind} '{id}' does not exist",
    },
    "error.validation_error": {
        Language.NB: "Rapporten har {count} valideringsfeil; rett den før du sender inn",
        Language.NN: "Rapporten har {count} valideringsfeil; rett han før du sender inn",
        Language.EN: "The report has {count} validation error; fix it before submitting",
    },
    "error.validation_errors": {
        Language.NB: "Rapporten har {count} valideringsfeil; rett dem før du sender inn",
        Language.NN: "Rapporten har {count} valideringsfeil; rett dei før du sender inn",
        Language.EN: "The report has {count} validation errors; fix them before submitting",
    },
    "error.not_submitted": {
        Language.NB: "Rapporten er ikke sendt inn",
        Language.NN: "Rapporten er ikkje send inn",
        Language.EN: "The report has not been submitted",
    },
    "error.field_missing": {
        Language.NB: "Feltet mangler verdi",
        Language.NN: "Feltet manglar verdi",
        Language.EN: "The field has no value",
    },
    "error.unexpected": {
        Language.NB: "Uventet feil.",
        Language.NN: "Uventa feil.",
        Language.EN: "Unexpected error.",
    },
    "error.unavailable": {
        Language.NB: "Tjenesten får ikke kontakt med databasen sin; prøv igjen om litt.",
        Language.NN: "Tenesta får ikkje kontakt med databasen sin; prøv igjen om litt.",
        Language.EN: "The service cannot reach its database; try again shortly.",
    },
    "error.translation_language": {
        Language.NB: "Oversettelser lagres for nn og en; bokmål er feltets egen tekst",
        Language.NN: "Omsetjingar blir lagra for nn og en; bokmål er teksten til feltet sjølv",
        Language.EN: "Translations are kept for nn and en; Bokmål is the item's own text",
    },
    # Import rows (``importing``): what a cell's value must be, by pydantic's error type.
    "cell.missing": {
        Language.NB: "Feltet mangler verdi",
        Language.NN: "Feltet manglar verdi",
        Language.EN: "is required",
    },
    "cell.text": {Language.NB: "må være tekst", Language.NN: "må vere tekst", Language.EN: "must be text"},
    "cell.whole_number": {
        Language.NB: "må være et heltall",
        Language.NN: "må vere eit heiltal",
        Language.EN: "must be a whole number",
    },
    "cell.number": {
        Language.NB: "må være et tall, for eksempel 1,5",
        Language.NN: "må vere eit tal, til dømes 1,5",
        Language.EN: "must be a number",
    },
    "cell.boolean": {
        Language.NB: "må være ja eller nei (true eller false)",
        Language.NN: "må vere ja eller nei (true eller false)",
        Language.EN: "must be true or false",
    },
    "cell.date": {
        Language.NB: "må være en dato, for eksempel 15.02.2026",
        Language.NN: "må vere ein dato, til dømes 15.02.2026",
        Language.EN: "must be a date (YYYY-MM-DD)",
    },
    "cell.datetime": {
        Language.NB: "må være dato og klokkeslett, for eksempel 15.02.2026 10:00",
        Language.NN: "må vere dato og klokkeslett, til dømes 15.02.2026 10:00",
        Language.EN: "must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
    },
    "cell.extra": {
        Language.NB: "er ikke en kolonne importen tar imot",
        Language.NN: "er ikkje ein kolonne importen tek imot",
        Language.EN: "is not a field this takes",
    },
    "cell.list": {Language.NB: "må være en liste", Language.NN: "må vere ei liste", Language.EN: "must be a list"},
    "cell.object": {
        Language.NB: "må være et JSON-objekt",
        Language.NN: "må vere eit JSON-objekt",
        Language.EN: "must be a JSON object",
    },
    "cell.category": {
        Language.NB: "er ikke en kategori Bufdir kjenner; kategoriene er: {known}",
        Language.NN: "er ikkje ein kategori Bufdir kjenner; kategoriane er: {known}",
        Language.EN: "unknown Bufdir category; known: {known}",
    },
    "cell.snake_case": {
        Language.NB: "skriv med små bokstaver og understrek, for eksempel family_guidance",
        Language.NN: "skriv med små bokstavar og understrek, til dømes family_guidance",
        Language.EN: "use lower-case snake_case, e.g. family_guidance",
    },
    "row.organization_not_yours": {
        Language.NB: "er ikke en organisasjon du kan skrive for",
        Language.NN: "er ikkje ein organisasjon du kan skrive for",
        Language.EN: "is not an organisation you may write for",
    },
    "row.organization_unknown": {
        Language.NB: "er ikke en kjent organisasjon",
        Language.NN: "er ikkje ein kjend organisasjon",
        Language.EN: "is not a known organisation",
    },
    "row.same_activity": {
        Language.NB: "gjelder samme aktivitet som linje {earlier}",
        Language.NN: "gjeld den same aktiviteten som linje {earlier}",
        Language.EN: "names the same activity as line {earlier}",
    },
    "row.period_locked": {
        Language.NB: "ligger i perioden {period}, som er sendt inn og låst; en administrator må åpne den igjen først",
        Language.NN: "ligg i perioden {period}, som er send inn og låst; ein administrator må opne han att først",
        Language.EN: "falls in period {period}, which is submitted and locked; an admin must reopen it first",
    },
}


CATALOGUE = Path(__file__).parent / "messages"
"""Refusals and other messages by domain, one TOML file each (``[message.id]`` with ``nb``,
``nn`` and ``en``), added to ``MESSAGES``: texts a translator can read and edit without Python."""


def _catalogue() -> dict[str, dict[Language, str]]:
    found: dict[str, dict[Language, str]] = {}
    for path in sorted(CATALOGUE.glob("*.toml")):
        for message_id, texts in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if message_id in MESSAGES or message_id in found:
                raise ValueError(f"{path.name}: message {message_id} is in the catalogue twice")
            found[message_id] = {Language(tag): text for tag, text in texts.items()}
    return found


MESSAGES.update(_catalogue())


def say(message_id: str, language: Language, **values: object) -> str:
    """The message in ``language``, its values as the reader writes them: a decimal number as
    ``number`` writes it (``0``, not the column's ``0.0000``), a date as ``moment`` in Norwegian
    (English keeps ISO dates, as the API always wrote them), a code (a StrEnum: a status, a
    period type) by its word in Norwegian (``messages/words.toml``: "ferdig", not "done")."""
    texts = MESSAGES[message_id]
    template = texts.get(language) or texts[FALLBACK]
    return template.format(**{name: _written(value, language) for name, value in values.items()}) if values else template


def _written(value: object, language: Language) -> object:
    if isinstance(value, StrEnum) and language != Language.EN:
        word = MESSAGES.get(f"word.{type(value).__name__}.{value.value}")
        if word is not None:
            return word.get(language) or word[FALLBACK]
    if isinstance(value, Decimal | float):
        return number(value, language)
    if isinstance(value, date) and language != Language.EN:
        return moment(value)
    return value
