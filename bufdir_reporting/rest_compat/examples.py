"""The five contracts' examples, copied verbatim from their documents (never edited to fit this
service): the OpenAPI document shows them, and the contract tests send them and check answers
against them (tests/contracts.py)."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

SECTIONS_LIST: JSON = {
    "data": [
        {
            "section_id": "barn-under-omsorg",
            "section_title": "Barn under omsorg",
            "section_order": 1,
            "description": "Registreringer knyttet til barn plassert utenfor hjemmet.",
            "required_field_count": 6,
            "total_field_count": 12,
            "is_active": True,
        },
        {
            "section_id": "undersokelser",
            "section_title": "Undersøkelser",
            "section_order": 2,
            "description": "Undersøkelser etter meldinger til barnevernet.",
            "required_field_count": 5,
            "total_field_count": 9,
            "is_active": True,
        },
        {
            "section_id": "hjelpetiltak",
            "section_title": "Hjelpetiltak",
            "section_order": 3,
            "description": "Frivillige hjelpetiltak for barn og familier.",
            "required_field_count": 4,
            "total_field_count": 8,
            "is_active": True,
        },
    ],
    "pagination": {"page": 1, "limit": 20, "total": 7},
}

SECTION_GET: JSON = {
    "section_id": "barn-under-omsorg",
    "section_title": "Barn under omsorg",
    "section_order": 1,
    "description": "Registreringer knyttet til barn plassert utenfor hjemmet.",
    "is_active": True,
    "fields": [
        {
            "field_key": "antall_barn_plassert_utenfor_hjemmet",
            "label": "Antall barn plassert utenfor hjemmet",
            "data_type": "integer",
            "required": True,
            "min_value": 0,
            "max_value": 99999,
        },
        {
            "field_key": "antall_akuttplasseringer",
            "label": "Antall akuttplasseringer",
            "data_type": "integer",
            "required": True,
            "min_value": 0,
            "max_value": 99999,
        },
        {
            "field_key": "andel_barn_i_fosterhjem",
            "label": "Andel barn i fosterhjem (%)",
            "data_type": "decimal",
            "required": False,
            "min_value": 0,
            "max_value": 100,
        },
    ],
    "required_fields": [
        "antall_barn_plassert_utenfor_hjemmet",
        "antall_akuttplasseringer",
        "antall_omsorgsovertakelser",
        "antall_tilbakeforing_til_hjemmet",
        "antall_barn_i_fosterhjem",
        "antall_barn_i_institusjon",
    ],
}

SECTION_POST_REQUEST: JSON = {
    "section_id": "familievernkontor",
    "section_title": "Familievernkontor",
    "section_order": 8,
    "description": "Tjenester levert av familievernkontorer.",
    "is_active": True,
    "fields": [
        {"field_key": "antall_saker_behandlet", "label": "Antall saker behandlet", "data_type": "integer", "required": True},
        {"field_key": "antall_meglinger", "label": "Antall meglinger gjennomført", "data_type": "integer", "required": True},
    ],
}

SECTION_POST_RESPONSE: JSON = {
    "section_id": "familievernkontor",
    "section_title": "Familievernkontor",
    "section_order": 8,
    "is_active": True,
    "required_field_count": 2,
    "total_field_count": 2,
    "created_at": "2026-03-26T09:00:00Z",
}

SECTION_PUT_REQUEST: JSON = {
    "section_title": "Familievern og megling",
    "section_order": 8,
    "is_active": True,
    "fields": [
        {"field_key": "antall_saker_behandlet", "label": "Antall saker behandlet", "data_type": "integer", "required": True},
        {"field_key": "antall_meglinger", "label": "Antall meglinger gjennomført", "data_type": "integer", "required": True},
        {
            "field_key": "antall_barn_involvert",
            "label": "Antall barn involvert i saker",
            "data_type": "integer",
            "required": False,
        },
    ],
}

SECTION_PUT_RESPONSE: JSON = {
    "section_id": "familievernkontor",
    "section_title": "Familievern og megling",
    "section_order": 8,
    "is_active": True,
    "required_field_count": 2,
    "total_field_count": 3,
    "updated_at": "2026-03-26T09:10:00Z",
}

SECTION_DELETE_RESPONSE: JSON = {"deleted": True, "section_id": "familievernkontor", "soft_delete": True}

FIELD_LABEL: JSON = {
    "field_key": "antall_akuttplasseringer",
    "label": "Antall akuttplasseringer",
    "description": "Totalt antall akuttplasseringer gjennomført i rapporteringsperioden.",
    "section_id": "barn-under-omsorg",
    "section_title": "Barn under omsorg",
}

REQUIRED_FIELDS: JSON = {
    "period_id": "2024",
    "total_required_fields": 34,
    "required_fields": [
        {
            "field_key": "antall_barn_plassert_utenfor_hjemmet",
            "label": "Antall barn plassert utenfor hjemmet",
            "section_id": "barn-under-omsorg",
            "section_title": "Barn under omsorg",
        },
        {
            "field_key": "antall_akuttplasseringer",
            "label": "Antall akuttplasseringer",
            "section_id": "barn-under-omsorg",
            "section_title": "Barn under omsorg",
        },
        {
            "field_key": "antall_undersokelser_igangsatt",
            "label": "Antall undersøkelser igangsatt",
            "section_id": "undersokelser",
            "section_title": "Undersøkelser",
        },
    ],
}

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
LAST_SUBMITTED: JSON = {
    "org_id": "org-bufdir-42",
    "submitted_period_id": "sub-period-009",
    "period_start": "2025-10-01",
    "period_end": "2026-02-28",
    "submitted_at": "2026-02-28T16:00:00Z",
    "submitted_by": "user-coordinator-07",
    "activity_count": 1203,
}
WATCH_EVENT: JSON = {
    "event": "data_updated",
    "snapshot_id": "snap-001",
    "organization_id": "org-1042",
    "period_id": "2024",
    "changed_sections": ["undersokelser"],
    "changed_field_keys": ["antall_undersokelser_henlagt"],
    "updated_at": "2026-03-26T09:12:00Z",
}
