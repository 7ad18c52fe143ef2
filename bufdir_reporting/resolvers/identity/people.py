"""People who log in through ID-porten, assigned by an admin to organisations with a role.
The identity number is taken here and stored only as its keyed hash (``digdir.pid_hash``); the
audit log names the person by their id in this service, never by the number."""

from __future__ import annotations

import re

from ...digdir import pid_hash
from ...errors import Conflict, InvalidInput, NotFound
from ...models import Organization, Person, PersonAssignment, PersonRole
from ..base import access, audit, notify
from ..base.context import Context

PID = re.compile(r"\d{11}")


async def assign(ctx: Context, *, pid: str, name: str, organization_id: str | None, role: PersonRole) -> PersonAssignment:
    """Assign the person with identity number ``pid`` (registered on first assignment) to an
    organisation in a role; a coordinator and a reviewer name an organisation (a reviewer then
    reviews its subtree), an admin none."""
    access.require_admin(ctx)
    if not PID.fullmatch(pid):
        raise InvalidInput(field="pid", message_id="identity.people.pid_national_identity_number")
    if (role == PersonRole.ADMIN) != (organization_id is None):
        raise InvalidInput(field="organization_id", message_id="identity.people.admin_assigned_organisation_coordinator")
    if organization_id is not None and not await Organization.exists(id=organization_id):
        raise InvalidInput(
            field="organization_id", message_id="identity.people.organisation", values={"organization_id": organization_id}
        )
    async with notify.transaction(ctx):
        person, _ = await Person.get_or_create(pid_hash=pid_hash(ctx.settings, pid), defaults={"name": name})
        if await PersonAssignment.exists(person_id=person.id, organization_id=organization_id, role=role):
            raise Conflict(
                message_id="identity.people.person_already",
                values={"id": person.id, "value": role.value, "value2": organization_id or "the service"},
            )
        assignment = await PersonAssignment.create(
            person_id=person.id, organization_id=organization_id, role=role, created_by=ctx.principal.subject or "unknown"
        )
        await audit.record(
            ctx,
            action="person.assigned",
            entity_type="person",
            entity_id=str(person.id),
            organization_id=organization_id,
            after={"assignment_id": assignment.id, "name": person.name, "role": role, "organization_id": organization_id},
        )
    return assignment


async def unassign(ctx: Context, *, assignment_id: int) -> PersonAssignment:
    access.require_admin(ctx)
    async with notify.transaction(ctx):
        assignment = await PersonAssignment.select_for_update().get_or_none(id=assignment_id)
        if assignment is None:
            raise NotFound("person assignment", str(assignment_id))
        await assignment.delete()
        await audit.record(
            ctx,
            action="person.unassigned",
            entity_type="person",
            entity_id=str(assignment.person_id),
            organization_id=assignment.organization_id,
            before={"assignment_id": assignment_id, "role": assignment.role, "organization_id": assignment.organization_id},
        )
    return assignment
