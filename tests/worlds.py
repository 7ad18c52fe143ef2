"""Worlds: the rows a test starts from, built once per database and worker, restored for each
test after the first (``restored``).

A world (the report structure, ``factories.make_reporting_world``, the demo's 4,000 activities)
was built again before every test that asked for it, row by row through the ORM: the demo's
4,000 activities took 0.5 s of CPU on SQLite and seconds of wall on PostgreSQL per test. Here the
first test that asks builds it as before, on the emptied tables its app fixture left; its rows,
every table's, are then kept in memory, and every later test gets them back in one transaction:
every table emptied and the kept rows written again (PostgreSQL's binary COPY, SQLite's
``executemany``). Each test starts from exactly the rows the build left, whatever the tests
before it wrote or deleted (tests/test_live_fixtures.py shows it), with the same ids each time
(sequences are not moved back: a row a test adds gets a new id, as it did).

What a process keeps besides the tables is renewed as for any test (``live.SharedApp.lend``,
the structure cache here); a world is therefore only rows: built through the ORM or the app's
own requests (an aggregation, its jobs waited for), it leaves no files, no job running, no
subscriber.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from tortoise import Tortoise

from bufdir_reporting.resolvers.base import revision

T = TypeVar("T")


@dataclass(frozen=True)
class Rows:
    """One table's kept rows: its columns, in the order of each row's values."""

    table: str
    columns: tuple[str, ...]
    values: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Kept:
    rows: list[Rows]
    answer: Any
    """What the build returned (ids a test names: a snapshot's id), given again with its rows."""


_KEPT: dict[tuple[str, str], Kept] = {}
"""Per database (its URL) and world: the rows the build left, table by table, and its answer."""


async def restored(database_url: str, name: str, build: Callable[[], Awaitable[T]]) -> T:
    """The tables as ``build`` leaves them from emptied ones, and what it returned: built by the
    first test of the worker that asks on this database, then restored from the kept rows. What
    it returns is given to every test: ids and strings, never a model instance or anything else a
    test could change for the next. ``name`` names the world in the whole suite."""
    key = (database_url, name)
    if key in _KEPT:
        kept = _KEPT[key]
        await _restore(kept.rows)
    else:
        answer = await build()
        kept = _KEPT[key] = Kept(rows=await _rows(), answer=answer)
    revision.clear()  # the structure cache is per process: a test before may have changed the structure
    return cast(T, kept.answer)


def _tables() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]


def _postgres() -> bool:
    return bool(Tortoise.get_connection("default").capabilities.dialect == "postgres")


async def _rows() -> list[Rows]:
    db = Tortoise.get_connection("default")
    kept = []
    async with db.acquire_connection() as connection:
        for table in _tables():
            if _postgres():
                records = await connection.fetch(f'SELECT * FROM "{table}"')
                if records:
                    kept.append(Rows(table, tuple(records[0].keys()), [tuple(r.values()) for r in records]))
            else:
                cursor = await connection.execute(f'SELECT * FROM "{table}"')
                rows = await cursor.fetchall()
                if rows:
                    columns = tuple(column[0] for column in cursor.description)
                    kept.append(Rows(table, columns, [tuple(row) for row in rows]))
                await cursor.close()
    return kept


async def _restore(kept: list[Rows]) -> None:
    """Every table emptied and the kept rows written back, in one transaction; references and
    triggers (the audit log's append-only one) are not checked meanwhile, as ``live.empty_tables``
    empties them."""
    db = Tortoise.get_connection("default")
    deletes = "".join(f'DELETE FROM "{table}";' for table in _tables())
    async with db.acquire_connection() as connection:
        if _postgres():
            async with connection.transaction():
                await connection.execute(f"SET LOCAL session_replication_role = replica;{deletes}")
                for rows in kept:
                    await connection.copy_records_to_table(rows.table, records=rows.values, columns=list(rows.columns))
        else:  # SQLite: foreign_keys cannot change inside a transaction; executescript commits first
            await connection.executescript(f"PRAGMA foreign_keys = OFF;BEGIN;{deletes}")
            try:
                for rows in kept:
                    names = ", ".join(f'"{column}"' for column in rows.columns)
                    marks = ", ".join("?" for _ in rows.columns)
                    await connection.executemany(f'INSERT INTO "{rows.table}" ({names}) VALUES ({marks})', rows.values)
                await connection.execute("COMMIT")
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            finally:
                await connection.execute("PRAGMA foreign_keys = ON")
