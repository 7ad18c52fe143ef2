from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """Append-only record of every write: who, when, what, before and after.

    Written in the same transaction as the change it records. On PostgreSQL a trigger refuses
    UPDATE and DELETE of rows (migration 0003); the service itself never changes an entry.
    """

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=128)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=160)
    organization_id = fields.CharField(max_length=64, null=True)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)

    class Meta:
        table = "audit_entry"
        ordering = ("-id",)
        indexes = (("organization_id", "id"), ("entity_type", "entity_id"))
