"""``GET /api/v1/aggregated-report-data/{id}`` answers the same bytes whatever path reads it: a
snapshot with every kind of value (text, boolean, integer, decimal, percent, none reported,
prior values, Norwegian letters), its sections out of the order they were stored in, and the
prior period's snapshot, compared byte for byte with the body the route answered before it read
plain rows (bench S3)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bufdir_reporting.models import FieldDefinition, FieldValue, Organization, Section, Snapshot, SnapshotStatus

from ..digdir import READ_SCOPE
from ..factories import FieldSpec, make_organization, make_period, make_section, manual
from ..statements import counting_statements

BASE = "/api/v1/aggregated-report-data"

# Written by the route as it was before it read plain rows (main at 44d1682), on SQLite and PostgreSQL alike.
PRIOR_BODY = (
    '{"snapshot_id":"snap-bytes-2023","organization_id":"org-bytes","organization_name":"Barnevernet i Bærum og Ås",'
    '"period_id":"2023","snapshot_status":"historical","field_count":null,"populated_field_count":null,'
    '"missing_required_fields":[],"cache_valid":true,"aggregated_at":null,"invalidation_reason":null,"error":null,'
    '"sections":[],"prior_period":null}'
)
BODY = (
    '{"snapshot_id":"snap-bytes-2024","organization_id":"org-bytes",'
    '"organization_name":"Barnevernet i Bærum og Ås","period_id":"2024","snapshot_status":"current",'
    '"field_count":9,"populated_field_count":7,"missing_required_fields":["antall_årsverk","merknad_tiltak"],'
    '"cache_valid":false,"aggregated_at":"2025-02-03T04:05:06Z",'
    '"invalidation_reason":"Nye tall fra fagsystemet «Familia» – æøå ÆØÅ",'
    '"error":"Kilde «Gerica» svarte ikke på 30 s","sections":[{"section_id":"okonomi",'
    '"section_title":"Økonomi","fields":[{"field_key":"antall_arsverk","value":12.5,'
    '"prior_period_value":11.75,"data_source":"manual"},{"field_key":"antall_saker","value":47,'
    '"prior_period_value":null,"data_source":"rule"},{"field_key":"tilskudd_kr","value":1234567890123.4568,'
    '"prior_period_value":0.0001,"data_source":"import"},{"field_key":"underskudd_kr","value":-2500.25,'
    '"prior_period_value":0,"data_source":"manual"},{"field_key":"ikke_rapportert","value":null,'
    '"prior_period_value":null,"data_source":null}]},{"section_id":"tiltak",'
    '"section_title":"Tiltak og særlige forhold","fields":[{"field_key":"merknad_tiltak",'
    '"value":"Økt pågang i høst; «ventetid» på 3–4 uker","prior_period_value":"Færre saker enn før",'
    '"data_source":"manual"},{"field_key":"har_ventetid","value":true,"prior_period_value":false,'
    '"data_source":null},{"field_key":"andel_fornoyde","value":87.3333,"prior_period_value":100,'
    '"data_source":"rule"},{"field_key":"har_venteliste","value":null,"prior_period_value":false,'
    '"data_source":"manual"}]}],"prior_period":{"period_id":"2023","snapshot_id":"snap-bytes-2023",'
    '"aggregated_at":null}}'
)


async def _year(org: Organization, year: int, **fields: Any) -> Snapshot:
    """The organisation's snapshot of a year, as the bytes were recorded with."""
    return await Snapshot.create(
        id=f"snap-bytes-{year}",
        organization=org,
        period_id=str(year),
        range_start=datetime(year, 1, 1, tzinfo=UTC),
        range_end=datetime(year, 12, 31, 23, tzinfo=UTC),
        **fields,
    )


