"""A small loopback load generator: keep-alive HTTP/1.1 connections sending the same request for a
fixed time, each waiting for its answer before the next (closed loop). Written on asyncio streams
so the client costs little next to the server it measures (both share the machine's cores)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from .harness import Timing


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latency: Timing
    failures: int
    sent: int = 0  # every answered request, the warm-up's too (what a server's CPU time covers)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def request_bytes(address: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {address}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def run(address: str, request: bytes, *, connections: int, seconds: float, warmup: float = 1.0) -> LoadResult:
    host, port = address.split(":")
    latencies: list[float] = []
    failures = 0
    sent = 0
    measuring_from = time.perf_counter() + warmup
    stop_at = measuring_from + seconds

    async def connection() -> None:
        nonlocal failures, sent
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while (now := time.perf_counter()) < stop_at:
                writer.write(request)
                async with asyncio.timeout(60):
                    status, _ = await _read_response(reader)
                took = time.perf_counter() - now
                sent += 1
                if now >= measuring_from:
                    latencies.append(took)
                    failures += status != 200
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return LoadResult(len(latencies), seconds, Timing(latencies), failures, sent)
