"""The demo's validation rules: what a case officer at Bufdir checks first in a child-welfare
service's yearly report and a volunteer organisation's quarter, written as rules on the forms
(``forms``). ``history`` enters one service's staffing with a typo that breaks the first
resource rule, so the worklist has something to show on first look."""

from __future__ import annotations

from ..models import MissingValueStrategy, RuleImportance, RuleOperator, RuleSeverity, ValidationRule
from ..resolvers.base import revision
from . import forms

CHILD_WELFARE = "barnevern-arsrapport"
ERROR, WARNING = RuleSeverity.ERROR, RuleSeverity.WARNING
HIGH, MEDIUM, LOW = RuleImportance.HIGH, RuleImportance.MEDIUM, RuleImportance.LOW
ANY = MissingValueStrategy.SKIP_IF_ANY_MISSING

RULES: list[dict[str, object]] = [
    {
        "form_id": CHILD_WELFARE,
        "name": "Akuttplasseringer innenfor plasserte barn",
        "left": "antall_akuttplasseringer",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_barn_plassert_utenfor_hjemmet",
        "severity": ERROR,
        "importance": HIGH,
        "message_nb": "Antall akuttplasseringer kan ikke være høyere enn antall barn plassert utenfor hjemmet.",
        "message_nn": "Talet på akuttplasseringar kan ikkje vere høgare enn talet på born plasserte utanfor heimen.",
        "message_en": "Emergency placements cannot exceed the number of children placed outside the home.",
    },
    {
        "form_id": CHILD_WELFARE,
        "name": "Fosterhjem og institusjon innenfor plasserte barn",
        "left": "antall_barn_i_fosterhjem + antall_barn_i_institusjon",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_barn_plassert_utenfor_hjemmet",
        "severity": ERROR,
        "importance": HIGH,
        "message_nb": "Barn i fosterhjem og i institusjon kan til sammen ikke være flere enn barn plassert utenfor hjemmet.",
        "message_nn": "Born i fosterheim og på institusjon kan til saman ikkje vere fleire enn born plasserte utanfor heimen.",
        "message_en": "Children in foster homes and institutions together cannot exceed children placed outside the home.",
    },
    {
        "form_id": CHILD_WELFARE,
        "name": "Avsluttede undersøkelser innenfor igangsatte",
        "left": "antall_undersokelser_henlagt + antall_undersokelser_med_tiltak",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_undersokelser_igangsatt",
        "severity": WARNING,
        "importance": MEDIUM,
        "message_nb": "Flere undersøkelser er henlagt eller endt med tiltak enn det er igangsatt; stemmer periodiseringen?",
        "message_nn": "Fleire undersøkingar er lagde bort eller enda med tiltak enn det er sett i gang; stemmer periodiseringa?",
        "message_en": "More investigations were dropped or ended with measures than were started; is the period right?",
    },
    {
        "form_id": CHILD_WELFARE,
        "name": "Fagutdannede årsverk innenfor alle årsverk",
        "left": "antall_arsverk_med_barnevernfaglig_utdanning",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_arsverk",
        "severity": ERROR,
        "importance": HIGH,
        "message_nb": "Årsverk med barnevernfaglig utdanning kan ikke være flere enn alle årsverk.",
        "message_nn": "Årsverk med barnevernfagleg utdanning kan ikkje vere fleire enn alle årsverk.",
        "message_en": "Person-years with child-welfare training cannot exceed all person-years.",
    },
    {
        "form_id": CHILD_WELFARE,
        "name": "Ettervern avsluttet innenfor tiltak",
        "left": "antall_ettervern_avsluttet",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_ettervernstiltak",
        "severity": WARNING,
        "importance": LOW,
        "message_nb": "Flere ettervernstiltak er avsluttet enn det er registrert.",
        "message_nn": "Fleire ettervernstiltak er avslutta enn det er registrert.",
        "message_en": "More aftercare measures ended than were recorded.",
    },
]
RULES += [
    {
        "form_id": form_id,
        "name": "Unike deltakere innenfor deltakere",
        "left": "antall_unike_deltakere_veiledning",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_deltakere_veiledning",
        "severity": WARNING,
        "importance": MEDIUM,
        "message_nb": "Det er registrert flere unike deltakere i veiledning enn deltakere totalt.",
        "message_nn": "Det er registrert fleire unike deltakarar i rettleiing enn deltakarar totalt.",
        "message_en": "More unique participants in counselling than participants in all are recorded.",
    }
    for form_id in ("frivillighet-kvartalsrapport", "frivillighet-samlet", forms.GRANT_FORM)
]

RULES.append(
    {
        "form_id": "frivillighet-kvartalsrapport",
        "name": "Ledige stillinger innenfor årsverk",
        "left": "antall_stillinger_ledige",
        "operator": RuleOperator.LESS_OR_EQUAL,
        "right": "antall_arsverk",
        "severity": WARNING,
        "importance": HIGH,  # a figure that cannot be right ranks before ones that are unusual
        "message_nb": "Det er oppgitt flere ledige stillinger enn årsverk; stemmer antallet ledige stillinger?",
        "message_nn": "Det er oppgjeve fleire ledige stillingar enn årsverk; stemmer talet på ledige stillingar?",
        "message_en": "More vacant positions than person-years are given; is the number of vacancies right?",
    }
)
"""A volunteer centre's quarter (``peers.SUBMITTING``) is submitted with one vacancy typed 11."""

TYPO_ORGANIZATION, TYPO_PERIOD = "org-2077", "2025"
TYPO: dict[str, object] = {"antall_arsverk": "21.5", "antall_arsverk_med_barnevernfaglig_utdanning": "125"}
"""org-2077's draft for 2025: 21.5 person-years, of which 12.5 with training, typed as 125."""


async def load_validation_rules() -> None:
    await ValidationRule.bulk_create([ValidationRule(missing_value_strategy=ANY, **rule) for rule in RULES])
    await revision.bump()
