"""The demo structure's service sections: preventive work, target groups, resources."""

from __future__ import annotations

from typing import Any

from .rules import count, field, hours, participants, share

SECTIONS: list[dict[str, Any]] = [
    {
        "id": "forebyggende-arbeid",
        "title": "Forebyggende arbeid",
        "description": "Forebyggende tiltak og veiledning rettet mot barn, unge og familier.",
        "fields": [
            field("antall_veiledningssamtaler", "Antall veiledningssamtaler", count("individual_counseling"), required=True),
            field(
                "antall_deltakere_veiledning",
                "Antall deltakere i veiledning",
                {
                    "kind": "sum",
                    "measure": "participant_count",
                    "filters": {"activity_types": ["individual_counseling", "family_guidance"]},
                    "temporal": "flow",
                },
                required=True,
            ),
            field(
                "antall_unike_deltakere_veiledning",
                "Antall unike deltakere i veiledning",
                participants("individual_counseling", "family_guidance"),
                required=True,
            ),
            field(
                "timer_veiledning",
                "Timer veiledning",
                hours("individual_counseling", "family_guidance"),
                required=True,
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
            field("antall_gruppetiltak", "Antall gruppetiltak", count("group_activity"), required=True),
            field(
                "antall_avlyste_tiltak",
                "Antall avlyste tiltak",
                {"kind": "count", "filters": {"statuses": ["cancelled"]}, "temporal": "flow"},
            ),
            field(
                "andel_gjennomforte_tiltak",
                "Andel gjennomførte tiltak (%)",
                share(
                    {"kind": "count", "filters": {"statuses": ["completed"]}, "temporal": "flow"},
                    {"kind": "count", "filters": {}, "temporal": "flow"},
                ),
                data_type="percent",
                max_value=100,
                unit="%",
            ),
        ],
    },
    {
        "id": "malgrupper",
        "title": "Målgrupper",
        "description": "Deltakere og timer fordelt på Bufdirs målgruppekategorier.",
        "fields": [
            field(
                "deltakere_foreldre_barn",
                "Deltakere – foreldre og barn",
                participants(categories=("foreldre_barn",)),
                required=True,
            ),
            field("deltakere_ungdom", "Deltakere – ungdom", participants(categories=("ungdom",)), required=True),
            field("deltakere_eldre", "Deltakere – eldre", participants(categories=("eldre",)), required=True),
            field(
                "deltakere_funksjonsnedsettelse",
                "Deltakere – personer med funksjonsnedsettelse",
                participants(categories=("funksjonsnedsettelse",)),
                required=True,
            ),
            field(
                "timer_totalt", "Timer levert totalt", hours(), required=True, data_type="decimal", max_value=None, unit="timer"
            ),
            field(
                "timer_foreldre_barn",
                "Timer – foreldre og barn",
                hours(categories=("foreldre_barn",)),
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
            field(
                "timer_ungdom", "Timer – ungdom", hours(categories=("ungdom",)), data_type="decimal", max_value=None, unit="timer"
            ),
            field(
                "timer_funksjonsnedsettelse",
                "Timer – funksjonsnedsettelse",
                hours(categories=("funksjonsnedsettelse",)),
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
        ],
    },
    {
        "id": "ressurser",
        "title": "Ressurser og bemanning",
        "description": "Årsverk, kompetanse og økonomi (registreres manuelt).",
        "fields": [
            field("antall_arsverk", "Antall årsverk", None, required=True, data_type="decimal", max_value=10000, unit="årsverk"),
            field(
                "har_internkontroll",
                "Har internkontroll etter forskrift",
                None,
                required=True,
                data_type="boolean",
                min_value=None,
                max_value=None,
            ),
            field(
                "brutto_driftsutgifter",
                "Brutto driftsutgifter (1000 kr)",
                None,
                required=True,
                data_type="decimal",
                max_value=None,
                unit="1000 kr",
            ),
            field("antall_stillinger_ledige", "Antall ledige stillinger", None),
            field("merknader_ressurser", "Merknader til ressurser", None, data_type="text", min_value=None, max_value=None),
        ],
    },
]
