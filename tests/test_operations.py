from __future__ import annotations

import json
import logging

import httpx
from pydantic import SecretStr

from bufdir_reporting.operations import JsonFormatter, request_id

from .live import started_app


async def test_liveness_and_readiness(client, app, monkeypatch, caplog):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}

    async def down():
        raise ConnectionError("Error 111 connecting to cache.internal:6379. Connection refused.")

    monkeypatch.setattr(app.state.events, "ping", down)
    with caplog.at_level(logging.WARNING):
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "problems": {"pubsub": "unreachable"}}
    assert "cache.internal" not in response.text  # an anonymous caller learns what is down, not where
    assert any("cache.internal:6379" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_metrics_cover_routes_graphql_operations_and_jobs(client, app, tokens, demo):
    await client.get("/api/v1/report-sections")
    await client.post("/graphql", json={"query": "query Dashboard { periods { totalCount } }"})
    await client.post(
        "/api/v1/aggregated-report-data",
        json={"organization_id": "org-1042", "period_id": "2024"},
        headers=tokens.headers("org-1042"),
    )
    await app.state.jobs.wait_idle()
    text = (await client.get("/metrics")).text
    assert 'bufdir_http_request_seconds_count{method="GET",route="/api/v1/report-sections",status="200"} 1.0' in text
    assert 'bufdir_graphql_operation_seconds_count{operation="query periods"} 1.0' in text
    assert 'bufdir_aggregation_job_seconds_count{outcome="current"}' in text
    assert "bufdir_active_subscriptions" in text and "bufdir_pubsub_reconnects_total 0.0" in text


async def test_request_ids_are_echoed_and_reach_error_bodies(client):
    mine = await client.get("/api/v1/report-sections/nope", headers={"X-Request-ID": "trace-123"})
    assert mine.headers["x-request-id"] == "trace-123"
    assert mine.json()["error"]["request_id"] == "trace-123"
    odd = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\n"})
    assert odd.headers["x-request-id"] != "bad id with spaces\n" and len(odd.headers["x-request-id"]) == 32


def test_log_lines_are_json_with_the_request_id():
    token = request_id.set("trace-9")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        record.fields = {"status": 200}
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "hello world" and line["request_id"] == "trace-9" and line["status"] == 200


async def test_metric_labels_stay_bounded_whatever_clients_send(client):
    for number in range(60):
        await client.post("/graphql", json={"query": f"query Random{number} {{ periods {{ totalCount }} }}"})
        await client.post("/graphql", json={"query": f"{{ field{number} }}"})
    await client.post("/graphql", json={"query": "{ not parsed"})
    text = (await client.get("/metrics")).text
    operations = {
        line.split('operation="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("bufdir_graphql_operation_seconds_count")
    }
    assert operations == {"query periods", "invalid"}
    assert 'route="/graphql"' in text and 'route=""' not in text


async def test_metrics_can_require_a_token(settings):
    guarded = settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    async with started_app(guarded) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert (await http.get("/metrics")).status_code == 401
            assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
            assert (await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).status_code == 200
