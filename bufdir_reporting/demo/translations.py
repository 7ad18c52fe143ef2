"""The demo structure's Nynorsk and English texts: every section, field and form has both, so a
client asking ``Accept-Language: nn`` or ``en`` sees its language out of the box (the validation
rules carry their own, in ``validation_rules``). Each entry is (Nynorsk, English); the Bokmål is
the item's own text in ``sections_*`` and ``forms``."""

from __future__ import annotations

from ..models import DEFAULT_FORM, TranslatedAttribute, TranslatedSubject, Translation
from . import structure

Texts = tuple[str, str]

SECTIONS: dict[str, tuple[Texts, Texts]] = {
    "barn-under-omsorg": (
        ("Barn under omsorg", "Children in care"),
        (
            "Registreringar knytte til barn som er plasserte utanfor heimen.",
            "Records of children placed outside the home.",
        ),
    ),
    "undersokelser": (
        ("Undersøkingar", "Investigations"),
        (
            "Undersøkingar etter meldingar til barnevernet.",
            "Investigations following reports of concern to the child welfare service.",
        ),
    ),
    "hjelpetiltak": (
        ("Hjelpetiltak", "Support measures"),
        ("Frivillige hjelpetiltak for barn og familiar.", "Voluntary support measures for children and families."),
    ),
    "ettervern": (
        ("Ettervern", "Aftercare"),
        (
            "Tiltak for ungdom over 18 år som har hatt tiltak frå barnevernet.",
            "Measures for young people over 18 who have received measures from the child welfare service.",
        ),
    ),
    "forebyggende-arbeid": (
        ("Førebyggjande arbeid", "Preventive work"),
        (
            "Førebyggjande tiltak og rettleiing retta mot barn, unge og familiar.",
            "Preventive measures and counselling for children, young people and families.",
        ),
    ),
    "malgrupper": (
        ("Målgrupper", "Target groups"),
        (
            "Deltakarar og timar fordelte på målgruppekategoriane til Bufdir.",
            "Participants and hours by Bufdir's target group categories.",
        ),
    ),
    "ressurser": (
        ("Ressursar og bemanning", "Resources and staffing"),
        (
            "Årsverk, kompetanse og økonomi (blir registrert manuelt).",
            "Person-years, competence and finances (entered by hand).",
        ),
    ),
    "barnevernfaglig-bemanning": (
        ("Barnevernfagleg bemanning", "Child welfare staffing"),
        (
            "Årsverk med barnevernfagleg utdanning (blir registrert manuelt).",
            "Person-years with a child welfare education (entered by hand).",
        ),
    ),
}
"""Section id: (title, description)."""

