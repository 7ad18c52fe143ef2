"""``python -m bench``: start PostgreSQL and Redis (unless given), load the data, run the scenarios,
print the table and write bench/results.json. See bench/README.md.

    python -m bench                       # 200 organisations x 12 quarters, 1,000,000 activities
    python -m bench --quick               # small data, every scenario, a smoke test
    python -m bench --grow-to 10000000    # S4 also on 10M activities, against its 1M figure
    python -m bench --only S1,S4          # some scenarios

``BUFDIR_BENCH_POSTGRES_URL`` (a superuser URL) and ``BUFDIR_BENCH_REDIS_URL`` use running servers.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time

import asyncpg
from asgi_lifespan import LifespanManager

from bufdir_reporting.app import create_app
from bufdir_reporting.config import Settings
from bufdir_reporting.database import apply_migrations
from tests.services import postgres_server, redis_server, with_database

from . import dataset as data
from .environment import SECRET, Env
from .harness import Row, run, table, write_results
from .scenarios import SCENARIOS

DATABASE = "bufdir_bench"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data and few runs (a smoke test)")
    parser.add_argument("--activities", type=int, help="activities to generate (default 1,000,000; quick 20,000)")
    parser.add_argument("--organizations", type=int, help="organisations (default 200; quick 20)")
    parser.add_argument("--runs", type=int, help="measured runs per comparison (default 15; quick 5)")
    parser.add_argument(
        "--grow-to", type=int, metavar="N", help="S4 also measures after growing the activities to N (e.g. 10000000)"
    )
    parser.add_argument("--only", help="comma-separated scenarios, e.g. S1,S4")
    return parser.parse_args()


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextlib.contextmanager
def services() -> object:
    postgres_url = os.environ.get("BUFDIR_BENCH_POSTGRES_URL")
    redis_url = os.environ.get("BUFDIR_BENCH_REDIS_URL")
    with contextlib.ExitStack() as stack:
        if postgres_url is None:
            say("starting PostgreSQL (with pg_stat_statements)")
            postgres_url = stack.enter_context(
                postgres_server(
                    "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all "
                    "-c shared_buffers=512MB -c work_mem=32MB"
                )
            )
        if redis_url is None:
            say("starting Redis")
            redis_url = stack.enter_context(redis_server())
        yield postgres_url, redis_url


async def fresh_database(server_url: str) -> tuple[str, bool]:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await connection.close()
    url = with_database(server_url, DATABASE)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await connection.fetchval("SELECT COUNT(*) FROM pg_stat_statements")
        statements = True
    except asyncpg.PostgresError:
        statements = False  # a given server without the library preloaded
    finally:
        await connection.close()
    return url, statements


async def main() -> int:
    args = arguments()
    quick = args.quick
    dataset = data.Dataset(
        organizations=args.organizations or (20 if quick else 200),
        activities=args.activities or (20_000 if quick else 1_000_000),
    )
    runs = args.runs or (5 if quick else 15)
    wanted = {s.strip().upper() for s in args.only.split(",")} if args.only else set(SCENARIOS)
    unknown = wanted - set(SCENARIOS)
    if unknown:
        print(f"unknown scenarios: {', '.join(sorted(unknown))} (known: {', '.join(SCENARIOS)})", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    rows: list[Row] = []
    with services() as (server_url, redis_url):
        database_url, stat_statements = await fresh_database(server_url)
        settings = Settings(
            database_url=database_url,
            broadcast_url=redis_url,
            token_secret=SECRET,
            max_page_size=1000,
            graphql_max_cost=10_000_000,
            subscriber_queue_size=10_000,
            database_pool_max=20,
            response_cache_mb=0,  # the in-process scenarios measure computing an answer; S7 measures the cache
            # the in-process scenarios are long work (S4 at 10M, whole loads), not requests: the
            # request budget would cut them where a served process would not be asked for them
            database_timeout_seconds=3600,
        )
        await apply_migrations(settings)
        app = create_app(settings)
        async with LifespanManager(app):
            env = Env(
                dataset,
                quick,
                runs,
                server_url,
                database_url,
                redis_url,
                settings,
                app,
                stat_statements,
                say,
                scale_to=args.grow_to,
            )
            connection = await env.connect()
            try:
                say(f"loading {dataset.describe()}")
                seconds = await data.load(connection, dataset, say)
                say(f"data loaded in {seconds:.0f}s")
            finally:
                await connection.close()
            for name, scenario in SCENARIOS.items():
                if name not in wanted:
                    continue
                say(f"{name}: {scenario.__doc__.splitlines()[0] if scenario.__doc__ else ''}")
                started = time.perf_counter()
                found = await scenario(env)
                rows += found
                say(f"{name} done in {time.perf_counter() - started:.0f}s\n{table(found)}")
    print()
    print(table(rows))
    write_results(rows, dataset=dataset.describe() | {"quick": quick, "runs": runs})
    say("wrote bench/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
