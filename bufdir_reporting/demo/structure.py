"""The Bufdir report structure of the demo data: 7 sections, 34 required fields.

Rules use the aggregation-rule shape the engine reads: ``kind`` (count, sum,
count_distinct_participants, ratio; no rule means manual entry), ``measure`` for sums,
``filters`` on activity types, categories, statuses and locations, and ``temporal``
(``flow``: what happened in the period; ``stock``: what was ongoing at its end).
"""

from __future__ import annotations

from typing import Any

Rule = dict[str, Any]


def count(*types: str, statuses: tuple[str, ...] = (), temporal: str = "flow") -> Rule:
    filters: dict[str, list[str]] = {"activity_types": list(types)}
    if statuses:
        filters["statuses"] = list(statuses)
    return {"kind": "count", "filters": filters, "temporal": temporal}


def stock(*types: str) -> Rule:
    return count(*types, temporal="stock")


def hours(*types: str, categories: tuple[str, ...] = ()) -> Rule:
    filters: dict[str, list[str]] = {}
    if types:
        filters["activity_types"] = list(types)
    if categories:
        filters["categories"] = list(categories)
    return {"kind": "sum", "measure": "hours", "filters": filters, "temporal": "flow"}


def participants(*types: str, categories: tuple[str, ...] = ()) -> Rule:
    filters: dict[str, list[str]] = {}
    if types:
        filters["activity_types"] = list(types)
    if categories:
        filters["categories"] = list(categories)
    return {"kind": "count_distinct_participants", "filters": filters, "temporal": "flow"}


def share(numerator: Rule, denominator: Rule) -> Rule:
    return {"kind": "ratio", "numerator": numerator, "denominator": denominator, "scale": 100}


def field(
    key: str,
    label: str,
    rule: Rule | None,
    *,
    required: bool = False,
    data_type: str = "integer",
    description: str = "",
    min_value: float | None = 0,
    max_value: float | None = 99999,
    unit: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "description": description,
        "data_type": data_type,
        "required": required,
        "min_value": min_value,
        "max_value": max_value,
        "unit": unit,
        "aggregation_rule": rule,
    }


PLACEMENTS = ("placement_foster_home", "placement_institution", "placement_emergency_home")

