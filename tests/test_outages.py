"""A database outage, met as a client meets it: a real PostgreSQL server stopped under a running
app answers 503 with Retry-After (REST) and code UNAVAILABLE (GraphQL), not 500 INTERNAL, and
the service heals by itself when the server is back."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bufdir_reporting.auth import issue_token
from bufdir_reporting.config import Settings
from bufdir_reporting.database import apply_migrations

from . import services
from .conftest import _unavailable
from .live import started_app


@pytest.fixture
def stoppable_postgres():
    try:
        with services.postgres_process() as server:
            yield server
    except services.ServiceUnavailable as exc:
        _unavailable(str(exc))


async def test_a_database_outage_answers_503_with_retry_after_and_heals(stoppable_postgres, tmp_path):
    settings = Settings(database_url=stoppable_postgres.url, var_dir=tmp_path, token_secret="s" * 40)
    await apply_migrations(settings)
    async with started_app(settings) as app:
        token = issue_token(settings, subject="ops", admin=True)
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/api/v1/report-sections")).status_code == 200
            stoppable_postgres.stop()

            rest = await client.get("/api/v1/report-sections")
            assert rest.status_code == 503 and rest.headers["retry-after"] == "5"
            assert (
                rest.json()["error"]["code"] == "UNAVAILABLE"
                and rest.json()["error"]["request_id"] == rest.headers["x-request-id"]
            )
            graphql = (await client.post("/graphql", json={"query": "{ periods { totalCount } }"}, headers=headers)).json()
            assert [e["extensions"]["code"] for e in graphql["errors"]] == ["UNAVAILABLE"]
            assert "127.0.0.1" not in str(graphql) and "127.0.0.1" not in rest.text

            stoppable_postgres.start()
            async with asyncio.timeout(20):
                while (await client.get("/api/v1/report-sections")).status_code != 200:
                    await asyncio.sleep(0.2)
