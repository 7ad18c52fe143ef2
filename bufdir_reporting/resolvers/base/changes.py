"""What changed, by the part of the data it changed: the versions the response cache keys on.

Every write through the service leaves an audit entry in its transaction, and every change the
background makes leaves an event (``notify``); both also write a ``data_change`` row here, in the
same transaction, under the **scope** of what they changed:

- ``org:<id>`` — one organisation's own data (activities, values, snapshots, notes, records,
  submissions, and the events about them). It is written for the organisation **and every one
  above it**: an organisation's rolled-up figures and any read of its subtree include what
  changed below it, so a read of one organisation depends on its own scope alone.
- ``import:<id>`` — an uploaded import's own progress (read only by the import's readers).
- ``*`` — everything else: the structure, the organisation tree, forms, rules, translations,
  people, delegations, mappings. What is not known to be one organisation's is ``*``, so a new
  kind of write is seen by every cached read until someone classifies it.

A scope's version is its newest id (``newest``); the version of *everything* is the newest id of
any scope, so a read that names no scope (``EVERYTHING``) sees any write, as before.

**A write in flight.** Ids are taken in the order writes record, not the order they commit: a
write that took its id, then a later write to the same scope that commits first, and a read
between the two commits sees the later id without the first write's change, a version the
first commit does not move (on PostgreSQL; SQLite lets one writer at a time). So on PostgreSQL
a write holds a shared transaction lock on each scope it records (``LOCK_CLASS``: a lock per
bucket of scopes, one for ``*``, one for everything) from before its id is taken until it
commits, and the version read tries each scope's lock: a scope whose lock is held is
*unsettled* (``Versions``), and an answer read under it is sent but not kept. Readers never
wait for writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tortoise.connection import get_connection

from .ancestry import MAX_DEPTH
from .sql import Statement

EVERYTHING = ""
"""The scope every write moves: what a read depends on when it cannot say what it reads."""
SHARED = "*"

ORGANISATION_DATA = frozenset({"activity", "field_value", "snapshot", "value_note", "report_record", "submission"})
"""Audit entity types whose change is their organisation's data and nothing else's. A
delegation, a person or a mapping names an organisation too, but changes who may read what:
``*``."""

PRUNE_EVERY = 500
_written = 0

LOCK_CLASS = 0x62756672
"""The advisory-lock class (the first key) of the scopes' locks: ``bufr``; the service takes no
other advisory lock."""
LOCK_BUCKETS = 128
"""Organisations' and imports' scopes share this many locks (by hash); ``*`` has one of its own
(``LOCK_BUCKETS + 1``), every write takes the one for everything (``LOCK_BUCKETS``). A write
across many organisations (an import) holds at most 130 locks, well within PostgreSQL's lock
table, at the price of a read sometimes unsettled by a write to another organisation of its
bucket; ``*`` shares none, so a read of one organisation is unsettled by an import elsewhere
only where their buckets meet."""


def _lock_key(scope: str) -> str:
    """The second key of the lock of the scope in the SQL expression ``scope``."""
    return f"(CASE WHEN {scope} = '{SHARED}' THEN {LOCK_BUCKETS + 1} ELSE hashtext({scope}) & {LOCK_BUCKETS - 1} END)"


class Versions(dict[str, int | None]):
    """The version of each scope asked about, and those unsettled: a write that records it was
    in flight when they were read (its commit may not move the version: not to be kept)."""

    unsettled: frozenset[str] = frozenset()


def organization_scope(organization_id: str) -> str:
    return f"org:{organization_id}"


def import_scope(import_id: str) -> str:
    return f"import:{import_id}"


def of_audit(entity_type: str, organization_id: str | None) -> tuple[str | None, str | None]:
    """(organisation, other scope) of an audit entry: exactly one is set."""
    if organization_id and entity_type in ORGANISATION_DATA:
        return organization_id, None
    return None, SHARED


def of_event(event: object) -> tuple[str | None, str | None]:
    """(organisation, other scope) of an event: an organisation's if it names one, an import's
    own progress under its import, anything else shared."""
    organization_id = getattr(event, "organization_id", None)
    if isinstance(organization_id, str) and organization_id:
        return organization_id, None
    if getattr(event, "event", None) == "activity_import_progress":
        return None, import_scope(event.import_id)  # type: ignore[attr-defined]  # an ActivityImportProgress
    return None, SHARED


async def record(pairs: Iterable[tuple[str | None, str | None]]) -> None:
    """Write the scopes of these changes in one statement, in the caller's transaction: each
    organisation's with those above it, and the other scopes as they are."""
    global _written
    changes = list(pairs)
    organizations = sorted({org for org, _ in changes if org})
    others = sorted({other for _, other in changes if other})
    if not organizations and not others:
        return
    connection = get_connection("default")
    sql = Statement(connection.capabilities.dialect)
    selects = [f"SELECT {sql.bind(scope)} AS scope" for scope in others]
    prefix = ""
    if organizations:
        given = sql.any_of("id", organizations)
        selects += [f"SELECT {sql.bind(organization_scope(org))} AS scope" for org in organizations]
        prefix = (
            "WITH RECURSIVE up(id, depth) AS ("
            f"SELECT parent_id, 1 FROM organization WHERE {given} AND parent_id IS NOT NULL "
            "UNION SELECT o.parent_id, u.depth + 1 FROM organization o JOIN up u ON o.id = u.id "
            f"WHERE o.parent_id IS NOT NULL AND u.depth < {MAX_DEPTH}) "
        )
        selects.append("SELECT 'org:' || id AS scope FROM up")
    changed = f"SELECT DISTINCT scope FROM ({' UNION '.join(selects)}) AS changed"
    if sql.dialect == "postgres":  # held until commit, taken before the ids (see "A write in flight")
        changed = (
            f"SELECT c.scope FROM ({changed}) AS c CROSS JOIN LATERAL (SELECT "
            f"pg_advisory_xact_lock_shared({LOCK_CLASS}, {_lock_key('c.scope')}), "
            f"pg_advisory_xact_lock_shared({LOCK_CLASS}, {LOCK_BUCKETS})) AS held"
        )
    await connection.execute_query(f"{prefix}INSERT INTO data_change (scope) {changed}", sql.params)
    _written += 1
    if _written % PRUNE_EVERY == 0:
        # Only rows below their scope's newest go: no scope's version ever moves back.
        await connection.execute_query(
            "DELETE FROM data_change WHERE id < (SELECT MAX(d.id) FROM data_change d WHERE d.scope = data_change.scope)"
        )


