"""Activities from case-management systems: recorded, corrected, deleted, ingested in bulk; every
write invalidates the snapshots it changes and respects the period lock."""

from .bulk import (
    Checked,
    IngestResult,
    RowChecks,
    RowError,
    check_rows,
    ingest,
    parse_numbered,
    parse_rows,
    write_all_or_nothing,
    writing,
)
from .service import (
    correct,
    delete,
    get_for_write,
    get_or_raise,
    list_,
    list_in_range,
    public_id,
    record,
    write,
)

__all__ = [
    "Checked",
    "IngestResult",
    "RowChecks",
    "RowError",
    "check_rows",
    "correct",
    "delete",
    "get_for_write",
    "get_or_raise",
    "ingest",
    "list_",
    "list_in_range",
    "parse_numbered",
    "parse_rows",
    "public_id",
    "record",
    "write",
    "write_all_or_nothing",
    "writing",
]
