"""Snapshots: aggregation runs (``runs``), their lifecycle (``lifecycle``: trigger, read,
invalidate, delete), values by section, manual values, validation, automatic re-aggregation and
the live topics (``live``: the legacy watch stream and GraphQL subscriptions follow them)."""

from .lifecycle import (
    DEFAULT_ESTIMATE_SECONDS,
    Triggered,
    delete,
    estimated_seconds,
    get_for_write,
    get_job_or_raise,
    get_or_raise,
    invalidate,
    latest_job,
    list_,
    rerun,
    trigger,
)
from .run_values import category_breakdown

__all__ = [
    "DEFAULT_ESTIMATE_SECONDS",
    "Triggered",
    "category_breakdown",
    "delete",
    "estimated_seconds",
    "get_for_write",
    "get_job_or_raise",
    "get_or_raise",
    "invalidate",
    "latest_job",
    "list_",
    "rerun",
    "trigger",
]
