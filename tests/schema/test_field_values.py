from __future__ import annotations

import pytest

from ..conftest import error_codes

SET = """
mutation ($id: ID!, $key: String!, $value: JSON) {
  setFieldValue(snapshotId: $id, fieldKey: $key, value: $value) { fieldKey value textValue dataSource setBy }
}
"""
STATE = """
query ($id: ID!) { snapshot(id: $id) { populatedFieldCount missingRequiredFields
  validation { fieldKey severity code } } }
"""


async def current(graphql, app, headers, force=False) -> str:
    result = await graphql(
        'mutation ($f: Boolean!) { triggerAggregation(organizationId: "org-1042", periodId: "2024", force: $f) { snapshot { snapshotId } } }',
        {"f": force},
        headers,
    )
    await app.state.jobs.wait_idle()
    return result["data"]["triggerAggregation"]["snapshot"]["snapshotId"]


async def test_manual_values_are_set_counted_validated_and_survive_reaggregation(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042", subject="kari")
    snapshot_id = await current(graphql, app, own)
    before = (await graphql(STATE, {"id": snapshot_id}, own))["data"]["snapshot"]
    assert "antall_arsverk" in before["missingRequiredFields"]
    assert {"fieldKey": "antall_arsverk", "severity": "ERROR", "code": "REQUIRED_MISSING"} in before["validation"]

    result = await graphql(SET, {"id": snapshot_id, "key": "antall_arsverk", "value": 12.5}, own)
    written = result["data"]["setFieldValue"]
    assert float(written.pop("value")) == 12.5
    assert written == {"fieldKey": "antall_arsverk", "textValue": None, "dataSource": "manual", "setBy": "kari"}
    await graphql(SET, {"id": snapshot_id, "key": "har_internkontroll", "value": True}, own)
    await graphql(SET, {"id": snapshot_id, "key": "merknader_omsorg", "value": "Ny turnus fra mars."}, own)
    after = (await graphql(STATE, {"id": snapshot_id}, own))["data"]["snapshot"]
    assert after["populatedFieldCount"] == before["populatedFieldCount"] + 3
    assert "antall_arsverk" not in after["missingRequiredFields"]

    new_id = await current(graphql, app, own, force=True)
    carried = await graphql(
        "query ($id: ID!) { snapshot(id: $id) { fieldValues { fieldKey value textValue dataSource } } }", {"id": new_id}, own
    )
    values = {v["fieldKey"]: v for v in carried["data"]["snapshot"]["fieldValues"]}
    assert float(values["antall_arsverk"]["value"]) == 12.5 and values["antall_arsverk"]["dataSource"] == "manual"
    assert values["merknader_omsorg"]["textValue"] == "Ny turnus fra mars."
    stale = await graphql(SET, {"id": snapshot_id, "key": "antall_arsverk", "value": 3}, own)
    assert error_codes(stale) == ["CONFLICT"]


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("antall_arsverk", "tolv", "value"),
        ("antall_arsverk", 20000, "value"),
        ("antall_stillinger_ledige", 1.5, "value"),
        ("brutto_driftsutgifter", "1e16", "value"),
        ("brutto_driftsutgifter", "1E+999999999", "value"),  # abs() overflowed the decimal context: a 500
        ("har_internkontroll", "kanskje", "value"),
        ("antall_akuttplasseringer", 3, "fieldKey"),  # GraphQL's argument, not REST's field_key
    ],
    ids=["not-a-number", "above-max", "not-whole", "beyond-storage", "beyond-the-context", "not-boolean", "computed-field"],
)
async def test_bad_manual_values_are_refused(graphql, app, tokens, reporting, key, value, field):
    own = tokens.headers("org-1042")
    snapshot_id = await current(graphql, app, own)
    result = await graphql(SET, {"id": snapshot_id, "key": key, "value": value}, own)
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field


async def test_setting_values_needs_the_organisation(graphql, app, tokens, reporting):
    snapshot_id = await current(graphql, app, tokens.headers("org-1042"))
    result = await graphql(SET, {"id": snapshot_id, "key": "antall_arsverk", "value": 1}, tokens.headers("org-2077"))
    assert error_codes(result) == ["NOT_FOUND"]  # another organisation's snapshot answers as a missing one
    unknown = await graphql(SET, {"id": snapshot_id, "key": "finnes_ikke", "value": 1}, tokens.headers("org-1042"))
    assert error_codes(unknown) == ["NOT_FOUND"]


