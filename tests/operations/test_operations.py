from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from bufdir_reporting.operations import JsonFormatter, request_id

from ..factories import make_scope
from ..live import started_app


async def test_liveness_and_readiness(client, app, monkeypatch, caplog):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    for path in ("/healthz", "/readyz"):  # load balancers and uptime checks probe with HEAD
        probed = await client.head(path)
        assert (probed.status_code, probed.content) == (200, b""), path

    async def down():
        raise ConnectionError("Error 111 connecting to cache.internal:6379. Connection refused.")

    monkeypatch.setattr(app.state.events, "ping", down)
    with caplog.at_level(logging.WARNING):
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "problems": {"pubsub": "unreachable"}}
    assert "cache.internal" not in response.text  # an anonymous caller learns what is down, not where
    assert any("cache.internal:6379" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_metrics_cover_routes_graphql_operations_and_jobs(client, app, tokens):
    scope = await make_scope()
    await client.get("/api/v1/report-sections")
    await client.post("/graphql", json={"query": "query Dashboard { periods { totalCount } }"})
    await client.post(
        "/api/v1/aggregated-report-data",
        json={"organization_id": scope.org.id, "period_id": "2024"},
        headers=tokens.headers(scope.org.id),
    )
    await app.state.jobs.wait_idle()
    text = (await client.get("/metrics")).text
    assert 'bufdir_http_request_seconds_count{method="GET",route="/api/v1/report-sections",status="200"} 1.0' in text
    assert 'bufdir_graphql_operation_seconds_count{operation="query periods"} 1.0' in text
    assert 'bufdir_aggregation_job_seconds_count{outcome="current"}' in text
    assert "bufdir_active_subscriptions" in text and "bufdir_pubsub_reconnects_total 0.0" in text
    assert "_created" not in text  # each series' creation time, half of the lines, of no use to Prometheus


@pytest.mark.one_database
async def test_graphiqls_assets_are_counted_under_their_mount_not_as_unmatched(client):
    """FastAPI names no route for a mounted app: every asset GraphiQL loads was counted as
    route "unmatched", beside requests for paths that do not exist."""
    assert (await client.get("/ui/assets/graphiql-page.css")).status_code == 200
    assert (await client.get("/no-such-path")).status_code == 404
    text = (await client.get("/metrics")).text
    assert 'bufdir_http_request_seconds_count{method="GET",route="/ui/assets",status="200"} 1.0' in text
    assert 'bufdir_http_request_seconds_count{method="GET",route="unmatched",status="404"} 1.0' in text


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


def test_a_log_lines_time_has_its_offset_and_milliseconds(monkeypatch):
    """Local time without an offset (and whole seconds) could not be placed: in Oslo it was an
    hour or two off UTC, and lines of one second could not be ordered."""
    monkeypatch.setenv("TZ", "Europe/Oslo")
    time.tzset()
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
        record.created = datetime(2026, 3, 26, 9, 12, 0, 42_000, tzinfo=UTC).timestamp()
        line = json.loads(JsonFormatter().format(record))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert line["time"] == "2026-03-26T09:12:00.042Z"
    assert datetime.fromisoformat(line["time"]).timestamp() == record.created


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


@pytest.mark.one_database
async def test_client_errors_log_one_info_line_and_faults_one_traceback(client, app, monkeypatch, caplog):
    from bufdir_reporting.resolvers import periods

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug in a resolver")

    @app.get("/broken-route")
    async def broken_route():
        raise RuntimeError("a bug in a route")

    with caplog.at_level(logging.INFO):
        await client.post("/graphql", json={"query": "{ periods { nope } }"})
        await client.get("/api/v1/report-records")  # anonymous: 401
        client_errors = [r for r in caplog.records if r.name.startswith(("bufdir", "strawberry"))]
        assert client_errors and all(r.levelno <= logging.INFO and not r.exc_info for r in client_errors)
        assert any("Cannot query field 'nope'" in r.getMessage() for r in client_errors)

        caplog.clear()
        monkeypatch.setattr(periods, "list_", broken)
        await client.post("/graphql", json={"query": "{ periods { totalCount } }"})
        graphql_fault = [r for r in caplog.records if r.exc_info]
        assert len(graphql_fault) == 1 and graphql_fault[0].levelno == logging.ERROR

        caplog.clear()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
        ) as http:
            assert (await http.get("/broken-route")).status_code == 500
        route_fault = [r for r in caplog.records if r.exc_info]
        assert len(route_fault) == 1 and route_fault[0].levelno == logging.ERROR


@pytest.mark.parametrize(
    ("setting", "tty", "formatter"),
    [("json", True, "Json"), ("console", False, "Console"), ("auto", False, "Json"), ("auto", True, "Console")],
)
def test_the_log_format_is_readable_on_a_terminal_and_json_otherwise(monkeypatch, setting, tty, formatter):
    import sys

    from bufdir_reporting.operations import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    for name in ("tortoise", "aiosqlite", "asyncio"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)  # restored after
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    try:
        configure_logging("INFO", setting)
        assert type(root.handlers[0].formatter).__name__ == f"{formatter}Formatter"
        assert logging.getLogger("tortoise").level == logging.WARNING, "Tortoise's start-up reprs are not for people"
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_the_console_format_reads_as_one_line_with_the_request_id_on_warnings():
    from bufdir_reporting.operations import ConsoleFormatter

    token = request_id.set("rid-42")
    try:
        info = logging.LogRecord("bufdir_reporting.access", logging.INFO, __file__, 1, "GET /graphql 200", None, None)
        info.fields = {"seconds": 0.0123}
        warning = logging.LogRecord("bufdir_reporting.x", logging.WARNING, __file__, 1, "database unavailable", None, None)
        formatter = ConsoleFormatter()
        assert formatter.format(info).endswith("INFO    GET /graphql 200 (12 ms)")
        assert formatter.format(warning).endswith("WARNING database unavailable  [bufdir_reporting.x; request rid-42]")
    finally:
        request_id.reset(token)
