"""Operations: liveness, readiness, Prometheus metrics, request ids and JSON logs.

* ``GET /healthz``: the process answers (liveness; no dependencies checked).
* ``GET /readyz``: the database and pub/sub answer; 503 naming what does not.
* ``GET /metrics``: Prometheus text — request latency by route and GraphQL operation,
  aggregation job durations and outcomes, active subscriptions, pub/sub reconnects.
* Every request gets an id (``X-Request-ID``, taken from the client when it sends a sane one),
  logged with the request and returned on the response, so an error report can be traced.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from tortoise.connection import get_connection

from . import envelope
from .envelope import request_id
from .errors import Unavailable, is_unavailable

SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("bufdir_reporting.access")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "bufdir_http_request_seconds", "HTTP request latency", ["method", "route", "status"], registry=self.registry
        )
        self.jobs = Histogram("bufdir_aggregation_job_seconds", "Aggregation job duration", ["outcome"], registry=self.registry)
        self.subscriptions = Gauge("bufdir_active_subscriptions", "Live subscribers in this process", registry=self.registry)
        self.hub_stats: Callable[[], dict[str, int]] = dict
        self.cache_stats: Callable[[], dict[str, int]] = dict
        self.registry.register(_HubCounters(self))
        self.registry.register(_CacheCounters(self))
        # Labelled by operation type and first root field ("query organizations"): names the
        # schema defines, so clients' operation names cannot grow the series without bound.
        self.graphql = Histogram(
            "bufdir_graphql_operation_seconds", "GraphQL operation latency", ["operation"], registry=self.registry
        )


class _HubCounters(Collector):
    """Counters read from the event hub at scrape time (exposed as ``*_total``)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily]:
        reconnects = CounterMetricFamily("bufdir_pubsub_reconnects", "Pub/sub reconnects since start")
        reconnects.add_metric([], self.metrics.hub_stats().get("reconnects", 0))
        yield reconnects


class _CacheCounters(Collector):
    """The response cache's hits, misses and size, read at scrape time."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self.metrics.cache_stats()
        for name, help_text in (("hits", "Reads answered from the response cache"), ("misses", "Cacheable reads computed")):
            counter = CounterMetricFamily(f"bufdir_response_cache_{name}", help_text)
            counter.add_metric([], stats.get(name, 0))
            yield counter
        for name, help_text in (("bytes", "Bytes the response cache holds"), ("entries", "Answers the response cache holds")):
            gauge = GaugeMetricFamily(f"bufdir_response_cache_{name}", help_text)
            gauge.add_metric([], stats.get(name, 0))
            yield gauge


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """One readable line an event for a person at a terminal: time, level, message; the
    request id and logger on warnings and errors, where someone will look them up."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.getMessage()}"
        if "seconds" in fields:
            line += f" ({fields['seconds'] * 1000:.0f} ms)"
        if record.levelno >= logging.WARNING:
            line += f"  [{record.name}; request {request_id.get()}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


QUIET = {"tortoise": logging.WARNING, "aiosqlite": logging.WARNING, "asyncio": logging.WARNING}
"""Libraries whose INFO lines are their internals (Tortoise prints its client objects' reprs)."""


def new_request_id() -> str:
    """32 hex digits like a UUID: 20 drawn once per process, then a counter. Unique as ids must
    be, without reading the system's randomness for every request (3 % of a cached read)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"


_ID_PREFIX = secrets.token_hex(10)
_ID_COUNTER = itertools.count(1)


def configure_logging(level: str = "INFO", log_format: str = "auto") -> None:
    """JSON lines for machines; a console format when a person is watching (``auto``: when
    stderr is a terminal). A record does not gather what no line shows — the calling source line,
    thread, process and task names (the logging HOWTO's "Optimization"): about a fifth of the
    access log line's cost, paid on every request."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False  # type: ignore[attr-defined]  # Python 3.12+; harmless before
    console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    handler = logging.StreamHandler()
    handler.setFormatter(ConsoleFormatter() if console else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, logging.getLevelName(level)))