async def test_a_computed_field_is_named_by_its_label_and_a_reviewer_told_what_it_may_do(graphql, app, tokens, reporting):
    """A computed field's refusal named its key where every other refusal of a value names its
    label; a reviewer was told it could not change "the aggregation" (outsider)."""
    own = tokens.headers("org-1042")
    snapshot_id = await current(graphql, app, own)
    computed = {"id": snapshot_id, "key": "antall_akuttplasseringer", "value": 3}
    said = {lang: (await graphql(SET, computed, {**own, "Accept-Language": lang}))["errors"][0] for lang in ("nb", "en")}
    assert said["nb"]["message"] == "«Antall akuttplasseringer» beregnes fra aktiviteter og fylles ikke inn for hånd"
    assert said["en"]["message"] == "antall_akuttplasseringer is computed from activities, not entered by hand"
    assert [e["extensions"]["field_key"] for e in said.values()] == ["antall_akuttplasseringer"] * 2
    value = {"id": snapshot_id, "key": "antall_arsverk", "value": 1}
    reviewer = {lang: await graphql(SET, value, {**tokens.reviewer(), "Accept-Language": lang}) for lang in ("nb", "en")}
    assert [error_codes(r) for r in reviewer.values()] == [["FORBIDDEN"]] * 2
    assert reviewer["nb"]["errors"][0]["message"].startswith("en saksbehandler endrer ikke organisasjonens tall: merk verdien")
    assert reviewer["en"]["errors"][0]["message"] == (
        "a reviewer does not change an organisation's figures: mark the value for follow-up for the organisation to "
        "answer, or return a submitted report for correction"
    )


async def test_values_read_and_are_written_as_people_write_them(graphql, app, tokens, reporting):
    """A decimal comma is a number (the importer took it, manual values refused it); a boolean
    is true or false, and numbers carry no trailing zeros (a BOOLEAN came back as "1.0000")."""
    own = tokens.headers("org-1042", subject="kari")
    snapshot_id = await current(graphql, app, own)
    comma = await graphql(SET, {"id": snapshot_id, "key": "antall_arsverk", "value": "31,5"}, own)
    assert comma["data"]["setFieldValue"]["value"] == "31.5"
    grouped = await graphql(SET, {"id": snapshot_id, "key": "brutto_driftsutgifter", "value": "1 234 567,00"}, own)
    assert grouped["data"]["setFieldValue"]["value"] == "1234567"
    unsigned = await graphql(SET, {"id": snapshot_id, "key": "antall_stillinger_ledige", "value": "-0"}, own)
    assert unsigned["data"]["setFieldValue"]["value"] == "0"  # was "-0", where REST said 0
    await graphql(SET, {"id": snapshot_id, "key": "har_internkontroll", "value": True}, own)
    read = await graphql(
        "query ($id: ID!) { snapshot(id: $id) { fieldValues { fieldKey value booleanValue } } }", {"id": snapshot_id}, own
    )
    values = {v["fieldKey"]: v for v in read["data"]["snapshot"]["fieldValues"]}
    assert values["har_internkontroll"] == {"fieldKey": "har_internkontroll", "value": "1", "booleanValue": True}
    assert values["antall_arsverk"]["booleanValue"] is None
    assert all(not (v["value"] or "").endswith(".0000") for v in values.values())
    for written, meant in (
        ("ja", True),
        ("NEI", False),
        (" Yes ", True),
        ("no", False),
        ("1", True),
        (0, False),
        ("Sann", True),
        ("usann", False),
    ):
        said = await graphql(SET, {"id": snapshot_id, "key": "har_internkontroll", "value": written}, own)
        assert said["data"]["setFieldValue"]["value"] == str(int(meant)), (written, said)
    maybe = await graphql(SET, {"id": snapshot_id, "key": "har_internkontroll", "value": "kanskje"}, own)
    assert maybe["errors"][0]["message"] == (
        "har_internkontroll takes yes or no: true/false, ja/nei, yes/no, sann/usann or 1/0, got 'kanskje'"
    )
    wrong = await graphql(SET, {"id": snapshot_id, "key": "antall_arsverk", "value": "31,5x"}, own)
    assert wrong["errors"][0]["message"] == 'antall_arsverk takes a number (such as 31,5 or 31.5), got "31,5x"'
    # a number for a text field was told it takes text "of at most 10,000 characters" (outsider)
    number = await graphql(SET, {"id": snapshot_id, "key": "merknader_ressurser", "value": 5}, own)
    assert number["errors"][0]["message"] == "merknader_ressurser takes text, got 5"
