from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class EventLog(Model):
    """Published events, kept for a short while so a watch stream can resume from
    Last-Event-ID on any replica. The id is the event id clients see."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=200)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event_log"
        indexes = (("channel", "id"), ("created_at",))
