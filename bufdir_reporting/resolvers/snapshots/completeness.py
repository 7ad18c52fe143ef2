"""How complete a snapshot is: the fields of its structure, those with a value, the required ones
without. One rule for every writer of a snapshot's values (a run counts the values it writes, a
manual value recounts the stored ones) and for validation's REQUIRED_MISSING findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...models import FieldDefinition, FieldValue, Snapshot
from ..base.loaders import FieldValueRow


def reported(value: FieldValue | FieldValueRow) -> bool:
    """A value was reported: a number (zero too) or text; NULL is "not reported"."""
    return value.value is not None or value.text_value is not None


def completeness(definitions: Sequence[FieldDefinition], values: Sequence[FieldValue]) -> dict[str, Any]:
    """The snapshot's counts for ``values`` under ``definitions``; missing required fields in the
    definitions' order."""
    populated = {value.field_key for value in values if reported(value)}
    return {
        "field_count": len(definitions),
        "populated_field_count": len(populated),
        "missing_required_fields": [d.key for d in definitions if d.required and d.key not in populated],
    }


async def recount(snapshot: Snapshot) -> None:
    """Count the stored values again (after a manual value changed), each under the definition it
    was written for, in the order they were written (the structure's)."""
    values = await FieldValue.filter(snapshot_id=snapshot.id).order_by("id")
    definitions = {d.id: d for d in await FieldDefinition.filter(id__in=[v.field_definition_id for v in values])}
    counts = completeness([definitions[v.field_definition_id] for v in values], values)
    snapshot.populated_field_count = counts["populated_field_count"]
    snapshot.missing_required_fields = counts["missing_required_fields"]
    await snapshot.save(update_fields=["populated_field_count", "missing_required_fields", "updated_at"])
