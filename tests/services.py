"""Real PostgreSQL and Redis servers for the tests, started from the Debian binaries.

``BUFDIR_TEST_POSTGRES_URL`` / ``BUFDIR_TEST_REDIS_URL`` point at running servers instead.
Otherwise a throwaway server is started in a temporary directory on a free loopback port.
``initdb`` refuses to run as root, so as root the PostgreSQL server runs as the ``postgres``
user (which Debian's package creates).
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class ServiceUnavailable(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        # a refused connect costs microseconds; at 0.05 s a Redis start waited ~0.05 s longer than
        # it took (20 starts and stops: 2.76 s -> 1.64 s of wall)
        time.sleep(0.005)
    raise ServiceUnavailable(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise ServiceUnavailable(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresProcess:
    """A throwaway PostgreSQL server from the Debian binaries, which a test may stop and start."""

    def __init__(self, extra_options: str = "", *, copy_of: Path | None = None) -> None:
        """A new cluster (``initdb``), or with ``copy_of`` a copy of a stopped one's data directory."""
        self.initdb, self.pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
        self.root = Path(tempfile.mkdtemp(prefix="bufdir-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            f"{extra_options}"
        )
        if copy_of is not None:  # as the server's user: the copy is its, as the server requires
            subprocess.run(_as_postgres_user(["cp", "-a", str(copy_of), str(self.data)]), check=True, capture_output=True)
            return
        subprocess.run(
            _as_postgres_user([self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        subprocess.run(
            _as_postgres_user(
                [self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l", str(self.root / "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )
        _wait_for_port(self.port)

    def stop(self, mode: str = "immediate") -> None:
        """Stopped as a crash by default (what the outage tests mean); ``fast`` checkpoints first."""
        subprocess.run(
            _as_postgres_user([self.pg_ctl, "-D", str(self.data), "-m", mode, "stop"]), check=False, capture_output=True
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The server frozen, not stopped: its postmaster and every process it started get
        SIGSTOP (connections stay open, new ones are accepted by the kernel and never answered,
        as behind a network partition), and SIGCONT on the way out, whatever happened."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        processes = [postmaster, *_children(postmaster)]
        try:
            for pid in processes:
                os.kill(pid, signal.SIGSTOP)
            yield
        finally:
            for pid in processes:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:  # the field after the command's (name)
                found.append(int(entry.name))
    return found


@contextmanager
def postgres_process(extra_options: str = "") -> Iterator[PostgresProcess]:
    server = PostgresProcess(extra_options)
    try:
        server.start()
        yield server
    finally:
        server.remove()


_MIGRATED_CLUSTER: list[PostgresProcess] = []
"""Per process, a stopped cluster whose ``postgres`` database the migrations made."""


@contextmanager
def migrated_postgres_process(extra_options: str = "") -> Iterator[PostgresProcess]:
    """A throwaway server as ``postgres_process``, its ``postgres`` database already migrated: a
    copy of a cluster made and migrated once per process (``initdb`` 1.2 s of CPU and migrating
    3.3 s each time, a copy of its 40 MB 0.4 s), stopped cleanly so the copy holds every commit."""
    if not _MIGRATED_CLUSTER:
        from pydantic import SecretStr

        from bufdir_reporting.config import Settings
        from bufdir_reporting.database import apply_migrations

        made = PostgresProcess()
        atexit.register(shutil.rmtree, made.root, ignore_errors=True)
        try:
            made.start()
            asyncio.run(apply_migrations(Settings(database_url=made.url, token_secret=SecretStr("unused"))))
        finally:
            made.stop("fast")
        _MIGRATED_CLUSTER.append(made)
    server = PostgresProcess(extra_options, copy_of=_MIGRATED_CLUSTER[0].data)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@contextmanager
def postgres_server(extra_options: str = "") -> Iterator[str]:
    """Yield the URL of a PostgreSQL superuser connection (database ``postgres``).
    ``extra_options`` are more ``-c name=value`` server settings (for a started server)."""
    if url := os.environ.get("BUFDIR_TEST_POSTGRES_URL"):
        yield url
        return
    with postgres_process(extra_options) as server:
        yield server.url


class RedisProcess:
    """A throwaway Redis server, which a test may stop and start again on the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise ServiceUnavailable("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def redis_process() -> Iterator[RedisProcess]:
    server = RedisProcess()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def redis_server() -> Iterator[str]:
    if url := os.environ.get("BUFDIR_TEST_REDIS_URL"):
        yield url
        return
    with redis_process() as server:
        yield server.url


def with_database(server_url: str, name: str) -> str:
    head, _, _ = server_url.rpartition("/")
    return f"{head}/{name}"


async def copy_database(server_url: str, template: str, name: str) -> None:
    """A new database ``name``, a copy of ``template`` (``CREATE DATABASE … TEMPLATE``, files copied
    by the server): what a template holds costs a copy, not its migrations and loading again.
    PostgreSQL refuses while anyone is connected to the template, and a client that has just
    closed its connections may still have a backend ending there: tried again for a while."""
    import asyncpg

    connection = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            except asyncpg.ObjectInUseError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await connection.close()
