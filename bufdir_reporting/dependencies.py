"""The request context both transports build the same way: settings + principal + loaders."""

from __future__ import annotations

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


async def context_of(connection: HTTPConnection, *, reach: bool) -> Context:
    """The request's context; with ``reach=False`` its principal does not yet reach below its
    organisations (``Principal.below`` is empty: it reads less, never more), nor is a
    Maskinporten token found by its number mapped to them (``identity.mapping.by_number``: its
    ``organizations`` are empty), and the caller must ``reach`` it before any use case runs
    (``schema.compiled``: a compiled read maps the token and follows the tree in its own
    statement, and only the executor needs them read first)."""
    settings = settings_of(connection)
    principal = await principal_of(settings, connection.headers.get("authorization"), reach=reach)
    access.require_permission(principal, required_permission(connection), settings, doing=doing_of(connection))
    state = connection.app.state
    return Context(settings=settings, principal=principal, jobs=state.jobs, events=state.events)


async def principal_of(settings: Settings, authorization: str | None, *, reach: bool = True) -> Principal:
    """The caller of an ``Authorization`` header value: its token's claims, the organisations a
    national identity maps to, and (``reach``) what it reaches through the organisation tree.
    Without ``reach`` a Maskinporten token found by its number is left unmapped (``context_of``)."""
    principal = await principal_of_header(settings, authorization)
    if reach or not identity.mapping.by_number(principal):
        principal = await identity.mapping.resolve(settings, principal)
    return await organizations.tree.reach(principal) if reach else principal


async def remap(settings: Settings, authorization: str | None) -> Principal | Unauthenticated | Forbidden | None:
    """A national token (``Principal.is_mapped``) mapped again as a new request maps it, for a
    connection that outlives the request it was opened with (a websocket, the legacy watch
    stream): the principal as it is now, the refusal a new request would get, or None while the
    database is away (the connection goes on; the next check maps again)."""
    try:
        return await principal_of(settings, authorization)
    except (Unauthenticated, Forbidden) as refused:
        return refused
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        return None


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
