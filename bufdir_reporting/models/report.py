from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .organization import Organization
from .period import Period
from .snapshot import Snapshot


class ReportStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class ReportRecord(Model):
    """A generated report file. Its file_ref is a path relative to the file store's root."""

    id = fields.CharField(max_length=40, primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="report_records", on_delete=fields.RESTRICT
    )
    snapshot: fields.ForeignKeyNullableRelation[Snapshot] = fields.ForeignKeyField(
        "bufdir.Snapshot", related_name="report_records", null=True, on_delete=fields.RESTRICT
    )
    period: fields.ForeignKeyNullableRelation[Period] = fields.ForeignKeyField(
        "bufdir.Period", related_name="report_records", null=True, on_delete=fields.RESTRICT
    )
    report_type = fields.CharField(max_length=64)
    period_from = fields.DateField()
    period_to = fields.DateField()
    status = fields.CharEnumField(ReportStatus, max_length=16, default=ReportStatus.PENDING)
    file_ref = fields.CharField(max_length=512, null=True)
    file_size_bytes = fields.BigIntField(null=True)
    content_type = fields.CharField(max_length=128, null=True)
    error = fields.TextField(null=True)
    generated_by = fields.CharField(max_length=128, null=True)
    generated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    organization_id: str
    snapshot_id: str | None
    period_id: str | None

    class Meta:
        table = "report_record"
        ordering = ("-created_at", "id")
        indexes = (("organization_id", "created_at"), ("organization_id", "report_type", "status"))
