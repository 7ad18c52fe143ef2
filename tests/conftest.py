"""Fixtures: every database test runs on SQLite and on a real PostgreSQL server.

The schema comes from the committed migrations (never ``generate_schemas``), applied once per
backend and session; each test then starts from empty tables. ``BUFDIR_REQUIRE_SERVICES=1``
(set by CI) turns a missing PostgreSQL or Redis into a failure instead of a skip.

In parallel (``pytest -n``, as ``make test`` runs it) each worker is a session of its own: its
own SQLite files, its own databases on one PostgreSQL server that the controller starts for all
of them (``pytest_configure_node``), and its own Redis server. Nothing a test truncates, LISTENs
to or publishes is seen by a test on another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bufdir_reporting.auth import issue_token
from bufdir_reporting.config import Settings
from bufdir_reporting.database import apply_migrations

from . import services
from .digdir import IDPORTEN_ISSUER, MASKINPORTEN_ISSUER, RESOURCE, Digdir, served_digdir
from .live import SHARED, LentSettings, started_app
from .worlds import restored

REQUIRE_SERVICES = os.environ.get("BUFDIR_REQUIRE_SERVICES") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pdf_rendering() -> None:
    """PDF reports need Pango from the system: without it a test that renders one says what to install."""
    try:
        import weasyprint  # noqa: F401  # loads Pango
    except OSError as exc:
        _unavailable(f"PDF reports need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 ({exc})")


SHARED_START = "bufdir_shared_start"
"""The file where the controller writes, once they are ready, the PostgreSQL server and migrated
templates it made for every worker (``_SharedStart``)."""
_SHARED_START = pytest.StashKey["_SharedStart"]()
_STARTED = pytest.StashKey[dict[str, Any]]()

DEALT_EARLY = ("tests/test_import_contract.py", "tests/test_cli.py", "tests/events/test_replicas.py")
"""Modules whose tests wait on processes of their own (an interpreter per module's fork tree, the
console script, replicas): collected last, they were the run's tail, one worker busy with them
while the other had nothing left."""


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own, which names the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In parallel, the tests of an ``xdist_group`` go first (the fuzzing: a served app, then the
    schemathesis CLI, minutes on one worker), then the long ones of ``DEALT_EARLY``. Collected
    last, they were the run's tail, the other workers idle meanwhile; first, the others share out
    the rest around them. Alone, the order stays as collected."""
    if hasattr(config, "workerinput"):  # a worker: each sorts the same way, as the scheduler needs
        if config.getvalue("loadgroup"):
            _name_groups(items)
        items.sort(key=lambda item: (item.get_closest_marker("xdist_group") is None, not item.nodeid.startswith(DEALT_EARLY)))


