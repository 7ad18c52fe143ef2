from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from .organization import Organization
from .period import Period
from .report import ReportRecord
from .snapshot import Snapshot


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

    organization_id: str
    period_id: str
    snapshot_id: str
    report_record_id: str

    class Meta:
        table = "submission"
        ordering = ("-submitted_at", "id")
        unique_together = (("organization", "period", "version"),)
        indexes = (("organization_id", "submitted_at"),)
