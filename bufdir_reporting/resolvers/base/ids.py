"""Every public id the service mints, in one place.

Snapshots and jobs: a prefix and a lower-case ULID (``snap-01hx…``, ``job-agg-01hx…``), sortable by
creation time. Report records keep the contract's ``rpt_`` + upper-case ULID; submissions ``sub_`` the same way.
"""

from __future__ import annotations

from ulid import ULID


def _prefixed(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


def snapshot_id() -> str:
    return _prefixed("snap")


def job_id() -> str:
    return _prefixed("job-agg")


def report_id() -> str:
    return f"rpt_{ULID()}"


def submission_id() -> str:
    return f"sub_{ULID()}"