def _name_groups(items: list[pytest.Item]) -> None:
    """``--dist loadgroup`` keeps an ``xdist_group`` on one worker by the ``@group`` its worker
    appends to each test's id, which pytest-xdist 3.8 does by setting ``item._nodeid``: since
    pytest 9.2 the id is ``item._id`` and that assignment changes nothing, so every group was
    dealt out test by test (each fuzzing worker started its own served app). Appended here where
    pytest-xdist did not (pytest-xdist#1386); ``tests/test_fuzz.py`` fails if it is missing."""
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted(
            {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in item.iter_markers("xdist_group")}
        )
        group = "_".join(names)
        if names and not item.nodeid.endswith(f"@{group}"):
            item._id = NodeId.parse(f"{item.nodeid}@{group}")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist's controller, before it starts each worker: one PostgreSQL server for all of
    them (started with the first worker, stopped when the run ends), an initdb and a start
    instead of one per worker, and the migrated templates (``_migrated_once``). Made beside the
    workers' start, not before it: each worker collects the suite meanwhile (≈ 5.5 s of CPU, the
    app imported) and waits for them where a test first needs one (``_started``)."""
    config = node.config
    if _SHARED_START not in config.stash:
        config.stash[_SHARED_START] = _SharedStart(config)
    node.workerinput[SHARED_START] = str(config.stash[_SHARED_START].ready)


class _SharedStart:
    """In the controller, a thread that starts the PostgreSQL server and migrates the templates,
    then writes where they are to ``ready`` (atomically: a worker reads it whole or not at all)."""

    def __init__(self, config: pytest.Config) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bufdir-start-"))
        self.ready = self.folder / "ready.json"
        self.servers = contextlib.ExitStack()
        self.thread = threading.Thread(target=self._start, name="bufdir-shared-start", daemon=True)
        self.thread.start()
        config.add_cleanup(self.close)

    def _start(self) -> None:
        shared: dict[str, Any] = {}
        try:
            try:
                shared["postgres"] = {"url": self.servers.enter_context(services.postgres_server())}
            except services.ServiceUnavailable as exc:
                shared["postgres"] = {"unavailable": str(exc)}
            shared["templates"] = _migrated_once(shared["postgres"].get("url"), self.servers)
        except BaseException as exc:  # said by every worker's first test that needs them
            shared["failed"] = f"{type(exc).__name__}: {exc}"
        finally:
            written = self.ready.with_suffix(".tmp")
            written.write_text(json.dumps(shared))
            written.rename(self.ready)

    def close(self) -> None:
        self.thread.join()
        self.servers.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _started(config: pytest.Config) -> dict[str, Any]:
    """In a worker, what the controller started for it (``_SharedStart``), once it is ready;
    elsewhere nothing (a session alone starts its own when a test first needs it)."""
    ready = getattr(config, "workerinput", {}).get(SHARED_START)
    if ready is None:
        return {}
    if _STARTED not in config.stash:
        while not os.path.exists(ready):  # the controller is starting PostgreSQL or migrating
            time.sleep(0.02)
        config.stash[_STARTED] = json.loads(Path(ready).read_text())
    started = config.stash[_STARTED]
    if "failed" in started:
        pytest.fail(f"the controller's PostgreSQL server or migrated templates failed: {started['failed']}")
    return started


def _migrated_once(postgres: str | None, servers: contextlib.ExitStack) -> dict[str, str]:
    """The migrated templates (``Migrated``) of every worker, made once by the controller: each
    worker migrated its own SQLite and PostgreSQL template (3.3 s of CPU on PostgreSQL, 2 on
    SQLite), paid again by every worker past the first: tests/test_live_fixtures.py and
    test_config.py on 4 workers took 46.4 s of CPU before, 36.8 s after (2026-12-05, load 11-13)."""
    migrated = Migrated(servers.enter_context(_database_folder()))
    migrated.sqlite_template()
    if postgres is not None:
        migrated.postgres_template(postgres)
    return migrated.templates


@contextlib.contextmanager
def _postgres_server(config: pytest.Config) -> Iterator[str]:
    shared = _started(config).get("postgres")
    if shared is None:  # not a worker: this session starts its own, when a test first needs it
        with services.postgres_server() as url:
            yield url
    elif "unavailable" in shared:
        raise services.ServiceUnavailable(shared["unavailable"])
    else:
        yield shared["url"]


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A superuser's URL on a PostgreSQL server, to a database of this session's own: sessions
    (parallel workers) that share the server never meet in one database, so NOTIFY channels and
    ``pg_stat_activity`` filtered by ``current_database()`` are this session's alone. Databases
    made from it (``services.with_database``) are on the same server."""
    try:
        with _postgres_server(request.config) as server:
            name = f"bufdir_session_{uuid.uuid4().hex[:12]}"
            asyncio.run(_create_database(server, name))
            yield services.with_database(server, name)
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


# One Redis server per session (per worker), unlike PostgreSQL: Redis pub/sub channels belong to
# the whole server (a SELECTed database does not separate them), and tests on two workers publish
# on the same channels (events of org-1042). A Redis server starts in milliseconds.
@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        with services.redis_server() as url:
            yield url
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


async def _create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_dir() -> Iterator[Path]:
    """Where the session's SQLite databases live: in memory (``/dev/shm``) where there is one.
    SQLite syncs its journal to disk at every commit (2.2 ms a commit on this machine's disk under
    load, 0.07 ms in memory) and the suite commits tens of thousands of times: the same SQLite,
    its file in memory, does the same work without waiting for a disk. Removed when the session
    ends (PostgreSQL's test server runs with fsync off, services.py)."""
    with _database_folder() as folder:
        yield folder