async def newest(scopes: Sequence[str]) -> Versions:
    """The version of each scope (``EVERYTHING``: of any) in one statement, each an index-only
    read of one end of the ``(scope, id)`` index; on PostgreSQL with whether a write recording
    it is in flight (its lock tried, not waited for, and let go when the statement ends)."""
    connection = get_connection("default")
    sql = Statement(connection.capabilities.dialect)
    columns = []
    for n, scope in enumerate(scopes):
        bound = None if scope == EVERYTHING else sql.bind(scope)
        columns.append(f"(SELECT MAX(id) FROM data_change{'' if bound is None else f' WHERE scope = {bound}'}) AS v{n}")
        if sql.dialect == "postgres":
            key = str(LOCK_BUCKETS) if bound is None else _lock_key(f"{bound}::text")
            columns.append(f"pg_try_advisory_xact_lock({LOCK_CLASS}, {key}) AS s{n}")
    _, rows = await connection.execute_query(f"SELECT {', '.join(columns)}", sql.params)
    row = rows[0]
    versions = Versions({scope: (None if row[f"v{n}"] is None else int(row[f"v{n}"])) for n, scope in enumerate(scopes)})
    if sql.dialect == "postgres":
        versions.unsettled = frozenset(scope for n, scope in enumerate(scopes) if not row[f"s{n}"])
    return versions
