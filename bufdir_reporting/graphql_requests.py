"""What a request to /graphql asks for, read before (and beside) the router: the response's media
type (``negotiated``), the document a persisted query's hash stands for (``PersistedQueries``),
the kind of operation it runs (``operation_kind``) and its JSON (``decode_json``, bounded in
depth). The response cache (``cached_reads``) keys on these before anything executes; the router
(``graphql_http``) answers with them.

- **Media types** (GraphQL over HTTP, https://graphql.github.io/graphql-over-http/): a client
  that accepts ``application/graphql-response+json`` gets it; everyone else gets
  ``application/json``, as legacy clients expect.
- **Persisted queries** (Apollo's automatic persisted queries): a client sends
  ``extensions.persistedQuery.sha256Hash`` instead of the document; an unknown hash answers
  ``PERSISTED_QUERY_NOT_FOUND`` and the client sends the document once with its hash, which is
  checked and kept (per process, bounded).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.responses import Response

from .envelope import graphql_error_body
from .errors import DomainError
from .language import weighted
from .schema.limits import cacheable

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiated(accept: str | None) -> str:
    """The response media type for an ``Accept`` header: the GraphQL one when the client ranks
    it at least as high as plain JSON, plain JSON otherwise (and when nothing is said)."""
    if not accept:
        return JSON
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, quality = weighted(part)
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
