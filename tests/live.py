"""Apps for tests: started through their lifespan in-process, or as a real uvicorn server on a
loopback port in the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from starlette.routing import BaseRoute
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.transactions import in_transaction
from websockets.typing import Subprotocol

from bufdir_reporting import operations, rest, rest_compat, ui
from bufdir_reporting.app import create_app
from bufdir_reporting.config import Settings
from bufdir_reporting.operations import GracefulServer
from bufdir_reporting.resolvers.base import revision

from .services import free_port

GRAPHQL_TRANSPORT_WS = [Subprotocol("graphql-transport-ws")]
"""The ``subprotocols`` a websockets client asks for to speak graphql-transport-ws."""


def new_app(settings: Settings) -> FastAPI:
    # Tortoise caches insert SQL per connection name and table, not per dialect: a process that
    # switches between SQLite and PostgreSQL (only this suite does) must drop it in between.
    EXECUTOR_CACHE.clear()
    app = create_app(settings)
    _share_route_state(app)
    _share_openapi_document(app, settings)
    return app


_DOCUMENTS: dict[str, dict[str, Any]] = {}
"""Per process, the OpenAPI document built by the first app of each configuration."""


def _share_openapi_document(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document depends on the routes (the same modules' for every app of the suite)
    and the settings, not on the database or the signing secret: built once per configuration and
    process, not once per app (half a second of CPU each; test_openapi.py alone asks 20-odd apps for it). The first
    app of a configuration builds it as ``rest.openapi.openapi_for`` does; the others serve that
    document. The configuration is read when the document is first asked for, as the app does."""
    build = app.openapi

    def shared() -> dict[str, Any]:
        if app.openapi_schema is None:
            configuration = settings.model_dump_json(exclude={"database_url", "var_dir", "token_secret"})
            if configuration not in _DOCUMENTS:
                _DOCUMENTS[configuration] = build()
            app.openapi_schema = _DOCUMENTS[configuration]
        return app.openapi_schema

    app.openapi = shared  # type: ignore[method-assign]  # as create_app sets it


_SHARED_ROUTERS: dict[int, BaseRoute] = {}
"""Per process, the first app's wrapper of each router that every app includes unchanged."""
_STATIC_ROUTERS = frozenset(id(router) for router in (operations.router, ui.router, *rest_compat.ROUTERS, *rest.ROUTERS))


def _share_route_state(app: FastAPI) -> None:
    """Every app of the suite includes the same module-level routers (the REST ones, the
    operations' and the UI's), and FastAPI builds each included route's state (its dependencies,
    its parameters' and answer's validators) again for every app on its first request: a tenth to
    a third of a REST test's CPU, the suite making an app per test. Here every app after the first
    of the process reuses the first one's wrapper of those routers (``_IncludedRouter``, built
    once); the GraphQL router, made from the settings, stays each app's own. The routes, their
    handlers and dependencies are the same objects either way (the module's routers)."""
    routes = app.router.routes
    for index, route in enumerate(routes):
        router = getattr(route, "original_router", None)
        if router is not None and id(router) in _STATIC_ROUTERS:
            routes[index] = _SHARED_ROUTERS.setdefault(id(router), route)


async def _no_app_left_behind() -> None:
    """An app whose shutdown an earlier test cut short (a lifespan timeout under load) left
    Tortoise's global context set, and every later app start on that worker failed with "Global
    context fallback is already enabled" (137 errors from one failure in a loaded CI run). That
    test has failed already; the ones after it start clean."""
    from tortoise import context

    left = context._global_context
    if left is not None:
        with contextlib.suppress(Exception):
            await left.close_connections()
        context._global_context = None


async def emptied() -> None:
    """Empty tables, as a migrated database starts: every table emptied, then what the
    migrations write besides the schema (the default form, assigned to every organisation)."""
    from bufdir_reporting.models import DEFAULT_FORM, FormAssignment, ReportForm

    await empty_tables()
    revision.clear()  # the structure cache is per process: a structure of a test before is gone
    async with in_transaction():  # one commit (a sync to disk on SQLite) for both rows
        await ReportForm.create(id=DEFAULT_FORM, name="Bufdir-rapport", description="Alle seksjoner.", is_default=True)
        await FormAssignment.create(form_id=DEFAULT_FORM, valid_from=date(1900, 1, 1), created_by="migration-0012")


@asynccontextmanager
async def started_app(settings: Settings, *, empty: bool = True) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running; ``empty`` starts from empty tables."""
    await _no_app_left_behind()
    app = new_app(settings)
    # a job a test left running is waited for at shutdown: on a loaded 2-core CI that can pass
    # asgi-lifespan's 5 s (a teardown error in test_lifecycle, 2026-12-05)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        if empty:
            await emptied()
        yield app


async def empty_tables() -> None:
    """Every table emptied in one transaction, a DELETE per table. Tortoise's
    ``truncate_all_models`` commits a DELETE per table on SQLite (a sync to disk each) and
    TRUNCATEs on PostgreSQL (new files for every table and index): 60-70 ms before each test of
    the suite, against 4-5 ms here. References are not checked meanwhile (everything goes), nor,
    on PostgreSQL, the audit log's append-only trigger (the tests' role is a superuser)."""
    db = Tortoise.get_connection("default")
    deletes = "".join(f'DELETE FROM "{model._meta.db_table}";' for model in Tortoise.apps.get_models_iterable())
    if db.capabilities.dialect == "postgres":
        await db.execute_script(f"BEGIN;SET LOCAL session_replication_role = replica;{deletes}COMMIT;")
    else:  # SQLite: foreign_keys cannot change inside a transaction
        await db.execute_script(f"PRAGMA foreign_keys = OFF;BEGIN;{deletes}COMMIT;PRAGMA foreign_keys = ON;")


@asynccontextmanager
async def live_server(settings: Settings, **config: Any) -> AsyncIterator[tuple[str, FastAPI]]:
    """The app served by uvicorn as ``serve`` runs it; ``config``: more of uvicorn's settings."""
    app = new_app(settings)
    port = free_port()
    server = GracefulServer.create(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
    app.state.server = server
    try:
        yield f"127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        await task


async def wait_for_subscribers(app: FastAPI, count: int) -> None:
    async with asyncio.timeout(10):
        while app.state.events.stats["subscribers"] < count:
            await asyncio.sleep(0.02)
