"""The events of reporting and review: report records, submissions and their review steps, an
organisation's reporting status, and who must report a form."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..models import ReportRecord, ReportStatus, ReviewState, Submission, SubmissionReview
from .base import Event, Instant, _now


class ReportRecordUpdated(Event):
    """A report record was made, changed or generated."""

    event: Literal["report_record_updated"] = "report_record_updated"
    report_id: str
    organization_id: str
    snapshot_id: str | None
    status: ReportStatus
    file_ref: str | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str) -> str:
        return f"report_record_updated:{organization_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.organization_id),)

    @classmethod
    def of(cls, record: ReportRecord) -> ReportRecordUpdated:
        return cls(
            report_id=record.id,
            organization_id=record.organization_id,
            snapshot_id=record.snapshot_id,
            status=record.status,
            file_ref=record.file_ref,
        )


class SubmissionReviewed(Event):
    """A submission arrived (``from_state`` None) or took a step in Bufdir's review."""

    event: Literal["submission_reviewed"] = "submission_reviewed"
    submission_id: str
    organization_id: str
    period_id: str
    version: int
    from_state: ReviewState | None
    review_state: ReviewState
    by: str
    reason: str | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str | None) -> str:
        """One organisation's review steps; ``None``: every organisation's (the reviewers')."""
        return f"submission_reviewed:{organization_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return self.channel(self.organization_id), self.channel(None)

    def also(self) -> tuple[Event, ...]:
        return ReportingStatusChanged.of(self.organization_id, self.period_id)

    @classmethod
    def of(cls, submission: Submission, step: SubmissionReview | None) -> SubmissionReviewed:
        return cls(
            submission_id=submission.id,
            organization_id=submission.organization_id,
            period_id=submission.period_id,
            version=submission.version,
            from_state=step.from_state if step else None,
            review_state=step.to_state if step else submission.review_state,
            by=step.by if step else submission.submitted_by,
            reason=step.reason if step else None,
        )


class ReportingStatusChanged(Event):
    """An organisation's state for a period may have moved (a first snapshot, a submission, a
    review step, a reopening): the reviewers' dashboard reads it again."""

    event: Literal["reporting_status"] = "reporting_status"
    organization_id: str
    period_id: str
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(period_id: str) -> str:
        return f"reporting_status:{period_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.period_id),)

    @classmethod
    def of(cls, organization_id: str, period_id: str | None) -> tuple[ReportingStatusChanged, ...]:
        """None for an ad-hoc range, which has no reporting status."""
        return () if period_id is None else (cls(organization_id=organization_id, period_id=period_id),)


class FormAssignmentsChanged(Event):
    """Who must report a form changed (an assignment made or ended): to the form's followers and
    every form's."""

    event: Literal["form_assignments"] = "form_assignments"
    form_id: str
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(form_id: str | None) -> str:
        """One form's; ``None``: every form's."""
        return f"form_assignments:{form_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.form_id), self.channel(None))
