from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .snapshot import Snapshot


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AggregationJob(Model):
    """A persisted aggregation run. heartbeat_at lets a new process see a dead owner."""

    id = fields.CharField(max_length=40, primary_key=True)
    snapshot: fields.ForeignKeyRelation[Snapshot] = fields.ForeignKeyField(
        "bufdir.Snapshot", related_name="jobs", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.QUEUED)
    owner = fields.CharField(max_length=128, null=True)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    heartbeat_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    duration_ms = fields.IntField(null=True)

    snapshot_id: str

    class Meta:
        table = "aggregation_job"
        indexes = (("status", "heartbeat_at"), ("status", "finished_at"))
