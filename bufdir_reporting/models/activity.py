from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from .organization import Organization


class Activity(Model):
    """One activity or case event recorded in a case-management system (fagsystem).

    occurred_at places a *flow* in a period. An activity with ended_at also describes a
    state (a placement, an ongoing measure) that counts in *stock* figures while it lasts.
    A deleted activity keeps its row with deleted_at set, so history can be explained.
    """

    id = fields.BigIntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="activities", on_delete=fields.RESTRICT
    )
    source_system = fields.CharField(max_length=64)
    external_id = fields.CharField(max_length=128, null=True)
    activity_type = fields.CharField(max_length=64)
    category = fields.CharField(max_length=32)
    status = fields.CharField(max_length=32)
    location = fields.CharField(max_length=128, null=True)
    occurred_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    recorded_at = fields.DatetimeField()
    participant_count = fields.IntField(default=0)
    hours = fields.DecimalField(max_digits=10, decimal_places=2, default=0)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    organization_id: str

    class Meta:
        table = "activity"
        unique_together = (("organization", "source_system", "external_id"),)
        # (organization, activity type): the aggregation engine reads the activities open at a
        # period's end of only the types its stock rules count, not the organisation's whole
        # history (bench S4).
        indexes = (("organization_id", "occurred_at"), ("organization_id", "ended_at"), ("organization_id", "activity_type"))


class ActivityParticipant(Model):
    """A pseudonymous participant reference of an activity, for unique-participant counts."""

    id = fields.BigIntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "bufdir.Activity", related_name="participants", on_delete=fields.CASCADE
    )
    participant_ref = fields.CharField(max_length=64)

    activity_id: int

    class Meta:
        table = "activity_participant"
        unique_together = (("activity", "participant_ref"),)
        indexes = (("participant_ref",),)