FIELD_LABELS: dict[str, Texts] = {
    "antall_barn_plassert_utenfor_hjemmet": (
        "Talet på barn plasserte utanfor heimen",
        "Number of children placed outside the home",
    ),
    "antall_akuttplasseringer": ("Talet på akuttplasseringar", "Number of emergency placements"),
    "antall_omsorgsovertakelser": ("Talet på omsorgsovertakingar", "Number of care orders"),
    "antall_tilbakeforing_til_hjemmet": ("Talet på tilbakeføringar til heimen", "Number of children returned home"),
    "antall_barn_i_fosterhjem": ("Talet på barn i fosterheim", "Number of children in foster homes"),
    "antall_barn_i_institusjon": ("Talet på barn på institusjon", "Number of children in institutions"),
    "andel_barn_i_fosterhjem": ("Del av barna i fosterheim (%)", "Share of children in foster homes (%)"),
    "antall_barn_i_beredskapshjem": ("Talet på barn i beredskapsheim", "Number of children in emergency foster homes"),
    "antall_flyttinger": ("Talet på flyttingar mellom plasseringar", "Number of moves between placements"),
    "antall_samvaersavtaler": ("Talet på samværsavtalar følgde opp", "Number of contact arrangements followed up"),
    "antall_tilsynsbesok": ("Talet på tilsynsbesøk i fosterheim", "Number of supervision visits to foster homes"),
    "merknader_omsorg": ("Merknader til omsorgstala", "Remarks on the care figures"),
    "antall_meldinger_mottatt": ("Talet på meldingar mottekne", "Number of reports of concern received"),
    "antall_undersokelser_igangsatt": ("Talet på undersøkingar sette i gang", "Number of investigations started"),
    "antall_undersokelser_henlagt": ("Talet på undersøkingar lagde bort", "Number of investigations dropped"),
    "antall_undersokelser_med_tiltak": (
        "Talet på undersøkingar avslutta med tiltak",
        "Number of investigations concluded with measures",
    ),
    "antall_fristoverskridelser": (
        "Talet på undersøkingar med fristoverskriding",
        "Number of investigations past the deadline",
    ),
    "andel_undersokelser_med_tiltak": ("Del av undersøkingane med tiltak (%)", "Share of investigations with measures (%)"),
    "antall_barn_i_undersokelser": ("Talet på barn som undersøkingane gjeld", "Number of children in investigations"),
    "timer_undersokelser": ("Timar brukte på undersøkingar", "Hours spent on investigations"),
    "gjennomsnittlig_saksbehandlingstid": (
        "Gjennomsnittleg sakshandsamingstid (dagar)",
        "Average case processing time (days)",
    ),
    "antall_barn_med_hjelpetiltak": ("Talet på barn med hjelpetiltak", "Number of children with support measures"),
    "antall_foreldreveiledninger": ("Talet på foreldrerettleiingar", "Number of parental guidance sessions"),
    "timer_hjelpetiltak": ("Timar leverte i hjelpetiltak", "Hours delivered in support measures"),
    "antall_besokshjem": ("Talet på besøksheimordningar", "Number of visiting home arrangements"),
    "antall_avlastningstiltak": ("Talet på avlastingstiltak", "Number of respite care measures"),
    "antall_familierad": ("Talet på familieråd som er haldne", "Number of family group conferences held"),
    "antall_tiltak_i_hjemmet": ("Talet på tiltak i heimen", "Number of in-home measures"),
    "antall_tiltaksplaner_evaluert": ("Talet på tiltaksplanar som er evaluerte", "Number of measure plans evaluated"),
    "antall_ungdom_med_ettervern": ("Talet på ungdommar med ettervern", "Number of young people in aftercare"),
    "antall_ettervernstiltak": ("Talet på ettervernstiltak", "Number of aftercare measures"),
    "antall_ettervern_avsluttet": ("Talet på ettervernstiltak som er avslutta", "Number of aftercare measures ended"),
    "antall_ettervern_avslag": ("Talet på avslag på ettervern", "Number of aftercare applications refused"),
    "timer_ettervern": ("Timar brukte på ettervern", "Hours spent on aftercare"),
    "antall_ettervern_bolig": ("Talet på ettervernstiltak med bustad", "Number of aftercare measures with housing"),
    "merknader_ettervern": ("Merknader til ettervernet", "Remarks on aftercare"),
    "antall_veiledningssamtaler": ("Talet på rettleiingssamtalar", "Number of counselling sessions"),
    "antall_deltakere_veiledning": ("Talet på deltakarar i rettleiing", "Number of participants in counselling"),
    "antall_unike_deltakere_veiledning": (
        "Talet på unike deltakarar i rettleiing",
        "Number of unique participants in counselling",
    ),
    "timer_veiledning": ("Timar med rettleiing", "Hours of counselling"),
    "antall_gruppetiltak": ("Talet på gruppetiltak", "Number of group activities"),
    "antall_avlyste_tiltak": ("Talet på avlyste tiltak", "Number of cancelled activities"),
    "andel_gjennomforte_tiltak": ("Del av tiltaka som er gjennomførte (%)", "Share of activities carried out (%)"),
    "deltakere_foreldre_barn": ("Deltakarar – foreldre og barn", "Participants – parents and children"),
    "deltakere_ungdom": ("Deltakarar – ungdom", "Participants – young people"),
    "deltakere_eldre": ("Deltakarar – eldre", "Participants – older people"),
    "deltakere_funksjonsnedsettelse": (
        "Deltakarar – personar med funksjonsnedsetjing",
        "Participants – people with disabilities",
    ),
    "timer_totalt": ("Timar leverte totalt", "Total hours delivered"),
    "timer_foreldre_barn": ("Timar – foreldre og barn", "Hours – parents and children"),
    "timer_ungdom": ("Timar – ungdom", "Hours – young people"),
    "timer_funksjonsnedsettelse": ("Timar – funksjonsnedsetjing", "Hours – disabilities"),
    "antall_arsverk": ("Talet på årsverk", "Number of person-years"),
    "antall_arsverk_med_barnevernfaglig_utdanning": (
        "Talet på årsverk med barnevernfagleg utdanning",
        "Number of person-years with child welfare training",
    ),
    "har_internkontroll": ("Har internkontroll etter forskrift", "Has internal control as the regulations require"),
    "brutto_driftsutgifter": ("Brutto driftsutgifter (1000 kr)", "Gross operating expenses (NOK 1,000)"),
    "antall_stillinger_ledige": ("Talet på ledige stillingar", "Number of vacant positions"),
    "merknader_ressurser": ("Merknader til ressursane", "Remarks on resources"),
}

