"""Starting S11's peer: where PostGraphile 5 and the Node 22 it needs are installed (bench/peer,
from the npm registry), what is missing to run them, the read-only role it connects as and the
command that starts it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..environment import Env

PEER = Path(__file__).resolve().parent.parent / "peer"
NODE = PEER / "node_modules" / "node" / "bin" / "node"
POSTGRAPHILE = PEER / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
ROLE = "bench_peer"


def missing() -> str | None:
    """What is missing to run the peer, in one line, or None."""
    if not NODE.exists() or not POSTGRAPHILE.exists():
        npm = "npm ci in bench/peer (make bench does it)" if shutil.which("npm") else "npm (apt-get install npm)"
        return f"S11 skipped: PostGraphile 5 and Node 22 are not installed under bench/peer; needs {npm}"
    return None


async def read_only_url(env: Env) -> str:
    """A login role that may only SELECT (and whose transactions are read-only) on the bench
    database, as the peer's connection URL."""
    connection = await env.connect()
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ROLE)
        if not exists:
            await connection.execute(f"CREATE ROLE {ROLE} LOGIN")
        database = await connection.fetchval("SELECT current_database()")
        await connection.execute(f"ALTER ROLE {ROLE} SET default_transaction_read_only = on")
        await connection.execute(f"GRANT CONNECT ON DATABASE {database} TO {ROLE}")
        await connection.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        await connection.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE}")
    finally:
        await connection.close()
    scheme, rest = env.database_url.split("://", 1)
    return f"{scheme}://{ROLE}@{rest.split('@', 1)[1]}"


def command(url: str) -> tuple[list[str], dict[str, str]]:
    """PostGraphile's command line (``{port}``: where the bench has it listen) and environment,
    reading the database at ``url``."""
    environment = {
        "PATH": f"{NODE.parent}:{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "BENCH_PEER_DATABASE_URL": url,
        "GRAPHILE_ENV": "production",
        "NODE_ENV": "production",
    }
    return [str(NODE), str(POSTGRAPHILE), "-C", str(PEER / "graphile.config.mjs"), "-p", "{port}"], environment
