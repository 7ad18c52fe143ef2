"""Snapshot: the result of aggregating one organisation's activities over a period or range.

Lifecycle processing -> current; the previous current snapshot of the same scope becomes
historical; a failed run is failed. The database keeps the invariants: current_slot
holds the scope key only while the snapshot is current and running_slot only while it is
processing, each under a unique index, so at most one current snapshot and one running job
exist per scope however many processes race (NULLs never collide).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from .form import ReportForm
from .organization import Organization
from .period import Period
from .structure import DIGITS, PLACES, FieldDefinition


class SnapshotStatus(StrEnum):
    PROCESSING = "processing"
    CURRENT = "current"
    HISTORICAL = "historical"
    FAILED = "failed"


class Snapshot(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="snapshots", on_delete=fields.RESTRICT
    )
    period: fields.ForeignKeyNullableRelation[Period] = fields.ForeignKeyField(
        "bufdir.Period", related_name="snapshots", null=True, on_delete=fields.RESTRICT
    )
    form: fields.ForeignKeyNullableRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="snapshots", null=True, on_delete=fields.RESTRICT
    )
    """The form it is the figures of; null: the default form (every section)."""
    range_start = fields.DatetimeField()
    range_end = fields.DatetimeField()
    status = fields.CharEnumField(SnapshotStatus, max_length=16, default=SnapshotStatus.PROCESSING)
    current_slot = fields.CharField(max_length=160, null=True, unique=True)
    running_slot = fields.CharField(max_length=160, null=True, unique=True)
    prior_snapshot: fields.ForeignKeyNullableRelation[Snapshot] = fields.ForeignKeyField(
        "bufdir.Snapshot", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    cache_valid = fields.BooleanField(default=True)
    invalidation_reason = fields.TextField(null=True)
    invalidated_at = fields.DatetimeField(null=True)
    activity_count = fields.IntField(null=True)
    participant_count = fields.IntField(null=True)
    unique_participants = fields.IntField(null=True)
    hours_delivered = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    category_breakdown: fields.JSONField[dict[str, dict[str, Any]] | None] = fields.JSONField(null=True)
    field_count = fields.IntField(null=True)
    populated_field_count = fields.IntField(null=True)
    missing_required_fields: fields.JSONField[list[str] | None] = fields.JSONField(null=True)
    error = fields.TextField(null=True)
    created_by = fields.CharField(max_length=128, null=True)
    legacy_id = fields.CharField(max_length=40, null=True, db_index=True)
    """The id a legacy client refreshed its aggregation under (``PUT /api/v1/bufdir-aggregations/{id}``):
    the contract refreshes a resource in place, so that id answers with the newest refresh."""
    aggregated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    organization_id: str
    period_id: str | None
    form_id: str | None
    prior_snapshot_id: str | None

    class Meta:
        table = "snapshot"
        ordering = ("-created_at", "id")
        indexes = (("organization_id", "period_id", "status"), ("organization_id", "created_at"))


class FieldValue(Model):
    """A field's value in a snapshot. NULL means "not reported", distinct from a reported 0.

    Numbers (and booleans as 0/1) live in value, text fields in text_value. The prior
    period's value is copied in at aggregation time, and again whenever the prior period's
    current snapshot changes while this snapshot's report is not submitted
    (``resolvers.snapshots.prior_values``): every read path reads one row.
    """

    id = fields.BigIntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[Snapshot] = fields.ForeignKeyField(
        "bufdir.Snapshot", related_name="field_values", on_delete=fields.CASCADE
    )
    field_definition: fields.ForeignKeyRelation[FieldDefinition] = fields.ForeignKeyField(
        "bufdir.FieldDefinition", related_name="values", on_delete=fields.RESTRICT
    )
    field_key = fields.CharField(max_length=64)
    section_key = fields.CharField(max_length=64)
    value = fields.DecimalField(max_digits=DIGITS, decimal_places=PLACES, null=True)
    text_value = fields.TextField(null=True)
    prior_value = fields.DecimalField(max_digits=DIGITS, decimal_places=PLACES, null=True)
    prior_text_value = fields.TextField(null=True)
    data_source = fields.CharField(max_length=64, null=True)
    set_by = fields.CharField(max_length=128, null=True)
    set_at = fields.DatetimeField(null=True)

    snapshot_id: str
    field_definition_id: int

    class Meta:
        table = "field_value"
        unique_together = (("snapshot", "field_key"),)
        # analytics reads a few fields of many snapshots: without it one field over every
        # organisation and quarter scanned all values (bench S9: 55 of 70 ms of the statement)
        indexes = (("field_key", "snapshot_id"),)


class ValueNoteKind(StrEnum):
    EXPLANATION = "explanation"  # the organisation explains a value (a large change)
    COMMENT = "comment"  # a reviewer asks about a value
    ANSWER = "answer"  # the organisation answers a comment
    FOLLOW_UP = "follow_up"  # a reviewer marks the value for follow-up


class NoteState(StrEnum):
    """Where a reviewer's question (a comment or a follow-up mark) stands: open until the
    organisation answers, answered until a reviewer resolves it. An explanation is pending until
    a reviewer accepts it (it had no state: a new one read null, outsider; migration 0025)."""

    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    ACCEPTED = "accepted"
    PENDING = "pending"


class ValueNote(Model):
    """What is said about one field's value for an organisation and period: explanations by the
    organisation, and reviewers' comments with the organisation's answers (a thread: an answer's
    ``parent`` is the comment). Kept per period, not per snapshot, so re-aggregating keeps them;
    a locked period refuses new ones from the organisation, so what was submitted stays."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="value_notes", on_delete=fields.CASCADE
    )
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "bufdir.Period", related_name="value_notes", on_delete=fields.CASCADE
    )
    form: fields.ForeignKeyNullableRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="value_notes", null=True, on_delete=fields.CASCADE
    )
    """The form of the snapshot the note was written on (an organisation may report two forms
    with the same field in a period: a rolled-up one and its own): a question belongs to one
    value. Null for notes written before forms were kept (migration 0019), read as one value of
    the organisation's period."""
    field_key = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ValueNoteKind, max_length=16)
    text = fields.TextField()
    author = fields.CharField(max_length=128)
    parent: fields.ForeignKeyNullableRelation[ValueNote] = fields.ForeignKeyField(
        "bufdir.ValueNote", related_name="answers", null=True, on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(NoteState, max_length=16, null=True)
    """A comment's or follow-up mark's state; an explanation's: ``pending``, ``accepted`` once a
    reviewer accepts it; null for answers."""
    resolved_by = fields.CharField(max_length=128, null=True)
    """Who resolved the question, or accepted the explanation (``resolved_at``: when)."""
    resolved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    organization_id: str
    period_id: str
    form_id: str | None
    parent_id: int | None

    class Meta:
        table = "value_note"
        indexes = (("organization_id", "period_id", "field_key"),)