SECTIONS: list[dict[str, Any]] = [
    {
        "id": "barn-under-omsorg",
        "title": "Barn under omsorg",
        "description": "Registreringer knyttet til barn plassert utenfor hjemmet.",
        "fields": [
            field(
                "antall_barn_plassert_utenfor_hjemmet",
                "Antall barn plassert utenfor hjemmet",
                stock(*PLACEMENTS),
                required=True,
                description="Barn som bor utenfor hjemmet ved periodens slutt.",
            ),
            field(
                "antall_akuttplasseringer",
                "Antall akuttplasseringer",
                count("emergency_placement"),
                required=True,
                description="Totalt antall akuttplasseringer gjennomført i rapporteringsperioden.",
            ),
            field(
                "antall_omsorgsovertakelser",
                "Antall omsorgsovertakelser",
                count("care_order"),
                required=True,
                description="Vedtak om omsorgsovertakelse fattet i perioden.",
            ),
            field(
                "antall_tilbakeforing_til_hjemmet",
                "Antall tilbakeføringer til hjemmet",
                count("reunification"),
                required=True,
                description="Barn tilbakeført til foreldrene i perioden.",
            ),
            field(
                "antall_barn_i_fosterhjem",
                "Antall barn i fosterhjem",
                stock("placement_foster_home"),
                required=True,
                description="Barn i fosterhjem ved periodens slutt.",
            ),
            field(
                "antall_barn_i_institusjon",
                "Antall barn i institusjon",
                stock("placement_institution"),
                required=True,
                description="Barn i barneverninstitusjon ved periodens slutt.",
            ),
            field(
                "andel_barn_i_fosterhjem",
                "Andel barn i fosterhjem (%)",
                share(stock("placement_foster_home"), stock(*PLACEMENTS)),
                data_type="decimal",
                max_value=100,
                unit="%",
                description="Barn i fosterhjem som andel av alle plasserte barn.",
            ),
            field(
                "antall_barn_i_beredskapshjem",
                "Antall barn i beredskapshjem",
                stock("placement_emergency_home"),
                description="Barn i beredskapshjem ved periodens slutt.",
            ),
            field(
                "antall_flyttinger",
                "Antall flyttinger mellom plasseringer",
                count("relocation"),
                description="Flyttinger av barn mellom fosterhjem og institusjoner.",
            ),
            field(
                "antall_samvaersavtaler",
                "Antall samværsavtaler fulgt opp",
                count("contact_visit", statuses=("completed",)),
                description="Gjennomførte samvær mellom barn og foreldre.",
            ),
            field(
                "antall_tilsynsbesok",
                "Antall tilsynsbesøk i fosterhjem",
                count("supervision_visit", statuses=("completed",)),
                description="Gjennomførte tilsynsbesøk.",
            ),
            field(
                "merknader_omsorg",
                "Merknader til omsorgstallene",
                None,
                data_type="text",
                min_value=None,
                max_value=None,
                description="Fritekst: forhold som forklarer tallene.",
            ),
        ],
    },
    {
        "id": "undersokelser",
        "title": "Undersøkelser",
        "description": "Undersøkelser etter meldinger til barnevernet.",
        "fields": [
            field("antall_meldinger_mottatt", "Antall meldinger mottatt", count("report_received"), required=True),
            field("antall_undersokelser_igangsatt", "Antall undersøkelser igangsatt", count("investigation"), required=True),
            field(
                "antall_undersokelser_henlagt",
                "Antall undersøkelser henlagt",
                count("investigation", statuses=("dropped",)),
                required=True,
            ),
            field(
                "antall_undersokelser_med_tiltak",
                "Antall undersøkelser avsluttet med tiltak",
                count("investigation", statuses=("concluded_with_measures",)),
                required=True,
            ),
            field(
                "antall_fristoverskridelser",
                "Antall undersøkelser med fristoverskridelse",
                count("investigation_deadline_breach"),
                required=True,
            ),
            field(
                "andel_undersokelser_med_tiltak",
                "Andel undersøkelser med tiltak (%)",
                share(count("investigation", statuses=("concluded_with_measures",)), count("investigation")),
                data_type="percent",
                max_value=100,
                unit="%",
            ),
            field("antall_barn_i_undersokelser", "Antall barn berørt av undersøkelser", participants("investigation")),
            field(
                "timer_undersokelser",
                "Timer brukt på undersøkelser",
                hours("investigation"),
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
            field(
                "gjennomsnittlig_saksbehandlingstid",
                "Gjennomsnittlig saksbehandlingstid (dager)",
                None,
                data_type="decimal",
                max_value=365,
                unit="dager",
            ),
        ],
    },
    {
        "id": "hjelpetiltak",
        "title": "Hjelpetiltak",
        "description": "Frivillige hjelpetiltak for barn og familier.",
        "fields": [
            field(
                "antall_barn_med_hjelpetiltak",
                "Antall barn med hjelpetiltak",
                participants("family_guidance", "respite_care", "visiting_home", "home_support"),
                required=True,
            ),
            field(
                "antall_foreldreveiledninger",
                "Antall foreldreveiledninger",
                count("family_guidance", statuses=("completed",)),
                required=True,
            ),
            field(
                "timer_hjelpetiltak",
                "Timer levert i hjelpetiltak",
                hours("family_guidance", "respite_care", "visiting_home", "home_support"),
                required=True,
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
            field("antall_besokshjem", "Antall besøkshjemsordninger", count("visiting_home"), required=True),
            field("antall_avlastningstiltak", "Antall avlastningstiltak", count("respite_care")),
            field(
                "antall_familierad", "Antall familieråd gjennomført", count("family_group_conference", statuses=("completed",))
            ),
            field("antall_tiltak_i_hjemmet", "Antall tiltak i hjemmet", count("home_support")),
            field("antall_tiltaksplaner_evaluert", "Antall tiltaksplaner evaluert", None),
        ],
    },
    {
        "id": "ettervern",
        "title": "Ettervern",
        "description": "Tiltak for ungdom over 18 år som har hatt tiltak fra barnevernet.",
        "fields": [
            field("antall_ungdom_med_ettervern", "Antall ungdommer med ettervern", participants("aftercare"), required=True),
            field("antall_ettervernstiltak", "Antall ettervernstiltak", count("aftercare"), required=True),
            field(
                "antall_ettervern_avsluttet",
                "Antall ettervernstiltak avsluttet",
                count("aftercare", statuses=("completed",)),
                required=True,
            ),
            field(
                "antall_ettervern_avslag",
                "Antall avslag på ettervern",
                count("aftercare", statuses=("cancelled",)),
                required=True,
            ),
            field(
                "timer_ettervern",
                "Timer brukt på ettervern",
                hours("aftercare"),
                required=True,
                data_type="decimal",
                max_value=None,
                unit="timer",
            ),
            field("antall_ettervern_bolig", "Antall ettervernstiltak med bolig", count("aftercare", statuses=("planned",))),
            field("merknader_ettervern", "Merknader til ettervern", None, data_type="text", min_value=None, max_value=None),
        ],
    },
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
                "antall_arsverk_med_barnevernfaglig_utdanning",
                "Antall årsverk med barnevernfaglig utdanning",
                None,
                required=True,
                data_type="decimal",
                max_value=10000,
                unit="årsverk",
            ),
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
