"""Contract: bufdir-aggregation-repository (range-based ``/api/v1/bufdir-aggregations``, last submitted period)."""

from __future__ import annotations

from ._json import JSON

REPOSITORY_ITEM: JSON = {
    "id": "agg-snap-001",
    "org_id": "org-bufdir-42",
    "range_start": "2026-01-01T00:00:00Z",
    "range_end": "2026-03-31T23:59:59Z",
    "activity_count": 312,
    "snapshot_at": "2026-03-26T08:00:00Z",
}
REPOSITORY_POST_RESPONSE: JSON = {
    "id": "agg-snap-002",
    "org_id": "org-bufdir-42",
    "range_start": "2026-01-01T00:00:00Z",
    "range_end": "2026-03-31T23:59:59Z",
    "activity_count": 318,
    "snapshot_at": "2026-03-26T11:10:00Z",
}
REPOSITORY_PUT_RESPONSE: JSON = {
    "id": "agg-snap-001",
    "org_id": "org-bufdir-42",
    "range_start": "2026-01-01T00:00:00Z",
    "range_end": "2026-03-31T23:59:59Z",
    "activity_count": 320,
    "snapshot_at": "2026-03-26T11:15:00Z",
}
REPOSITORY_POST_REQUEST: JSON = {
    "org_id": "org-bufdir-42",
    "range": {"start": "2026-01-01T00:00:00Z", "end": "2026-03-31T23:59:59Z"},
}
REPOSITORY_PUT_REQUEST: JSON = {"range": {"start": "2026-01-01T00:00:00Z", "end": "2026-03-31T23:59:59Z"}}
REPOSITORY_ACTIVITY: JSON = {
    "activity_id": "act-10021",
    "org_id": "org-bufdir-42",
    "activity_type": "family_guidance",
    "recorded_at": "2026-01-15T10:30:00Z",
    "participant_count": 4,
    "location": "Oslo",
    "status": "completed",
}
DELETE_AGGREGATION: JSON = {"deleted": True, "id": "agg-001"}
LAST_SUBMITTED: JSON = {
    "org_id": "org-bufdir-42",
    "submitted_period_id": "sub-period-009",
    "period_start": "2025-10-01",
    "period_end": "2026-02-28",
    "submitted_at": "2026-02-28T16:00:00Z",
    "submitted_by": "user-coordinator-07",
    "activity_count": 1203,
}
