"""Who reports what in the demo: a form per kind of reporter, and an umbrella organisation that
reports for its branches.

- The municipal child-welfare services report "Barnevern - årsrapport" for each year.
- The family counselling office reports "Familievern - kvartalsrapport" each quarter: no
  child-welfare fields (the child-welfare staffing is a section only the child-welfare form asks).
- The volunteer organisations report "Frivillighet - kvartalsrapport" each quarter, and the
  umbrella organisation (org-bufdir-42, with its branches org_bufdir_oslo_42 and org-3310) also
  "Frivillighet - samlet", rolled up over its subtree: each person its branches served counted
  once.
- org-bufdir-42 alone reports "Tilskudd - aktivitetsrapport" for its grant period
  (``history``): the only organisation expected for it.

The default form (every section) is assigned to nobody here: the demo says who reports what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..models import DEFAULT_FORM, FormAssignment, FormSection, OrganizationKind, PeriodType, ReportForm

CHILD_WELFARE = ("barn-under-omsorg", "undersokelser", "hjelpetiltak", "ettervern", "ressurser", "barnevernfaglig-bemanning")
SERVICES = ("forebyggende-arbeid", "malgrupper", "ressurser")
GRANT_FORM = "tilskudd-aktivitetsrapport"


@dataclass(frozen=True, slots=True)
class DemoForm:
    id: str
    name: str
    description: str
    period_type: PeriodType
    sections: tuple[str, ...]
    kind: OrganizationKind | None = None
    organization: str | None = None
    rolled_up: bool = False


FORMS = (
    DemoForm(
        "barnevern-arsrapport",
        "Barnevern – årsrapport",
        "Kommunale barnevernstjenesters årlige rapport til Bufdir.",
        PeriodType.YEAR,
        CHILD_WELFARE,
        kind=OrganizationKind.CHILD_WELFARE_SERVICE,
    ),
    DemoForm(
        "familievern-kvartalsrapport",
        "Familievern – kvartalsrapport",
        "Familievernkontorenes kvartalsvise rapport om forebyggende arbeid og målgrupper.",
        PeriodType.QUARTER,
        SERVICES,
        kind=OrganizationKind.FAMILY_COUNSELLING,
    ),
    DemoForm(
        "frivillighet-kvartalsrapport",
        "Frivillighet – kvartalsrapport",
        "Frivillige organisasjoners kvartalsvise aktivitetsrapport.",
        PeriodType.QUARTER,
        SERVICES,
        kind=OrganizationKind.VOLUNTEER_ORGANIZATION,
    ),
    DemoForm(
        "frivillighet-samlet",
        "Frivillighet – samlet for organisasjonen",
        "Paraplyorganisasjonens kvartalsrapport for seg og alle sine lokallag.",
        PeriodType.QUARTER,
        SERVICES,
        organization="org-bufdir-42",
        rolled_up=True,
    ),
    DemoForm(GRANT_FORM, "Tilskudd – aktivitetsrapport", "Rapport for en tilskuddsperiode.", PeriodType.CUSTOM, SERVICES),
)
FROM = date(2023, 1, 1)


async def load_forms() -> None:
    """The forms, their sections and their assignments (the grant form's is the history's)."""
    await ReportForm.bulk_create(
        [
            ReportForm(id=f.id, name=f.name, description=f.description, period_type=f.period_type, rolled_up=f.rolled_up)
            for f in FORMS
        ]
    )
    await FormSection.bulk_create([FormSection(form_id=f.id, section_id=section) for f in FORMS for section in f.sections])
    await FormAssignment.bulk_create(
        [
            FormAssignment(
                form_id=f.id,
                organization_kind=f.kind,
                organization_id=f.organization,
                valid_from=FROM,
                created_by="demo-loader",
            )
            for f in FORMS
            if f.kind or f.organization
        ]
    )
    await FormAssignment.filter(form_id=DEFAULT_FORM, organization_id=None, organization_kind=None).delete()
