"""What of a request ``CachedReads`` reads before the stack runs: a GraphQL request's parts that decide
its answer (a digest of the document, variables, operation name and media type, and the scopes of
the data it reads), remembered for a request sent again; the language asked for; a header's text;
and a body already read, replayed to the stack below."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from starlette.datastructures import QueryParams
from starlette.types import Message, Receive

from . import read_scopes
from .graphql_requests import PersistedQueries, decode_json, negotiated, operation_kind
from .language import Language, from_accept_language


def header_text(header: bytes | None) -> str | None:
    """A header's value as Starlette's ``Headers`` gives it."""
    return None if header is None else header.decode("latin-1")


def replaying(read: list[Message], receive: Receive) -> Receive:
    """``receive`` for the stack below: the messages already read, then the rest."""
    pending = list(read)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


@lru_cache(maxsize=256)
def language_of(header: bytes | None) -> Language | None:
    """The language ``LanguageOfRequest`` reads from this ``Accept-Language`` (a dashboard sends
    the same header each time: read once)."""
    return from_accept_language(header.decode("latin-1") if header else None)


def query_parts(
    persisted: PersistedQueries, max_tokens: int, method: str, query_string: bytes, body: bytes, accept: str | None
) -> tuple[bytes, tuple[str, ...]] | None:
    """What of a GraphQL request decides its answer besides the caller and the data: a digest of
    the document, the variables (canonical), the operation name and the media type; and the
    scopes of the data it reads (``read_scopes``). None when it is not a plain query or not a
    body the router will take. Raises PersistedQueryProblem."""
    if method == "POST":
        try:
            data = decode_json(body)
        except ValueError:
            return None
    else:
        data = dict(QueryParams(query_string))
        for name in ("variables", "extensions"):
            try:
                data[name] = decode_json(data[name]) if name in data else None
            except ValueError:
                return None
    if not isinstance(data, dict) or not isinstance(data.get("extensions", {}), dict | None):
        return None  # extensions are not in the key: a request the router refuses is never a hit
    query = persisted.resolve(data.get("query"), data.get("extensions"))
    operation_name, variables = data.get("operationName"), data.get("variables")
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None
    if operation_kind(query, operation_name, max_tokens) != "query":
        return None
    read = read_scopes.scopes(query, operation_name, variables, max_tokens)
    asked = (query, json.dumps(variables, sort_keys=True, separators=(",", ":")), operation_name, negotiated(accept))
    return hashlib.blake2b(repr(asked).encode(), digest_size=20).digest(), read


remembered_parts = lru_cache(maxsize=1024)(query_parts)
"""The same request sent again — a dashboard polling — is parsed once. A problem (an unknown
persisted-query hash) is raised again each time, never remembered: the hash may be sent with its
document next."""
