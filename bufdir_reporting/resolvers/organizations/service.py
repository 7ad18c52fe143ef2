"""Organisations: what the principal may see of them."""

from __future__ import annotations

from ...errors import NotFound
from ...models import Organization
from ..base.context import Context
from ..base.pagination import Page, Window, paginate


async def get_or_raise(ctx: Context, *, organization_id: str) -> Organization:
    ctx.principal.require_organization(organization_id)
    organization = await ctx.loaders.organization_by_id.load(organization_id)
    if organization is None:
        raise NotFound("organization", organization_id)
    return organization


async def list_(ctx: Context, *, window: Window) -> Page[Organization]:
    """The organisations the principal acts for (every one, for an admin)."""
    ctx.principal.require_authenticated()
    query = Organization.all().order_by("id")
    if not ctx.principal.is_admin:
        query = query.filter(id__in=sorted(ctx.principal.organizations))
    return await paginate(query, window)
