"""Measuring and reporting: repeated timed runs, percentiles, one result row per comparison,
the printed table and ``bench/results.json``.

A comparison runs ours and its baseline alternately (ours, baseline, ours, ...) after the same
warm-up, so drift of the machine hits both alike; the ratio is ours / baseline of the chosen
statistic (p50 unless a scenario says otherwise).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from tests.statements import counting_statements  # noqa: F401  (re-exported for the scenarios)

if TYPE_CHECKING:
    from bufdir_reporting.config import Settings

    from .environment import Env

RESULTS = Path(__file__).with_name("results.json")


async def buffers(connection: asyncpg.Connection, query: str, *args: object) -> tuple[int, int]:
    """(pages found in PostgreSQL's shared buffers, pages it had to read in) for one run of ``query``:
    how much of what it reads was already in memory (S4: why the bare query itself grows faster
    than the data)."""
    plan = await connection.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}", *args)
    top = json.loads(plan)[0]["Plan"]
    return top["Shared Hit Blocks"], top["Shared Read Blocks"]


@asynccontextmanager
async def served(env: Env, *, baseline: str | None = None, **environment: str) -> AsyncIterator[tuple[str, int]]:
    """The service (``serve``: one uvicorn worker), or with ``baseline`` the bare app
    ``bench.baselines:<baseline>``, as a process of its own on loopback until the block ends, with
    the bench's environment and ``environment`` over it (``BUFDIR_RESPONSE_CACHE_MB="0"``, a
    baseline's ``BENCH_…``). Yields (host:port, pid)."""
    command = env.serve() if baseline is None else [*env.uvicorn(f"bench.baselines:{baseline}"), "--factory"]
    async with env.process(command, env=env.service_environment(**environment)) as address_and_pid:
        yield address_and_pid


@contextmanager
def response_cache_on(env: Env, megabytes: int) -> Iterator[Settings]:
    """The in-process service with its response cache on (the bench runs it off, so the other
    scenarios compute every read): the app's cache holds up to ``megabytes`` until the block ends,
    and the settings yielded say so to a context made with them (``env.context(settings=…)``,
    where the worklist holds the organisations' history)."""
    cache = env.app.state.response_cache
    cache.max_bytes = megabytes * 2**20
    try:
        yield env.settings.model_copy(update={"response_cache_mb": megabytes})
    finally:
        cache.max_bytes = 0


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    def summary(self) -> dict[str, float]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "runs": len(self.samples)}


async def timed(run: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def compare(
    ours: Callable[[], Awaitable[Any]],
    baseline: Callable[[], Awaitable[Any]],
    *,
    runs: int,
    warmup: int = 2,
) -> tuple[Timing, Timing]:
    """Run both ``warmup`` times unmeasured, then ``runs`` times each, alternating."""
    for _ in range(warmup):
        await ours()
        await baseline()
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(await timed(ours))
        theirs.append(await timed(baseline))
    return Timing(mine), Timing(theirs)


async def repeat(run: Callable[[], Awaitable[Any]], *, runs: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        await run()
    return Timing([await timed(run) for _ in range(runs)])


@dataclass
class Row:
    """One line of the table. ``ours``/``baseline`` are numbers in ``unit``; ``ratio`` is
    ours/baseline (or None when the row has no baseline); ``verdict`` is pass, FAIL or info."""

    scenario: str
    name: str
    ours: float | None
    baseline: float | None
    unit: str
    goal: str
    verdict: str
    ratio: float | None = None
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def judged(
    scenario: str,
    name: str,
    *,
    ours: float,
    baseline: float,
    unit: str,
    limit: float | None,
    notes: str = "",
    details: dict[str, Any] | None = None,
    higher_is_better: bool = False,
) -> Row:
    """A row whose verdict is ratio <= limit (ours/baseline; inverted for throughputs)."""
    ratio = (baseline / ours if higher_is_better else ours / baseline) if ours and baseline else None
    goal = f"<= {limit:g}x" if limit is not None else "recorded"
    if limit is None or ratio is None:
        verdict = "info"
    else:
        verdict = "pass" if ratio <= limit else "FAIL"
    return Row(scenario, name, ours, baseline, unit, goal, verdict, ratio, notes, details or {})


def checked(
    scenario: str,
    name: str,
    *,
    value: float,
    unit: str,
    goal: str,
    ok: bool,
    notes: str = "",
    details: dict[str, Any] | None = None,
) -> Row:
    return Row(scenario, name, value, None, unit, goal, "pass" if ok else "FAIL", None, notes, details or {})


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table(rows: list[Row]) -> str:
    header = ("scenario", "measure", "ours", "baseline", "unit", "ratio", "goal", "verdict")
    lines = [
        (
            r.scenario,
            r.name,
            _number(r.ours),
            _number(r.baseline),
            r.unit,
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
            r.goal,
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in lines]
    notes = [f"  {r.scenario} {r.name}: {r.notes}" for r in rows if r.notes]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def write_results(rows: list[Row], *, dataset: dict[str, Any], path: Path = RESULTS) -> None:
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "dataset": dataset,
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def run(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """``main`` to its exit status; a missing server program (PostgreSQL, redis-server) is said in
    one line naming what to install, not a traceback."""
    from tests.services import ServiceUnavailable

    try:
        return asyncio.run(main())
    except ServiceUnavailable as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
