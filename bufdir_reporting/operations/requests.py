"""Every HTTP request's id, access log line and latency metric; the route a request is counted under."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import envelope
from ..envelope import request_id
from ..errors import Unavailable, is_unavailable
from .logs import new_request_id
from .metrics import Metrics

SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("bufdir_reporting.access")


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
        rid = request_id_of(dict(scope.get("headers") or []).get(b"x-request-id"))
        token = request_id.set(rid)
        if scope["type"] == "websocket":  # the connection's id; each operation's is it numbered (graphql_http)
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
            headers: list[tuple[bytes, bytes]] = []
            if is_unavailable(exc):
                log.warning("database unavailable on %s %s: %s", scope["method"], scope["path"], exc)
                outage = Unavailable()
                status, body = outage.status, envelope.error_bytes_for(scope, outage.code, outage.message, outage.details)
                headers.append((b"retry-after", str(outage.retry_after_seconds).encode()))
            else:
                log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                body = envelope.error_bytes_for(scope, "INTERNAL", "Unexpected error.")
            headers += envelope.error_headers_for(scope, body)
            await with_id({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            answered(self.metrics, scope, status, started)
            request_id.reset(token)


def request_id_of(offered: bytes | None) -> str:
    """The request's id: the one the client sent in ``X-Request-Id`` if it is sane, else a new one."""
    text = (offered or b"").decode(errors="replace")
    return text if SANE_ID.match(text) else new_request_id()


def answered(metrics: Metrics, scope: Scope, status: int, started: float) -> None:
    """What every HTTP answer leaves: its latency under its route and status, and its access log
    line (under the request id in ``request_id``). Also called for an answer from the response
    cache, which is sent before this middleware (``cached_reads``)."""
    elapsed = time.perf_counter() - started
    template = route_template(scope)
    metrics.requests.labels(scope["method"], template, str(status)).observe(elapsed)
    log.log(
        logging.ERROR if status >= 500 else logging.INFO,  # the fault itself is logged once, with its traceback
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={"fields": {"method": scope["method"], "path": scope["path"], "status": status, "seconds": round(elapsed, 4)}},
    )


def route_template(scope: Scope) -> str:
    """The route's path template, bounded: a route of an included router with an empty path
    (GraphQL's, under /graphql) is named by the prefix it was reached at."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        # A mounted app (GraphiQL's assets): FastAPI names no route for it; the mount sets the
        # endpoint and its own path as the root path.
        mounted = scope.get("root_path") if scope.get("endpoint") is not None else None
        return mounted or "unmatched"
    return path or scope["path"].rstrip("/") or "/"
