"""Who acts through a national identity provider, and for which organisations.

- ``Delegation``: a vendor (the *supplier*, a fagsystem's organisation number) may act for an
  organisation (the *consumer*) with that consumer's Maskinporten scopes. Recorded by an admin
  when the consumer's agreement says so; Maskinporten's own delegation (through Altinn) needs
  no row, its token shows it.
- ``Person`` and ``PersonAssignment``: a person logged in through ID-porten, and the
  organisations they act for with a role. The national identity number (``pid``) is personal
  data the service needs only to recognise the person again, so it is stored as a keyed hash
  (HMAC-SHA256 with ``BUFDIR_PID_HASH_KEY``): a copy of the table names nobody without the key,
  and the number in a token still finds its row.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .organization import Organization


class Delegation(Model):
    """A supplier acts for a consumer (both organisation numbers, nine digits)."""

    id = fields.IntField(primary_key=True)
    supplier_org_number = fields.CharField(max_length=9)
    consumer_org_number = fields.CharField(max_length=9)
    created_by = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity_delegation"
        unique_together = (("supplier_org_number", "consumer_org_number"),)


class PersonRole(StrEnum):
    COORDINATOR = "coordinator"
    """Reports for the organisation: reads and writes its data."""
    REVIEWER = "reviewer"
    """Bufdir's case officer for the organisation and what is under it: reads and reviews."""
    ADMIN = "admin"


class Person(Model):
    id = fields.IntField(primary_key=True)
    pid_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity_person"


class PersonAssignment(Model):
    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "bufdir.Person", related_name="assignments", on_delete=fields.CASCADE
    )
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="person_assignments", null=True, on_delete=fields.CASCADE
    )
    """None for an admin or a reviewer of every organisation."""
    role = fields.CharEnumField(PersonRole, max_length=16)
    created_by = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    person_id: int
    organization_id: str | None

    class Meta:
        table = "identity_person_assignment"
        unique_together = (("person", "organization", "role"),)
