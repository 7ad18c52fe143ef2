"""Every wait on PostgreSQL is bounded (``database``: the budgets). A frozen server — stopped by
SIGSTOP, not shut down: nothing refuses, nothing answers — hung every request, cached reads
too; now a request answers 503 with Retry-After once its budget is spent, writes nothing, and
the service heals when the server wakes. Long work (a job, an import) has its own, longer
budget and is not cut at a request's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from tortoise.connection import get_connection

from bufdir_reporting.auth import issue_token
from bufdir_reporting.config import Settings
from bufdir_reporting.database import long_work
from bufdir_reporting.errors import is_unavailable
from bufdir_reporting.models import Activity, Snapshot, SnapshotStatus

from .. import services
from ..conftest import _unavailable
from ..factories import make_reporting_world
from ..live import started_app

BUDGET = 0.5
"""A request's budget here; a frozen server is met at the first statement, so a request answers
after about this (and a share of it for asyncpg's cancel)."""
ANSWERED_WITHIN = 10 * BUDGET
"""What a test waits for an answer while the server is frozen before it calls the request hung:
generous, so that a loaded machine never fails it, and still far below forever."""


@pytest.fixture(scope="module")
def freezable_postgres() -> Iterator[services.PostgresProcess]:
    """A server of this module's own (it is frozen), migrated once; each test empties it."""
    try:
        with services.migrated_postgres_process() as server:
            yield server
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


def budgeted(server: services.PostgresProcess, tmp_path: Path) -> Settings:
    return Settings(database_url=server.url, var_dir=tmp_path, token_secret=SecretStr("s" * 40), database_timeout_seconds=BUDGET)


def assert_asked_to_retry(response: httpx.Response) -> None:
    assert response.status_code == 503 and response.headers["retry-after"] == "5", response.text
    body = response.json()
    codes = [error["extensions"]["code"] for error in body["errors"]] if "errors" in body else [body["error"]["code"]]
    assert codes and set(codes) == {"UNAVAILABLE"}, body


READ = {"query": '{ organization(id: "org-1042") { name } periods { totalCount } }'}
"""A read the executor answers (the periods' count is not compiled)."""
COMPILED = {"query": '{ organization(id: "org-1042") { name } }'}
"""A read answered by one compiled statement (``schema.compiled``); its outage once fell back to
the executor (which waited as long again), and was then answered 200 "An unknown error"."""
WRITE = """mutation { recordActivity(input: {organizationId: "org-1042", sourceSystem: "s", externalId: "EXTERNAL",
  activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: "2024-06-01T10:00:00Z"}) { activityId } }"""


async def test_a_frozen_database_answers_503_within_the_budget_and_heals(freezable_postgres, tmp_path):
    settings = budgeted(freezable_postgres, tmp_path)
    async with started_app(settings) as app:
        await make_reporting_world()
        headers = {"Authorization": f"Bearer {issue_token(settings, subject='ops', admin=True)}"}
        cache = app.state.response_cache
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as client:
            assert (await client.post("/graphql", json=READ)).status_code == 200
            hits = cache.hits
            assert (await client.post("/graphql", json=READ)).json()["data"]["organization"]["name"]
            assert cache.hits == hits + 1, "kept: asked again, a cached read"

            with freezable_postgres.frozen():
                async with asyncio.timeout(ANSWERED_WITHIN):
                    assert_asked_to_retry(await client.post("/graphql", json=READ))  # its data version is not read
                    assert cache.hits == hits + 1
                    cache.max_bytes = 0  # the same app without its cache: reads computed every time
                    assert_asked_to_retry(await client.post("/graphql", json=READ))
                    assert_asked_to_retry(await client.post("/graphql", json=COMPILED))
                    coordinator = {"Authorization": f"Bearer {issue_token(settings, subject='c', organizations=['org-1042'])}"}
                    assert_asked_to_retry(await client.post("/graphql", json=READ, headers=coordinator))  # its reach first
                    assert_asked_to_retry(await client.get("/api/v1/report-sections"))
                    assert_asked_to_retry(await client.post("/graphql", json={"query": WRITE.replace("EXTERNAL", "frozen")}))

            async with asyncio.timeout(20):
                while (await client.post("/graphql", json=READ)).status_code != 200:
                    await asyncio.sleep(0.1)
            assert (await client.post("/graphql", json=COMPILED)).json()["data"]["organization"]["name"]
            assert (await client.get("/api/v1/report-sections")).status_code == 200
            written = await client.post("/graphql", json={"query": WRITE.replace("EXTERNAL", "after")})
            assert written.json()["data"]["recordActivity"]["activityId"], written.text
            assert not await Activity.exists(external_id="frozen"), "the write that ran out left nothing"


async def test_a_write_that_runs_out_of_its_budget_midway_is_rolled_back(freezable_postgres, tmp_path):
    """The write's activity is inserted, then its change record waits on a lock longer than the
    budget (a live, slow server): 503, and the activity is not there after."""
    settings = budgeted(freezable_postgres, tmp_path)
    async with started_app(settings) as app:
        await make_reporting_world()
        headers = {"Authorization": f"Bearer {issue_token(settings, subject='ops', admin=True)}"}
        holder = await asyncpg.connect(freezable_postgres.url)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as client:
                async with holder.transaction():
                    await holder.execute("LOCK TABLE data_change IN EXCLUSIVE MODE")  # reads pass, writes wait
                    async with asyncio.timeout(ANSWERED_WITHIN):
                        writing = asyncio.create_task(
                            client.post("/graphql", json={"query": WRITE.replace("EXTERNAL", "midway")})
                        )
                        while not await holder.fetchval(MIDWAY):
                            assert not writing.done(), writing.result().text
                            await asyncio.sleep(0.02)
                        response = await writing
                assert_asked_to_retry(response)
                assert not await Activity.exists(external_id="midway")
                again = await client.post("/graphql", json={"query": WRITE.replace("EXTERNAL", "midway")})
                assert again.json()["data"]["recordActivity"]["activityId"], again.text
        finally:
            await holder.close()


MIDWAY = """SELECT EXISTS (SELECT FROM pg_locks w JOIN pg_locks a ON a.pid = w.pid
  WHERE w.relation = 'data_change'::regclass AND NOT w.granted AND a.relation = 'activity'::regclass AND a.mode = 'RowExclusiveLock')"""
"""A backend has written to the activity table in its transaction and waits to record the change."""


async def test_long_work_is_not_cut_at_a_requests_budget(freezable_postgres, tmp_path):
    """A statement that takes longer than a request's budget: cut in a request, not in long
    work; and an aggregation job (started by a request) whose write waits as long completes."""
    settings = budgeted(freezable_postgres, tmp_path)
    async with started_app(settings) as app:
        await make_reporting_world()
        connection = get_connection("default")
        sleep = f"SELECT pg_sleep({2 * BUDGET})"
        with pytest.raises(Exception) as cut:
            await connection.execute_query(sleep)
        assert is_unavailable(cut.value)
        with long_work(settings):
            await connection.execute_query(sleep)

        await aggregate_while_values_are_locked(app, settings, freezable_postgres.url, seconds=2 * BUDGET)
        assert await Snapshot.filter(organization_id="org-1042", status=SnapshotStatus.CURRENT).count() == 1


WAITING_ON_VALUES = "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'field_value'::regclass AND NOT granted)"
"""Another backend waits for the lock on the values (the aggregation job's write)."""


async def aggregate_while_values_are_locked(app: FastAPI, settings: Settings, url: str, *, seconds: float) -> None:
    headers = {"Authorization": f"Bearer {issue_token(settings, subject='ops', admin=True)}"}
    holder = await asyncpg.connect(url)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as client:
            async with holder.transaction():
                await holder.execute("LOCK TABLE field_value IN EXCLUSIVE MODE")  # the job's write waits
                mutation = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024-Q1") { jobId } }'
                triggered = await client.post("/graphql", json={"query": mutation})
                assert triggered.json()["data"]["triggerAggregation"]["jobId"], triggered.text
                async with asyncio.timeout(30):
                    while not await holder.fetchval(WAITING_ON_VALUES):
                        await asyncio.sleep(0.02)
                # held this long once the job's write waits on it (a fixed 1.5 s from the trigger
                # before, which a slow job could pass before it reached the write)
                await asyncio.sleep(seconds)
            async with asyncio.timeout(30):
                await app.state.jobs.wait_idle()
    finally:
        await holder.close()