FIELD_DESCRIPTIONS: dict[str, Texts] = {
    "antall_barn_plassert_utenfor_hjemmet": (
        "Barn som bur utanfor heimen ved slutten av perioden.",
        "Children living outside the home at the end of the period.",
    ),
    "antall_akuttplasseringer": (
        "Alle akuttplasseringane som er gjennomførte i rapporteringsperioden.",
        "All emergency placements carried out in the reporting period.",
    ),
    "antall_omsorgsovertakelser": (
        "Vedtak om omsorgsovertaking som er gjorde i perioden.",
        "Care order decisions made in the period.",
    ),
    "antall_tilbakeforing_til_hjemmet": (
        "Barn som er førte tilbake til foreldra i perioden.",
        "Children returned to their parents in the period.",
    ),
    "antall_barn_i_fosterhjem": (
        "Barn i fosterheim ved slutten av perioden.",
        "Children in foster homes at the end of the period.",
    ),
    "antall_barn_i_institusjon": (
        "Barn i barnevernsinstitusjon ved slutten av perioden.",
        "Children in child welfare institutions at the end of the period.",
    ),
    "andel_barn_i_fosterhjem": (
        "Barn i fosterheim som del av alle plasserte barn.",
        "Children in foster homes as a share of all children placed.",
    ),
    "antall_barn_i_beredskapshjem": (
        "Barn i beredskapsheim ved slutten av perioden.",
        "Children in emergency foster homes at the end of the period.",
    ),
    "antall_flyttinger": (
        "Flyttingar av barn mellom fosterheimar og institusjonar.",
        "Moves of children between foster homes and institutions.",
    ),
    "antall_samvaersavtaler": (
        "Samvær mellom barn og foreldre som er gjennomførte.",
        "Contact visits held between children and parents.",
    ),
    "antall_tilsynsbesok": ("Tilsynsbesøk som er gjennomførte.", "Supervision visits carried out."),
    "merknader_omsorg": (
        "Fritekst: tilhøve som forklarer tala.",
        "Free text: circumstances that explain the figures.",
    ),
}

FORMS: dict[str, tuple[Texts, Texts]] = {
    DEFAULT_FORM: (
        ("Bufdir-rapport", "Bufdir report"),
        ("Alle seksjonane i rapportstrukturen.", "Every section of the report structure."),
    ),
    "barnevern-arsrapport": (
        ("Barnevern – årsrapport", "Child welfare – annual report"),
        (
            "Den årlege rapporten frå dei kommunale barnevernstenestene til Bufdir.",
            "The municipal child welfare services' annual report to Bufdir.",
        ),
    ),
    "familievern-kvartalsrapport": (
        ("Familievern – kvartalsrapport", "Family counselling – quarterly report"),
        (
            "Kvartalsrapporten frå familievernkontora om førebyggjande arbeid og målgrupper.",
            "The family counselling offices' quarterly report on preventive work and target groups.",
        ),
    ),
    "frivillighet-kvartalsrapport": (
        ("Frivilligheit – kvartalsrapport", "Voluntary sector – quarterly report"),
        (
            "Kvartalsvis aktivitetsrapport frå frivillige organisasjonar.",
            "Voluntary organisations' quarterly activity report.",
        ),
    ),
    "frivillighet-samlet": (
        ("Frivilligheit – samla for organisasjonen", "Voluntary sector – whole organisation"),
        (
            "Kvartalsrapporten frå paraplyorganisasjonen for seg sjølv og alle lokallaga sine.",
            "The umbrella organisation's quarterly report for itself and all its local branches.",
        ),
    ),
    "tilskudd-aktivitetsrapport": (
        ("Tilskot – aktivitetsrapport", "Grants – activity report"),
        ("Rapport for ein tilskotsperiode.", "Report for a grant period."),
    ),
}
"""Form id: (name, description)."""

UNITS: dict[str, Texts] = {
    "timer": ("timar", "hours"),
    "dager": ("dagar", "days"),
    "årsverk": ("årsverk", "person-years"),
    "1000 kr": ("1000 kr", "NOK 1,000"),
}
"""A field's unit by its Bokmål (every demo field with that unit gets it; ``%`` needs none)."""


def rows() -> list[Translation]:
    """Every translation above as a row of the translation table."""
    texts: list[tuple[TranslatedSubject, str, TranslatedAttribute, Texts]] = []
    for section, (title, description) in SECTIONS.items():
        texts += [
            (TranslatedSubject.SECTION, section, TranslatedAttribute.TITLE, title),
            (TranslatedSubject.SECTION, section, TranslatedAttribute.DESCRIPTION, description),
        ]
    texts += [(TranslatedSubject.FIELD, key, TranslatedAttribute.LABEL, label) for key, label in FIELD_LABELS.items()]
    texts += [(TranslatedSubject.FIELD, key, TranslatedAttribute.DESCRIPTION, d) for key, d in FIELD_DESCRIPTIONS.items()]
    texts += [
        (TranslatedSubject.FIELD, field["key"], TranslatedAttribute.UNIT, UNITS[field["unit"]])
        for section in structure.SECTIONS
        for field in section["fields"]
        if field["unit"] in UNITS
    ]
    for form, (name, description) in FORMS.items():
        texts += [
            (TranslatedSubject.FORM, form, TranslatedAttribute.NAME, name),
            (TranslatedSubject.FORM, form, TranslatedAttribute.DESCRIPTION, description),
        ]
    return [
        Translation(subject=subject, subject_id=item, attribute=attribute, language=language, text=text, updated_by="demo-loader")
        for subject, item, attribute, pair in texts
        for language, text in zip(("nn", "en"), pair, strict=True)
    ]


async def load_translations() -> None:
    await Translation.bulk_create(rows())
