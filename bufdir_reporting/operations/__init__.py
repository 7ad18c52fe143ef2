"""Operations: liveness, readiness, Prometheus metrics, request ids and JSON logs.

* ``GET /healthz``: the process answers (liveness; no dependencies checked).
* ``GET /readyz``: the database and pub/sub answer; 503 naming what does not.
* ``GET /metrics``: Prometheus text — request latency by route and GraphQL operation,
  aggregation job durations and outcomes, active subscriptions, pub/sub reconnects.
* Every request gets an id (``X-Request-ID``, taken from the client when it sends a sane one),
  logged with the request and returned on the response, so an error report can be traced.

By concern: ``logs`` (formatters, request ids), ``metrics`` (the registry), ``requests`` (the
per-request middleware), ``endpoints`` (the three routes), ``serving`` (websockets, shutdown).
"""

from __future__ import annotations

from ..envelope import request_id
from .endpoints import router
from .logs import ConsoleFormatter, JsonFormatter, configure_logging
from .metrics import Metrics
from .requests import RequestContext
from .serving import GracefulServer, OpenWebSockets

__all__ = [
    "ConsoleFormatter",
    "GracefulServer",
    "JsonFormatter",
    "Metrics",
    "OpenWebSockets",
    "RequestContext",
    "configure_logging",
    "request_id",
    "router",
]
