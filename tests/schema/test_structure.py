from __future__ import annotations

import pytest

from ..conftest import error_codes
from ..statements import counting_statements

SECTION = """
query ($id: ID!, $periodId: ID) {
  section(id: $id) {
    id sectionId title order description isActive
    requiredFields(periodId: $periodId)
    fields(periodId: $periodId) {
      key label dataType required minValue maxValue isManual
      aggregationRule { kind measure temporal scale filters { activityTypes categories statuses }
                        numerator { kind temporal } denominator { kind } }
      section { sectionId }
    }
  }
}
"""


async def test_section_and_fields_link_both_ways(graphql, report_structure):
    result = await graphql(SECTION, {"id": "barn-under-omsorg"})
    assert "errors" not in result, result
    section = result["data"]["section"]
    assert section["title"] == "Barn under omsorg"
    assert len(section["fields"]) == 12
    assert {f["section"]["sectionId"] for f in section["fields"]} == {"barn-under-omsorg"}
    share = next(f for f in section["fields"] if f["key"] == "andel_barn_i_fosterhjem")
    assert share["aggregationRule"]["kind"] == "RATIO"
    assert share["aggregationRule"]["numerator"] == {"kind": "COUNT", "temporal": "STOCK"}
    assert share["aggregationRule"]["scale"] == 100
    manual = next(f for f in section["fields"] if f["key"] == "merknader_omsorg")
    assert manual["isManual"] is True and manual["aggregationRule"]["kind"] == "MANUAL"


async def test_field_definition_and_required_fields_queries(graphql, report_structure):
    query = """
    { fieldDefinition(key: "timer_hjelpetiltak") { label unit aggregationRule { kind measure } section { title } }
      requiredFields(periodId: "2024") { totalRequiredFields period { periodId } fields { key } }
      period(id: "2024") { requiredFields { totalRequiredFields } } }
    """
    data = (await graphql(query))["data"]
    assert data["fieldDefinition"] == {
        "label": "Timer levert i hjelpetiltak",
        "unit": "timer",
        "aggregationRule": {"kind": "SUM", "measure": "HOURS"},
        "section": {"title": "Hjelpetiltak"},
    }
    assert data["requiredFields"]["totalRequiredFields"] == 34
    assert data["requiredFields"]["period"] == {"periodId": "2024"}
    assert data["period"]["requiredFields"]["totalRequiredFields"] == 34


async def test_sections_connection_filters_and_counts(graphql, report_structure):
    query = "{ sections(first: 3, isActive: true) { totalCount edges { node { sectionId order } } } }"
    connection = (await graphql(query))["data"]["sections"]
    assert connection["totalCount"] == 8
    assert [e["node"]["order"] for e in connection["edges"]] == [1, 2, 3]


CREATE = """
mutation ($input: CreateSectionInput!) {
  createSection(input: $input) { sectionId title isActive fields { key required aggregationRule { kind } } }
}
"""

NEW_SECTION = {
    "sectionId": "familievernkontor",
    "title": "Familievernkontor",
    "order": 8,
    "description": "Tjenester levert av familievernkontorer.",
    "fields": [
        {
            "key": "antall_saker_behandlet",
            "label": "Antall saker behandlet",
            "dataType": "INTEGER",
            "required": True,
            "aggregationRule": {"kind": "COUNT", "filters": {"activityTypes": ["family_guidance"]}},
        },
        {"key": "antall_meglinger", "label": "Antall meglinger gjennomført", "dataType": "INTEGER", "required": True},
    ],
}


async def test_admin_creates_updates_and_deactivates_a_section(graphql, tokens, report_structure):
    admin = tokens.admin()
    created = await graphql(CREATE, {"input": NEW_SECTION}, admin)
    assert "errors" not in created, created
    assert created["data"]["createSection"]["fields"][0]["aggregationRule"]["kind"] == "COUNT"
    update = """
    mutation ($input: UpdateSectionInput!) {
      updateSection(id: "familievernkontor", input: $input) { title fields { key } }
    }
    """
    changed = {k: v for k, v in NEW_SECTION.items() if k != "sectionId"} | {"title": "Familievern og megling"}
    updated = await graphql(update, {"input": changed}, admin)
    assert updated["data"]["updateSection"]["title"] == "Familievern og megling"
    gone = await graphql('mutation { deactivateSection(id: "familievernkontor") { isActive } }', headers=admin)
    assert gone["data"]["deactivateSection"] == {"isActive": False}


async def test_structure_mutations_refuse_non_admins(graphql, tokens, report_structure):
    assert error_codes(await graphql(CREATE, {"input": NEW_SECTION})) == ["UNAUTHENTICATED"]
    assert error_codes(await graphql(CREATE, {"input": NEW_SECTION}, tokens.headers("org-1042"))) == ["FORBIDDEN"]
    deactivate = 'mutation { deactivateSection(id: "hjelpetiltak") { isActive } }'
    assert error_codes(await graphql(deactivate, headers=tokens.headers("org-1042"))) == ["FORBIDDEN"]
    assert (await graphql(SECTION, {"id": "familievernkontor"}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"sectionId": "undersokelser"}, "CONFLICT", None),
        (
            {"fields": [{"key": "x_y", "label": "x", "dataType": "INTEGER", "minValue": "5", "maxValue": "1"}]},
            "BAD_USER_INPUT",
            "fields.0.max_value",
        ),
        (
            {
                "fields": [
                    {
                        "key": "x_y",
                        "label": "x",
                        "dataType": "DECIMAL",
                        "aggregationRule": {"kind": "RATIO", "numerator": {"kind": "COUNT"}},
                    }
                ]
            },
            "BAD_USER_INPUT",
            "fields.0.aggregation_rule.denominator",
        ),
        ({"fields": [{"key": "Bad Key", "label": "x", "dataType": "INTEGER"}]}, "BAD_USER_INPUT", "fields.0.field_key"),
    ],
    ids=["duplicate", "min-above-max", "ratio-without-denominator", "bad-key"],
)
async def test_bad_structure_input_has_stable_codes(graphql, tokens, report_structure, change, code, field):
    result = await graphql(CREATE, {"input": {**NEW_SECTION, **change}}, tokens.admin())
    assert error_codes(result) == [code]
    if field:
        assert result["errors"][0]["extensions"]["field"] == field


