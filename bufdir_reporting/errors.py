"""The domain error tree. Resolvers raise these; each transport renders them once.

    DomainError                      code              REST
    ├── Unauthenticated              UNAUTHENTICATED   401
    ├── Forbidden                    FORBIDDEN         403
    ├── NotFound                     NOT_FOUND         404
    ├── InvalidInput                 BAD_USER_INPUT    422   (names the offending field)
    ├── Conflict                     CONFLICT          409
    │   └── PeriodLocked             PERIOD_LOCKED     409
    ├── RenderFailed                 RENDER_FAILED     500   (a report document could not be made; says why)
    ├── TooManySubscriptions         TOO_MANY_SUBSCRIPTIONS 429 (a principal's or a connection's live subscriptions at their cap)
    └── Unavailable                  UNAVAILABLE       503   (with Retry-After; the database is down)

``is_unavailable`` tells an outage of the database (refused, dropped or shutting-down
connections) from a bug, so the transports can say "try again" instead of "unexpected error".

A code is a promise to clients: it never changes once published. The words are another matter:
an error raised with a ``message_id`` (``language.MESSAGES``) reads in the language the request
asked for (``said``); without one, or when the client asked for none, it reads as ``message``.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import asyncpg

from .language import MESSAGES, Language, requested, say


class DomainError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        message_id: str | None = None,
        values: dict[str, object] | None = None,
    ) -> None:
        """``message_id`` names the words in the catalogue, ``values`` fill them in; ``message``
        is the English, by default the catalogue's (what a client that asks no language reads)."""
        if message is None:
            if message_id is None:
                raise TypeError("a domain error needs a message or a message id")
            message = say(message_id, Language.EN, **(values or {}))
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.message_id = message_id
        self.values = values or {}

    def said(self) -> str:
        """The message in the request's language when it asked for one and the catalogue has
        this message; else ``message`` as it always read."""
        language = requested.get()
        if language is None or self.message_id not in MESSAGES:
            return self.message
        return say(self.message_id, language, **self.values)


class _RefusedByRole(DomainError):
    """A refusal that may be raised by one of the role texts below (``TOKEN_REQUIRED``…): the
    text names its message, so it reads in the reader's language."""

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        message_id: str | None = None,
        values: dict[str, object] | None = None,
    ) -> None:
        super().__init__(
            message, details=details, message_id=message_id or REQUIRED_ROLE_MESSAGES.get(message or ""), values=values
        )


class Unauthenticated(_RefusedByRole):
    code = "UNAUTHENTICATED"
    status = 401


TOKEN_REQUIRED = say("error.token_required", Language.EN)
ADMIN_REQUIRED = say("error.admin_required", Language.EN)
REVIEWER_REQUIRED = say("error.reviewer_required", Language.EN)
REQUIRED_ROLE_MESSAGES = {
    TOKEN_REQUIRED: "error.token_required",
    ADMIN_REQUIRED: "error.admin_required",
    REVIEWER_REQUIRED: "error.reviewer_required",
}
"""These three are raised by their English text in many places; the text names its message."""


class Forbidden(_RefusedByRole):
    code = "FORBIDDEN"
    status = 403


def kind_in(kind: str, language: Language | None) -> str:
    """A kind of object as a message names it: Norwegian's definite form (``aggregeringen``),
    English's kind itself."""
    return KINDS.get(language or Language.EN, {}).get(kind, kind)


