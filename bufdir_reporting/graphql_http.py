"""GraphQL over HTTP and websockets: the Strawberry router as this service runs it.

- **Tokens.** Over HTTP, the ``Authorization`` header; a missing token is the anonymous
  principal (periods and the structure are public). A token that is there but malformed,
  expired or not ours refuses the whole request before anything runs: 401 with
  ``WWW-Authenticate``, answered like every other GraphQL error (``errors[0].extensions.code``
  ``UNAUTHENTICATED``, a ``reason`` and the ``request_id``), never half-executed as anonymous.
  Websocket clients send the token in ``connection_init``; a bad one closes with 4403, and the
  connection is closed with 4401 when the token expires.
- **Media types** (GraphQL over HTTP, https://graphql.github.io/graphql-over-http/): a client
  that accepts ``application/graphql-response+json`` gets it, with 400 when the request never
  reached execution (it did not parse, validate or its variables did not coerce); everyone else
  gets ``application/json`` with 200, as legacy clients expect. Either way a response to a
  request that never executed carries ``errors`` and no ``data``.
- **Persisted queries** (Apollo's automatic persisted queries): a client sends
  ``extensions.persistedQuery.sha256Hash`` instead of the document; an unknown hash answers
  ``PERSISTED_QUERY_NOT_FOUND`` and the client sends the document once with its hash, which is
  checked and kept (per process, bounded).
- **Repeated reads** are answered from the response cache (``response_cache``) under the data
  version they were computed at.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import sys
from collections import OrderedDict
from contextlib import suppress
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from . import ui
from .auth import Principal
from .dependencies import context_of, principal_of, request_context
from .envelope import graphql_error_body
from .errors import DomainError, Forbidden, Unauthenticated, Unavailable
from .operations.close_codes import TOKEN_EXPIRED
from .schema.context import GraphQLContext
from .schema.limits import cacheable

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiated(accept: str | None) -> str:
    """The response media type for an ``Accept`` header: the GraphQL one when the client ranks
    it at least as high as plain JSON, plain JSON otherwise (and when nothing is said)."""
    if not accept:
        return JSON
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (item.strip() for item in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media.lower()] = max(quality, ranks.get(media.lower(), 0.0))
    graphql = ranks.get(GRAPHQL_RESPONSE, 0.0)
    json = max(ranks.get(JSON, 0.0), ranks.get("*/*", 0.0), ranks.get("application/*", 0.0))
    return GRAPHQL_RESPONSE if graphql > 0 and graphql >= json else JSON


PERSISTED_QUERIES = 2_000
"""Documents kept per process for automatic persisted queries (least recently used out)."""
PERSISTED_QUERY_CHARS = 65_536
"""The largest document kept for a hash; a larger one is answered but not kept, so its hash alone
stays PERSISTED_QUERY_NOT_FOUND (Apollo Client then sends the document each time)."""
PERSISTED_QUERIES_CHARS = 16 * 2**20
"""The most text all kept documents may hold together (least recently used out past it): 2,000
documents of up to 1 MiB each were 2 GiB an anonymous client could make a process hold."""


class PersistedQueryProblem(DomainError):
    """An APQ request this process cannot serve; answered in GraphQL's shape with its code."""

    status = 200

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class PersistedQueries:
    def __init__(
        self, size: int = PERSISTED_QUERIES, *, max_chars: int = PERSISTED_QUERY_CHARS, total_chars: int = PERSISTED_QUERIES_CHARS
    ) -> None:
        self.size, self.max_chars, self.total_chars = size, max_chars, total_chars
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    @property
    def chars(self) -> int:
        """The text the kept documents hold together."""
        return self._chars

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document a request stands for: its own, or the one its hash names."""
        persisted = (extensions or {}).get("persistedQuery")
        if not isinstance(persisted, dict):
            return query
        digest = persisted.get("sha256Hash")
        if persisted.get("version") != 1 or not isinstance(digest, str):
            raise PersistedQueryProblem("PERSISTED_QUERY_NOT_SUPPORTED", "Only persisted query version 1 is supported.", 400)
        if query is None:
            document = self._documents.get(digest)
            if document is None:
                raise PersistedQueryProblem("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            self._documents.move_to_end(digest)
            return document
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryProblem("BAD_REQUEST", "provided sha does not match query", 400)
        if len(query) > self.max_chars or digest in self._documents:
            return query
        self._documents[digest] = query
        self._chars += len(query)
        while len(self._documents) > self.size or self._chars > self.total_chars:
            self._chars -= len(self._documents.popitem(last=False)[1])
        return query


def operation_kind(query: str, operation_name: str | None, max_tokens: int) -> str | None:
    """query, mutation or subscription for the operation a request runs; None when the
    document does not parse within the service's token limit or names no single operation
    (execution will say why). Remembered for a document the parse cache would keep."""
    return (_remembered_kind if cacheable(query) else _operation_kind)(query, operation_name, max_tokens)


def _operation_kind(query: str, operation_name: str | None, max_tokens: int) -> str | None:
    """Parsing costs about 10 µs a token: a document past the limit is given up at the limit,
    as the router's own parsing gives it up."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return chosen[0].operation.value if len(chosen) == 1 else None


