"""Report records and submissions in the graph; generating, submitting and reopening."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..language import Language
from ..resolvers import organizations, periods, snapshots
from ..resolvers.reporting import records, reviews
from ..resolvers.reporting.renderers import ReportFormat
from . import translations as _translations  # noqa: F401  # registers the Language enum
from .context import Info
from .node import ModelNode, node_of

if TYPE_CHECKING:
    from .organization import OrganizationType
    from .period import PeriodNode
    from .snapshot import SnapshotNode

strawberry.enum(models.ReportStatus, name="ReportStatus")
strawberry.enum(
    models.ReviewState,
    name="ReviewState",
    description="Bufdir's review of a submission: SUBMITTED, UNDER_REVIEW, APPROVED (final), RETURNED (the period "
    "unlocks for a corrected version) or REOPENED (by an admin).",
)
strawberry.enum(ReportFormat, name="ReportFormat", description="How a report is rendered: XLSX (a print-ready workbook) or PDF.")
OrganizationRef = Annotated["OrganizationType", strawberry.lazy(".organization")]
PeriodRef = Annotated["PeriodNode", strawberry.lazy(".period")]
SnapshotRef = Annotated["SnapshotNode", strawberry.lazy(".snapshot")]
RecordRoot = strawberry.Parent[models.ReportRecord]
SubmissionRoot = strawberry.Parent[models.Submission]


@strawberry.type(name="ReportRecord", description="A generated report file.")
class ReportRecordNode(ModelNode):
    model = models.ReportRecord

    id: relay.NodeID[str]
    report_id: str = strawberry.field(resolver=lambda root: root.id)
    report_type: str
    period_from: datetime.date
    period_to: datetime.date
    status: models.ReportStatus
    file_ref: str | None
    file_size_bytes: int | None
    error: str | None
    generated_by: str | None
    generated_at: datetime.datetime | None
    created_at: datetime.datetime

    @strawberry.field(
        description="The language the file is written in (as generateReport's language made it); null without a file."
    )
    @staticmethod
    async def language(root: RecordRoot, info: Info) -> Language | None:
        return await records.language_of(info.context, root)

    @strawberry.field(description="Where to download the file (with your bearer token).")
    @staticmethod
    def download_url(root: RecordRoot) -> str | None:
        return f"/api/v1/report-records/{root.id}/file" if root.file_ref else None

    @strawberry.field
    @staticmethod
    async def organization(root: RecordRoot, info: Info) -> OrganizationRef:
        return cast("OrganizationType", await organizations.get_or_raise(info.context, organization_id=root.organization_id))

    @strawberry.field
    @staticmethod
    async def snapshot(root: RecordRoot, info: Info) -> SnapshotRef | None:
        if root.snapshot_id is None:
            return None
        return cast("SnapshotNode | None", await snapshots.get_or_raise(info.context, snapshot_id=root.snapshot_id))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.ReportRecord:
        return await records.get_or_raise(info.context, report_id=key)


@strawberry.type(description="One step of a submission's life: its arrival, then each review step.")
class ReviewStep:
    from_state: models.ReviewState | None
    to_state: models.ReviewState
    by: str = strawberry.field(description="Who took the step.")
    at: datetime.datetime
    reason: str | None = strawberry.field(description="Why (required when returning: what to correct).")

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, reviews.Step))


@strawberry.type(name="Submission", description="A report sent to Bufdir; versions follow reopenings and returns.")
class SubmissionType(ModelNode):
    model = models.Submission

    id: relay.NodeID[str]
    submission_id: str = strawberry.field(description="The public key, e.g. sub-….", resolver=lambda root: root.id)
    version: int
    activity_count: int
    submitted_by: str
    submitted_at: datetime.datetime
    reopened_by: str | None
    reopened_at: datetime.datetime | None
    reopen_reason: str | None
    review_state: models.ReviewState = strawberry.field(description="Where Bufdir's review of this version stands.")

    @strawberry.field(
        description="The submission itself, then every step of its review, oldest first: who, when, from and to which state, why."
    )
    @staticmethod
    async def review_history(root: SubmissionRoot, info: Info) -> list[ReviewStep]:
        return cast(list[ReviewStep], await reviews.history(info.context, submission=root))

    @strawberry.field(description="The organisation that submitted it.")
    @staticmethod
    async def organization(root: SubmissionRoot, info: Info) -> OrganizationRef:
        return cast("OrganizationType", await organizations.get_or_raise(info.context, organization_id=root.organization_id))

    @strawberry.field(description="True while this submission locks its period.")
    @staticmethod
    def locks_period(root: SubmissionRoot) -> bool:
        return root.lock_slot is not None

    @strawberry.field
    @staticmethod
    async def period(root: SubmissionRoot, info: Info) -> PeriodRef:
        return cast("PeriodNode", await periods.get_or_raise(info.context, period_id=root.period_id))

    @strawberry.field
    @staticmethod
    async def snapshot(root: SubmissionRoot, info: Info) -> SnapshotRef:
        return cast("SnapshotNode", await snapshots.get_or_raise(info.context, snapshot_id=root.snapshot_id))

    @strawberry.field
    @staticmethod
    async def report_record(root: SubmissionRoot, info: Info) -> ReportRecordNode:
        return node_of(ReportRecordNode, await records.get_or_raise(info.context, report_id=root.report_record_id))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Submission:
        return await reviews.get_or_raise(info.context, submission_id=key)
