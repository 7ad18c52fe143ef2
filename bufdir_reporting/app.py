"""``create_app(settings)``: the FastAPI app with the GraphQL router and the REST routers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise.connection import get_connection
from tortoise.contrib.fastapi import RegisterTortoise

from . import operations, rest, rest_compat, ui
from .background import Background, relays_events
from .cached_reads import CachedReads, Deferred
from .config import Settings
from .database import tortoise_config
from .events import EventHub
from .graphql_http import BufdirGraphQLRouter, graphql_context
from .graphql_requests import PersistedQueries
from .http_guards import BodySizeLimit, RequestShape, SecurityHeaders
from .language import LanguageOfRequest
from .operations import Metrics, OpenWebSockets, RequestContext
from .plain_errors import PlainErrorsAsJson
from .resolvers.periods import calendar
from .response_cache import ResponseCache
from .rest.errors import install_error_handlers
from .rest.openapi import openapi_for
from .schema import schema

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The service cannot start; the message says why in one line."""


async def _check_database(settings: Settings) -> None:
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # the driver's own error says what failed
        raise StartupError(f"cannot reach the database at {settings.database_url_redacted!r}: {exc}") from None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # The signing secret exists from start-up (generated under var/ unless configured), so
    # `bufdir-reporting token` signs with it before the first request has needed it.
    _ = settings.signing_secret
    calendar.use(settings.time_zone)
    bus = EventHub(settings.broadcast_url, queue_size=settings.subscriber_queue_size, relayed=relays_events(settings))
    try:
        orm = RegisterTortoise(app, config=tortoise_config(settings, serving=True))
        await orm.init_orm()
    except Exception as exc:
        raise StartupError(f"cannot open the database at {settings.database_url_redacted!r}: {exc}") from None
    try:
        await _check_database(settings)
        try:
            await bus.connect()
        except Exception as exc:
            raise StartupError(f"cannot reach pub/sub at {settings.broadcast_url!r}: {exc}") from None
        app.state.events = bus
        background = Background(settings, bus, app.state.metrics)
        app.state.jobs = background.jobs
        await background.start()
        # Everything made at start-up (schema, routes, models) lives as long as the process:
        # moved out of the collector's sight, full collections no longer walk it (bench S7).
        gc.freeze()
        try:
            yield
        finally:
            await background.stop()
            await bus.disconnect()
    finally:
        await orm.close_orm()


class Service(FastAPI):
    """FastAPI with one layer outside even its own (the error page, telemetry): the response
    cache's (``cached_reads``), whose hits need none of them; whatever it does not answer goes
    through the whole stack as before (bench S7)."""

    outermost: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return stack if self.outermost is None else self.outermost(stack)


def create_app(settings: Settings) -> FastAPI:
    app = Service(
        title="Bufdir reporting API",
        description="Aggregated activity data and the reports organisations owe Bufdir.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # ui serves /docs from its own assets, not a CDN
        redoc_url=None,
        # An operation without an id of its own (/healthz, /metrics) is named by its handler
        # (healthz), not FastAPI's default of handler, path and method (healthz_healthz_get).
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.response_cache = ResponseCache(settings.response_cache_mb * 2**20)
    persisted_queries = PersistedQueries()
    app.state.closing = asyncio.Event()  # set when the server shuts down: live streams end
    app.openapi = openapi_for(app, settings)  # type: ignore[method-assign]  # FastAPI's documented way to shape the document
    install_error_handlers(app)
    app.include_router(operations.router)
    app.include_router(ui.router)
    app.mount(ui.ASSETS_PATH, ui.assets(), name="ui-assets")
    app.include_router(
        BufdirGraphQLRouter(
            schema,
            persisted_queries=persisted_queries,
            context_getter=graphql_context,
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.graphql_connection_init_seconds),
            max_subscriptions_per_connection=settings.graphql_max_subscriptions,
            include_in_schema=False,  # GraphQL describes itself (schema.graphql, introspection), not in OpenAPI
            # checkActivityImport takes a file (the GraphQL multipart request spec). Tokens travel in the
            # Authorization header, never in cookies, so a cross-site form cannot upload as someone.
            multipart_uploads_enabled=True,
        ),
        prefix="/graphql",
    )
    for router in (*rest_compat.ROUTERS, *rest.ROUTERS):
        app.include_router(router)
    app.add_middleware(Deferred)  # innermost: what the response cache met before the stack ran (cached_reads)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials="*" not in settings.cors_origins,  # never a wildcard with credentials
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "Accept-Language"],
            # a browser may read these of a download: its file name, and an analytics export's size
            # in cells, which its progress is counted against
            expose_headers=["Content-Disposition", "X-Total-Cells"],
        )
    app.add_middleware(ui.HeadAsGet)
    app.add_middleware(PlainErrorsAsJson)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestShape)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    app.add_middleware(LanguageOfRequest)
    app.state.websockets = OpenWebSockets(
        send_timeout=settings.websocket_send_timeout_seconds, max_message_bytes=settings.websocket_max_message_bytes
    )
    app.add_middleware(lambda inner: app.state.websockets.track(inner))
    # outermost: a repeated read is answered as the whole stack answered it, without passing
    # through it (bench S7)
    app.outermost = lambda stack: CachedReads(
        stack, cache=app.state.response_cache, persisted=persisted_queries, settings=settings, metrics=app.state.metrics
    )
    return app
