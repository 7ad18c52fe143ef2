from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DataChange(Model):
    """One committed change, under the part of the data it changed (``scope``): ``org:<id>`` for
    an organisation's data (written for the organisation and every one above it), ``*`` for
    what every answer may read (the structure, the organisation tree, forms, rules, access).
    The response cache keys an answer by the newest id of each scope it read
    (``resolvers.base.changes``). Written in the transaction of the change; only rows that are
    not their scope's newest are ever deleted, so a scope's newest id never goes back."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=80)

    class Meta:
        table = "data_change"
        indexes = (("scope", "id"),)
