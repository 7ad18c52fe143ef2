"""The demo structure's child-welfare sections: care, investigations, support measures, aftercare;
and the child-welfare staffing, a section of its own that only the child-welfare form asks (it
sat among the resources every form asks, so volunteers were asked for child-welfare training)."""

from __future__ import annotations

from typing import Any

from .rules import PLACEMENTS, count, field, hours, participants, share, stock

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
]

STAFFING: dict[str, Any] = {
    "id": "barnevernfaglig-bemanning",
    "title": "Barnevernfaglig bemanning",
    "description": "Årsverk med barnevernfaglig utdanning (registreres manuelt).",
    "fields": [
        field(
            "antall_arsverk_med_barnevernfaglig_utdanning",
            "Antall årsverk med barnevernfaglig utdanning",
            None,
            required=True,
            data_type="decimal",
            max_value=10000,
            unit="årsverk",
        ),
    ],
}
