"""Apps for tests: started through their lifespan in-process, or as a real uvicorn server on a
loopback port in the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
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
from bufdir_reporting.graphql_http import BufdirGraphQLRouter
from bufdir_reporting.graphql_requests import PersistedQueries
from bufdir_reporting.operations import GracefulServer, Metrics
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.response_cache import ResponseCache

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
    """The app with its lifespan running; ``empty`` starts from empty tables. A process runs one
    Tortoise at a time: the worker's shared app (``SHARED``) stops first."""
    await SHARED.stop()
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
    await SHARED.stop()
    app = new_app(settings)
    port = free_port()
    ready, stopping = asyncio.Event(), asyncio.Event()
    server = GracefulServer.create(
        app, ready=ready.set, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config
    )
    server.main_loop = lambda: _main_loop(server, stopping)
    task = asyncio.create_task(server.serve())
    readied = asyncio.ensure_future(ready.wait())
    try:
        async with asyncio.timeout(20):
            await asyncio.wait((task, readied), return_when=asyncio.FIRST_COMPLETED)
    finally:
        readied.cancel()
    if task.done():
        task.result()
    assert server.started, "the served app did not start"
    app.state.server = server
    try:
        yield f"127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        stopping.set()
        await task


async def _main_loop(server: Any, stopping: asyncio.Event) -> None:
    """uvicorn's main loop (uvicorn 0.55: a tick every 0.1 s, which may end it), whose wait for
    the next tick also ends when the test is done with the server: each served app's stop waited
    up to 0.1 s for it, and its start polled ``started`` every 0.05 s (now ``ready``)."""
    counter = 0
    while not await server.on_tick(counter):
        counter = (counter + 1) % 864000
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.1):
                await stopping.wait()


async def wait_for_subscribers(app: FastAPI, count: int) -> None:
    async with asyncio.timeout(10):
        while app.state.events.stats["subscribers"] < count:
            await asyncio.sleep(0.02)


class SharedApp:
    """One started app per worker, lent to every test that asks for the ``app`` fixture: making
    and starting an app for each test (create_app, the lifespan with Tortoise's init, a connection
    pool) was ≈ a fifth of the suite's CPU, Tortoise's init alone ≈ 120 ms of CPU under cProfile
    (2026-12-05, tests/rest_compat: 14.1 s of 131 s in the lifespan, 12.4 s of it Tortoise.init).

    The app is kept for one configuration: the settings object (one per backend and worker,
    ``conftest.settings``) and its values when the app started. A test whose settings differ when
    it asks for the app (a fixture changed them) gets the app restarted for them, as it got a new
    one before; what a test changes after the app started is read by the app as before, and the
    settings are put back when the test ends (``conftest.settings``).

    Between two tests the app is put back as a new one starts (``lend``): tables emptied (as
    ``started_app`` does), every per-app memory renewed (response cache and its version reads,
    persisted queries, metrics, the GraphQL router's encodings, the pub/sub hub's counters, the
    OpenAPI document), and a test's jobs stopped as a shutdown stops them (``settle``). A test
    that leaves what cannot be put back (a subscriber, an open websocket, the app shutting down,
    an ``app.state`` attribute replaced or added) retires the app: the next test starts a new one.
    tests/test_live_fixtures.py shows a test sees nothing the one before left.

    One Tortoise per process at a time: ``started_app`` and ``live_server`` stop this app first.
    The lifespan runs in a task of its own, as uvicorn runs it, so that it outlives the test that
    started it (every test runs in the worker's one event loop, pyproject's
    ``asyncio_default_test_loop_scope``)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None
        self._configuration: tuple[int, dict[str, Any]] | None = None
        self._state: dict[str, int] = {}
        self._stop = asyncio.Event()
        self._lifespan: asyncio.Task[None] | None = None

    async def lend(self, settings: Settings) -> FastAPI:
        """The started app for ``settings``, as a new one would be: empty tables, nothing kept."""
        configuration = (id(settings), configuration_of(settings))
        if self.app is not None and self._configuration != configuration:
            await self.stop()
        if self.app is None:
            await self._start(settings)
            self._configuration = configuration
        assert self.app is not None
        _renew(self.app)
        await emptied()
        return self.app

    async def settle(self) -> None:
        """After a test: its jobs stopped (a shutdown cancels them: they stay persisted); the app
        retired if the test left something a next test would meet."""
        app = self.app
        if app is None:
            return
        await app.state.jobs.shutdown()
        state = {name: id(value) for name, value in app.state._state.items()}
        if (
            _lock_left_held()
            or app.state.events.stats["subscribers"]
            or app.state.websockets._senders
            or app.state.closing.is_set()
            or state != self._state
        ):
            await self.stop()

    def stop_now(self) -> None:
        """``stop`` from outside the event loop (between two tests), in the app's own loop."""
        if self._lifespan is not None:
            self._lifespan.get_loop().run_until_complete(self.stop())

    async def stop(self) -> None:
        if self._lifespan is None:
            return
        self._stop.set()
        lifespan, self._lifespan, self.app, self._configuration = self._lifespan, None, None, None
        await lifespan

    async def _start(self, settings: Settings) -> None:
        await _no_app_left_behind()
        app = new_app(settings)
        started = asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()
        self._lifespan = asyncio.create_task(self._run(app, started), name="shared-app-lifespan")
        try:
            await started
        except BaseException:
            self._lifespan = None
            raise
        # The loops of the background (the recovery sweep every BUFDIR_STALE_JOB_SECONDS/2) would
        # run across tests, between one test's rows and the next's: a test's app lived too short
        # for them. Jobs a test starts run as before (app.state.jobs).
        for task in asyncio.all_tasks():
            if task.get_name() in {"job-recovery", "auto-reaggregation", "event-relay"}:
                task.cancel()
        # built now, from the settings as they are, not at the first request of whichever test
        app.middleware_stack = app.build_middleware_stack()
        self.app = app
        self._state = {name: id(value) for name, value in app.state._state.items()}

    async def _run(self, app: FastAPI, started: asyncio.Future[None]) -> None:
        try:
            async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
                started.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if started.done():
                raise
            started.set_exception(exc)