@contextlib.contextmanager
def _database_folder() -> Iterator[Path]:
    """A new folder for SQLite databases, in memory where there is one, removed on the way out."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="bufdir-tests-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Migrated:
    """Fresh migrated databases, copied: per backend, a database the migrations made once for the
    session and nothing opens but to copy it (``CREATE DATABASE … TEMPLATE`` on PostgreSQL,
    SQLite's backup of the file). Migrating costs 3.3 s of CPU on PostgreSQL and 2 s on SQLite
    (Tortoise's migrator; 12 s of wall at load 10), a copy next to none; the session's database,
    the CLI's, the fuzzing's and the replicas' databases are copies, where migrating is not what
    their test is about (``serve``'s and ``migrate``'s tests migrate a database of their own).
    In parallel the controller makes the templates once for all workers (``_migrated_once``)."""

    def __init__(self, folder: Path, templates: dict[str, str] | None = None) -> None:
        self.folder = folder
        # "sqlite", or a PostgreSQL server's address (its URL without the database): the template's URL
        self.templates: dict[str, str] = dict(templates or {})

    def _template(self, key: str, url: str) -> str:
        if key not in self.templates:
            asyncio.run(apply_migrations(Settings(database_url=url, token_secret=SecretStr("unused"))))
            self.templates[key] = url
        return self.templates[key]

    def sqlite_template(self) -> str:
        return self._template("sqlite", f"sqlite://{self.folder / 'migrated-template.sqlite3'}")

    def sqlite(self, target: Path) -> str:
        """A migrated SQLite database at ``target``."""
        with contextlib.closing(sqlite3.connect(self.sqlite_template().removeprefix("sqlite://"))) as origin:
            with contextlib.closing(sqlite3.connect(target)) as copy:
                origin.backup(copy)
        return f"sqlite://{target}"

    def postgres_template(self, server: str) -> str:
        """The name of ``server``'s template database (to copy with ``services.copy_database``);
        ``server``: a URL on it, whichever database it names."""
        address = server.rpartition("/")[0]
        if address not in self.templates:
            name = f"bufdir_migrated_{uuid.uuid4().hex[:12]}"
            asyncio.run(_create_database(server, name))
            self._template(address, services.with_database(server, name))
        return self.templates[address].rpartition("/")[2]

    def postgres(self, server: str, name: str) -> str:
        """The URL of a new migrated database ``name`` on ``server``."""
        asyncio.run(services.copy_database(server, self.postgres_template(server), name))
        return services.with_database(server, name)


@pytest.fixture(scope="session")
def migrated(request: pytest.FixtureRequest, database_dir: Path) -> Migrated:
    return Migrated(database_dir, _started(request.config).get("templates"))


@pytest.fixture(scope="session")
def migrated_database(request: pytest.FixtureRequest, migrated: Migrated, database_dir: Path) -> Iterator[str]:
    """A database URL per backend, migrated once for the session (a copy of ``migrated``'s)."""
    backend = request.param
    if backend == "sqlite":
        yield migrated.sqlite(database_dir / "bufdir.sqlite3")
    else:
        yield migrated.postgres(request.getfixturevalue("postgres_server"), f"bufdir_test_{uuid.uuid4().hex[:12]}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "migrated_database" in metafunc.fixturenames:
        backends = ["sqlite"] if metafunc.definition.get_closest_marker("one_database") else ["sqlite", "postgres"]
        if metafunc.definition.get_closest_marker("postgres_only"):
            backends = ["postgres"]
        metafunc.parametrize("migrated_database", backends, indirect=True, scope="session")


_SETTINGS: dict[str, LentSettings] = {}
"""Per backend (its database URL), the worker's settings object, lent to one test after another."""


@pytest.fixture
def settings(migrated_database: str, tmp_path: Path) -> Iterator[Settings]:
    """The backend's settings, the same object for every test of the worker (the shared app's,
    ``live.SharedApp``) and as new in each: its files under the test's own ``tmp_path``, and what
    a test changed put back when it ends (``live.LentSettings``)."""
    if migrated_database not in _SETTINGS:
        _SETTINGS[migrated_database] = LentSettings(
            Settings(
                database_url=migrated_database,
                var_dir=tmp_path / "var",
                token_secret=SecretStr(secrets.token_urlsafe(32)),
                # The suite shares a loaded machine, where a fixture's statement has waited seconds:
                # a request's budget is tested with its own (tests/operations/test_database_budget.py).
                database_timeout_seconds=60,
            )
        )
    with _SETTINGS[migrated_database].lent(tmp_path / "var") as lent:
        yield lent


@pytest.fixture
async def app(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[FastAPI]:
    """The started app, from empty tables: the worker's shared one (``live.SharedApp``), lent
    for the test; a test marked ``fresh_app`` gets one of its own, made and stopped around it."""
    if request.node.get_closest_marker("fresh_app"):
        async with started_app(settings) as application:
            yield application
        return
    try:
        yield await SHARED.lend(settings)
    finally:
        await SHARED.settle()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The shared app runs during the tests that ask for it, not beside the others: one
    Tortoise per process (a test on the database, a module's fixture, a test's own app would meet
    it) and nothing of its running while they run. Before their fixtures: a module-scoped one in
    a loop of its own (``asyncio.run``) cannot stop it."""
    if "app" not in getattr(item, "fixturenames", ()) or item.get_closest_marker("fresh_app"):
        SHARED.stop_now()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if nextitem is None:  # the worker's last test: stopped before the servers and files it uses
        SHARED.stop_now()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def report_structure(app: object, settings: Settings) -> None:
    """The report structure alone and the year 2024 (``factories.make_report_structure``), built
    once per database and worker and restored for each test (``worlds.restored``)."""
    from .factories import make_report_structure

    await restored(settings.database_url, "report_structure", make_report_structure)


@pytest.fixture
async def reporting(app: object, settings: Settings) -> None:
    """The structure, five organisations and org-1042's few activities (``factories.make_reporting_world``),
    built once per database and worker and restored for each test (``worlds.restored``)."""
    from .factories import make_reporting_world

    await restored(settings.database_url, "reporting", make_reporting_world)


@pytest.fixture
async def demo(app: object, settings: Settings) -> None:
    """The demo's data with 600 activities, built once per database and worker and restored for each test."""
    from bufdir_reporting.demo import load_demo_data

    await restored(settings.database_url, "demo-600", lambda: load_demo_data(activity_count=600))


class Tokens:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def headers(
        self, *organizations: str, admin: bool = False, reviewer: bool = False, subject: str = "tester"
    ) -> dict[str, str]:
        token = issue_token(self.settings, subject=subject, organizations=organizations, admin=admin, reviewer=reviewer)
        return {"Authorization": f"Bearer {token}"}

    def admin(self) -> dict[str, str]:
        return self.headers(admin=True, subject="test-admin")

    def reviewer(self) -> dict[str, str]:
        return self.headers(reviewer=True, subject="bufdir-saksbehandler")


@pytest.fixture
def tokens(settings: Settings) -> Tokens:
    return Tokens(settings)


@pytest.fixture
def digdir(settings: Settings) -> Iterator[Digdir]:
    """Maskinporten and ID-porten trusted by ``settings``, their keys served by a local server."""
    with served_digdir() as served:
        settings.maskinporten_issuer = MASKINPORTEN_ISSUER
        settings.maskinporten_metadata_url = f"{served.base}/maskinporten/.well-known/oauth-authorization-server"
        settings.maskinporten_audience = RESOURCE
        settings.idporten_issuer = IDPORTEN_ISSUER
        settings.idporten_jwks_url = f"{served.base}/idporten/jwk"
        settings.token_jwks_refresh_seconds = 0
        yield served


class GraphQL:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(self, query: str, variables: dict | None = None, headers: dict[str, str] | None = None) -> dict:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def graphql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)


def error_codes(result: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in result.get("errors") or []]


def error_of(response: httpx.Response) -> dict[str, Any]:
    """A refused request's error in one form, whichever shape it came in: the REST envelope
    (``{"error": {...}}``) or, from /graphql, GraphQL's ``{"errors": [...]}`` without data."""
    body = response.json()
    if "error" in body:
        return dict(body["error"])
    assert "data" not in body, "a request that never executed carries no data"
    first = body["errors"][0]
    extensions = dict(first["extensions"])
    return {
        "code": extensions.pop("code"),
        "message": first["message"],
        "request_id": extensions.pop("request_id"),
        "details": extensions,
    }
