"""Field versions over time: how a change to the field list is written.

A change applies from an effective date E (the start of a period, or today). The open version
of a changed or dropped field is closed at E and a changed field gets a new version from E, so
every period that ended before E keeps resolving the version it was reported with. A version
that starts at E itself never applied to an ended period and is rewritten in place.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from ...errors import Conflict
from ...models import FieldDefinition, FieldValue, Section
from .inputs import FieldSpec
from .rules import AggregationRule


def _attributes(spec: FieldSpec) -> dict[str, Any]:
    return {
        "label": spec.label,
        "description": spec.description,
        "data_type": spec.data_type,
        "required": spec.required,
        "min_value": spec.min_value,
        "max_value": spec.max_value,
        "unit": spec.unit,
        "explain_large_change": spec.explain_large_change,
        "aggregation_rule": spec.aggregation_rule.stored() if spec.aggregation_rule else None,
    }


def _unchanged(version: FieldDefinition, attributes: dict[str, Any]) -> bool:
    current = {name: getattr(version, name) for name in attributes}
    current["aggregation_rule"] = AggregationRule.canonical(version.aggregation_rule)
    return all(_normal(current[name]) == _normal(value) for name, value in attributes.items())


def _normal(value: Any) -> Any:
    return value.normalize() if hasattr(value, "normalize") else value


def _refuse_before_scheduled(version: FieldDefinition, effective: date) -> NoReturn:
    raise Conflict(
        details={"field": version.key, "scheduled_from": str(version.valid_from)},
        message_id="structure.versions.field_change_scheduled_change",
        values={"key": version.key, "valid_from": version.valid_from, "effective": effective},
    )


async def _close(version: FieldDefinition, effective: date) -> None:
    if version.valid_from > effective:
        _refuse_before_scheduled(version, effective)
    version.valid_to = effective
    version.open_key = None
    await version.save(update_fields=["valid_to", "open_key"])


async def _ensure_key_free(section: Section, key: str) -> None:
    holder = await FieldDefinition.filter(open_key=key).exclude(section_id=section.id).first()
    if holder is not None:
        raise Conflict(
            details={"field": key, "section_id": holder.section_id},
            message_id="structure.versions.field_key_already_used",
            values={"key": key, "section_id": holder.section_id},
        )


async def replace_fields(section: Section, specs: list[FieldSpec], effective: date) -> bool:
    """Write the section's field list as it applies from ``effective``; whether any field's
    version changed (a changed position alone changes no value). A field with a change scheduled
    after ``effective`` is refused whether or not the list repeats it: the list says what holds
    from ``effective`` on, and the scheduled version would silently contradict it."""
    open_versions = {f.key: f for f in await FieldDefinition.filter(section_id=section.id, valid_to=None)}
    changed = False
    for position, spec in enumerate(specs, start=1):
        attributes = _attributes(spec)
        version = open_versions.pop(spec.field_key, None)
        if version is not None and version.valid_from > effective:
            _refuse_before_scheduled(version, effective)
        if version is not None and (_unchanged(version, attributes) or version.valid_from == effective):
            changed = changed or not _unchanged(version, attributes)
            version.update_from_dict({**attributes, "position": position})
            await version.save()
            continue
        if version is not None:
            await _close(version, effective)
        else:
            await _ensure_key_free(section, spec.field_key)
        await FieldDefinition.create(
            section=section,
            key=spec.field_key,
            open_key=spec.field_key,
            position=position,
            valid_from=effective,
            **attributes,
        )
        changed = True
    for dropped in open_versions.values():
        await close_or_remove(dropped, effective)
        changed = True
    return changed


async def close_or_remove(version: FieldDefinition, effective: date) -> None:
    """Close a version at ``effective``; one that starts there never applied and is removed."""
    if version.valid_from == effective and not await FieldValue.exists(field_definition_id=version.id):
        await version.delete()
        return
    await _close(version, effective)
