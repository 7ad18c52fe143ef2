"""Activities from case-management systems: recorded, corrected, deleted, ingested in bulk; every
write invalidates the snapshots it changes and respects the period lock."""

from .service import (
    IngestResult,
    RowError,
    correct,
    delete,
    get_for_write,
    get_or_raise,
    ingest,
    list_in_range,
    parse_rows,
    public_id,
    record,
    write,
)

__all__ = [
    "IngestResult",
    "RowError",
    "correct",
    "delete",
    "get_for_write",
    "get_or_raise",
    "ingest",
    "list_in_range",
    "parse_rows",
    "public_id",
    "record",
    "write",
]