_remembered_kind = functools.lru_cache(maxsize=1024)(_operation_kind)


def problem_response(problem: PersistedQueryProblem, accept: str | None) -> Response:
    body = graphql_error_body(problem.code, problem.message)
    return Response(json.dumps(body), status_code=problem.status, media_type=negotiated(accept))


def never_executed(result: ExecutionResult) -> bool:
    """Parse, validation and variable coercion errors have no path and leave no data."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def wholly_unavailable(result: ExecutionResult) -> bool:
    """Nothing was answered and every error is the database's outage: such a request (a mutation
    during an outage, typically) is a 503 with Retry-After, as REST answers it, the GraphQL body
    kept; it answered 200 before, which a client or proxy does not retry (outside review)."""
    errors = result.errors or []
    answered = any(value is not None for value in (result.data or {}).values())
    return bool(errors) and not answered and all((e.extensions or {}).get("code") == Unavailable.code for e in errors)


async def graphql_context(connection: HTTPConnection) -> GraphQLContext:
    """Over HTTP the principal's reach through the organisation tree is left to execution
    (``schema.compiled.extension``): a compiled read follows the tree inside its one statement,
    and reading it here first was a second statement per dashboard (bench S11). A websocket's
    operations run without that hook's guarantee for subscriptions, so it is reached here."""
    if connection.scope["type"] != "http":
        return GraphQLContext.wrap(await request_context(connection))
    context = GraphQLContext.wrap(await context_of(connection, reach=False))
    context.unreached = True
    return context


class NestsTooDeeply(json.JSONDecodeError):
    """A JSON text nested deeper than the decoder goes (Python's recursion limit): a websocket
    message of variables 100,000 levels deep raised RecursionError, which ended the connection
    without a close frame (1006); it is a message that is not acceptable JSON, closed with 4400."""

    def __init__(self, text: str | bytes) -> None:
        super().__init__("the JSON nests too deeply", text if isinstance(text, str) else "", 0)


def decode_json(data: str | bytes) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise NestsTooDeeply(data) from None


