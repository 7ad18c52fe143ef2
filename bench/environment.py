"""What every scenario gets: the services, the loaded database, the app (lifespan running in this
process) and ways to start the service as a separate ``serve`` process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI

from bufdir_reporting.auth import Principal, issue_token
from bufdir_reporting.config import Settings
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.schema.context import GraphQLContext
from tests.services import free_port

from .dataset import Dataset

SECRET = "bench-secret-not-for-production-0123456789"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Env:
    dataset: Dataset
    quick: bool
    runs: int
    server_url: str  # PostgreSQL superuser URL, database "postgres"
    database_url: str  # the benchmark database
    redis_url: str
    settings: Settings
    app: FastAPI
    stat_statements: bool
    progress: Callable[[str], None]
    scale_to: int | None = None  # S4: grow the activities to this many and measure again
    var_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bufdir-bench-")))

    @property
    def admin(self) -> Principal:
        return Principal(subject="bench-admin", roles=frozenset({"admin"}))

    def token(self, *organizations: str, admin: bool = False) -> str:
        return issue_token(self.settings, subject="bench", organizations=list(organizations), admin=admin)

    def context(self, principal: Principal | None = None, *, settings: Settings | None = None) -> GraphQLContext:
        """A fresh request context (new loaders), as the app makes one per request; ``settings``
        other than the bench's (``harness.response_cache_on``)."""
        base = Context(
            settings=settings or self.settings,
            principal=principal or self.admin,
            jobs=self.app.state.jobs,
            events=self.app.state.events,
        )
        return GraphQLContext.wrap(base)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://bench")

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.database_url)

    async def statements_executed(self) -> int | None:
        """Statements PostgreSQL executed in the benchmark database (pg_stat_statements)."""
        if not self.stat_statements:
            return None
        connection = await self.connect()
        try:
            return await connection.fetchval(
                "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                "WHERE d.datname = current_database() AND s.query NOT ILIKE '%pg_stat_statements%' "
                # asyncpg resets a connection it takes back into its pool with these four
                "AND s.query NOT IN ('RESET ALL', 'SELECT pg_advisory_unlock_all()', 'CLOSE ALL', 'UNLISTEN *') "
                # the event relay reads the log's newest rows every second, whatever changes (not per change)
                """AND s.query NOT ILIKE 'SELECT %FROM "event_log"%'"""
            )
        finally:
            await connection.close()

    def service_environment(self, **overrides: str) -> dict[str, str]:
        return {
            **os.environ,
            "BUFDIR_DATABASE_URL": self.database_url,
            "BUFDIR_BROADCAST_URL": self.redis_url,
            "BUFDIR_TOKEN_SECRET": SECRET,
            "BUFDIR_VAR_DIR": str(self.var_dir),
            "BUFDIR_MAX_PAGE_SIZE": "1000",
            "BUFDIR_GRAPHQL_MAX_COST": "10000000",
            "BUFDIR_SUBSCRIBER_QUEUE_SIZE": "10000",
            **overrides,
        }

    @asynccontextmanager
    async def process(self, command: list[str], *, env: dict[str, str] | None = None) -> AsyncIterator[tuple[str, int]]:
        """Run a server command (``{port}`` is replaced) until the block ends; yields
        (host:port, pid)."""
        port = free_port()
        argv = [part.replace("{port}", str(port)) for part in command]
        # The server's log goes to a file: an unread pipe fills up and blocks the server.
        log = self.var_dir / f"server-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv, env=env or self.service_environment(), cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            await wait_until_serving(port, process, log)
            yield f"127.0.0.1:{port}", process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def serve(self) -> list[str]:
        return [str(Path(sys.executable).with_name("bufdir-reporting")), "serve", "--no-migrate", "--port", "{port}"]

    def uvicorn(self, target: str) -> list[str]:
        return [sys.executable, "-m", "uvicorn", target, "--port", "{port}", "--log-level", "warning", "--no-access-log"]


async def wait_until_serving(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if response.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing served on port {port} after {timeout}s")


def pid_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")
