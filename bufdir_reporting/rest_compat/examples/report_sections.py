"""Contract: report-sections (``/api/v1/report-sections``), its examples verbatim."""

from __future__ import annotations

from ._json import JSON

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