async def _world() -> None:
    org = await make_organization(id="org-bytes", name="Barnevernet i Bærum og Ås")
    umbrella = await make_organization(id="org-bytes-paraply", name="Paraplyen")
    org.parent_id = umbrella.id
    await org.save(update_fields=["parent_id"])
    await make_period(year=2023)
    await make_period(year=2024)
    # stored in this order; answered by (order, id): "Økonomi" (order 1) before "Tiltak og særlige forhold" (order 2)
    later = await make_section(
        id="tiltak",
        order=2,
        fields=[
            manual("merknad_tiltak", data_type="text"),
            manual("har_ventetid", data_type="boolean"),
            manual("andel_fornoyde", data_type="percent"),
            manual("har_venteliste", data_type="boolean", required=False),
        ],
    )
    first = await make_section(
        id="okonomi",
        order=1,
        fields=[
            FieldSpec("antall_arsverk", None, data_type="decimal"),
            FieldSpec("antall_saker", None, data_type="integer"),
            FieldSpec("tilskudd_kr", None, data_type="decimal"),
            FieldSpec("underskudd_kr", None, data_type="decimal", required=False),
            FieldSpec("ikke_rapportert", None, data_type="integer", required=False),
        ],
    )
    await _titled(later, "Tiltak og særlige forhold")
    await _titled(first, "Økonomi")
    prior = await _year(org, 2023, status=SnapshotStatus.HISTORICAL)
    snapshot = await _year(
        org,
        2024,
        status=SnapshotStatus.CURRENT,
        current_slot="org-bytes|2024",
        prior_snapshot=prior,
        cache_valid=False,
        invalidation_reason="Nye tall fra fagsystemet «Familia» – æøå ÆØÅ",
        invalidated_at=datetime(2024, 6, 1, 8, 30, tzinfo=UTC),
        field_count=9,
        populated_field_count=7,
        missing_required_fields=["antall_årsverk", "merknad_tiltak"],
        error="Kilde «Gerica» svarte ikke på 30 s",
        aggregated_at=datetime(2025, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
    )
    values = {
        # key: (value, text_value, prior_value, prior_text_value, data_source); stored out of answer order
        "har_venteliste": (None, None, Decimal(0), None, "manual"),
        "merknad_tiltak": (None, "Økt pågang i høst; «ventetid» på 3–4 uker", None, "Færre saker enn før", "manual"),
        "antall_arsverk": (Decimal("12.5"), None, Decimal("11.7500"), None, "manual"),
        "har_ventetid": (Decimal(1), None, Decimal(0), None, None),
        "andel_fornoyde": (Decimal("87.3333"), None, Decimal(100), None, "rule"),
        "antall_saker": (Decimal(47), None, None, None, "rule"),
        "tilskudd_kr": (Decimal("1234567890123.4567"), None, Decimal("0.0001"), None, "import"),
        "underskudd_kr": (Decimal("-2500.25"), None, Decimal("-0"), None, "manual"),
        "ikke_rapportert": (None, None, None, None, None),
    }
    definitions = {d.key: d for d in await FieldDefinition.filter(key__in=list(values))}
    for key, (value, text, prior_value, prior_text, source) in values.items():
        await FieldValue.create(
            snapshot=snapshot,
            field_definition=definitions[key],
            field_key=key,
            section_key=definitions[key].section_id,
            value=value,
            text_value=text,
            prior_value=prior_value,
            prior_text_value=prior_text,
            data_source=source,
        )


async def _titled(section: Section, title: str) -> None:
    section.title = title
    await section.save(update_fields=["title"])


@pytest.mark.parametrize("who", ["own", "umbrella", "admin"])
async def test_a_snapshot_with_every_kind_of_value_answers_the_same_bytes(client, app, tokens, who):
    await _world()
    headers = {"own": tokens.headers("org-bytes"), "umbrella": tokens.headers("org-bytes-paraply"), "admin": tokens.admin()}[who]
    response = await client.get(f"{BASE}/snap-bytes-2024", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.content == BODY.encode()
    prior = await client.get(f"{BASE}/snap-bytes-2023", headers=headers)
    assert prior.content == PRIOR_BODY.encode()


async def test_the_snapshot_is_read_in_one_statement_and_the_tree_only_where_the_token_does_not_decide(client, app, tokens):
    """Its values, sections, owner and prior run in one statement; the organisation tree is read
    for an umbrella's token (it reads its branch's snapshot), not for the owner's own (bench S3:
    six statements before, one after another)."""
    await _world()
    for headers, statements in ((tokens.headers("org-bytes"), 1), (tokens.headers("org-bytes-paraply"), 2)):
        with counting_statements() as counter:
            response = await client.get(f"{BASE}/snap-bytes-2024", headers=headers)
        assert response.content == BODY.encode()
        read = [s for s in counter.statements if "data_change" not in s]  # the response cache's data version
        assert len(read) == statements, read


@pytest.mark.parametrize("scopes", [(READ_SCOPE,), ("skatt:annet.api",)], ids=["read-scope", "no-scope-of-ours"])
async def test_a_maskinporten_consumer_that_is_no_organisation_here_is_refused_as_on_any_route(client, digdir, scopes):
    """The route reaches the principal through the tree only when it must, but maps a
    Maskinporten token found by its number before its permission is checked, as every route
    does: a consumer that is no organisation here is told so, with or without our scope."""
    headers = digdir.maskinporten(*scopes, consumer="999888777")
    ours = await client.get(f"{BASE}/snap-bytes-2024", headers=headers)
    theirs = await client.get(BASE, params={"organization_id": "org-bytes"}, headers=headers)
    assert ours.status_code == theirs.status_code == 403
    assert ours.json()["error"]["details"] == theirs.json()["error"]["details"]
    assert ours.json()["error"]["details"]["reason"] == "no_organization"
