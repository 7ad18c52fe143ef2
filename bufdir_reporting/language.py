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

answered_in: ContextVar[set[Language] | None] = ContextVar("answered_in", default=None)
"""The languages a response's texts were asked in by a ``language`` argument (``title(language:
EN)``), beside the request's: a fresh set per request (``LanguageOfRequest``)."""


def parse(text: str | None) -> Language | None:
    """One tag or name (``nn``, ``nn-NO``, ``NB``) as a Language, None for anything else."""
    if not text:
        return None
    return _TAGS.get(text.strip().lower().replace("_", "-").split("-")[0])


def weighted(item: str) -> tuple[str, float]:
    """One item of an ``Accept``-style header (``nn;q=0.8``, ``application/json;q=0.9``): what it
    names and its weight, 1 where it says none and 0 where its q is malformed. The parameter's
    name is case-insensitive (RFC 9110 12.4.2: ``Q=0`` refuses too). ``Accept-Language`` here and
    ``Accept`` (``graphql_requests.negotiated``) read their items alike."""
    value, *params = (part.strip() for part in item.split(";"))
    quality = 1.0
    for param in params:
        name, _, number = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(number)
            except ValueError:
                quality = 0.0
    return value, quality


def from_accept_language(header: str | None) -> Language | None:
    """The supported language the header ranks highest (ties: the one written first), or None.
    ``q=0`` refuses a language; a malformed q counts as 0; ``*`` names none of ours."""
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate((header or "")[:1000].split(",")):
        tag, quality = weighted(item)
        language = parse(tag)
        if language is None or not 0 < quality <= 1:
            continue
        if best is None or quality > best[0]:
            best = (quality, position, language)
    return best[2] if best else None


def chosen(default: Language = FALLBACK) -> Language:
    """The request's language, or ``default`` when it asked for none."""
    return requested.get() or default


def argued(language: Language | None) -> Language | None:
    """A ``language`` argument, noted as a language the response answers in (None: the request's)."""
    noted = answered_in.get()
    if language is not None and noted is not None:
        noted.add(language)
    return language


def content_language() -> str | None:
    """What a response's ``Content-Language`` says: the language asked for and any other a
    ``language`` argument answered in (``nn, en``); None when none was asked (the texts are as
    before languages existed: no one language to name)."""
    asked = requested.get()
    others = sorted(answered_in.get() or set(), key=list(Language).index)
    if asked is None:
        return None
    return ", ".join([asked.value, *(language.value for language in others if language != asked)])


ANSWERING_IN_LANGUAGE = ("/graphql", "/api/")
"""Where a response's words depend on ``Accept-Language``: the API (pages and assets do not)."""


class LanguageOfRequest:
    """Reads ``Accept-Language`` into ``requested`` for each HTTP request and websocket connection.

    An API response says what it depends on and what it is in: ``Vary: Accept-Language`` always
    (a legacy route's body is the same in every language, but its error messages are not, so a
    shared cache must keep one answer per language), ``Content-Language`` when a language was asked
    (without one the texts are as before languages existed, English errors and Bokmål labels,
    no one language; with the languages ``language`` arguments asked for beside it, ``nn, en``).
    Headers only: every body stays byte for byte what it was."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"accept-language")
        language = from_accept_language(header.decode("latin-1") if header else None)
        token, noted = requested.set(language), answered_in.set(set())
        try:
            if scope["type"] == "http" and str(scope.get("path", "")).startswith(ANSWERING_IN_LANGUAGE):
                await self.app(scope, receive, _saying_language(send))
            else:
                await self.app(scope, receive, send)
        finally:
            requested.reset(token)
            answered_in.reset(noted)


def _saying_language(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.add_vary_header("Accept-Language")
            said = content_language()
            if said is not None and "content-language" not in headers:
                # a response that states its own (a document in another language, a cached
                # answer that named the languages its arguments asked for) keeps it
                headers["Content-Language"] = said
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


MESSAGES: dict[str, dict[Language, str]] = {}
"""Every message by id: the catalogue's (``messages/*.toml``), read once at import."""


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


class Either(tuple[str, ...]):
    """Values of which any one will do, said with the reader's "or": ``a, b eller c``, ``a, b or
    c`` (a list joined with " or " in code read English inside a Norwegian sentence)."""

    def said(self, language: Language) -> str:
        if len(self) < 2:
            return "".join(self)
        return f"{', '.join(self[:-1])} {say('word.or', language)} {self[-1]}"


class InEach(dict[Language, str]):
    """A name in each language (a period's: ``Q1 2026``, ``1. kvartal 2026``): ``say`` fills in
    the reader's. A refusal is worded when it is answered, in the language asked then, so the
    raise site gives every language's name."""

    def said(self, language: Language) -> str:
        return self.get(language) or self[FALLBACK]


def say(message_id: str, language: Language, **values: object) -> str:
    """The message in ``language``, its values as the reader writes them: a decimal number as
    ``number`` writes it (``0``, not the column's ``0.0000``), a date as ``moment`` in Norwegian
    (English keeps ISO dates, as the API always wrote them), a code (a StrEnum: a status, a
    period type) by its word in Norwegian (``messages/words.toml``: "ferdig", not "done"), values of
    which any will do (``Either``) joined with the language's "or"."""
    texts = MESSAGES[message_id]
    template = texts.get(language) or texts[FALLBACK]
    return template.format(**{name: _written(value, language) for name, value in values.items()}) if values else template


def _written(value: object, language: Language) -> object:
    if isinstance(value, Either | InEach):
        return value.said(language)
    if isinstance(value, StrEnum) and language != Language.EN:
        word = MESSAGES.get(f"word.{type(value).__name__}.{value.value}")
        if word is not None:
            return word.get(language) or word[FALLBACK]
    if isinstance(value, Decimal | float):
        return number(value, language)
    if isinstance(value, date) and language != Language.EN:
        return moment(value)
    return value
