"""The request context both transports build the same way: settings + principal + loaders."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from starlette.requests import HTTPConnection

from .auth import Principal
from .config import Settings
from .digdir import principal_of_header
from .errors import Forbidden, Unauthenticated, is_unavailable
from .resolvers import identity, organizations
from .resolvers.base import access
from .resolvers.base.context import Context


def settings_of(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


async def request_context(connection: HTTPConnection) -> Context:
    """FastAPI dependency; takes ``HTTPConnection`` so it serves websockets as well."""
    return await context_of(connection, reach=True)


async def unreached_request_context(connection: HTTPConnection) -> Context:
    """FastAPI dependency for a route whose use case reaches the principal through the tree
    itself (``organizations.tree.reach``), only where the token's own organisations do not
    decide what it reads: the tree's statement is then spent on umbrellas and refusals, not on
    every read (bench S3). A Maskinporten token is mapped as for any route, its refusal first."""
    return await context_of(connection, reach=False, mapped=True)


async def context_of(connection: HTTPConnection, *, reach: bool, mapped: bool = False) -> Context:
    """The request's context; with ``reach=False`` its principal does not yet reach below its
    organisations (``Principal.below`` is empty: it reads less, never more), nor (unless
    ``mapped``) is a Maskinporten token found by its number mapped to them
    (``identity.mapping.by_number``: its ``organizations`` are empty), and the caller must
    ``reach`` it before any use case runs (``schema.compiled``: a compiled read maps the token
    and follows the tree in its own statement, and only the executor needs them read first)."""
    settings = settings_of(connection)
    authorization = connection.headers.get("authorization")
    principal = await principal_of(settings, authorization, reach=reach, mapped=mapped)
    access.require_permission(principal, required_permission(connection), settings, doing=doing_of(connection))
    state = connection.app.state
    client = connection.client.host if connection.client else None
    return Context(settings=settings, principal=principal, jobs=state.jobs, events=state.events, client=client)


async def principal_of(settings: Settings, authorization: str | None, *, reach: bool = True, mapped: bool = False) -> Principal:
    """The caller of an ``Authorization`` header value: its token's claims, the organisations a
    national identity maps to, and (``reach``) what it reaches through the organisation tree.
    Without ``reach`` nor ``mapped`` a Maskinporten token found by its number is left unmapped
    (``context_of``)."""
    principal = await principal_of_header(settings, authorization)
    if reach or mapped or not identity.mapping.by_number(principal):
        principal = await identity.mapping.resolve(settings, principal)
    return await organizations.tree.reach(principal) if reach else principal


async def remap(
    settings: Settings, authorization: str | None, *, lately: bool = False
) -> Principal | Unauthenticated | Forbidden | None:
    """A national token (``Principal.is_mapped``) mapped again as a new request maps it, for a
    connection that outlives the request it was opened with (a websocket, the legacy watch
    stream): the principal as it is now, the refusal a new request would get, or None while the
    database is away (the connection goes on; the next check maps again). ``lately``: the
    mapping may be one read up to a second ago (``mapped_lately``), for a check before each event."""
    try:
        return await (mapped_lately if lately else principal_of)(settings, authorization)
    except (Unauthenticated, Forbidden) as refused:
        return refused
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        return None


MAPPED_SECONDS = 1.0
"""How long a live stream takes a national token's mapping as it was last read (``mapped_lately``)."""
MAPPINGS_KEPT = 10_000
_mapped: OrderedDict[tuple[int, str | None], tuple[float, asyncio.Future[Principal]]] = OrderedDict()


async def mapped_lately(settings: Settings, authorization: str | None) -> Principal:
    """``principal_of``, read at most once every ``MAPPED_SECONDS`` per token in this process
    (its refusal too): what a live stream asks before each event it sends a national token, so
    that an event does not reach a person whose assignment an admin ended up to the periodic
    check's 30 s later, and a thousand subscribers of one token cost one mapping a second, not
    one per event each. Callers at the same moment share one read."""
    key = (id(settings), authorization)
    now = time.monotonic()
    known = _mapped.get(key)
    if known is None or now - known[0] >= MAPPED_SECONDS:
        while _mapped and now - next(iter(_mapped.values()))[0] >= MAPPED_SECONDS:
            _mapped.popitem(last=False)  # oldest first: nothing read a second ago is kept
        known = (now, asyncio.ensure_future(principal_of(settings, authorization)))
        _mapped[key] = known
        while len(_mapped) > MAPPINGS_KEPT:
            _mapped.popitem(last=False)
    return await asyncio.shield(known[1])


REQUIRED_PERMISSION = "x-required-permission"
"""Where a REST route declares what it needs (``rest.permissions``, written by ``rest.routing``)."""


def required_permission(connection: HTTPConnection) -> tuple[str, ...] | None:
    """What the REST route being called needs; None off REST (GraphQL guards its own fields)."""
    route = connection.scope.get("route")
    needs = (getattr(route, "openapi_extra", None) or {}).get(REQUIRED_PERMISSION)
    return tuple(needs) if needs else None


DOING = "bufdir_doing"
"""The route's attribute naming what it does, for a refusal to say (``rest.permissions.DOING``)."""


def refused_doing(route: object, doing: str | None) -> None:
    """Keep on the route the message saying what it does; not in the OpenAPI document."""
    setattr(route, DOING, doing)


def doing_of(connection: HTTPConnection) -> str | None:
    doing: str | None = getattr(connection.scope.get("route"), DOING, None)
    return doing
