"""The suite's own app fixtures (``tests/live.started_app``, ``tests/live.SharedApp``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from tortoise import Tortoise, context
from tortoise.transactions import in_transaction

from bufdir_reporting.config import Settings
from bufdir_reporting.database import tortoise_config
from bufdir_reporting.models import Activity, AuditEntry, Organization, Period
from bufdir_reporting.resolvers.base.jobs import AGGREGATION

from .conftest import error_codes
from .factories import make_period, make_reporting_world
from .live import SHARED, LentSettings, started_app
from .worlds import restored


async def test_an_app_a_failed_test_left_behind_does_not_fail_the_next_ones(settings: Settings) -> None:
    """A test whose app shutdown was cut short left Tortoise's global context set, and every
    later app start on that worker failed ("Global context fallback is already enabled"): 137
    errors from one failure in a loaded CI run."""

    async def left_behind() -> None:  # in a task of its own, as a lifespan runs
        await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)

    await asyncio.create_task(left_behind())
    assert context._global_context is not None
    async with started_app(settings) as app:
        assert app.state.settings is settings


PERIODS = "{ periods { totalCount } }"
BY_HASH = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(PERIODS.encode()).hexdigest()}}}


async def test_the_next_test_is_lent_the_same_app_with_nothing_the_last_one_left(settings: Settings) -> None:
    """The shared app (``live.SharedApp``) as a new app would be: a row, a persisted query, a
    cached answer, a counted request, a job left running are gone for the next test."""
    first = await SHARED.lend(settings)
    await make_period(year=2031)
    async with _client(first) as http:
        assert (await http.post("/graphql", json={**BY_HASH, "query": PERIODS})).json() == {
            "data": {"periods": {"totalCount": 1}}
        }
        assert (await http.get("/api/v1/report-sections")).status_code == 200
        assert (await http.get("/api/v1/report-sections")).status_code == 200  # the second from the cache
    assert first.state.response_cache.stats["entries"] and first.state.response_cache.hits
    never = asyncio.Event()

    async def held(job_id: str, stale_before: object) -> None:
        await never.wait()

    jobs = first.state.jobs
    runners = dict(jobs._runners)
    jobs._runners[AGGREGATION] = held
    jobs.submit(AGGREGATION, "left-running")
    await SHARED.settle()
    jobs._runners.update(runners)
    assert not jobs.running(AGGREGATION, "left-running")

    second = await SHARED.lend(settings)
    try:
        assert second is first
        assert not await Period.exists()
        assert second.state.response_cache.stats["entries"] == 0 and second.state.response_cache.hits == 0
        async with _client(second) as http:
            unknown = (await http.post("/graphql", json=BY_HASH)).json()
            metrics = (await http.get("/metrics")).text
        assert error_codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert 'route="/api/v1/report-sections"' not in metrics
    finally:
        await SHARED.settle()


async def test_a_subscriber_left_behind_retires_the_shared_app(settings: Settings) -> None:
    first = await SHARED.lend(settings)
    async with first.state.events.subscribe("organization:org-1042"):
        await SHARED.settle()
    assert SHARED.app is None
    second = await SHARED.lend(settings)
    try:
        assert second is not first and second.state.events.stats["subscribers"] == 0
    finally:
        await SHARED.settle()


async def test_settings_changed_before_the_app_is_lent_get_an_app_made_with_them(settings: Settings) -> None:
    first = await SHARED.lend(settings)
    await SHARED.settle()
    settings.response_cache_mb = 0
    second = await SHARED.lend(settings)
    try:
        assert second is not first and not second.state.response_cache.enabled
    finally:
        await SHARED.settle()


@pytest.mark.fresh_app
async def test_a_test_marked_fresh_app_is_given_an_app_of_its_own(app: FastAPI) -> None:
    assert SHARED.app is None and app.state.events.stats["subscribers"] == 0


def test_what_a_test_changed_in_its_settings_is_put_back_when_it_ends(tmp_path: Path) -> None:
    made = Settings(var_dir=tmp_path / "made", token_secret=SecretStr("x" * 40), cors_origins=["https://a.example"])
    values, fields_set = LentSettings(made), set(made.model_fields_set)
    with values.lent(tmp_path / "test") as settings:
        assert settings is made and settings.var_dir == tmp_path / "test"
        settings.graphql_max_depth = 3
        settings.cors_origins.append("https://b.example")
        settings.token_secret = SecretStr("y" * 40)
        assert settings.signing_secret == "y" * 40
    assert made.graphql_max_depth == Settings().graphql_max_depth
    assert made.cors_origins == ["https://a.example"]
    assert made.signing_secret == "x" * 40
    assert made.model_fields_set == fields_set


async def test_a_world_is_restored_for_the_next_test_whatever_the_test_before_wrote(settings: Settings) -> None:
    """A world (``worlds.restored``: built once per database, kept, written back for each test)
    is for each test exactly as built: a row the test before added, changed or deleted, in the
    world's tables or others, is not seen by the next."""
    await SHARED.lend(settings)
    try:
        await restored(settings.database_url, "reporting", make_reporting_world)
        built = await _every_row()
        assert built["organization"] and built["activity"]
        await Organization.filter(id="org-2077").delete()
        await Organization.filter(id="org-1042").update(name="Endret")
        await Activity.filter(organization_id="org-1042").delete()
        await make_period(year=2031)
        await AuditEntry.create(actor="tester", action="probe", entity_type="organization", entity_id="org-1042")
        assert await _every_row() != built
    finally:
        await SHARED.settle()
    await SHARED.lend(settings)
    try:
        await restored(settings.database_url, "reporting", make_reporting_world)
        assert await _every_row() == built
    finally:
        await SHARED.settle()


@pytest.mark.one_database
async def test_a_transaction_cancelled_at_its_begin_does_not_hold_the_next_test_up(settings: Settings) -> None:
    """A job cancelled as its test ends (``SharedApp.settle``) while Tortoise's SQLite transaction
    waits for its BEGIN leaves the connection's lock held by no task: the next test waited for it
    until pytest-timeout."""
    first = await SHARED.lend(settings)
    client = Tortoise.get_connection("default")
    for _ in range(100):  # cancelled at its BEGIN: most tries leave the lock held
        task = asyncio.create_task(_in_a_transaction())
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if client._lock.locked():  # type: ignore[attr-defined]
            break
    assert client._lock.locked()  # type: ignore[attr-defined]
    await SHARED.settle()
    try:
        async with asyncio.timeout(30):
            second = await SHARED.lend(settings)
        assert second is not first
        await make_period(year=2031)
    finally:
        await SHARED.settle()


async def _in_a_transaction() -> None:
    async with in_transaction():
        await asyncio.sleep(0)


async def _every_row() -> dict[str, list[str]]:
    db = Tortoise.get_connection("default")
    rows = {}
    for model in Tortoise.apps.get_models_iterable():
        table = model._meta.db_table
        rows[table] = sorted(repr(sorted(row.items())) for row in await db.execute_query_dict(f'SELECT * FROM "{table}"'))
    return rows


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]
