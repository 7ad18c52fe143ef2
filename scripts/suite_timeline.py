"""Where the suite's time goes, per test: a pytest plugin that writes, for each phase of each
test (setup, call, teardown), its wall time, the process's own CPU and the CPU of the
subprocesses it reaped, one JSON line each, to a file per xdist worker. A test's wait is its wall
less both: sleeps, polls, timeouts, and the shared PostgreSQL server's work (the server is the
controller's child, so a worker sees its CPU as waiting). This found the sixth session's waits
(issue #36: a Digdir server per test waited 0.5 s at each shutdown).

    PYTHONPATH=scripts BUFDIR_REQUIRE_SERVICES=1 .venv/bin/python -m pytest -p suite_timeline -n 3 --dist=loadgroup -q
    python scripts/suite_timeline.py            # per file: wall, own CPU, children's CPU, wait

The lines go to ``$SUITE_TIMELINE_DIR`` (default ``/tmp/suite-timeline``). Measure on a quiet
machine: under load the waits are the neighbours'.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

DIRECTORY = Path(os.environ.get("SUITE_TIMELINE_DIR", "/tmp/suite-timeline"))
_out: IO[str] | None = None


def _write(record: dict[str, Any]) -> None:
    global _out
    if _out is None:
        DIRECTORY.mkdir(parents=True, exist_ok=True)
        _out = (DIRECTORY / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl").open("w", buffering=1)
    _out.write(json.dumps(record) + "\n")


def _children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _measured(phase: str, item: pytest.Item) -> Iterator[None]:
    wall, cpu, children = time.time(), time.process_time(), _children()
    yield
    _write(
        {
            "test": item.nodeid,
            "phase": phase,
            "wall": time.time() - wall,
            "cpu": time.process_time() - cpu,
            "children": _children() - children,
        }
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _measured("setup", item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _measured("call", item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield from _measured("teardown", item)


def summary(directory: Path = DIRECTORY, shown: int = 40) -> None:
    """Per test file, summed over its tests and phases, the files taking most wall first."""
    files: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for path in directory.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            measured = files[record["test"].split("::")[0]]
            for key in ("wall", "cpu", "children"):
                measured[key] += record[key]
    print(f"{'wall':>8} {'own CPU':>8} {'children':>8} {'wait':>8}  file")
    for name, measured in sorted(files.items(), key=lambda item: -item[1]["wall"])[:shown]:
        wait = measured["wall"] - measured["cpu"] - measured["children"]
        print(f"{measured['wall']:8.1f} {measured['cpu']:8.1f} {measured['children']:8.1f} {wait:8.1f}  {name}")


if __name__ == "__main__":
    summary(Path(sys.argv[1]) if len(sys.argv) > 1 else DIRECTORY)
