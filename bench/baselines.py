"""Bare servers the service is compared with, each run by uvicorn in its own process.

* ``prepared_json``: FastAPI answering ``POST /graphql`` with JSON prepared beforehand (the
  file in ``BENCH_PREPARED_JSON``): the floor under S7's dashboard query.
* ``broadcast``: a Starlette websocket endpoint that forwards every message published on the
  Redis channel ``BENCH_CHANNEL`` to every connected socket, unchanged: the floor under S6.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import redis.asyncio as redis
from fastapi import FastAPI, Response, WebSocket, WebSocketDisconnect


def _prepared_json_app() -> FastAPI:
    app = FastAPI()
    body = Path(os.environ["BENCH_PREPARED_JSON"]).read_bytes() if "BENCH_PREPARED_JSON" in os.environ else b"{}"

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/graphql")
    async def graphql() -> Response:
        return Response(content=body, media_type="application/json")

    return app


def _broadcast_app() -> FastAPI:
    sockets: set[WebSocket] = set()

    async def forward() -> None:
        client = redis.from_url(os.environ["BENCH_REDIS_URL"])
        pubsub = client.pubsub()
        await pubsub.subscribe(os.environ["BENCH_CHANNEL"])
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            text = message["data"].decode()
            await asyncio.gather(*(socket.send_text(text) for socket in list(sockets)), return_exceptions=True)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(forward())
        yield
        task.cancel()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws")
    async def websocket(socket: WebSocket) -> None:
        await socket.accept()
        sockets.add(socket)
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(socket)

    return app


def prepared_json() -> FastAPI:
    return _prepared_json_app()


def broadcast() -> FastAPI:
    return _broadcast_app()