class TransportWSConnection(BaseGraphQLTransportWSHandler[BaseContext | dict[str, Any], None]):
    """One graphql-transport-ws connection, as this service runs it:

    - it lasts as long as the authority it was opened with: when the token's ``exp`` passes it
      is closed with 4401, and its subscriptions end (they kept receiving events before);
    - a client that went away (or was dropped for not reading) ends its operations: expected,
      so logged as such rather than as an error with a traceback."""

    _expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        principal = getattr(self.context, "principal", None)
        left = principal.seconds_left() if isinstance(principal, Principal) else None
        if self.connection_acknowledged and left is not None and self._expiry is None:
            self._expiry = asyncio.create_task(self._close_in(left), name="websocket-token-expiry")

    async def _close_in(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.websocket.close(code=TOKEN_EXPIRED, reason="token expired")

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with suppress(asyncio.CancelledError):
                await self._expiry
        await super().shutdown()

    async def handle_invalid_message(self, error_message: str) -> None:
        cause = sys.exc_info()[1]  # Strawberry reports a message it could not decode from its except block
        if isinstance(getattr(cause, "__cause__", None), NestsTooDeeply):
            error_message = "WebSocket message nests too deeply"
        await super().handle_invalid_message(error_message)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            log.info("websocket operation ended: the client is gone")
            return
        await super().handle_task_exception(error)


class BufdirGraphQLRouter(GraphQLRouter):
    """Strawberry's router with this service's token handling, media types and GraphiQL page."""

    graphql_transport_ws_handler_class = TransportWSConnection

    def __init__(self, *args: Any, persisted_queries: PersistedQueries, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persisted_queries = persisted_queries
        self._encoded: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    def encode_json(self, data: object) -> str | bytes:
        """As Strawberry encodes, but a subscription's result shared by many subscribers (see
        ``schema.subscriptions.SharedEventResults``: the very same ``data`` object) is encoded
        once per event, not once per subscriber: the per-subscriber encoding was a sixth of a
        fan-out to 1,000 subscribers (bench S6). The text is the same byte for byte."""
        if not (isinstance(data, dict) and data.get("type") == "next" and list(data) == ["id", "type", "payload"]):
            return super().encode_json(data)
        payload = data["payload"]
        if not (isinstance(payload, dict) and list(payload) == ["data"] and isinstance(payload["data"], dict)):
            return super().encode_json(data)
        result = payload["data"]
        kept = self._encoded.get(id(result))
        if kept is None or kept[0] is not result:  # an entry holds its object, so its id is not reused
            kept = (result, json.dumps(result, separators=(",", ":")))
            self._encoded[id(result)] = kept
            while len(self._encoded) > 64:
                self._encoded.popitem(last=False)
        return f'{{"id":{json.dumps(data["id"])},"type":"next","payload":{{"data":{kept[1]}}}}}'

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return ui.graphiql_page(request)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except PersistedQueryProblem as problem:
            return problem_response(problem, request.headers.get("accept"))

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and data.extensions:
            data.query = self.persisted_queries.resolve(data.query, data.extensions)
        return data

    async def get_sub_response(self, request: Request) -> Response:
        response = await super().get_sub_response(request)
        response.media_type = negotiated(request.headers.get("accept"))
        request.state.graphql_response = response
        return response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        request.state.graphql_errors = bool(result.errors)  # read by the response cache: it keeps answers without errors
        body = await super().process_result(request, result)
        if wholly_unavailable(result):
            response: Response = request.state.graphql_response
            response.status_code = Unavailable.status
            response.headers["Retry-After"] = str(Unavailable.retry_after_seconds)
        elif never_executed(result):
            body.pop("data", None)
            response = request.state.graphql_response
            if response.media_type == GRAPHQL_RESPONSE:
                response.status_code = 400
        return body

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{sub_response.media_type or JSON}; charset=utf-8"
        return response

    async def on_ws_connect(self, context: GraphQLContext) -> dict[str, object] | None:  # type: ignore[override]  # the base takes the router's generic context; ours is GraphQLContext
        """``{"Authorization": "Bearer <token>"}`` in ``connection_init`` (browsers cannot set
        headers on a websocket); a bad token closes the connection with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = params.get("Authorization") or params.get("authorization")
        if token is None:
            return None
        try:
            context.principal = await principal_of(context.settings, str(token))
        except (Unauthenticated, Forbidden) as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message, **exc.details}) from None
        return None
