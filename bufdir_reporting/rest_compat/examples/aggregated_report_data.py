"""Contract: aggregated-report-data (``/api/v1/aggregated-report-data`` and ``GET /watch``), its examples verbatim."""

from __future__ import annotations

from ._json import JSON

REPORT_DATA_LIST_ITEM: JSON = {
    "snapshot_id": "snap-001",
    "organization_id": "org-1042",
    "organization_name": "Barnevernstjenesten Oslo Sør",
    "period_id": "2024",
    "snapshot_status": "current",
    "field_count": 34,
    "populated_field_count": 32,
    "cache_valid": True,
    "aggregated_at": "2026-03-25T14:00:00Z",
}
REPORT_DATA_GET: JSON = {
    "snapshot_id": "snap-001",
    "organization_id": "org-1042",
    "organization_name": "Barnevernstjenesten Oslo Sør",
    "period_id": "2024",
    "snapshot_status": "current",
    "cache_valid": True,
    "aggregated_at": "2026-03-25T14:00:00Z",
    "sections": [
        {
            "section_id": "barn-under-omsorg",
            "section_title": "Barn under omsorg",
            "fields": [
                {
                    "field_key": "antall_barn_plassert_utenfor_hjemmet",
                    "value": 47,
                    "prior_period_value": 52,
                    "data_source": "fagsystem-cis",
                },
                {
                    "field_key": "antall_akuttplasseringer",
                    "value": 8,
                    "prior_period_value": 6,
                    "data_source": "fagsystem-cis",
                },
            ],
        }
    ],
    "prior_period": {"period_id": "2023", "snapshot_id": "snap-002", "aggregated_at": "2025-01-08T10:00:00Z"},
}
REPORT_DATA_POST_REQUEST: JSON = {"organization_id": "org-1042", "period_id": "2024", "force_reaggregate": False}
REPORT_DATA_POST_RESPONSE: JSON = {
    "snapshot_id": "snap-003",
    "organization_id": "org-1042",
    "period_id": "2024",
    "snapshot_status": "processing",
    "job_id": "job-agg-8821",
    "estimated_completion_seconds": 12,
    "aggregated_at": None,
    "created_at": "2026-03-26T09:00:00Z",
}
REPORT_DATA_PUT_REQUEST: JSON = {"invalidate_cache": True, "reason": "Fagsystem data updated after deadline extension"}
REPORT_DATA_PUT_RESPONSE: JSON = {
    "snapshot_id": "snap-001",
    "organization_id": "org-1042",
    "period_id": "2024",
    "snapshot_status": "processing",
    "cache_valid": False,
    "invalidation_reason": "Fagsystem data updated after deadline extension",
    "job_id": "job-agg-8822",
    "invalidated_at": "2026-03-26T09:05:00Z",
}
REPORT_DATA_DELETE_RESPONSE: JSON = {"deleted": True, "snapshot_id": "snap-003", "cache_cleared": True}
WATCH_EVENT: JSON = {
    "event": "data_updated",
    "snapshot_id": "snap-001",
    "organization_id": "org-1042",
    "period_id": "2024",
    "changed_sections": ["undersokelser"],
    "changed_field_keys": ["antall_undersokelser_henlagt"],
    "updated_at": "2026-03-26T09:12:00Z",
}