async def test_rest_and_graphql_agree_on_a_section(graphql, client, report_structure):
    rest = (await client.get("/api/v1/report-sections/undersokelser")).json()
    gql = (await graphql(SECTION, {"id": "undersokelser"}))["data"]["section"]
    assert rest["section_title"] == gql["title"]
    assert rest["section_order"] == gql["order"]
    assert rest["required_fields"] == gql["requiredFields"]
    assert [f["field_key"] for f in rest["fields"]] == [f["key"] for f in gql["fields"]]
    assert [f["label"] for f in rest["fields"]] == [f["label"] for f in gql["fields"]]
    assert [f["data_type"].upper() for f in rest["fields"]] == [f["dataType"] for f in gql["fields"]]


async def test_update_section_refuses_non_admins_and_changes_nothing(graphql, tokens, report_structure):
    update = """
    mutation ($input: UpdateSectionInput!) { updateSection(id: "hjelpetiltak", input: $input) { title } }
    """
    body = {"title": "Overtatt", "order": 1, "fields": NEW_SECTION["fields"]}
    assert error_codes(await graphql(update, {"input": body})) == ["UNAUTHENTICATED"]
    assert error_codes(await graphql(update, {"input": body}, tokens.headers("org-1042"))) == ["FORBIDDEN"]
    section = (await graphql(SECTION, {"id": "hjelpetiltak"}))["data"]["section"]
    assert section["title"] == "Hjelpetiltak" and len(section["fields"]) == 8


async def test_every_periods_required_fields_in_one_read_agree_with_each_read_alone(graphql, client, tokens, report_structure):
    """``periods { requiredFields }`` read the structure once per period per section (125
    statements for 18 periods, the slowest read under mixed load); now a fixed few, with the
    same answer as asking period by period — also across a change of the structure."""
    from ..factories import make_period

    for year in (2023, 2025, 2026):
        await make_period(year=year)
    for quarter in (1, 2, 3, 4):
        await make_period(year=2025, quarter=quarter)
    section = (await client.get("/api/v1/report-sections/hjelpetiltak")).json()
    fields = [f for f in section["fields"] if f["field_key"] != "antall_barn_med_hjelpetiltak"]
    body = {"section_title": "Hjelpetiltak", "section_order": 3, "fields": fields, "effective_from_period_id": "2025-Q3"}
    assert (await client.put("/api/v1/report-sections/hjelpetiltak", json=body, headers=tokens.admin())).status_code == 200

    every = "{ periods(first: 50) { edges { node { periodId requiredFields { totalRequiredFields fields { key } } } } } }"
    with counting_statements() as counter:
        listed = (await graphql(every))["data"]["periods"]["edges"]
    assert len(counter.statements) <= 5, counter.statements
    one = "query ($p: ID!) { requiredFields(periodId: $p) { totalRequiredFields fields { key } } }"
    for edge in listed:
        alone = (await graphql(one, {"p": edge["node"]["periodId"]}))["data"]["requiredFields"]
        assert edge["node"]["requiredFields"] == alone, edge["node"]["periodId"]
    totals = {e["node"]["periodId"]: e["node"]["requiredFields"]["totalRequiredFields"] for e in listed}
    assert totals["2024"] == totals["2025-Q2"] == 34 and totals["2025"] == totals["2026"] == 33  # a year's last day decides


TAKEN = [
    (CREATE, {"input": {**NEW_SECTION, "sectionId": "undersokelser"}}, "section_id", "seksjonen «undersokelser» finnes allerede"),
    (
        "mutation ($input: ReportFormInput!) { createReportForm(input: $input) { formId } }",
        {"input": {"formId": "bufdir-rapport", "name": "Ny", "sectionIds": ["undersokelser"], "periodType": "YEAR"}},
        "form_id",
        "skjemaet «bufdir-rapport» finnes allerede",
    ),
]


@pytest.mark.parametrize(("mutation", "variables", "field", "said"), TAKEN, ids=["section", "form"])
async def test_a_section_or_form_under_a_taken_key_is_refused_naming_its_field(
    graphql, tokens, report_structure, mutation, variables, field, said
):
    """One rule for reference data created under a key that is taken (``audit.refuse_taken``):
    a conflict naming the key's field, in the reader's language."""
    refused = await graphql(mutation, variables, tokens.admin() | {"Accept-Language": "nb"})
    assert error_codes(refused) == ["CONFLICT"], refused
    error = refused["errors"][0]
    assert error["extensions"].get("field") == field and error["message"] == said, error