def _lock_left_held() -> bool:
    """Tortoise 1.1's SQLite transaction takes its connection's lock before its BEGIN and does not
    give it back when cancelled there (most cancels at that moment, tests/test_live_fixtures.py):
    a job that a test's end cancelled then left it held by no task, and the next test's
    ``emptied()`` waited for it until pytest-timeout (two setups of 180 s in one ``-n 2`` run,
    2026-12-05). With every job stopped, a held lock is that one: released, and the app retired
    with its connection."""
    db = Tortoise.get_connection("default")
    lock = getattr(db, "_lock", None)
    if db.capabilities.dialect != "sqlite" or lock is None or not lock.locked():
        return False
    lock.release()
    return True


class LentSettings:
    """A settings object lent to one test after another (the shared app reads it), each test
    finding it as made: what a test set, appended to or cached from it (``signing_secret``) is
    put back when the test ends; its files go under the test's own folder."""

    def __init__(self, made: Settings) -> None:
        self.settings = made
        self._values = copy.deepcopy(made.__dict__)
        self._fields_set = set(made.model_fields_set)

    @contextlib.contextmanager
    def lent(self, var_dir: Path) -> Iterator[Settings]:
        settings = self.settings
        settings.var_dir = var_dir
        try:
            yield settings
        finally:
            settings.__dict__.clear()
            settings.__dict__.update(copy.deepcopy(self._values))
            object.__setattr__(settings, "__pydantic_fields_set__", set(self._fields_set))


SHARED = SharedApp()
"""The worker's shared app (one process, one event loop: one holder)."""


def configuration_of(settings: Settings) -> dict[str, Any]:
    """The settings' values that an app may read once, at creation or start-up: all of them but
    where files go (``var_dir``, each test's own and read when used)."""
    return {name: getattr(settings, name) for name in type(settings).model_fields if name != "var_dir"}


def _renew(app: FastAPI) -> None:
    """Every memory an app keeps between requests, as a new app has it."""
    cache = app.state.response_cache
    ResponseCache.__init__(cache, cache.max_bytes)  # entries, version reads, hit counts
    Metrics.__init__(app.state.metrics)
    events = app.state.events
    events.reconnects = events.relayed = 0
    app.openapi_schema = None  # read again from the settings (``_share_openapi_document``)
    for route in app.router.routes:
        router = getattr(route, "original_router", None)
        if isinstance(router, BufdirGraphQLRouter):
            queries = router.persisted_queries
            PersistedQueries.__init__(queries, queries.size, max_chars=queries.max_chars, total_chars=queries.total_chars)
            router._encoded.clear()
