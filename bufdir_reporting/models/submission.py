from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .form import ReportForm
from .organization import Organization
from .period import Period
from .report import ReportRecord
from .snapshot import Snapshot


class ReviewState(StrEnum):
    """Bufdir's side of a submission: submitted -> under review -> approved, or returned (the
    period unlocks for correction; a new version is expected). An admin's reopening ends any."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    RETURNED = "returned"
    REOPENED = "reopened"


class Submission(Model):
    """A report submitted to Bufdir for one organisation and period.

    The period is locked for the organisation while its latest submission is not reopened.
    A resubmission after reopening is the next version, and both stay in the history.
    lock_slot holds org|period while the submission locks the period (unique, so two
    racing submissions cannot both lock it) and is cleared when an admin reopens it.
    """

    id = fields.CharField(max_length=40, primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="submissions", on_delete=fields.RESTRICT
    )
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "bufdir.Period", related_name="submissions", on_delete=fields.RESTRICT
    )
    snapshot: fields.ForeignKeyRelation[Snapshot] = fields.ForeignKeyField(
        "bufdir.Snapshot", related_name="submissions", on_delete=fields.RESTRICT
    )
    form: fields.ForeignKeyNullableRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="submissions", null=True, on_delete=fields.RESTRICT
    )
    """The form submitted; null: the default form."""
    report_record: fields.ForeignKeyRelation[ReportRecord] = fields.ForeignKeyField(
        "bufdir.ReportRecord", related_name="submissions", on_delete=fields.RESTRICT
    )
    version = fields.IntField()
    lock_slot = fields.CharField(max_length=160, null=True, unique=True)
    activity_count = fields.IntField()
    submitted_by = fields.CharField(max_length=128)
    submitted_at = fields.DatetimeField()
    reopened_by = fields.CharField(max_length=128, null=True)
    reopened_at = fields.DatetimeField(null=True)
    reopen_reason = fields.TextField(null=True)
    # db_default: the column is added to databases that already hold submissions
    review_state = fields.CharEnumField(ReviewState, max_length=16, default=ReviewState.SUBMITTED, db_default="submitted")

    organization_id: str
    period_id: str
    form_id: str | None
    snapshot_id: str
    report_record_id: str

    class Meta:
        table = "submission"
        ordering = ("-submitted_at", "id")
        # Versions count an organisation's submissions for a period whatever the form (the
        # constraint is older than forms, and SQLite cannot drop it without rebuilding the table).
        unique_together = (("organization", "period", "version"),)
        indexes = (("organization_id", "submitted_at"),)


class SubmissionReview(Model):
    """One step of a submission's review: who moved it from which state to which, when and why."""

    id = fields.IntField(primary_key=True)
    submission: fields.ForeignKeyRelation[Submission] = fields.ForeignKeyField(
        "bufdir.Submission", related_name="reviews", on_delete=fields.CASCADE
    )
    from_state = fields.CharEnumField(ReviewState, max_length=16)
    to_state = fields.CharEnumField(ReviewState, max_length=16)
    by = fields.CharField(max_length=128)
    at = fields.DatetimeField()
    reason = fields.TextField(null=True)

    submission_id: str

    class Meta:
        table = "submission_review"
        ordering = ("at", "id")
