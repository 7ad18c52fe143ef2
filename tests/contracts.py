"""The contracts' examples (kept once, in the package: ``rest_compat.examples``) and a shape check against them."""

from __future__ import annotations

from typing import Any

from bufdir_reporting.rest_compat.examples import (
    DELETE_AGGREGATION,
    FIELD_LABEL,
    LAST_SUBMITTED,
    REPORT_DATA_DELETE_RESPONSE,
    REPORT_DATA_GET,
    REPORT_DATA_LIST_ITEM,
    REPORT_DATA_POST_REQUEST,
    REPORT_DATA_POST_RESPONSE,
    REPORT_DATA_PUT_REQUEST,
    REPORT_DATA_PUT_RESPONSE,
    REPORT_DELETE_RESPONSE,
    REPORT_POST_REQUEST,
    REPORT_POST_RESPONSE,
    REPORT_PUT_REQUEST,
    REPORT_PUT_RESPONSE,
    REPORT_RECORD,
    REPOSITORY_ACTIVITY,
    REPOSITORY_ITEM,
    REPOSITORY_POST_REQUEST,
    REPOSITORY_POST_RESPONSE,
    REPOSITORY_PUT_REQUEST,
    REPOSITORY_PUT_RESPONSE,
    REQUIRED_FIELDS,
    SECTION_DELETE_RESPONSE,
    SECTION_GET,
    SECTION_POST_REQUEST,
    SECTION_POST_RESPONSE,
    SECTION_PUT_REQUEST,
    SECTION_PUT_RESPONSE,
    SECTIONS_LIST,
    SERVICE_GET,
    SERVICE_LIST_ITEM,
    SERVICE_METRICS,
    SERVICE_POST_REQUEST,
    SERVICE_POST_RESPONSE,
    SERVICE_PUT_REQUEST,
    SERVICE_PUT_RESPONSE,
    WATCH_EVENT,
)


def assert_shape(actual: Any, example: Any, path: str = "$") -> None:
    """Every key of the example is present with the same JSON type (null matches anything)."""
    if example is None:
        return
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in example.items():
            assert key in actual, f"{path}.{key} is missing"
            assert_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        if example and actual:
            assert_shape(actual[0], example[0], f"{path}[0]")
    elif isinstance(example, bool):
        assert isinstance(actual, bool), f"{path}: expected a boolean, got {actual!r}"
    elif isinstance(example, (int, float)):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), f"{path}: expected a number, got {actual!r}"
    else:
        assert isinstance(actual, type(example)), f"{path}: expected {type(example).__name__}, got {actual!r}"


__all__ = [
    "DELETE_AGGREGATION",
    "FIELD_LABEL",
    "LAST_SUBMITTED",
    "REPORT_DATA_DELETE_RESPONSE",
    "REPORT_DATA_GET",
    "REPORT_DATA_LIST_ITEM",
    "REPORT_DATA_POST_REQUEST",
    "REPORT_DATA_POST_RESPONSE",
    "REPORT_DATA_PUT_REQUEST",
    "REPORT_DATA_PUT_RESPONSE",
    "REPORT_DELETE_RESPONSE",
    "REPORT_POST_REQUEST",
    "REPORT_POST_RESPONSE",
    "REPORT_PUT_REQUEST",
    "REPORT_PUT_RESPONSE",
    "REPORT_RECORD",
    "REPOSITORY_ACTIVITY",
    "REPOSITORY_ITEM",
    "REPOSITORY_POST_REQUEST",
    "REPOSITORY_POST_RESPONSE",
    "REPOSITORY_PUT_REQUEST",
    "REPOSITORY_PUT_RESPONSE",
    "REQUIRED_FIELDS",
    "SECTIONS_LIST",
    "SECTION_DELETE_RESPONSE",
    "SECTION_GET",
    "SECTION_POST_REQUEST",
    "SECTION_POST_RESPONSE",
    "SECTION_PUT_REQUEST",
    "SECTION_PUT_RESPONSE",
    "SERVICE_GET",
    "SERVICE_LIST_ITEM",
    "SERVICE_METRICS",
    "SERVICE_POST_REQUEST",
    "SERVICE_POST_RESPONSE",
    "SERVICE_PUT_REQUEST",
    "SERVICE_PUT_RESPONSE",
    "WATCH_EVENT",
    "assert_shape",
]
