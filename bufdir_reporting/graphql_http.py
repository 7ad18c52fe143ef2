"""GraphQL over HTTP and websockets: the Strawberry router as this service runs it.

- **Tokens.** Over HTTP, the ``Authorization`` header; a missing token is the anonymous
  principal (periods and the structure are public). A token that is there but malformed,
  expired or not ours refuses the whole request before anything runs: 401 with
  ``WWW-Authenticate``, answered like every other GraphQL error (``errors[0].extensions.code``
  ``UNAUTHENTICATED``, a ``reason`` and the ``request_id``), never half-executed as anonymous.
  Websocket clients send the token in ``connection_init``; a bad one closes with 4403, and the
  connection is closed with 4401 when the token expires.
- **Media types** (``graphql_requests.negotiated``): ``application/graphql-response+json`` is
  answered 400 when the request never reached execution (it did not parse, validate or its
  variables did not coerce); ``application/json`` 200, as legacy clients expect. Either way a
  response to a request that never executed carries ``errors`` and no ``data``.
- **Persisted queries** (``graphql_requests.PersistedQueries``) are resolved as the body is read.
- **Languages**: ``Content-Language`` names every language the answer is in (``nn, en`` for
  ``title(language: EN)`` asked in Nynorsk).
- **Repeated reads** are answered from the response cache (``response_cache``) under the data
  version they were computed at.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse
from graphql import GraphQLError
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from . import ui
from .dependencies import context_of, principal_of, request_context
from .envelope import request_id
from .errors import Forbidden, Unauthenticated, Unavailable
from .graphql_requests import (
    GRAPHQL_RESPONSE,
    JSON,
    PersistedQueries,
    PersistedQueryProblem,
    decode_json,
    negotiated,
    problem_response,
)
from .graphql_ws import TransportWSConnection
from .language import content_language
from .schema.context import GraphQLContext

log = logging.getLogger(__name__)


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


def response_json(data: object) -> bytes:
    """An HTTP answer's JSON, by orjson: Strawberry's ``json.dumps`` of a dashboard's 9 KB was a
    sixth of its CPU, ten times orjson's (bench S11). Text beyond ASCII is written as UTF-8, as
    the REST routes write it, not as ``\\u`` escapes. What orjson refuses (an integer beyond 64
    bits, a lone surrogate) is encoded as Strawberry encodes it. Websocket messages keep
    Strawberry's encoding (``encode_json``): a text frame, shared by many subscribers."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


def unrendered_masked(error: GraphQLError) -> GraphQLError:
    """An error no extension rendered is a fault: an exception in a hook before execution (the
    limits' measure, validation) passes Strawberry's extensions by, and went out as it was, its
    text (a statement, a library's words) without code or request id, logged nowhere (attacker's
    review: 1e400 as a page size answered "cannot convert float infinity to integer"). Logged
    once, with its traceback, and masked as execution's faults are."""
    if (error.extensions or {}).get("code"):
        return error
    log.error("unexpected error in GraphQL before execution", exc_info=error.original_error or error)
    return GraphQLError("Unexpected error.", extensions={"code": "INTERNAL", "request_id": request_id.get()})


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
        refused = getattr(request.state, "refused", None)
        if refused is not None:
            raise refused  # a token refused as a whole once mapped (``schema.compiled.extension``): 403
        request.state.graphql_errors = bool(result.errors)  # read by the response cache: it keeps answers without errors
        if result.errors:
            result.errors = [unrendered_masked(error) for error in result.errors]
        body = await super().process_result(request, result)
        said = content_language()
        if said is not None and "," in said:
            # title(language: EN) under Accept-Language: nn answered "nn"; said here, on the
            # response itself, so the response cache keeps it with the answer it replays
            request.state.graphql_response.headers["Content-Language"] = said
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
        """As Strawberry's (its status, the sub-response's headers), the body by ``response_json``."""
        response = Response(response_json(response_data), status_code=sub_response.status_code or 200)
        response.headers.raw.extend(sub_response.headers.raw)
        response.headers["content-type"] = f"{sub_response.media_type or JSON}; charset=utf-8"
        return response

    async def on_ws_connect(self, context: GraphQLContext) -> dict[str, object] | None:  # type: ignore[override]  # the base takes the router's generic context; ours is GraphQLContext
        """``{"Authorization": "Bearer <token>"}`` in ``connection_init`` (browsers cannot set
        headers on a websocket); a bad token closes the connection with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = params.get("Authorization") or params.get("authorization")
        if token is not None:
            try:
                context.principal = await principal_of(context.settings, str(token))
            except (Unauthenticated, Forbidden) as exc:
                raise ConnectionRejectionError({"code": exc.code, "message": exc.message, **exc.details}) from None
        if context.events is not None:
            # One holder (a token's claims; an anonymous caller's address) keeps at most so many
            # websockets open: a connection with no subscription held nothing countable, and one
            # token or address could open them without bound (HolderAtLimit: closed 1013)
            holder = context.holder
            context.events.connections.take(holder, context.settings.websocket_connections_per_principal)
            context.connection_holder = holder
        return None
