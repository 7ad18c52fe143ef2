"""A snapshot's values as the planner writes them: ``Snapshot.sections`` (the values grouped by
section, ``section_values.by_section``), ``Snapshot.fieldValues`` and ``FieldValue``'s fields,
read from a value row and its definition (aliases ``v|d``)."""

from __future__ import annotations

from collections.abc import Callable

from graphql import FieldNode, GraphQLField

from .expressions import (
    instant,
    json_items,
    json_list,
    json_object,
    plain_decimal,
    string,
    typename,
)
from .planner import FieldCompiler, NotCovered, Planner, fields_of, key_of


def _snapshot_sections(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``section_values.by_section``: the sections its values name, by (order, id) as Python
    sorts them (``COLLATE "C"``: code points), each with its values by (position, id). The
    values are read once and grouped by section (one scan a snapshot, not one a section). Each
    section's aggregate sorts its values on its own (PostgreSQL 15); one sort of every value by
    (section, position) with ``lag``/``lead`` opening and closing the sections was tried and
    cost more, its window node's set-up above the small sorts it saved (1.03 to 1.06 times the
    statement's CPU; bench/README, S11's dashboard statement, second pass)."""
    section, grouped, v, d = planner.alias("c"), planner.alias("g"), planner.alias("v"), planner.alias("d")
    pairs: list[tuple[str, str]] = []
    values = ""
    if node.selection_set is None:
        raise NotCovered("sections without a selection")
    for child in fields_of(node.selection_set):
        name = child.name.value
        if child.arguments:
            raise NotCovered("arguments of SnapshotSection")
        if name == "__typename":
            pairs.append((key_of(child), typename("SnapshotSection")))
        elif name == "id":
            pairs.append((key_of(child), string(f"{alias}.id || '/' || {section}.id")))
        elif name == "section":
            pairs.append((key_of(child), planner.selection("Section", child, section)))
        elif name == "fieldValues" and not values:
            item = planner.selection("FieldValue", child, f"{v}|{d}")
            values = f", {json_items(item, f'{d}.position, {d}.id')} AS field_values"
            pairs.append((key_of(child), f"'[' || {grouped}.field_values || ']'"))
        else:
            raise NotCovered(f"SnapshotSection.{name}")
    by_section = (
        f"(SELECT {v}.section_key{values} FROM field_value {v} JOIN field_definition {d} ON {d}.id = {v}.field_definition_id "
        f"WHERE {v}.snapshot_id = {alias}.id GROUP BY {v}.section_key) {grouped}"
    )
    return json_list(
        json_object(pairs),
        f"FROM {by_section} JOIN section {section} ON {section}.id = {grouped}.section_key",
        f'{section}."order", {section}.id COLLATE "C"',
    )


def _snapshot_field_values(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``section_values.values_of``: every value of the snapshot row ``alias`` with its
    definition, in the order they were stored (by id)."""
    v, d = planner.alias("v"), planner.alias("d")
    source = (
        f"FROM field_value {v} JOIN field_definition {d} ON {d}.id = {v}.field_definition_id WHERE {v}.snapshot_id = {alias}.id"
    )
    return json_list(planner.selection("FieldValue", node, f"{v}|{d}"), source, f"{v}.id")


def _value(column: Callable[[str, str], str]) -> FieldCompiler:
    """A FieldValue field, from the value row and its definition (aliases ``v|d``), as JSON text."""

    def compile_field(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
        value, field_definition = alias.split("|")
        return column(value, field_definition)

    return compile_field


def _boolean(column: str) -> Callable[[str, str], str]:
    """``FieldValue.of``: for a BOOLEAN field, the number as true (not zero) or false."""
    return lambda v, d: f"CASE WHEN {d}.data_type = 'boolean' AND {v}.{column} IS NOT NULL THEN ({v}.{column} <> 0)::text END"


def _field_label(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """The stored label: Bokmål, what ``FieldValue.label`` answers only for a request in Bokmål
    (the request's language is checked per request, as for titles)."""
    planner.titles = True
    _, field_definition = alias.split("|")
    return string(f"{field_definition}.label")


FIELDS: dict[tuple[str, str], FieldCompiler] = {
    ("Snapshot", "sections"): _snapshot_sections,
    ("Snapshot", "fieldValues"): _snapshot_field_values,
    ("FieldValue", "id"): _value(lambda v, d: string(f"{v}.snapshot_id || '/' || {v}.field_key")),
    ("FieldValue", "fieldKey"): _value(lambda v, d: string(f"{v}.field_key")),
    ("FieldValue", "label"): _field_label,
    ("FieldValue", "value"): _value(lambda v, d: plain_decimal(f"{v}.value")),
    ("FieldValue", "textValue"): _value(lambda v, d: string(f"{v}.text_value")),
    ("FieldValue", "priorValue"): _value(lambda v, d: plain_decimal(f"{v}.prior_value")),
    ("FieldValue", "priorTextValue"): _value(lambda v, d: string(f"{v}.prior_text_value")),
    ("FieldValue", "change"): _value(lambda v, d: plain_decimal(f"({v}.value - {v}.prior_value)")),
    ("FieldValue", "booleanValue"): _value(_boolean("value")),
    ("FieldValue", "priorBooleanValue"): _value(_boolean("prior_value")),
    ("FieldValue", "dataSource"): _value(lambda v, d: string(f"{v}.data_source")),
    ("FieldValue", "setBy"): _value(lambda v, d: string(f"{v}.set_by")),
    ("FieldValue", "setAt"): _value(lambda v, d: instant(f"{v}.set_at")),
}
"""The snapshot's values: the (type, field) pairs this module compiles."""
