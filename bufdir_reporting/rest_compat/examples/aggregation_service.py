"""Contract: bufdir-aggregation-service (``/api/v1/bufdir-aggregations``, period-based), its examples verbatim."""

from __future__ import annotations

from ._json import JSON

SERVICE_LIST_ITEM: JSON = {
    "id": "agg-001",
    "org_id": "org-bufdir-42",
    "reporting_period_id": "rp-2024-q4",
    "status": "completed",
    "participant_count": 1842,
    "hours_delivered": 9310.5,
    "activity_count": 274,
    "created_at": "2025-01-05T08:00:00Z",
    "refreshed_at": "2025-01-05T08:12:43Z",
}
SERVICE_GET: JSON = {
    "id": "agg-001",
    "org_id": "org-bufdir-42",
    "reporting_period_id": "rp-2024-q4",
    "status": "completed",
    "participant_count": 1842,
    "hours_delivered": 9310.5,
    "activity_count": 274,
    "bufdir_category_breakdown": {"foreldre_barn": 312, "ungdom": 580, "eldre": 210, "funksjonsnedsettelse": 740},
    "created_at": "2025-01-05T08:00:00Z",
    "refreshed_at": "2025-01-05T08:12:43Z",
}
SERVICE_POST_REQUEST: JSON = {"org_id": "org-bufdir-42", "reporting_period_id": "rp-2025-q1"}
SERVICE_POST_RESPONSE: JSON = {
    "id": "agg-009",
    "org_id": "org-bufdir-42",
    "reporting_period_id": "rp-2025-q1",
    "status": "processing",
    "created_at": "2025-03-26T09:00:00Z",
    "refreshed_at": None,
}
SERVICE_PUT_REQUEST: JSON = {"org_id": "org-bufdir-42", "reporting_period_id": "rp-2024-q4", "force_refresh": True}
SERVICE_PUT_RESPONSE: JSON = {
    "id": "agg-001",
    "org_id": "org-bufdir-42",
    "reporting_period_id": "rp-2024-q4",
    "status": "completed",
    "participant_count": 1855,
    "hours_delivered": 9402,
    "refreshed_at": "2025-03-26T09:15:00Z",
}
SERVICE_METRICS: JSON = {
    "org_id": "org-bufdir-42",
    "period_id": "rp-2024-q4",
    "total_participants": 1842,
    "unique_participants": 1601,
    "total_hours": 9310.5,
    "total_activities": 274,
    "category_distribution": {
        "foreldre_barn": {"participants": 312, "hours": 1560},
        "ungdom": {"participants": 580, "hours": 3100},
    },
}
