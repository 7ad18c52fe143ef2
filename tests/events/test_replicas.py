"""Two app processes on one PostgreSQL database: a change made through replica A reaches a
subscriber on replica B, over Redis and, separately, over PostgreSQL LISTEN/NOTIFY.

Each replica is ``bufdir-reporting serve`` in a process of its own, forked from a launcher that
imported the app once for the module (tests/forked.py); the console script itself is run as a
process by tests/test_cli.py."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import websockets
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport
from pydantic import SecretStr
from redis.asyncio import Redis

from bufdir_reporting.auth import issue_token
from bufdir_reporting.config import Settings
from bufdir_reporting.events import DataUpdated, ValueNoted

from .. import services
from ..conftest import Migrated, _unavailable
from ..forked import ForkedProcess, Launcher
from ..live import GRAPHQL_TRANSPORT_WS, started_app

RUNNING: dict[str, ForkedProcess] = {}
LAUNCHER: list[Launcher] = []


@pytest.fixture(scope="module", autouse=True)
def launcher() -> Iterator[None]:
    LAUNCHER.append(Launcher())
    try:
        yield
    finally:
        LAUNCHER.pop().close()


def kill_replica(address: str) -> None:
    """SIGKILL: no shutdown handler runs, as when a machine dies."""
    RUNNING[address].kill()
    RUNNING[address].wait()


@contextmanager
def replica(env: dict[str, str], log: Path, *extra: str) -> Iterator[str]:
    port = services.free_port()
    process = LAUNCHER[0].start(["serve", *extra], env={**os.environ, **env, "BUFDIR_PORT": str(port)}, log=log)
    try:
        # One client for the whole wait: httpx.get makes a client per try, its TLS context with it
        # (32 ms of CPU against 0.24 ms a try), five tries a second for as long as the start takes.
        with httpx.Client(timeout=2) as http:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                try:
                    if http.get(f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"}).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"replica did not start:\n{log.read_text()}")
        RUNNING[f"127.0.0.1:{port}"] = process
        yield f"127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


SECRET = "r" * 40
TOKEN = issue_token(Settings(token_secret=SecretStr(SECRET)), subject="kari", organizations=["org-1042"])


DEMO = ("--demo", "--activities", "300")
"""What replica A is started with: the demo data, 300 activities (``demo_database`` makes them once)."""


@dataclass(frozen=True)
class Template:
    """A database the tests' replicas start from copies of, and its var dir (None: an empty one)."""

    name: str
    var_dir: Path | None = None


@pytest.fixture(scope="module")
def migrated_template(migrated: Migrated, postgres_server: str) -> Template:
    """The session's migrated database (conftest's ``Migrated``): what ``serve`` makes of a fresh
    database first, migrating it, without the 3.3 s of CPU that costs each time."""
    return Template(migrated.postgres_template(postgres_server))


@pytest.fixture(scope="module")
def demo_database(launcher: None, migrated: Migrated, postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """What replica A's ``serve --demo --activities 300`` makes of a fresh database before it
    serves: the migrations and the demo data (with its var dir, where the demo's reports are
    filed). Made once for the module, by ``demo-data`` forked from the launcher; each test's
    database is a copy (``replica_env``), and A, finding data, loads none. A fresh database took
    replica A 3-5 s of CPU to migrate and fill, and under load 10 more than its 90 s start
    deadline (five of these tests failed so, 2026-12-05)."""
    root = tmp_path_factory.mktemp("replicas-demo")
    name = f"bufdir_replicas_demo_{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "BUFDIR_DATABASE_URL": migrated.postgres(postgres_server, name),
        "BUFDIR_TOKEN_SECRET": SECRET,  # the demo's persons are hashed with a key derived from it
        "BUFDIR_VAR_DIR": str(root / "var"),
    }
    log = root / "demo-data.log"
    LAUNCHER[0].start(["demo-data", *DEMO[1:]], env=env, log=log).wait(timeout=600)
    assert "demo data loaded: " in log.read_text(), log.read_text()
    return Template(name, var_dir=root / "var")


async def replica_env(
    postgres_server: str, broadcast_url: str, tmp_path: Path, *, copy_of: Template, **extra: str
) -> dict[str, str]:
    """The environment replicas share: one PostgreSQL database, a copy of ``copy_of`` (with a copy
    of its var dir), and one broadcast backend."""
    name = f"bufdir_replicas_{uuid.uuid4().hex[:10]}"
    await services.copy_database(postgres_server, copy_of.name, name)
    if copy_of.var_dir is not None:
        shutil.copytree(copy_of.var_dir, tmp_path / "var")
    return {
        "BUFDIR_DATABASE_URL": services.with_database(postgres_server, name),
        "BUFDIR_BROADCAST_URL": broadcast_url,
        "BUFDIR_TOKEN_SECRET": SECRET,
        "BUFDIR_VAR_DIR": str(tmp_path / "var"),
        **extra,
    }


