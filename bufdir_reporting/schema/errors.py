"""Domain errors become GraphQL errors with a stable ``extensions.code`` and the request's
``extensions.request_id``; anything else is masked.

A masked error keeps only ``INTERNAL`` and the message "Unexpected error."; the original goes to
the log, never to the client (no stack traces, no SQL).
"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.relay import GlobalIDValueError
from strawberry.schema.exceptions import CannotGetOperationTypeError
from tortoise.exceptions import ValidationError

from ..envelope import request_id
from ..errors import DomainError, Unavailable, is_unavailable
from ..language import Language, requested, say
from ..wording import echoing, echoing_details
from . import graphql_words

log = logging.getLogger(__name__)


class DomainErrorExtension(MaskErrors):
    def __init__(self) -> None:
        super().__init__(error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._render(error) for error in errors]

    def _process_result(self, result: object) -> None:
        # Strawberry asks isinstance() of a runtime-checkable Protocol here: for every result of
        # every subscriber, a seventh of a fan-out to 1,000 subscribers (bench S6). The same
        # test by attribute.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]  # it has them: just read

    def _render(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None:
            # syntax, validation and limit errors: the client's document is at fault
            return _with_extensions(_in_language(error), code=(error.extensions or {}).get("code", "BAD_USER_INPUT"))
        if isinstance(original, DomainError):
            said = GraphQLError(original.said(), error.nodes, error.source, error.positions, error.path, original)
            return _with_extensions(said, code=original.code, **original.details)
        if isinstance(original, GraphQLError):
            return _with_extensions(_in_language(error), code="BAD_USER_INPUT")
        if isinstance(original, ValidationError):
            # a value broke a column's bounds (e.g. an over-long id)
            return _with_extensions(error, code="BAD_USER_INPUT")
        if isinstance(original, GlobalIDValueError):
            # node(id:) given base64 of "Type:key" whose type this API does not have: Strawberry
            # said "Cannot resolve. GlobalID requires a GraphQL type, received `foo`." in every
            # language (outside review #32)
            plain = say("graphql.global_id.unknown", requested.get() or Language.EN)
            refused = GraphQLError(plain, error.nodes, error.source, error.positions, error.path, original)
            return _with_extensions(refused, code="BAD_USER_INPUT", field="id")
        if isinstance(original, CannotGetOperationTypeError):
            # no operation to run (a name the document lacks, or several and none named), in the
            # words HTTP's 400 gives; a websocket's subscribe is closed with them (4400)
            reason = original.as_http_error_reason()
            unrun = GraphQLError(reason, error.nodes, error.source, error.positions, error.path, original)
            return _with_extensions(_in_language(unrun), code="BAD_REQUEST")
        if is_unavailable(original):
            log.warning("database unavailable during GraphQL execution: %s", original)
            outage = Unavailable()
            return _with_extensions(
                GraphQLError(outage.message, error.nodes, error.source, error.positions, error.path),
                code=outage.code,
                **outage.details,
            )
        log.error("unexpected error in GraphQL execution", exc_info=original)
        masked = self.anonymise_error(error)
        return _with_extensions(masked, code="INTERNAL")


def _in_language(error: GraphQLError) -> GraphQLError:
    """graphql-core's words (and our limits') in the language asked (``graphql_words``)."""
    message = graphql_words.said(error.message, requested.get())
    if message == error.message:
        return error
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path, error.original_error, error.extensions)


def _with_extensions(error: GraphQLError, **extensions: object) -> GraphQLError:
    """The error with its code and details, and the request id a client quotes to support."""
    return GraphQLError(
        message=echoing(error.message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**echoing_details({**(error.extensions or {}), **extensions}), "request_id": request_id.get()},
    )


def log_errors(errors: list[GraphQLError]) -> None:
    """How a GraphQL response's errors reach the log (Strawberry logs every one at ERROR with a
    traceback): the client's mistakes at INFO in one line; faults are logged at ERROR, with
    their traceback, once, where ``DomainErrorExtension`` masks them."""
    for error in errors:
        original = error.original_error
        if original is None or isinstance(
            original, DomainError | GraphQLError | ValidationError | GlobalIDValueError | CannotGetOperationTypeError
        ):
            code = original.code if isinstance(original, DomainError) else (error.extensions or {}).get("code", "BAD_USER_INPUT")
            log.info("GraphQL %s: %s", code, error.message.splitlines()[0] if error.message else "")
