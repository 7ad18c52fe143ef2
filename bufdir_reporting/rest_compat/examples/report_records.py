"""Contract: report-history-repository (``/api/v1/report-records``), its examples verbatim."""

from __future__ import annotations

from ._json import JSON

REPORT_RECORD: JSON = {
    "report_id": "rpt_01HX9K2M3N4P5Q6R7S8T9U0V",
    "org_id": "org_bufdir_oslo_42",
    "report_type": "quarterly_activity",
    "period_from": "2025-10-01",
    "period_to": "2025-12-31",
    "status": "completed",
    "file_ref": "reports/org_bufdir_oslo_42/2025-Q4/report_final.xlsx",
    "file_size_bytes": 204800,
    "generated_by": "user_09AXKL2",
    "generated_at": "2026-01-05T08:14:22Z",
    "created_at": "2026-01-05T08:14:22Z",
    "updated_at": "2026-01-05T08:14:25Z",
}
REPORT_POST_REQUEST: JSON = {
    "org_id": "org_bufdir_oslo_42",
    "report_type": "quarterly_activity",
    "period_from": "2026-01-01",
    "period_to": "2026-03-31",
    "status": "pending",
    "file_ref": None,
    "generated_by": "user_09AXKL2",
}
REPORT_POST_RESPONSE: JSON = {
    "report_id": "rpt_04PD6Q0U1V2W3X4Y5Z6A7B8C",
    "org_id": "org_bufdir_oslo_42",
    "report_type": "quarterly_activity",
    "period_from": "2026-01-01",
    "period_to": "2026-03-31",
    "status": "pending",
    "file_ref": None,
    "file_size_bytes": None,
    "generated_by": "user_09AXKL2",
    "generated_at": None,
    "created_at": "2026-03-26T12:00:00Z",
    "updated_at": "2026-03-26T12:00:00Z",
}
REPORT_PUT_REQUEST: JSON = {
    "file_ref": "reports/org_bufdir_oslo_42/2026-Q1/report_final.xlsx",
    "file_size_bytes": 318720,
    "status": "completed",
    "generated_at": "2026-03-26T12:45:00Z",
}
REPORT_PUT_RESPONSE: JSON = {
    "report_id": "rpt_04PD6Q0U1V2W3X4Y5Z6A7B8C",
    "org_id": "org_bufdir_oslo_42",
    "report_type": "quarterly_activity",
    "period_from": "2026-01-01",
    "period_to": "2026-03-31",
    "status": "completed",
    "file_ref": "reports/org_bufdir_oslo_42/2026-Q1/report_final.xlsx",
    "file_size_bytes": 318720,
    "generated_by": "user_09AXKL2",
    "generated_at": "2026-03-26T12:45:00Z",
    "created_at": "2026-03-26T12:00:00Z",
    "updated_at": "2026-03-26T12:45:02Z",
}
REPORT_DELETE_RESPONSE: JSON = {
    "report_id": "rpt_04PD6Q0U1V2W3X4Y5Z6A7B8C",
    "deleted": True,
    "deleted_at": "2026-03-26T13:00:00Z",
}
