"""Units and period names in the reader's language (#32): a report in English read "timer" and
"4. kvartal 2025", stored data with no translation. A field's unit is translated as its label is
(admins set it, "not translated yet" lists it); a calendar period's name is derived in every
language from its type and dates, another period's is a stored translation."""

from __future__ import annotations

from datetime import date

import pytest

from bufdir_reporting.language import Language
from bufdir_reporting.models import FieldDefinition, Period, PeriodType
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.periods.names import standard_name

from .factories import make_organization, make_period, make_section, manual

EN = {"Accept-Language": "en"}
NN = {"Accept-Language": "nn"}
SET = """mutation ($input: TranslationInput!) { setTranslation(input: $input) { text } }"""
UNTRANSLATED = """query ($language: Language) { untranslatedTexts(language: $language) { subject subjectId attribute source } }"""


def _period(type_: PeriodType, start: date, end: date) -> Period:
    return Period(id="p", type=type_, start=start, end=end, name="navnet")


@pytest.mark.parametrize(
    ("period", "nynorsk", "english"),
    [
        (_period(PeriodType.YEAR, date(2023, 1, 1), date(2023, 12, 31)), "Rapporteringsåret 2023", "Reporting year 2023"),
        (_period(PeriodType.HALF, date(2025, 7, 1), date(2025, 12, 31)), "2. halvår 2025", "Second half of 2025"),
        (_period(PeriodType.QUARTER, date(2025, 10, 1), date(2025, 12, 31)), "4. kvartal 2025", "Q4 2025"),
        (_period(PeriodType.MONTH, date(2024, 2, 1), date(2024, 2, 29)), "februar 2024", "February 2024"),
        (_period(PeriodType.YEAR, date(2023, 7, 1), date(2024, 6, 30)), None, None),  # a school year: no calendar name
        (_period(PeriodType.QUARTER, date(2025, 2, 1), date(2025, 4, 30)), None, None),
        (_period(PeriodType.MONTH, date(2024, 2, 1), date(2024, 2, 28)), None, None),
        (_period(PeriodType.CUSTOM, date(2025, 10, 1), date(2026, 2, 28)), None, None),
    ],
)
def test_a_calendar_period_is_named_from_its_type_and_dates(period, nynorsk, english):
    assert standard_name(period, Language.NN) == nynorsk
    assert standard_name(period, Language.EN) == english


async def _staff_in_hours() -> None:
    await make_organization(id="org-u1")
    await make_section(fields=[manual("timer_levert"), manual("andel", data_type="decimal")])
    await FieldDefinition.filter(key="timer_levert").update(unit="timer", label="Timer levert")
    await FieldDefinition.filter(key="andel").update(unit="%")
    await revision.bump()
    await make_period(year=2025, quarter=4)
    await Period.create(
        id="tilskudd-1", type=PeriodType.CUSTOM, start=date(2025, 10, 1), end=date(2026, 2, 28), name="Tilskuddsperiode 1"
    )


async def test_units_and_period_names_read_in_the_language_asked_over_graphql(app, graphql, tokens):
    await _staff_in_hours()
    query = """{ sections { edges { node { fields { key unit english: unit(language: EN) } } } }
      periods { edges { node { periodId name } } } }"""

    def read(answer: dict) -> tuple[dict, dict]:
        fields = {f["key"]: f for e in answer["data"]["sections"]["edges"] for f in e["node"]["fields"]}
        return fields, {e["node"]["periodId"]: e["node"]["name"] for e in answer["data"]["periods"]["edges"]}

    fields, names = read(await graphql(query))
    assert fields["timer_levert"]["unit"] == "timer" and names == {"2025-Q4": "2025-Q4", "tilskudd-1": "Tilskuddsperiode 1"}

    missing = (await graphql(UNTRANSLATED, {"language": "EN"}))["data"]["untranslatedTexts"]
    assert {"subject": "FIELD", "subjectId": "timer_levert", "attribute": "UNIT", "source": "timer"} in missing
    assert {"subject": "PERIOD", "subjectId": "tilskudd-1", "attribute": "NAME", "source": "Tilskuddsperiode 1"} in missing
    assert not [m for m in missing if m["subjectId"] in ("andel", "2025-Q4") and m["attribute"] in ("UNIT", "NAME")]

    for subject, subject_id, attribute, text in (
        ("FIELD", "timer_levert", "UNIT", "hours"),
        ("PERIOD", "tilskudd-1", "NAME", "Grant period 1"),
    ):
        spec = {"subject": subject, "subjectId": subject_id, "attribute": attribute, "language": "EN", "text": text}
        assert (await graphql(SET, {"input": spec}, tokens.admin()))["data"]["setTranslation"]["text"] == text
    missing = (await graphql(UNTRANSLATED, {"language": "EN"}))["data"]["untranslatedTexts"]
    assert not [m for m in missing if m["attribute"] in ("UNIT", "NAME") and m["subject"] != "FORM"], missing

    fields, names = read(await graphql(query, headers=EN))
    assert fields["timer_levert"]["unit"] == "hours" and fields["andel"]["unit"] == "%"
    assert names == {"2025-Q4": "Q4 2025", "tilskudd-1": "Grant period 1"}
    fields, names = read(await graphql(query, headers=NN))
    assert fields["timer_levert"] == {"key": "timer_levert", "unit": "timer", "english": "hours"}  # no Nynorsk: its Bokmål
    assert names == {"2025-Q4": "4. kvartal 2025", "tilskudd-1": "Tilskuddsperiode 1"}


async def test_units_and_period_names_read_in_the_language_asked_over_rest(app, client, tokens):
    """Analytics (its table and exports) and the translations' own routes."""
    await _staff_in_hours()
    body = {"subject": "field", "subject_id": "timer_levert", "attribute": "unit", "language": "en", "text": "hours"}
    assert (await client.put("/api/v1/translations", json=body, headers=tokens.admin())).status_code == 200
    params = [("fields", "timer_levert"), ("fields", "andel"), ("periods", "2025-Q4"), ("periods", "tilskudd-1")]
    plain = (await client.get("/api/v1/analytics", params=params)).json()
    assert [(f["key"], f["unit"]) for f in plain["fields"]] == [("timer_levert", "timer"), ("andel", "%")]
    assert [p["name"] for p in plain["periods"]] == ["2025-Q4", "Tilskuddsperiode 1"]
    english = (await client.get("/api/v1/analytics", params=params, headers=EN)).json()
    assert [(f["key"], f["unit"]) for f in english["fields"]] == [("timer_levert", "hours"), ("andel", "%")]
    assert [p["name"] for p in english["periods"]] == ["Q4 2025", "Tilskuddsperiode 1"]
    stat = (await client.get("/api/v1/analytics/export", params=[*params, ("format", "jsonstat")], headers=EN)).json()
    assert stat["dimension"]["period"]["category"]["label"]["2025-Q4"] == "Q4 2025"
    assert stat["dimension"]["field"]["category"]["unit"]["timer_levert"] == {"label": "hours"}
    sheet = await client.get("/api/v1/analytics/export", params=[*params, ("format", "csv")], headers=EN)
    assert "Q4 2025" in sheet.text and "2025-Q4;2025-Q4" not in sheet.text
