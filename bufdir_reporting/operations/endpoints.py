"""``GET``/``HEAD /healthz``, ``GET``/``HEAD /readyz`` and ``GET /metrics``."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from tortoise.connection import get_connection

from .. import envelope
from .metrics import Metrics

log = logging.getLogger("bufdir_reporting.access")

router = APIRouter(tags=["operations"])


# HEAD too, without a second operation in the OpenAPI document: load balancers and uptime
# checks probe with HEAD, and answered 405 they took the replica for down.
@router.get("/healthz", summary="Liveness: the process answers")
@router.head("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database and pub/sub reachable")
@router.head("/readyz", include_in_schema=False)
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
