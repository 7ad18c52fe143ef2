"""PostgreSQL connections go back to the pool without asyncpg's reset statement (a round trip
after every statement outside a transaction), and an unfinished transaction is still undone."""

from __future__ import annotations

import pytest
from tortoise.connection import get_connection

from bufdir_reporting.database import PooledConnection


@pytest.fixture
def pool(app, settings):
    if settings.database_dialect != "postgres":
        pytest.skip("asyncpg's pool")
    return get_connection("default")._pool


async def test_a_connection_goes_back_to_the_pool_without_a_reset_statement(pool):
    sent: list[str] = []
    async with pool.acquire() as connection:
        assert isinstance(connection, PooledConnection)
        connection.add_query_logger(lambda record: sent.append(record.query))
        await connection.fetchval("SELECT 1")
    assert sent == ["SELECT 1"]  # with asyncpg's default, "SELECT pg_advisory_unlock_all(); CLOSE ALL; …" followed


async def test_a_transaction_left_open_is_rolled_back_on_release(pool):
    async with pool.acquire() as connection:
        pid = connection.get_server_pid()
        await connection.execute("BEGIN")
        await connection.execute("CREATE TEMP TABLE left_open (n int)")
    async with pool.acquire() as other:
        state = await other.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
        assert state == "idle" or other.get_server_pid() == pid  # not "idle in transaction"
        if other.get_server_pid() == pid:
            assert await other.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
