"""The report structure: ordered sections of field definitions, valid over time.

A structure change applies from a date (the start of a period) onward: a replaced field version
gets valid_to and its successor valid_from of that date, so a past period still resolves
the fields that applied then. The version in force today has valid_to NULL; open_key
repeats its key under a unique index so two open versions of one key cannot exist.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

DIGITS, PLACES = 20, 4
"""How every stored number of the report is kept (bounds, values, prior values)."""
STORED_LIMIT = Decimal(10) ** (DIGITS - PLACES)
"""Every stored number is below this in magnitude; a larger one cannot be stored (PostgreSQL
refuses it), so inputs are refused before they get that far."""


class FieldDataType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    TEXT = "text"
    BOOLEAN = "boolean"


class Section(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    title = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    order = fields.IntField()
    is_active = fields.BooleanField(default=True)
    valid_from = fields.DateField()
    valid_to = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "section"
        ordering = ("order", "id")
        indexes = (("is_active", "order"),)


class FieldDefinition(Model):
    """One field of the report. aggregation_rule NULL means the value is entered by hand."""

    id = fields.IntField(primary_key=True)
    section: fields.ForeignKeyRelation[Section] = fields.ForeignKeyField(
        "bufdir.Section", related_name="fields", on_delete=fields.RESTRICT
    )
    key = fields.CharField(max_length=64)
    open_key = fields.CharField(max_length=64, null=True, unique=True)
    label = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    data_type = fields.CharEnumField(FieldDataType, max_length=16)
    required = fields.BooleanField(default=False)
    min_value = fields.DecimalField(max_digits=DIGITS, decimal_places=PLACES, null=True)
    max_value = fields.DecimalField(max_digits=DIGITS, decimal_places=PLACES, null=True)
    unit = fields.CharField(max_length=32, null=True)
    # True: a large change against the prior period must be explained before submission (else optional)
    explain_large_change = fields.BooleanField(default=False, db_default=False)
    position = fields.IntField()
    aggregation_rule: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    valid_from = fields.DateField()
    valid_to = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    section_id: str

    class Meta:
        table = "field_definition"
        ordering = ("section_id", "position", "id")
        unique_together = (("key", "valid_from"),)
        indexes = (("section_id", "valid_from"),)


class StructureRevision(Model):
    """One row: a token replaced in the same transaction as every change to the report
    structure, so a process may keep the structure in force cached under the token it read
    (``resolvers.base.revision``) and never serve one that changed since."""

    id = fields.IntField(primary_key=True)
    token = fields.CharField(max_length=32)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "structure_revision"
