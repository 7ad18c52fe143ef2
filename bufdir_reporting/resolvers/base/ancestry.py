"""Which organisations lie above others in the organisation tree, in one statement: what an
activity write (``invalidation``) and a period's lock (``periods.lock``) ask of the tree, kept
here, below both, since the tree's use cases (``organizations.tree``) read through base."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.connection import get_connection

from .sql import Statement

MAX_DEPTH = 16
"""Levels followed down or up: Bufdir's tree has three (directorate, region, office); the bound
keeps a parent cycle written around the service from running for ever."""


async def above(organization_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Every organisation above each of these, at any depth, in one statement (those with none
    are left out)."""
    starts = sorted(set(organization_ids))
    if not starts:
        return {}
    sql = Statement(get_connection("default").capabilities.dialect)
    statement = (
        "WITH RECURSIVE up(id, ancestor, depth) AS ("
        f"SELECT id, parent_id, 1 FROM organization WHERE {sql.any_of('id', starts)} AND parent_id IS NOT NULL "
        "UNION SELECT u.id, o.parent_id, u.depth + 1 FROM organization o JOIN up u ON o.id = u.ancestor "
        f"WHERE o.parent_id IS NOT NULL AND u.depth < {MAX_DEPTH}"
        ") SELECT DISTINCT id, ancestor FROM up"
    )
    _, rows = await get_connection("default").execute_query(statement, sql.params)
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(str(row["id"]), set()).add(str(row["ancestor"]))
    return {org: frozenset(ancestors - {org}) for org, ancestors in found.items() if ancestors - {org}}