async def listened_to(broadcast_url: str, channel: str) -> None:
    """Until a replica listens on ``channel`` at the backend (Redis's ``PUBSUB NUMSUB``; on
    PostgreSQL a session of the broadcast database whose LISTEN of it has run): what a
    subscriber on that replica hears from then on. The tests slept 1-2 s for it."""
    async with asyncio.timeout(30):
        if broadcast_url.startswith("redis://"):
            redis = Redis.from_url(broadcast_url)
            try:
                while not (await redis.pubsub_numsub(channel))[0][1]:
                    await asyncio.sleep(0.02)
            finally:
                await redis.aclose()
            return
        connection = await asyncpg.connect(broadcast_url.replace("postgres://", "postgresql://", 1))
        try:
            while not await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = $1",
                f'LISTEN "{channel}"',
            ):
                await asyncio.sleep(0.02)
        finally:
            await connection.close()


@pytest.fixture(params=["redis", "postgres"])
def broadcast_url(request) -> str:
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return request.getfixturevalue("postgres_server")


async def test_a_mutation_on_one_replica_reaches_a_subscriber_on_the_other(
    postgres_server, broadcast_url, tmp_path, demo_database
):
    env = await replica_env(postgres_server, broadcast_url, tmp_path, copy_of=demo_database)
    with replica(env, tmp_path / "a.log", *DEMO) as a, replica(env, tmp_path / "b.log") as b:
        transport = WebsocketsTransport(
            url=f"ws://{b}/graphql",
            init_payload={"Authorization": f"Bearer {TOKEN}"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with Client(transport=transport) as session:
            events = session.subscribe(
                gql(
                    'subscription { aggregatedDataChanged(organizationId: "org-1042", periodId: "2023") '
                    "{ snapshotId snapshot { status } } }"
                )
            )
            first = asyncio.ensure_future(anext(events))
            await listened_to(broadcast_url, DataUpdated.period_channel("org-1042", "2023"))
            async with httpx.AsyncClient(base_url=f"http://{a}") as http:
                started = await http.post(
                    "/api/v1/aggregated-report-data",
                    json={"organization_id": "org-1042", "period_id": "2023", "force_reaggregate": True},
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
            assert started.status_code == 202, started.text
            async with asyncio.timeout(30):
                event = (await first)["aggregatedDataChanged"]
            await events.aclose()
    assert event["snapshotId"] == started.json()["snapshot_id"]
    assert event["snapshot"]["status"] == "CURRENT"


async def test_simultaneous_triggers_run_once_and_a_killed_replica_leaves_nothing_processing(
    postgres_server, redis_url, tmp_path, migrated_template
):
    env = await replica_env(postgres_server, redis_url, tmp_path, copy_of=migrated_template, BUFDIR_STALE_JOB_SECONDS="1")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"organization_id": "org-1042", "period_id": "rp-2025-q2", "force_reaggregate": True}
    with replica(env, tmp_path / "a.log", "--demo", "--activities", "3000") as a, replica(env, tmp_path / "b.log") as b:
        async with httpx.AsyncClient(timeout=30) as http:
            both = await asyncio.gather(
                http.post(f"http://{a}/api/v1/aggregated-report-data", json=body, headers=headers),
                http.post(f"http://{b}/api/v1/aggregated-report-data", json=body, headers=headers),
            )
            assert {r.json()["snapshot_id"] for r in both} == {both[0].json()["snapshot_id"]}

            # SIGKILL right after the trigger: if the job was still running, the others' recovery
            # sweep (stale after 1 s here) resumes it; either way nothing may stay processing.
            with replica(env, tmp_path / "c.log") as doomed:
                started = await http.post(
                    f"http://{doomed}/api/v1/aggregated-report-data", json={**body, "period_id": "2025"}, headers=headers
                )
                kill_replica(doomed)
            snapshot_id = started.json()["snapshot_id"]
            async with asyncio.timeout(30):
                while True:
                    state = (await http.get(f"http://{b}/api/v1/aggregated-report-data/{snapshot_id}", headers=headers)).json()
                    if state["snapshot_status"] != "processing":
                        break
                    await asyncio.sleep(0.2)
            assert state["snapshot_status"] == "current"


async def test_a_read_cached_on_one_replica_shows_a_write_made_on_the_other(postgres_server, redis_url, tmp_path, demo_database):
    """Read-your-writes across replicas: each keeps its own response cache, keyed by the data
    version it reads from the shared database before answering."""
    env = await replica_env(postgres_server, redis_url, tmp_path, copy_of=demo_database)
    query = {"query": '{ organization(id: "org-1042") { activities(first: 1) { totalCount } } }'}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    record = {
        "query": 'mutation { recordActivity(input: {organizationId: "org-1042", sourceSystem: "s", externalId: "x-1", '
        'activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: "2025-06-01T10:00:00Z"}) '
        "{ activityId } }"
    }
    with replica(env, tmp_path / "a.log", *DEMO) as a, replica(env, tmp_path / "b.log") as b:
        async with (
            httpx.AsyncClient(base_url=f"http://{a}", headers=headers) as on_a,
            httpx.AsyncClient(base_url=f"http://{b}", headers=headers) as on_b,
        ):

            async def count(http: httpx.AsyncClient) -> int:
                return int((await http.post("/graphql", json=query)).json()["data"]["organization"]["activities"]["totalCount"])

            before = [await count(on_b), await count(on_b), await count(on_a), await count(on_a)]  # both now keep it
            assert len(set(before)) == 1
            assert "errors" not in (await on_a.post("/graphql", json=record)).json()
            assert await count(on_b) == before[0] + 1  # written on A, read on B
            assert (
                "errors"
                not in (await on_b.post("/graphql", json={**record, "query": record["query"].replace("x-1", "x-2")})).json()
            )
            assert await count(on_a) == before[0] + 2  # and the other way round


async def test_a_write_on_one_replica_reaches_only_the_answers_of_what_it_changed_on_the_other(
    postgres_server, redis_url, tmp_path, demo_database
):
    """An organisation's dashboard kept on replica B is answered again after a write to another
    organisation made on A, and computed afresh after a write to its own (the versions live in
    the shared database: the events' backend, Redis here, plays no part)."""
    env = await replica_env(postgres_server, redis_url, tmp_path, copy_of=demo_database)
    token = issue_token(Settings(token_secret=SecretStr(SECRET)), subject="kari", organizations=["org-1042", "org-2077"])
    headers = {"Authorization": f"Bearer {token}"}
    dashboard = '{ organization(id: "org-1042") { name snapshots(first: 1) { edges { node { snapshotId cacheValid } } } } }'

    def record(org: str, external_id: str) -> dict:
        return {
            "query": f'mutation {{ recordActivity(input: {{organizationId: "{org}", sourceSystem: "s", externalId: '
            f'"{external_id}", activityType: "care_order", category: UNGDOM, status: "completed", '
            'occurredAt: "2025-06-01T10:00:00Z"}) { activityId } }'
        }

    with replica(env, tmp_path / "a.log", *DEMO) as a, replica(env, tmp_path / "b.log") as b:
        async with (
            httpx.AsyncClient(base_url=f"http://{a}", headers=headers) as on_a,
            httpx.AsyncClient(base_url=f"http://{b}", headers=headers) as on_b,
        ):

            async def read_on_b() -> tuple[dict, bool]:
                def hits(text: str) -> float:
                    return next(
                        float(x.split()[-1]) for x in text.splitlines() if x.startswith("bufdir_response_cache_hits_total ")
                    )

                before = hits((await on_b.get("/metrics")).text)
                answer = (await on_b.post("/graphql", json={"query": dashboard})).json()
                assert "errors" not in answer, answer
                return answer["data"]["organization"], hits((await on_b.get("/metrics")).text) > before

            await read_on_b()
            assert (await read_on_b())[1]  # kept on B
            assert "errors" not in (await on_a.post("/graphql", json=record("org-2077", "other-1"))).json()
            assert (await read_on_b())[1], "a write to org-2077 on A leaves org-1042's answer served on B"
            assert "errors" not in (await on_a.post("/graphql", json=record("org-1042", "own-1"))).json()
            assert not (await read_on_b())[1], "a write to org-1042 on A is read afresh on B"


async def test_a_write_committed_on_one_replica_before_a_read_arrives_on_the_other_is_never_hidden(
    postgres_server, redis_url, tmp_path, demo_database
):
    """Replica B shares one read of the data versions among the requests that arrive together;
    a request arriving while such a read is under way — a read that began before a write
    committed on A — must wait for the next read, or it is answered from B's cache as it was
    before the write. B runs in this process so that read can be held there, after its
    statement ran."""
    env = await replica_env(postgres_server, redis_url, tmp_path, copy_of=demo_database)
    query = {"query": '{ organization(id: "org-1042") { activities(first: 1) { totalCount } } }'}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    record = {
        "query": 'mutation { recordActivity(input: {organizationId: "org-1042", sourceSystem: "s", externalId: "held-1", '
        'activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: "2025-06-01T10:00:00Z"}) '
        "{ activityId } }"
    }
    settings = Settings(
        database_url=env["BUFDIR_DATABASE_URL"],
        broadcast_url=redis_url,
        token_secret=SecretStr(SECRET),
        var_dir=tmp_path / "var-b",
    )
    with replica(env, tmp_path / "a.log", *DEMO) as a:
        async with started_app(settings, empty=False) as app_b:
            versions = app_b.state.response_cache.versions
            read, held, release = versions._read, asyncio.Event(), asyncio.Event()
            holding = False

            async def read_then_hold(scopes):  # the statement has run: its versions are taken
                taken = await read(scopes)
                if holding:
                    held.set()
                    await release.wait()
                return taken

            versions._read = read_then_hold
            transport = httpx.ASGITransport(app=app_b)
            async with (
                httpx.AsyncClient(base_url=f"http://{a}", headers=headers) as on_a,
                httpx.AsyncClient(transport=transport, base_url="http://b", headers=headers) as on_b,
            ):

                async def count() -> int:
                    answer = (await on_b.post("/graphql", json=query)).json()
                    return int(answer["data"]["organization"]["activities"]["totalCount"])

                before = await count()
                assert await count() == before and app_b.state.response_cache.hits == 1  # kept on B
                holding = True
                arrived_before = asyncio.create_task(count())
                async with asyncio.timeout(10):
                    await held.wait()  # a version read under way on B, taken before the write
                holding = False
                assert "errors" not in (await on_a.post("/graphql", json=record)).json()  # committed on A
                arrived_after = asyncio.create_task(count())
                await asyncio.sleep(0.2)  # it is waiting on B, while the held read is still under way
                release.set()
                assert await arrived_before == before  # it arrived before the write: either answer is right
                assert await arrived_after == before + 1, "a write committed before the request was hidden"


@pytest.fixture
def stoppable_redis():
    try:
        with services.redis_process() as server:
            yield server
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


async def test_events_written_on_one_replica_while_redis_is_down_reach_a_subscriber_on_the_other(
    postgres_server, stoppable_redis, tmp_path, demo_database
):
    """Replica A writes, replica B's subscriber listens; Redis stops for a while. B relays from
    the shared event log what A could not publish, in order and once each."""
    env = await replica_env(
        postgres_server, stoppable_redis.url, tmp_path, copy_of=demo_database, BUFDIR_EVENT_RELAY_SECONDS="0.2"
    )
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with replica(env, tmp_path / "a.log", *DEMO) as a, replica(env, tmp_path / "b.log") as b:
        async with httpx.AsyncClient(base_url=f"http://{a}", headers=headers, timeout=30) as on_a:
            started = await on_a.post("/api/v1/aggregated-report-data", json={"organization_id": "org-1042", "period_id": "2023"})
            snapshot_id = started.json()["snapshot_id"]
            async with asyncio.timeout(30):
                while (await on_a.get(f"/api/v1/aggregated-report-data/{snapshot_id}")).json()["snapshot_status"] != "current":
                    await asyncio.sleep(0.2)

            async def explain(text: str) -> None:
                query = 'mutation ($s: ID!, $t: String!) { explainValue(snapshotId: $s, fieldKey: "antall_undersokelser_igangsatt", text: $t) { id } }'
                answer = await on_a.post("/graphql", json={"query": query, "variables": {"s": snapshot_id, "t": text}})
                assert "errors" not in answer.json(), answer.text

            async with websockets.connect(f"ws://{b}/graphql", subprotocols=GRAPHQL_TRANSPORT_WS) as socket:
                await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}))
                assert json.loads(await socket.recv())["type"] == "connection_ack"
                query = 'subscription { valueNoteAdded(organizationId: "org-1042") { eventId text } }'
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))

                async def received(count: int) -> list[dict]:
                    notes: list[dict] = []
                    async with asyncio.timeout(20):
                        while len(notes) < count:
                            notes.append(json.loads(await socket.recv())["payload"]["data"]["valueNoteAdded"])
                    return notes

                await listened_to(stoppable_redis.url, ValueNoted.channel("org-1042"))
                await explain("before")
                notes = await received(1)
                stoppable_redis.stop()
                for number in range(5):
                    await explain(f"during {number}")
                notes += await received(5)
                stoppable_redis.start()
                await explain("after")
                notes += await received(1)
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(1.0):
                        raise AssertionError(await socket.recv())
    assert [n["text"] for n in notes] == ["before", *(f"during {n}" for n in range(5)), "after"]
    ids = [n["eventId"] for n in notes]
    assert ids == sorted(set(ids))
