from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OrganizationKind(StrEnum):
    CHILD_WELFARE_SERVICE = "child_welfare_service"
    VOLUNTEER_ORGANIZATION = "volunteer_organization"
    FAMILY_COUNSELLING = "family_counselling"
    OTHER = "other"


class Organization(Model):
    """An organisation that reports to Bufdir. Its id is its stable public key (org-1042)."""

    id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=255)
    org_number = fields.CharField(max_length=9, null=True, unique=True)
    kind = fields.CharEnumField(OrganizationKind, max_length=32, default=OrganizationKind.OTHER)
    parent: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    parent_id: str | None

    class Meta:
        table = "organization"
        ordering = ("id",)
