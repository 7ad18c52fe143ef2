"""Activities in the graph and the mutations that record, correct, delete and ingest them."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import activities, organizations
from ..resolvers.activities.inputs import ActivitySpec
from ..resolvers.base.inputs import parse
from .context import Info
from .enums import BufdirCategory
from .node import ModelNode, node_of, public_key
from .pagination import CountedConnection, resolve_connection

if TYPE_CHECKING:
    from .organization import OrganizationType


def _public_id(root: strawberry.Parent[models.Activity], info: Info) -> str:
    return activities.public_id(info.context, root)


@strawberry.type(name="Activity", description="One activity or case event from a case-management system.")
class ActivityNode(ModelNode):
    model = models.Activity

    id: relay.NodeID[str]
    activity_id: str = strawberry.field(
        description="The public id: act- and 26 letters and digits, neither sequential nor guessable.", resolver=_public_id
    )
    organization_id: str
    source_system: str
    external_id: str | None
    activity_type: str
    category: BufdirCategory
    status: str
    location: str | None
    occurred_at: datetime.datetime
    ended_at: datetime.datetime | None
    recorded_at: datetime.datetime
    participant_count: int
    hours: Decimal
    deleted_at: datetime.datetime | None

    @strawberry.field(description="The organisation that recorded it.")
    @staticmethod
    async def organization(
        root: strawberry.Parent[models.Activity], info: Info
    ) -> Annotated[OrganizationType, strawberry.lazy(".organization")]:
        found = await organizations.get_or_raise(info.context, organization_id=root.organization_id)
        return cast("OrganizationType", found)

    @classmethod
    def resolve_id(cls, root: ActivityNode, *, info: Info) -> str:
        return activities.public_id(info.context, cast(models.Activity, root))  # rows stand in for nodes

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Activity:
        return await activities.get_or_raise(info.context, activity_id=key)


async def activities_connection(
    info: Info,
    *,
    organization_id: str,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    activity_type: str | None = None,
    category: BufdirCategory | None = None,
    status: str | None = None,
    source_system: str | None = None,
    include_deleted: bool = False,
    first: int | None = None,
    after: str | None = None,
) -> CountedConnection[ActivityNode]:
    """An organisation's activities as a counted connection (Organization.activities, Snapshot.activities)."""
    return await resolve_connection(
        CountedConnection[ActivityNode],
        info,
        lambda window: activities.list_(
            info.context,
            organization_id=organization_id,
            window=window,
            start=start,
            end=end,
            activity_type=activity_type,
            category=category,
            status=status,
            source_system=source_system,
            include_deleted=include_deleted,
        ),
        first=first,
        after=after,
        last=None,
        before=None,
    )


@strawberry.input(description="An activity as the case-management system reports it.")
class ActivityInput:
    organization_id: strawberry.ID
    source_system: str
    activity_type: str
    category: BufdirCategory
    status: str
    occurred_at: datetime.datetime
    external_id: str | None = None
    location: str | None = None
    ended_at: datetime.datetime | None = None
    recorded_at: datetime.datetime | None = None
    participant_count: int | None = None
    hours: Decimal | None = None
    participant_refs: list[str] | None = None


@strawberry.input(description="The fields to change; those left out stay as they are.")
class ActivityCorrection:
    activity_type: str | None = None
    category: BufdirCategory | None = None
    status: str | None = None
    location: str | None = None
    occurred_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None
    participant_count: int | None = None
    hours: Decimal | None = None
    participant_refs: list[str] | None = None


@strawberry.type
class RowError:
    row: int
    field: str
    message: str


@strawberry.type(description="Bulk ingest: all rows written, or none and every row's errors.")
class IngestResult:
    created: int
    updated: int
    errors: list[RowError]


def said(value: Any) -> dict[str, Any]:
    """The fields an input set (Strawberry inputs are dataclasses; unset ones are None), the
    organisation named by its public key."""
    fields = {k: v for k, v in dataclasses.asdict(value).items() if v is not None}
    if "organization_id" in fields:
        fields["organization_id"] = public_key("Organization", fields["organization_id"])
    return fields


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(description="Record an activity; the same organisation, source system and external id corrects it.")
    async def record_activity(self, info: Info, input: ActivityInput) -> ActivityNode:
        return node_of(ActivityNode, await activities.record(info.context, spec=parse(ActivitySpec, said(input))))

    @strawberry.mutation(description="Correct an activity.")
    async def correct_activity(self, info: Info, id: strawberry.ID, input: ActivityCorrection) -> ActivityNode:
        activity_id = public_key("Activity", id)
        return node_of(ActivityNode, await activities.correct(info.context, activity_id=activity_id, changes=said(input)))

    @strawberry.mutation(description="Delete an activity (it is kept, marked deleted, and stops counting).")
    async def delete_activity(self, info: Info, id: strawberry.ID) -> ActivityNode:
        return node_of(ActivityNode, await activities.delete(info.context, activity_id=public_key("Activity", id)))

    @strawberry.mutation(description="Record many activities at once, all or nothing.")
    async def ingest_activities(self, info: Info, inputs: list[ActivityInput], dry_run: bool = False) -> IngestResult:
        result = await activities.ingest(info.context, rows=[said(i) for i in inputs], dry_run=dry_run)
        return IngestResult(
            created=result.created,
            updated=result.updated,
            errors=[RowError(row=e.row, field=e.field, message=e.said()) for e in result.errors],
        )
