"""Report records and submissions in the graph; generating, submitting and reopening."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import organizations, periods, snapshots
from ..resolvers.reporting import records, submissions
from .context import Info
from .node import ModelNode

if TYPE_CHECKING:
    from .organization import OrganizationType
    from .period import PeriodNode
    from .snapshot import SnapshotNode

ReportStatus = strawberry.enum(models.ReportStatus, name="ReportStatus")
OrganizationRef = Annotated["OrganizationType", strawberry.lazy(".organization")]
PeriodRef = Annotated["PeriodNode", strawberry.lazy(".period")]
SnapshotRef = Annotated["SnapshotNode", strawberry.lazy(".snapshot")]


@strawberry.type(name="ReportRecord", description="A generated report file.")
class ReportRecordNode(ModelNode):
    model = models.ReportRecord

    id: relay.NodeID[str]
    report_id: str = strawberry.field(resolver=lambda root: root.id)
    report_type: str
    period_from: datetime.date
    period_to: datetime.date
    status: ReportStatus  # type: ignore[valid-type]
    file_ref: str | None
    file_size_bytes: int | None
    error: str | None
    generated_by: str | None
    generated_at: datetime.datetime | None
    created_at: datetime.datetime

    @strawberry.field(description="Where to download the file (with your bearer token).")
    def download_url(self) -> str | None:
        return f"/api/v1/report-records/{self.id}/file" if self.file_ref else None  # type: ignore[attr-defined]

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationRef:
        return await organizations.get_or_raise(info.context, organization_id=self.organization_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def snapshot(self, info: Info) -> SnapshotRef | None:
        snapshot_id = self.snapshot_id  # type: ignore[attr-defined]
        return None if snapshot_id is None else await snapshots.get_or_raise(info.context, snapshot_id=snapshot_id)

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.ReportRecord:
        return await records.get_or_raise(info.context, report_id=key)


@strawberry.type(name="Submission", description="A report sent to Bufdir; versions follow reopenings.")
class SubmissionType:
    id: str
    version: int
    activity_count: int
    submitted_by: str
    submitted_at: datetime.datetime
    reopened_by: str | None
    reopened_at: datetime.datetime | None
    reopen_reason: str | None

    @strawberry.field(description="True while this submission locks its period.")
    def locks_period(self) -> bool:
        return self.lock_slot is not None  # type: ignore[attr-defined]

    @strawberry.field
    async def period(self, info: Info) -> PeriodRef:
        return await periods.get_or_raise(info.context, period_id=self.period_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def snapshot(self, info: Info) -> SnapshotRef:
        return await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def report_record(self, info: Info) -> ReportRecordNode:
        return await records.get_or_raise(info.context, report_id=self.report_record_id)  # type: ignore[attr-defined, return-value]

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.Submission))


@strawberry.type(description="One organisation's state for a period, for admins.")
class OrganizationReportingStatus:
    organization: OrganizationRef
    expected: bool
    submitted: bool
    on_time: bool | None
    missing: bool
    submission: SubmissionType | None


@strawberry.type
class ReportQuery:
    @strawberry.field(description="Per organisation: expected, submitted, on time, missing (admin).")
    async def reporting_status(self, info: Info, period_id: str) -> list[OrganizationReportingStatus]:
        rows = await submissions.reporting_status(info.context, period_id=period_id)
        return [
            OrganizationReportingStatus(
                organization=row.organization,  # type: ignore[arg-type]
                expected=True,
                submitted=row.submitted,
                on_time=row.on_time,
                missing=not row.submitted,
                submission=row.submission,  # type: ignore[arg-type]
            )
            for row in rows
        ]


@strawberry.type
class ReportMutation:
    @strawberry.mutation(description="Render the Bufdir report (.xlsx) of a snapshot.")
    async def generate_report(self, info: Info, snapshot_id: str, report_type: str = "bufdir_report") -> ReportRecordNode:
        return await records.generate(info.context, snapshot_id=snapshot_id, report_type=report_type)  # type: ignore[return-value]

    @strawberry.mutation(description="Submit a report to Bufdir; locks the period for the organisation.")
    async def submit_report(self, info: Info, report_id: str) -> SubmissionType:
        return await submissions.submit(info.context, report_id=report_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Reopen a submitted period (admin, with a reason).")
    async def reopen_period(self, info: Info, organization_id: str, period_id: str, reason: str) -> SubmissionType:
        return await submissions.reopen(  # type: ignore[return-value]
            info.context, organization_id=organization_id, period_id=period_id, reason=reason
        )
