"""Organisations: what the principal may see of them."""

from __future__ import annotations

from ...errors import NotFound
from ...models import Organization
from ..base import access
from ..base.context import Context
from ..base.pagination import Page, Window, paginate_rows
from ..base.rows import OrganizationRow


async def get_or_raise(ctx: Context, *, organization_id: str) -> OrganizationRow:
    """An organisation the caller names: judged on the token's claims first, so another
    organisation is FORBIDDEN whether or not it exists."""
    access.require_read(ctx, organization_id)
    return await _existing(ctx, organization_id)


async def get_for_write(ctx: Context, *, organization_id: str) -> OrganizationRow:
    """Judged as a write; what writers take of it is its columns (nothing saves an organisation
    read here), so a plain row as well."""
    access.require_write(ctx, organization_id)
    return await _existing(ctx, organization_id)


async def _existing(ctx: Context, organization_id: str) -> OrganizationRow:
    organization = await ctx.loaders.organization_by_id.load(organization_id)
    if organization is None:
        raise NotFound("organization", organization_id)
    return organization


async def list_(ctx: Context, *, window: Window) -> Page[OrganizationRow]:
    """The organisations the principal reads (every one, for an admin or a reviewer)."""
    access.require_authenticated(ctx)
    query = Organization.all().order_by("id")
    if not access.reads_all(ctx.principal):
        query = query.filter(id__in=sorted(ctx.principal.organizations | ctx.principal.below))
    return await paginate_rows(query, window, OrganizationRow)
