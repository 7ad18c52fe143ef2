"""The organisation tree: umbrella organisations and their branches, regional offices and what
they oversee. ``Organization.parent`` links a branch to its umbrella.

Reading follows the tree down: a token for an organisation reads its descendants too (an
umbrella organisation sees its branches; a reviewer scoped to a regional office sees what is
under it). Writing does not: a token writes only for the organisations its claims name. The
principal's reach is worked out once per request (``reach``), so ``base.access`` stays one
synchronous rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tortoise.connection import get_connection

from ...auth import Principal
from ...models import Organization
from ..base import access
from ..base.ancestry import MAX_DEPTH
from ..base.context import Context
from ..base.pagination import Page, Window, paginate_rows
from ..base.rows import AnyOrganization, OrganizationRow
from ..base.sql import Statement


async def descendants(organization_ids: Iterable[str]) -> frozenset[str]:
    """Every organisation below these, at any depth (not these themselves), in one statement."""
    roots = sorted(set(organization_ids))
    if not roots:
        return frozenset()
    sql = Statement(get_connection("default").capabilities.dialect)
    statement = (
        "WITH RECURSIVE below(id, depth) AS ("
        f"SELECT id, 1 FROM organization WHERE {sql.any_of('parent_id', roots)} "
        f"UNION SELECT o.id, b.depth + 1 FROM organization o JOIN below b ON o.parent_id = b.id WHERE b.depth < {MAX_DEPTH}"
        ") SELECT DISTINCT id FROM below"
    )
    _, rows = await get_connection("default").execute_query(statement, sql.params)
    return frozenset(str(row["id"]) for row in rows) - set(roots)


async def subtree(organization_id: str) -> list[str]:
    """The organisation and every one below it, sorted."""
    return sorted({organization_id, *await descendants([organization_id])})


async def reach(principal: Principal) -> Principal:
    """``principal`` with the organisations it reads through the tree (``Principal.below``)."""
    if not principal.organizations or access.reads_all(principal):
        return principal
    below = await descendants(principal.organizations)
    reviews = principal.reviews
    if reviews:  # a reviewer scoped to a subtree reviews what is under it, not under the others
        reviews |= below if reviews == principal.organizations else await descendants(reviews)
    return replace(principal, below=below, reviews=reviews) if below else principal


async def ancestors(ctx: Context, *, organization: AnyOrganization) -> list[OrganizationRow]:
    """The organisations above one, nearest first, that the caller may read."""
    found: list[OrganizationRow] = []
    seen = {organization.id}
    parent_id = organization.parent_id
    while parent_id is not None and parent_id not in seen and len(found) < MAX_DEPTH:
        seen.add(parent_id)
        parent = await ctx.loaders.organization_by_id.load(parent_id)
        if parent is None:
            break
        found.append(parent)
        parent_id = parent.parent_id
    return [o for o in found if access.can_read(ctx.principal, o.id)]


async def children(ctx: Context, *, organization: AnyOrganization, window: Window) -> Page[OrganizationRow]:
    """The organisations directly below one (all readable to whoever reads it)."""
    access.require_read(ctx, organization.id)
    return await paginate_rows(Organization.filter(parent_id=organization.id).order_by("id"), window, OrganizationRow)