class RequestContext:
    """Request id, access log line and latency metric for every HTTP request; a request id
    for every websocket connection."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode(errors="replace")
        rid = offered if SANE_ID.match(offered) else new_request_id()
        token = request_id.set(rid)
        if scope["type"] == "websocket":  # one id for the connection: its operations' errors carry it
            try:
                await self.app(scope, receive, send)
            finally:
                request_id.reset(token)
            return
        started = time.perf_counter()
        status = 500

        started_response = False

        async def with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        except Exception as exc:
            # answered here, not by Starlette's outermost handler, so the id is still known
            if status != 500 or started_response:
                log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                raise
            headers = [(b"content-type", b"application/json")]
            if is_unavailable(exc):
                log.warning("database unavailable on %s %s: %s", scope["method"], scope["path"], exc)
                outage = Unavailable()
                status, body = outage.status, envelope.error_bytes_for(scope, outage.code, outage.message, outage.details)
                headers.append((b"retry-after", str(outage.retry_after_seconds).encode()))
            else:
                log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                body = envelope.error_bytes_for(scope, "INTERNAL", "Unexpected error.")
            headers.append((b"content-length", str(len(body)).encode()))
            await with_id({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - started
            template = route_template(scope)
            self.metrics.requests.labels(scope["method"], template, str(status)).observe(elapsed)
            log.log(
                logging.ERROR if status >= 500 else logging.INFO,  # the fault itself is logged once, with its traceback
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "fields": {"method": scope["method"], "path": scope["path"], "status": status, "seconds": round(elapsed, 4)}
                },
            )
            request_id.reset(token)


router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database and pub/sub reachable")
async def readyz(request: Request) -> JSONResponse:
    """Anonymous callers learn which dependency is down, never the driver's words (hosts, ports,
    users): those go to the log."""
    down = []
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception:
        log.warning("readiness: the database is unreachable", exc_info=True)
        down.append("database")
    try:
        await request.app.state.events.ping()
    except Exception:
        log.warning("readiness: pub/sub is unreachable", exc_info=True)
        down.append("pubsub")
    if down:
        return JSONResponse({"status": "unavailable", "problems": dict.fromkeys(down, "unreachable")}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """With ``BUFDIR_METRICS_TOKEN`` set, only a scraper holding it reads the metrics."""
    wanted = request.app.state.settings.metrics_token
    if wanted is not None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {wanted.get_secret_value()}".encode()):
            message = "The metrics token is required: send 'Authorization: Bearer <BUFDIR_METRICS_TOKEN>'."
            response = JSONResponse(envelope.error_body("UNAUTHENTICATED", message), status_code=401)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
    registry: Metrics = request.app.state.metrics
    registry.hub_stats = lambda: request.app.state.events.stats
    registry.cache_stats = lambda: request.app.state.response_cache.stats
    registry.subscriptions.set(request.app.state.events.stats["subscribers"])
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The route's path template, bounded: a route of an included router with an empty path
    (GraphQL's, under /graphql) is named by the prefix it was reached at."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return path or scope["path"].rstrip("/") or "/"


class SlowWebSocketClient(WebSocketDisconnect):
    """The client took nothing for the send timeout: its connection is given up, and Strawberry
    treats it as the disconnect it is (no error logged for an expected event)."""


class OpenWebSockets:
    """The accepted websockets of this process, so a shutdown can say goodbye with 1001; and
    a bound on what one client that stops reading can hold: a send that waits longer than
    ``send_timeout`` (the socket's buffers full) fails, which ends the connection's handler and
    with it every subscription on it. Without it the handler waited on that send for ever,
    holding its subscribers, and even a close frame could not be written through the socket."""

    GOING_AWAY = 1001

    def __init__(self, *, send_timeout: float = 10) -> None:
        self._senders: dict[int, Send] = {}
        self.send_timeout = send_timeout
        # Sends under way: (deadline, the task sending). One watchdog looks at them a few times
        # per timeout, instead of a timer armed and cancelled around every send (with 1,000
        # subscribers a timer per send was a sixth of a fan-out, bench S6).
        self._sending: dict[int, tuple[float, asyncio.Task[Any]]] = {}
        self._overdue: set[int] = set()
        self._numbers = itertools.count()
        self._watchdog: asyncio.Task[None] | None = None

    def track(self, app: ASGIApp) -> ASGIApp:
        async def tracked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "websocket":
                await app(scope, receive, send)
                return
            key = id(scope)

            async def tracking_send(message: Message) -> None:
                if message["type"] == "websocket.accept":
                    self._senders[key] = send
                elif message["type"] == "websocket.close":
                    self._senders.pop(key, None)
                task = asyncio.current_task()
                assert task is not None  # ASGI runs in a task
                number = next(self._numbers)
                self._sending[number] = (asyncio.get_running_loop().time() + self.send_timeout, task)
                self._watch()
                try:
                    await send(message)
                except asyncio.CancelledError:
                    if number in self._overdue and task.uncancel() == 0:  # the watchdog's cancel, and only it
                        self._senders.pop(key, None)
                        log.warning("dropping a websocket that took nothing for %ss", self.send_timeout)
                        raise SlowWebSocketClient(code=4429, reason="the client stopped reading") from None
                    raise
                finally:
                    self._sending.pop(number, None)
                    self._overdue.discard(number)

            try:
                await app(scope, receive, tracking_send)
            finally:
                self._senders.pop(key, None)

        return tracked

    def _watch(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._cancel_overdue(), name="websocket-send-watchdog")

    async def _cancel_overdue(self) -> None:
        """Cancel every send that has waited past its deadline (within a quarter of the timeout
        after it); ends when no send is under way."""
        loop = asyncio.get_running_loop()
        while self._sending:
            await asyncio.sleep(self.send_timeout / 4)
            now = loop.time()
            for number, (deadline, task) in list(self._sending.items()):
                if deadline <= now and number not in self._overdue:
                    self._overdue.add(number)
                    task.cancel()

    def __len__(self) -> int:
        return len(self._senders)

    async def close_all(self) -> None:
        for key, send in list(self._senders.items()):
            self._senders.pop(key, None)
            try:
                await send({"type": "websocket.close", "code": self.GOING_AWAY, "reason": "server shutting down"})
            except Exception:  # the client may be gone already
                log.debug("closing a websocket at shutdown failed", exc_info=True)


class GracefulServer:
    """uvicorn closes open websockets with 1012 on shutdown; clients of this service get 1001
    (going away) first, SSE streams a last comment and their end (``app.state.closing``), then
    uvicorn lets in-flight requests finish. ``ready_message`` is printed once the server
    listens, after the start-up lines, where a person sees it."""

    @staticmethod
    def create(app: Any, *, ready_message: str | None = None, **config: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets)
                if ready_message and not self.should_exit:
                    print(ready_message, file=sys.stderr, flush=True)

            async def shutdown(self, sockets: Any = None) -> None:
                app.state.closing.set()
                await app.state.websockets.close_all()
                await super().shutdown(sockets)

        return Server(uvicorn.Config(app, **config))
