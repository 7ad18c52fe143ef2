"""The events live subscribers get, as GraphQL types: each made from its typed event
(``events``) and the event log's id, the snapshot ones resolving the snapshot as it is now."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry

from .. import events, models
from ..events import Delivery
from ..resolvers import snapshots
from .context import Info
from .node import node_of
from .snapshot import SnapshotNode


@strawberry.type(description="Who must report a form changed: read its assignments again.")
class FormAssignmentsChanged:
    form_id: strawberry.ID


@strawberry.type(description="The documented data_updated event, with the fresh snapshot.")
class DataUpdatedEvent:
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str
    organization_id: str
    period_id: str | None
    changed_sections: list[str]
    changed_field_keys: list[str]
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery[events.DataUpdated]) -> DataUpdatedEvent:
        event = delivery.event
        return cls(
            shared=delivery.shared,
            event_id=delivery.event_id,
            snapshot_id=event.snapshot_id,
            organization_id=event.organization_id,
            period_id=event.period_id,
            changed_sections=list(event.changed_sections),
            changed_field_keys=list(event.changed_field_keys),
            updated_at=event.updated_at,
        )

    @strawberry.field(description="The snapshot the event concerns, as it is now.")
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


@strawberry.type(description="A snapshot moved to processing, current or failed.")
class SnapshotStatusEvent:
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str
    status: models.SnapshotStatus
    error: str | None
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery[events.SnapshotStatusChanged]) -> SnapshotStatusEvent:
        event = delivery.event
        return cls(
            shared=delivery.shared,
            event_id=delivery.event_id,
            snapshot_id=event.snapshot_id,
            status=event.status,
            error=event.error,
            updated_at=event.updated_at,
        )

    @strawberry.field
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


@strawberry.type(description="A step in Bufdir's review of a submission.")
class SubmissionReviewEvent:
    event_id: int | None
    submission_id: str
    organization_id: str
    period_id: str
    version: int
    from_state: models.ReviewState | None = strawberry.field(description="None when the submission itself arrives.")
    review_state: models.ReviewState
    by: str
    reason: str | None
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery[events.SubmissionReviewed]) -> SubmissionReviewEvent:
        event = delivery.event
        return cls(
            event_id=delivery.event_id,
            submission_id=event.submission_id,
            organization_id=event.organization_id,
            period_id=event.period_id,
            version=event.version,
            from_state=event.from_state,
            review_state=event.review_state,
            by=event.by,
            reason=event.reason,
            updated_at=event.updated_at,
        )


@strawberry.type(description="A report record was generated, changed or deleted.")
class ReportRecordEvent:
    event_id: int | None
    report_id: str
    organization_id: str
    snapshot_id: str | None
    status: models.ReportStatus
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery[events.ReportRecordUpdated]) -> ReportRecordEvent:
        event = delivery.event
        return cls(
            event_id=delivery.event_id,
            report_id=event.report_id,
            organization_id=event.organization_id,
            snapshot_id=event.snapshot_id,
            status=event.status,
            updated_at=event.updated_at,
        )


@strawberry.type(description="An explanation, comment or answer about a value.")
class ValueNoteEvent:
    event_id: int | None
    note_id: strawberry.ID
    organization_id: str
    period_id: str
    field_key: str
    kind: models.ValueNoteKind
    text: str
    author: str
    parent_id: strawberry.ID | None
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery[events.ValueNoted]) -> ValueNoteEvent:
        event = delivery.event
        return cls(
            event_id=delivery.event_id,
            note_id=strawberry.ID(str(event.note_id)),
            organization_id=event.organization_id,
            period_id=event.period_id,
            field_key=event.field_key,
            kind=event.kind,
            text=event.text,
            author=event.author,
            parent_id=None if event.parent_id is None else strawberry.ID(str(event.parent_id)),
            updated_at=event.updated_at,
        )
