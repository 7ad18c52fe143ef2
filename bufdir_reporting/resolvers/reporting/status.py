"""Who has reported what: every expected organisation's state for a form and period, whether
it is late and why, and the rates a case officer reads first (expected, submitted, on time,
late, returned and not corrected, approved, not started).

Only the organisations the form is assigned to for the period count (``assignments``), each
judged against the form's deadlines for the period. A reviewer scoped to a subtree (a regional
office) sees its subtree; a request may narrow to one (``under``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ...models import Organization, Period, ReportForm, ReviewState, Snapshot, Submission
from .. import organizations, periods
from ..base import access
from ..base.context import Context
from ..structure import forms
from . import assignments
from . import deadlines as form_deadlines


class ReportingState(StrEnum):
    """Where an organisation stands for a period, in the order a report moves."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REOPENED = "reopened"


STATES = tuple(ReportingState)


class Lateness(StrEnum):
    """Why an organisation counts as late for a period, the most pressing first."""

    CORRECTION_OVERDUE = "correction_overdue"
    """Returned, and not submitted again by the correction deadline (nor since)."""
    OVERDUE = "overdue"
    """Nothing submitted, and the submission deadline has passed."""
    CORRECTED_LATE = "corrected_late"
    """Returned, and submitted again after the correction deadline."""
    SUBMITTED_LATE = "submitted_late"
    """The first version came after the submission deadline."""


@dataclass(frozen=True, slots=True)
class OrganizationStatus:
    organization: Organization
    submission: Submission | None
    """The latest version, if any."""
    first: Submission | None
    """The first version: whether the report came in on time."""
    returned: Submission | None
    """The latest version Bufdir returned, if any: a later one is its correction."""
    period: Period
    deadlines: form_deadlines.Deadlines
    has_snapshot: bool
    today: date

    @property
    def deadline(self) -> date | None:
        return self.deadlines.submission

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def state(self) -> ReportingState:
        if self.submission is not None:
            return ReportingState(self.submission.review_state)
        return ReportingState.DRAFT if self.has_snapshot else ReportingState.NOT_STARTED

    @property
    def on_time(self) -> bool | None:
        """Whether the first version came by the submission deadline (None: no deadline, or nothing yet)."""
        if self.first is None or self.deadline is None:
            return None
        return periods.local_date(self.first.submitted_at) <= self.deadline

    @property
    def lateness(self) -> Lateness | None:
        """Why the organisation is late for the period, if it is: a report that came late stays
        late after it came (a case officer asks who was late, not only who still is)."""
        correction = self.deadlines.correction
        if self.state == ReportingState.RETURNED:
            if correction is not None and self.today > correction:
                return Lateness.CORRECTION_OVERDUE
        elif self.returned is not None and self.submission is not None and correction is not None:
            if periods.local_date(self.submission.submitted_at) > correction:
                return Lateness.CORRECTED_LATE
        if self.submission is None:
            return Lateness.OVERDUE if self.deadline is not None and self.today > self.deadline else None
        return Lateness.SUBMITTED_LATE if self.on_time is False else None

    @property
    def late(self) -> bool:
        return self.lateness is not None


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose reporting: of a period, for a form (the default form, if None), within an
    organisation's subtree (if given)."""

    period_id: str
    form_id: str | None = None
    under: str | None = None


async def reporting_status(ctx: Context, *, scope: Scope) -> list[OrganizationStatus]:
    """For reviewers and admins: every expected organisation's state for the form and period,
    on time or late; those the caller reviews, within the subtree if the scope names one."""
    access.require_review(ctx)
    period_id, form_id, under = scope.period_id, scope.form_id, scope.under
    period = await periods.get_or_raise(ctx, period_id=period_id)
    # a year of a quarterly form answered "0 expected"; required-fields refused it (422 form_id)
    form = await forms.for_period(ctx, form_id=form_id, period=period)
    expected = await assignments.expected(ctx, form=form, period=period)
    if under is not None:  # an unknown one is NOT_FOUND, as elsewhere (it answered zeros: #31 review, 8)
        await organizations.get_or_raise(ctx, organization_id=under)
    within = None if under is None else set(await organizations.tree.subtree(under))
    # those it reviews, not all it reads: a person coordinating one organisation and reviewing
    # another was shown the first in its reviewer dashboard (#31 outside test, finding 3)
    shown = [o for o in expected if access.can_review(ctx.principal, o.id) and (within is None or o.id in within)]
    stored_form = None if form.is_default else form.id
    first: dict[str, Submission] = {}
    latest: dict[str, Submission] = {}
    returned: dict[str, Submission] = {}
    for submission in await Submission.filter(period_id=period_id, form_id=stored_form).order_by("version"):
        first.setdefault(submission.organization_id, submission)
        latest[submission.organization_id] = submission
        if submission.review_state == ReviewState.RETURNED:
            returned[submission.organization_id] = submission
    aggregated: set[str] = {
        str(organization_id)
        for organization_id in await Snapshot.filter(period_id=period_id, form_id=stored_form).values_list(
            "organization_id", flat=True
        )
    }
    due = await form_deadlines.deadlines(ctx, form_id=form.id, period=period)
    today = periods.local_today()
    return [
        OrganizationStatus(
            organization,
            latest.get(organization.id),
            first.get(organization.id),
            returned.get(organization.id),
            period,
            due,
            organization.id in aggregated,
            today,
        )
        for organization in shown
    ]


def state_counts(rows: list[OrganizationStatus]) -> dict[str, int]:
    """How many organisations are in each state, every state named (zeros too), how many are
    late, and how many for each reason."""
    counts = dict.fromkeys(map(str, STATES), 0)
    reasons = dict.fromkeys(map(str, Lateness), 0)
    for row in rows:
        counts[row.state] += 1
        if row.lateness is not None:
            reasons[row.lateness] += 1
    return {**counts, "late": sum(row.late for row in rows), **reasons}


@dataclass(frozen=True, slots=True)
class Rates:
    """A form's reporting for a period, in counts and in percent of those expected."""

    form: ReportForm
    period: Period
    expected: int
    submitted: int
    on_time: int
    submitted_late: int
    returned_not_corrected: int
    approved: int
    not_started: int
    late: int

    def percent(self, count: int) -> float | None:
        """``count`` in percent of those expected, to one decimal; None when nobody is expected."""
        return round(100 * count / self.expected, 1) if self.expected else None


async def rates(ctx: Context, *, scope: Scope) -> Rates:
    """The rates of the organisations ``reporting_status`` shows."""
    rows = await reporting_status(ctx, scope=scope)
    period = await periods.get_or_raise(ctx, period_id=scope.period_id)
    form = await forms.for_period(ctx, form_id=scope.form_id, period=period)
    return Rates(
        form=form,
        period=period,
        expected=len(rows),
        submitted=sum(row.submitted for row in rows),
        on_time=sum(row.on_time is True for row in rows),
        submitted_late=sum(row.on_time is False for row in rows),
        returned_not_corrected=sum(row.lateness == Lateness.CORRECTION_OVERDUE for row in rows),
        approved=sum(row.state == ReportingState.APPROVED for row in rows),
        not_started=sum(row.state == ReportingState.NOT_STARTED for row in rows),
        late=sum(row.late for row in rows),
    )
