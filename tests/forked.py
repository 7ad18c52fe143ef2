"""Service processes for tests that need several (replicas): each a process of its own, forked
from a launcher that has imported the app once, instead of an interpreter that imports it again.

A replica is what ``bufdir-reporting serve`` is: ``cli.main(["serve", ...])`` in a process with
its own environment, port, log, event loop and database connections, which SIGTERM stops and
SIGKILL kills. What it does not redo is the import: 2.8 s of CPU per replica on this machine
(the suite starts thirteen), the same bytes each time. The launcher imports before any event
loop, thread or connection exists, so a fork inherits modules and nothing live.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

LAUNCHER = """
import json, os, select, signal, sys

import bufdir_reporting.app  # what serve imports: the app, uvicorn, the pub/sub clients
import bufdir_reporting.cli
import bufdir_reporting.operations
import bufdir_reporting.pubsub_backends
import uvicorn

children = set()


def reap():
    # Each ended child waited for here, so its CPU is counted with this process's (and the suite's).
    for pid in list(children):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            children.discard(pid)


while True:
    ready, _, _ = select.select([sys.stdin], [], [], 0.05)
    reap()
    if not ready:
        continue
    line = sys.stdin.readline()
    if not line:  # the tests are done: nothing of ours outlives them
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        for pid in children:
            os.waitpid(pid, 0)
        break
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.argv = ["bufdir-reporting", *request["args"]]
            status = bufdir_reporting.cli.main(request["args"])
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    children.add(pid)
    sys.stdout.write(f"{pid}\\n")
    sys.stdout.flush()
"""


class Launcher:
    """The launcher process; ``start`` forks a service from it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def start(self, args: list[str], *, env: dict[str, str], log: Path) -> ForkedProcess:
        """``bufdir-reporting ARGS`` with exactly ``env``, its stdout and stderr to ``log``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"args": args, "env": env, "log": str(log), "cwd": os.getcwd()}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer.strip().isdigit(), f"the launcher ended: {self.process.wait()}"
        return ForkedProcess(int(answer))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # it kills what still runs, waits for it and ends
        self.process.wait(timeout=30)


class ForkedProcess:
    """As much of ``subprocess.Popen`` as the tests use, for a process the launcher forked (and
    waits for: its exit status is the launcher's to read, so ``poll`` answers 0 once it ended)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                state = stat.read().rpartition(")")[2].split()[0]
        except FileNotFoundError:
            return 0
        return 0 if state in ("Z", "X") else None  # a zombie has ended; the launcher reaps it shortly

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(0.05)
        return 0

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
