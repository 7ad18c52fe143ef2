"""Reporting status and rates in the graph: who is expected, has reported, is late."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import strawberry

from ..resolvers.reporting import status
from ..rest import submissions as rest_submissions
from .node import node_or_none
from .reports import OrganizationRef, SubmissionType

if TYPE_CHECKING:
    from .organization import OrganizationType

strawberry.enum(
    status.ReportingState,
    name="ReportingState",
    description="Where an organisation stands for a period: NOT_STARTED, DRAFT (aggregated, not submitted), SUBMITTED, "
    "UNDER_REVIEW, RETURNED, APPROVED or REOPENED.",
)
strawberry.enum(
    status.Lateness,
    name="Lateness",
    description="Why an organisation is late for a period: CORRECTION_OVERDUE, OVERDUE, CORRECTED_LATE or SUBMITTED_LATE.",
)


@strawberry.type(description="One organisation's state for a period, for reviewers and admins.")
class OrganizationReportingStatus:
    organization: OrganizationRef
    expected: bool
    submitted: bool
    on_time: bool | None = strawberry.field(description="Whether the first version came by the submission deadline.")
    missing: bool
    state: status.ReportingState
    late: bool = strawberry.field(
        description="Late for the period, now or when its report came: submitted after the submission deadline, "
        "nothing submitted by it, or a returned report not corrected by the correction deadline."
    )
    lateness: status.Lateness | None = strawberry.field(description="Why it is late, the most pressing reason.")
    submission: SubmissionType | None = strawberry.field(description="The latest version, if any.")

    @classmethod
    def of(cls, row: status.OrganizationStatus) -> OrganizationReportingStatus:
        return cls(
            organization=cast("OrganizationType", row.organization),
            expected=True,
            submitted=row.submitted,
            on_time=row.on_time,
            missing=not row.submitted,
            state=row.state,
            late=row.late,
            lateness=row.lateness,
            submission=node_or_none(SubmissionType, row.submission),
        )


@strawberry.type(description="How many organisations are in each state for a period, and how many are late.")
class ReportingCounts:
    not_started: int
    draft: int
    submitted: int
    under_review: int
    returned: int
    approved: int
    reopened: int
    late: int
    submitted_late: int
    overdue: int
    correction_overdue: int
    corrected_late: int


# Declared once, as the REST answer (rest.submissions): the GraphQL types are made from those shapes,
# field for field in their order, the ids typed as IDs; a field's description is the shape's.
@strawberry.experimental.pydantic.type(
    model=rest_submissions.Rate,
    all_fields=True,
    name="Rate",
    description="A rate: how many organisations, and their share of those expected.",
)
class Rate:
    pass


@strawberry.experimental.pydantic.type(
    model=rest_submissions.ReportingRates,
    all_fields=True,
    name="ReportingRates",
    description="A form's reporting for a period, of the organisations expected to report it.",
)
class ReportingRates:
    form_id: strawberry.ID
    period_id: strawberry.ID


def rates_of(rates: status.Rates) -> ReportingRates:
    return ReportingRates.from_pydantic(rest_submissions.ReportingRates.of(rates))