class ObjectWriteDenied(Forbidden):
    """One the caller may see but not change: said in the request's language."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            f"Your token does not allow changing this {kind}",
            message_id="error.object_write_denied",
            values={"kind": kind_in(kind, requested.get())},
        )


KINDS: dict[Language, dict[str, str]] = {
    Language.NB: {
        "field definition": "feltdefinisjonen",
        "field": "feltet",
        "form assignment": "skjematildelingen",
        "locked submission": "den låste innsendingen",
        "organization": "organisasjonen",
        "period": "perioden",
        "report file": "rapportfilen",
        "report form": "skjemaet",
        "section": "seksjonen",
        "submission for organization": "innsendingen for organisasjonen",
        "snapshot": "aggregeringen",
        "report": "rapporten",
        "report record": "rapporten",
        "validation rule": "valideringsregelen",
        "outlier setting": "avviksinnstillingen",
        "activity import": "aktivitetsimporten",
        "activity": "aktiviteten",
        "submission": "innsendingen",
        "question": "spørsmålet",
        "explanation": "forklaringen",
        "comment": "kommentaren",
        "aggregation job": "aggregeringsjobben",
        "person assignment": "tildelingen",
        "delegation": "delegeringen",
    },
    Language.NN: {
        "field definition": "feltdefinisjonen",
        "field": "feltet",
        "form assignment": "skjematildelinga",
        "locked submission": "den låste innsendinga",
        "organization": "organisasjonen",
        "period": "perioden",
        "report file": "rapportfila",
        "report form": "skjemaet",
        "section": "seksjonen",
        "submission for organization": "innsendinga for organisasjonen",
        "snapshot": "aggregeringa",
        "report": "rapporten",
        "report record": "rapporten",
        "validation rule": "valideringsregelen",
        "outlier setting": "avviksinnstillinga",
        "activity import": "aktivitetsimporten",
        "activity": "aktiviteten",
        "submission": "innsendinga",
        "question": "spørsmålet",
        "explanation": "forklaringa",
        "comment": "kommentaren",
        "aggregation job": "aggregeringsjobben",
        "person assignment": "tildelinga",
        "delegation": "delegeringa",
    },
}
"""What a NotFound names, in Norwegian (the English is the kind itself)."""


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404

    def __init__(self, kind: str, identifier: object, *, field: str | None = None) -> None:
        """``field``: the request's field that named it, where a client chose the name (a query
        parameter such as ``form_id``), so it knows which of its inputs to change."""
        super().__init__(
            f"{kind} {identifier!r} does not exist",
            details={"kind": kind, "id": identifier} | ({"field": field} if field else {}),
            message_id="error.not_found",
            values={"kind": _kind_opening(kind, requested.get()), "id": identifier},
        )


def _kind_opening(kind: str, language: Language | None) -> str:
    """The kind as the message's first word: Norwegian's capitalised (``Seksjonen``), English's as
    the English always read (``section 'x' does not exist``): ``en`` said "Section 'x' …" where no
    header or an unreadable one (``xx;q=abc``) said "section 'x' …" (outsider)."""
    named = kind_in(kind, language)
    return named if language in (None, Language.EN) else named.capitalize()


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"
    status = 422

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str,
        message_id: str | None = None,
        values: dict[str, object] | None = None,
        inputs: tuple[str, ...] = (),
        **details: Any,
    ) -> None:
        """``inputs``: placeholders of the message that name other inputs (each filled with its
        own name unless ``values`` says otherwise), renamed per transport as ``field`` is."""
        values = {name: name for name in inputs} | (values or {})
        super().__init__(message, details={"field": field, **details}, message_id=message_id, values=values)
        self.field = field
        self.inputs = inputs


NAMED_UNKNOWN = 10
"""A refusal of ids that do not exist names at most this many of them, and says how many there are."""


def refuse_unknown(asked: Iterable[str], found: Container[str], *, field: str, message_id: str, many_id: str) -> None:
    """Refuse the ids a caller gave in ``field`` (``asked``) that are not ``found`` (none: nothing
    to refuse), sorted and each once: each named (``message_id``: ``{missing}``), or past
    ``NAMED_UNKNOWN`` of them how many and the first ones (``many_id``: ``{count}``, ``{shown}``,
    ``{missing}``; ``details.missing_count``). A selection of 5,000 unknown organisations, fields
    or periods was refused naming every one in one message (outsider); the rule is this one for
    each. The callers worked out what was missing themselves, one sorted and the others in the
    order asked."""
    missing = sorted({i for i in asked if i not in found})
    if len(missing) > NAMED_UNKNOWN:
        raise InvalidInput(
            field=field,
            message_id=many_id,
            values={"count": len(missing), "shown": NAMED_UNKNOWN, "missing": ", ".join(missing[:NAMED_UNKNOWN])},
            missing_count=len(missing),
        )
    if missing:
        raise InvalidInput(field=field, message_id=message_id, values={"missing": ", ".join(missing)})


@contextmanager
def inputs_named(names: Mapping[str, str]) -> Iterator[None]:
    """A refusal raised inside names its input as the transport calls it (``names``: the use
    case's name to the transport's), so it names what the caller wrote: REST's ``fields`` or
    GraphQL's ``selection.fieldKeys``, not the use case's ``field_keys``; any refusal that names
    one (``details.field``: a NOT_FOUND's ``fieldKey``, a FORBIDDEN's ``source``), not only
    ``InvalidInput``. The inputs its message names (``InvalidInput.inputs``) are renamed too:
    GraphQL's setFieldOutlierSetting said "give min_deviation, z_threshold…", REST's names
    (outside review)."""
    try:
        yield
    except DomainError as error:
        renamed = names.get(str(error.details.get("field")))
        if renamed is not None:
            error.details["field"] = renamed
        if not isinstance(error, InvalidInput):
            raise
        if renamed is not None:
            error.field = renamed
        for problem in error.details.get("errors", ()):
            if isinstance(problem, dict) and problem.get("field") in names:
                problem["field"] = names[problem["field"]]
        named = {key: names[str(error.values[key])] for key in error.inputs if str(error.values[key]) in names}
        if named and error.message_id is not None:
            error.values.update(named)
            error.message = say(error.message_id, Language.EN, **error.values)
            error.args = (error.message,)
        raise


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class PeriodLocked(Conflict):
    code = "PERIOD_LOCKED"


class RenderFailed(DomainError):
    """A report document could not be rendered: the message says why in plain words (never the
    renderer's own exception, which may carry object addresses and internals)."""

    code = "RENDER_FAILED"
    status = 500


class TooManySubscriptions(DomainError):
    """A principal holds as many live subscriptions (websocket operations and SSE watches
    together) as one process lets it, or one websocket as many operations as a connection may
    run (``details.per``: ``connection``): each holds a queue and work per event."""

    code = "TOO_MANY_SUBSCRIPTIONS"
    status = 429


class Unavailable(DomainError):
    code = "UNAVAILABLE"
    status = 503
    retry_after_seconds = 5

    def __init__(self, message: str = "The service cannot reach its database; try again shortly.") -> None:
        super().__init__(message, details={"retry_after_seconds": self.retry_after_seconds}, message_id="error.unavailable")


OUTAGES = (
    ConnectionError,  # refused or reset (ConnectionRefusedError, Tortoise's DBConnectionError, ...)
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.ConnectionDoesNotExistError,  # a pooled connection the server dropped
    asyncpg.exceptions.CannotConnectNowError,  # starting up
    asyncpg.exceptions.AdminShutdownError,  # shutting down
    asyncpg.exceptions.CrashShutdownError,
    # asyncpg's own bookkeeping of a connection that went away under it (its pool's holder, the
    # protocol's waiter): never this service's misuse of the driver, seen during a restart.
    asyncpg.exceptions.InternalClientError,
)

LOST_CONNECTION = ("connection is closed", "has been released back to the pool", "pool is closing", "pool is closed")
"""What asyncpg's ``InterfaceError`` says when the server dropped the connection a statement was
about to use: its pool detaches a connection the moment it sees it closed, and a request that
acquired it just before gets "cannot call Connection.fetch(): connection has been released back
to the pool" (a PostgreSQL restart under load answered that as 500). The class alone also covers
misuse (a transaction started twice, a cursor without a portal), which stays a bug."""


def _lost_connection(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.InterfaceError) and any(words in str(exc) for words in LOST_CONNECTION)


def is_unavailable(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OUTAGES) or _lost_connection(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
