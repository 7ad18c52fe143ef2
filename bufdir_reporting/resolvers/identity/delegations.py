"""Delegations recorded by an admin: a supplier (a vendor's organisation number) acts for a
consumer with the consumer's Maskinporten scopes. Each change is audited."""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from ...errors import Conflict, InvalidInput, NotFound
from ...models import Delegation
from ..base import access, audit, notify
from ..base.context import Context

ORG_NUMBER = re.compile(r"\d{9}")


def _org_number(value: str, *, field: str) -> str:
    number = value.removeprefix("0192:")
    if not ORG_NUMBER.fullmatch(number):
        raise InvalidInput(
            field=field, message_id="identity.delegations.organisation_number_nine_digits", values={"field": field}
        )
    return number


async def create(ctx: Context, *, supplier_org_number: str, consumer_org_number: str) -> Delegation:
    access.require_admin(ctx)
    supplier = _org_number(supplier_org_number, field="supplier_org_number")
    consumer = _org_number(consumer_org_number, field="consumer_org_number")
    already = Conflict(message_id="identity.delegations.already_acts", values={"supplier": supplier, "consumer": consumer})
    if await Delegation.exists(supplier_org_number=supplier, consumer_org_number=consumer):
        raise already
    async with notify.transaction(ctx):
        try:
            delegation = await Delegation.create(
                supplier_org_number=supplier, consumer_org_number=consumer, created_by=ctx.principal.subject or "unknown"
            )
        except IntegrityError:
            # the same delegation recorded at once by another request (two admins, a double
            # click): its unique index refuses this one, which was a 500 (attacker's review)
            raise already from None
        await audit.record(
            ctx,
            action="delegation.created",
            entity_type="delegation",
            entity_id=str(delegation.id),
            after={"supplier_org_number": supplier, "consumer_org_number": consumer},
        )
    return delegation


async def delete(ctx: Context, *, delegation_id: int) -> Delegation:
    access.require_admin(ctx)
    async with notify.transaction(ctx):
        delegation = await Delegation.select_for_update().get_or_none(id=delegation_id)
        if delegation is None:
            raise NotFound("delegation", str(delegation_id))
        await delegation.delete()
        await audit.record(
            ctx,
            action="delegation.deleted",
            entity_type="delegation",
            entity_id=str(delegation_id),
            before={"supplier_org_number": delegation.supplier_org_number, "consumer_org_number": delegation.consumer_org_number},
        )
    return delegation


async def list_all(ctx: Context) -> list[Delegation]:
    access.require_admin(ctx)
    return await Delegation.all().order_by("id")
