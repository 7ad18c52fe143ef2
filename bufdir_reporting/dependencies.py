"""The request context both transports build the same way: settings + principal + loaders."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from .auth import principal_from_authorization
from .config import Settings
from .resolvers import organizations
from .resolvers.base.context import Context


def settings_of(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


async def request_context(connection: HTTPConnection) -> Context:
    """FastAPI dependency; takes ``HTTPConnection`` so it serves websockets as well."""
    settings = settings_of(connection)
    principal = await organizations.tree.reach(principal_from_authorization(settings, connection.headers.get("authorization")))
    state = connection.app.state
    return Context(settings=settings, principal=principal, jobs=state.jobs, events=state.events)
