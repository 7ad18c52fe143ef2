"""Live topics of reports, submissions and their review: who may follow each is checked before
anything is streamed (``base.live``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ...events import Delivery, FormAssignmentsChanged, ReportingStatusChanged, ReportRecordUpdated, SubmissionReviewed
from .. import periods
from ..base import access, live
from ..base.context import Context
from ..structure import forms
from . import status, worklist


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
    steps = live.follow(ctx, SubmissionReviewed.channel(organization_id), SubmissionReviewed, after_event_id=after_event_id)
    return steps if organization_id is not None else live.every_readable(ctx, steps)


async def follow_reporting_status(ctx: Context, *, scope: status.Scope) -> AsyncIterator[status.OrganizationStatus]:
    """For reviewers and admins: an expected organisation's status for the form and period, read
    again each time it may have moved."""
    live.refuse_at_limit(ctx)  # before the period is read: its stream subscribes once iterated
    await status.reporting_status(ctx, scope=scope)  # who may follow it, before anything is streamed
    return _statuses(ctx, scope)


async def _statuses(ctx: Context, scope: status.Scope) -> AsyncIterator[status.OrganizationStatus]:
    async for delivery in live.follow(ctx, ReportingStatusChanged.channel(scope.period_id), ReportingStatusChanged):
        rows = await live.read_once(ctx, delivery, ("status", scope), lambda: status.reporting_status(ctx, scope=scope))
        moved = next((row for row in rows if row.organization.id == delivery.event.organization_id), None)
        if moved is not None:
            yield moved


async def follow_reporting_rates(ctx: Context, *, scope: status.Scope) -> AsyncIterator[status.Rates]:
    """For reviewers and admins: a form's rates for the period, now and each time an
    organisation's state may have moved."""
    live.refuse_at_limit(ctx)  # before the rates are read: its stream subscribes after the first
    first = await status.rates(ctx, scope=scope)
    return _rates(ctx, scope, first)


async def _rates(ctx: Context, scope: status.Scope, first: status.Rates) -> AsyncIterator[status.Rates]:
    yield first
    async for delivery in live.follow(ctx, ReportingStatusChanged.channel(scope.period_id), ReportingStatusChanged):
        yield await live.read_once(ctx, delivery, ("rates", scope), lambda: status.rates(ctx, scope=scope))


async def follow_form_assignments(ctx: Context, *, form_id: str | None) -> AsyncIterator[Delivery[FormAssignmentsChanged]]:
    """Who must report a form changed (``None``: any form's); public, as the forms are."""
    if form_id is not None:
        await forms.get_or_raise(ctx, form_id=form_id)
    return live.follow(ctx, FormAssignmentsChanged.channel(form_id), FormAssignmentsChanged)


async def follow_worklist(ctx: Context, *, filters: worklist.Filters) -> AsyncIterator[list[worklist.WorkItem]]:
    """For reviewers and admins: the period's worklist, now and each time an organisation's
    state for the period may have moved (values, submissions, reviews, questions asked, answered
    or resolved: each publishes ``ReportingStatusChanged``)."""
    access.require_review(ctx, doing="error.reviewer_required.worklist")
    await periods.get_or_raise(ctx, period_id=filters.period_id)  # an unknown period is refused before anything streams
    return _worklist(ctx, filters)


async def _worklist(ctx: Context, filters: worklist.Filters) -> AsyncIterator[list[worklist.WorkItem]]:
    # subscribed before the first list is read: a change made while it is read is not missed
    async with live.subscribed(ctx, ReportingStatusChanged.channel(filters.period_id), ReportingStatusChanged) as changes:
        yield await worklist.list_(ctx, filters=filters)
        async for delivery in changes:
            yield await worklist.read_again(ctx, filters=filters, delivery=delivery)
