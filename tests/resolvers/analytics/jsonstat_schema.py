"""The JSON-stat 2.0 schema's dataset class (https://json-stat.org/format/, "dataset"), written
from the format's specification: the required properties (version, class, id, size, dimension,
value), what each holds, and the optional ones an export of ours writes (label, source, updated,
role, status, extension). A dimension has a category with an index (ids in order, or id ->
position) and labels; value and status are arrays in the order of the dimensions or objects keyed
by position."""

from __future__ import annotations

from typing import Any

_STRINGS = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
_CATEGORY = {
    "type": "object",
    "properties": {
        "index": {"oneOf": [_STRINGS, {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}]},
        "label": {"type": "object", "additionalProperties": {"type": "string"}},
        "note": {"type": "object", "additionalProperties": _STRINGS},
        "unit": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "decimals": {"type": "integer"},
                    "symbol": {"type": "string"},
                    "position": {"enum": ["start", "end"]},
                },
            },
        },
        "child": {"type": "object", "additionalProperties": _STRINGS},
        "coordinates": {"type": "object"},
    },
    "additionalProperties": False,
}
_DATUM = {"anyOf": [{"type": "number"}, {"type": "null"}, {"type": "string"}]}

JSONSTAT_DATASET: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "class", "id", "size", "dimension", "value"],
    "properties": {
        "version": {"const": "2.0"},
        "class": {"const": "dataset"},
        "href": {"type": "string"},
        "label": {"type": "string"},
        "note": _STRINGS,
        "source": {"type": "string"},
        "updated": {"type": "string", "format": "date-time"},
        "error": {"type": "array"},
        "extension": {"type": "object"},
        "link": {"type": "object"},
        "id": {**_STRINGS, "minItems": 1},
        "size": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1},
        "role": {
            "type": "object",
            "properties": {"time": _STRINGS, "geo": _STRINGS, "metric": _STRINGS},
            "additionalProperties": False,
        },
        "dimension": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["category"],
                "properties": {
                    "label": {"type": "string"},
                    "href": {"type": "string"},
                    "note": _STRINGS,
                    "link": {"type": "object"},
                    "extension": {"type": "object"},
                    "category": _CATEGORY,
                },
                "additionalProperties": False,
            },
        },
        "value": {"oneOf": [{"type": "array", "items": _DATUM}, {"type": "object", "additionalProperties": _DATUM}]},
        "status": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": ["string", "null"]}},
                {"type": "object", "additionalProperties": {"type": "string"}},
            ]
        },
    },
    "additionalProperties": False,
}
