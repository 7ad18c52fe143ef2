"""National identities' mapping, managed by an admin: delegations from Maskinporten consumers
to the suppliers acting for them, and ID-porten people's assignments to organisations."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from .. import models
from ..errors import InvalidInput
from ..resolvers.base import ids
from ..resolvers.identity import delegations, people
from .context import Info
from .node import node_of, public_key_or_none

strawberry.enum(
    models.PersonRole,
    name="PersonRole",
    description="What a person assigned to an organisation does there.",
)


@strawberry.type(
    name="Delegation", description="A supplier (a vendor) acts for a consumer with the consumer's Maskinporten scopes."
)
class DelegationType:
    id: strawberry.ID = strawberry.field(
        resolver=lambda root: strawberry.ID(str(root.id)), description="The delegation's number."
    )
    supplier_org_number: str = strawberry.field(description="The supplier's organisation number (nine digits).")
    consumer_org_number: str = strawberry.field(description="The consumer's organisation number (nine digits).")
    created_by: str = strawberry.field(description="Who recorded it.")
    created_at: datetime.datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.Delegation))


@strawberry.type(
    name="PersonAssignment", description="A person (logged in through ID-porten) acts for an organisation in a role."
)
class PersonAssignmentType:
    id: strawberry.ID = strawberry.field(
        resolver=lambda root: strawberry.ID(str(root.id)), description="The assignment's number."
    )
    person_id: strawberry.ID = strawberry.field(
        resolver=lambda root: strawberry.ID(str(root.person_id)),
        description="The person's number in this service (never their identity number).",
    )
    organization_id: strawberry.ID | None = strawberry.field(description="The organisation; null for an admin.")
    role: models.PersonRole = strawberry.field(description="What the person does for it.")

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.PersonAssignment))


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The delegations recorded here (admin).")
    async def delegations(self, info: Info) -> list[DelegationType]:
        return [node_of(DelegationType, d) for d in await delegations.list_all(info.context)]


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Record that a supplier acts for a consumer with its Maskinporten scopes (admin; audited).")
    async def create_delegation(
        self,
        info: Info,
        supplier_org_number: Annotated[str, strawberry.argument(description="The vendor's organisation number.")],
        consumer_org_number: Annotated[str, strawberry.argument(description="The delegating organisation's number.")],
    ) -> DelegationType:
        created = await delegations.create(
            info.context, supplier_org_number=supplier_org_number, consumer_org_number=consumer_org_number
        )
        return node_of(DelegationType, created)

    @strawberry.mutation(description="End a recorded delegation (admin; audited).")
    async def delete_delegation(
        self, info: Info, delegation_id: Annotated[strawberry.ID, strawberry.argument(description="The delegation's number.")]
    ) -> DelegationType:
        return node_of(
            DelegationType, await delegations.delete(info.context, delegation_id=_number(delegation_id, "delegationId"))
        )

    @strawberry.mutation(
        description="Assign a person, by national identity number (stored only as a keyed hash), to an organisation in a role "
        "(admin; audited). A coordinator and a reviewer name an organisation, an admin none."
    )
    async def assign_person(
        self,
        info: Info,
        pid: Annotated[str, strawberry.argument(description="The person's national identity number (eleven digits).")],
        role: Annotated[models.PersonRole, strawberry.argument(description="What the person does for the organisation.")],
        organization_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The organisation; none for an admin.")
        ] = None,
        name: Annotated[str, strawberry.argument(description="The person's name, as the admin knows it.")] = "",
    ) -> PersonAssignmentType:
        assignment = await people.assign(
            info.context, pid=pid, name=name, organization_id=public_key_or_none("Organization", organization_id), role=role
        )
        return node_of(PersonAssignmentType, assignment)

    @strawberry.mutation(description="End a person's assignment (admin; audited).")
    async def unassign_person(
        self, info: Info, assignment_id: Annotated[strawberry.ID, strawberry.argument(description="The assignment's number.")]
    ) -> PersonAssignmentType:
        return node_of(
            PersonAssignmentType, await people.unassign(info.context, assignment_id=_number(assignment_id, "assignmentId"))
        )


def _number(value: strawberry.ID, field: str) -> int:
    number = ids.row_number(str(value))
    if number is None:
        raise InvalidInput(field=field, message_id="requests.identity.number", values={"field": field, "value": value})
    return number
