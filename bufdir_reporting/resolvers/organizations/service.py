"""Organisations: what the principal may see of them."""

from __future__ import annotations

from ...errors import NotFound
from ...models import Organization
from ..base import access
from ..base.context import Context
from ..base.pagination import Page, Window, paginate


async def get_or_raise(ctx: Context, *, organization_id: str) -> Organization:
    """An organisation the caller names: judged on the token's claims first, so another
    organisation is FORBIDDEN whether or not it exists."""
    access.require_read(ctx, organization_id)
    return await _existing(ctx, organization_id)


async def get_for_write(ctx: Context, *, organization_id: str) -> Organization:
    access.require_write(ctx, organization_id)
    return await _existing(ctx, organization_id)


async def _existing(ctx: Context, organization_id: str) -> Organization:
    organization = await ctx.loaders.organization_by_id.load(organization_id)
    if organization is None:
        raise NotFound("organization", organization_id)
    return organization


async def list_(ctx: Context, *, window: Window) -> Page[Organization]:
    """The organisations the principal reads (every one, for an admin or a reviewer)."""
    access.require_authenticated(ctx)
    query = Organization.all().order_by("id")
    if not access.reads_all(ctx.principal):
        query = query.filter(id__in=sorted(ctx.principal.organizations | ctx.principal.below))
    return await paginate(query, window)
