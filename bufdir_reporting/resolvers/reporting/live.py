"""Live topics of reports, submissions and their review: who may follow each is checked before
anything is streamed (``base.live``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ...events import Delivery, ReportingStatusChanged, ReportRecordUpdated, SubmissionReviewed
from .. import periods
from ..base import access, live
from ..base.context import Context
from . import submissions


async def follow_report_records(
    ctx: Context, *, organization_id: str, after_event_id: int | None = None
) -> AsyncIterator[Delivery[ReportRecordUpdated]]:
    access.require_read(ctx, organization_id)
    channel = ReportRecordUpdated.channel(organization_id)
    return live.follow(ctx, channel, ReportRecordUpdated, after_event_id=after_event_id)


async def follow_submission_reviews(
    ctx: Context, *, organization_id: str | None, after_event_id: int | None = None
) -> AsyncIterator[Delivery[SubmissionReviewed]]:
    """Review steps of one organisation's submissions, or (``None``) of every organisation's."""
    live.require_one_or_every(ctx, organization_id)
    channel = SubmissionReviewed.channel(organization_id)
    return live.follow(ctx, channel, SubmissionReviewed, after_event_id=after_event_id)


async def follow_reporting_status(ctx: Context, *, period_id: str) -> AsyncIterator[submissions.OrganizationStatus]:
    """For reviewers and admins: an organisation's status for the period, read again each time
    it may have moved."""
    access.require_review(ctx)
    await periods.get_or_raise(ctx, period_id=period_id)
    return _statuses(ctx, period_id)


async def _statuses(ctx: Context, period_id: str) -> AsyncIterator[submissions.OrganizationStatus]:
    async for delivery in live.follow(ctx, ReportingStatusChanged.channel(period_id), ReportingStatusChanged):
        rows = await submissions.reporting_status(ctx, period_id=period_id)
        moved = next((row for row in rows if row.organization.id == delivery.event.organization_id), None)
        if moved is not None:
            yield moved
