"""Per-field outlier settings (issue #33 item 2): an admin sets a field's floor, threshold or
judging on/off over GraphQL and REST, checked (a negative floor names the field, a text field or
an unknown one is refused) and audited; anyone reads them, no one else writes them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bufdir_reporting.models import AuditEntry, FieldOutlierSetting

from ..conftest import error_codes
from ..factories import FieldSpec, counted, make_section

SET = """mutation ($k: String!, $i: FieldOutlierSettingInput!) { setFieldOutlierSetting(fieldKey: $k, input: $i)
  { fieldKey minDeviation zThreshold enabled } }"""
DELETE = "mutation ($k: String!) { deleteFieldOutlierSetting(fieldKey: $k) { fieldKey } }"
LIST = "{ fieldOutlierSettings { fieldKey minDeviation enabled } }"
PATH = "/api/v1/field-outlier-settings"


@pytest.fixture
async def fields(app):
    await make_section(fields=[counted("saker"), FieldSpec("merknad", None, False, "text")])


async def test_an_admin_sets_reads_and_removes_a_fields_setting(graphql, client, tokens, fields):
    admin = tokens.admin()
    made = (await graphql(SET, {"k": "saker", "i": {"minDeviation": "10", "zThreshold": "4.5"}}, admin))["data"]
    assert made["setFieldOutlierSetting"] == {"fieldKey": "saker", "minDeviation": "10", "zThreshold": "4.5", "enabled": True}
    off = await client.put(f"{PATH}/saker", json={"enabled": False}, headers=admin)
    assert off.status_code == 200, off.text
    assert (off.json()["min_deviation"], off.json()["enabled"]) == (None, False), "a value left out is the default's"
    assert (await graphql(LIST, {}, None))["data"]["fieldOutlierSettings"] == [
        {"fieldKey": "saker", "minDeviation": None, "enabled": False}
    ]
    assert (await client.get(f"{PATH}/saker")).json()["enabled"] is False
    actions = [a for (a,) in await AuditEntry.filter(entity_type="field_outlier_setting").order_by("id").values_list("action")]
    assert actions == ["outlier_setting.set", "outlier_setting.set"]

    assert (await graphql(DELETE, {"k": "saker"}, admin))["data"]["deleteFieldOutlierSetting"] == {"fieldKey": "saker"}
    assert not await FieldOutlierSetting.exists(field_key="saker")
    assert (await client.delete(f"{PATH}/saker", headers=admin)).status_code == 404
    assert (await client.get(f"{PATH}/saker")).status_code == 404


async def test_a_setting_reads_the_same_on_both_transports(graphql, client, tokens, fields):
    """REST printed the column's four places and a fraction of a second ("10.5000", "4.0000",
    "…:37.025164Z") beside GraphQL's "10.5", "4" (outsider): one form on both."""
    put = await client.put(f"{PATH}/saker", json={"min_deviation": "10.5", "z_threshold": 4}, headers=tokens.admin())
    assert put.status_code == 200, put.text
    read = "{ fieldOutlierSettings { fieldKey minDeviation zThreshold enabled updatedAt } }"
    graph = (await graphql(read, {}, None))["data"]["fieldOutlierSettings"]
    assert graph[0]["minDeviation"] == "10.5" and graph[0]["zThreshold"] == "4", graph
    for rest in (put.json(), (await client.get(PATH)).json()["data"][0]):
        assert [rest[name] for name in ("min_deviation", "z_threshold", "updated_at")] == [
            graph[0][name] for name in ("minDeviation", "zThreshold", "updatedAt")
        ], (rest, graph)


async def test_a_setting_is_checked_and_only_admins_write_it(graphql, client, tokens, fields):
    admin = tokens.admin()
    negative = await client.put(f"{PATH}/saker", json={"min_deviation": -1}, headers=admin)
    assert negative.status_code == 422 and negative.json()["error"]["details"]["field"] == "min_deviation", negative.text
    refused = await graphql(SET, {"k": "saker", "i": {"minDeviation": "-1"}}, admin)
    assert error_codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "input.minDeviation"
    assert refused["errors"][0]["message"] == "input.minDeviation must be greater than or equal to 0", refused
    assert refused["errors"][0]["extensions"]["errors"][0]["field"] == "input.minDeviation", refused
    zero = await client.put(f"{PATH}/saker", json={"z_threshold": 0}, headers=admin)
    assert zero.status_code == 422 and zero.json()["error"]["details"]["field"] == "z_threshold"
    text = await client.put(f"{PATH}/merknad", json={"min_deviation": 1}, headers=admin)
    assert text.status_code == 422 and text.json()["error"]["details"]["field"] == "field_key"
    assert text.json()["error"]["message"].startswith("field_key: merknad is not a number"), text.text
    assert (await client.put(f"{PATH}/ukjent", json={}, headers=admin)).status_code == 404
    for who in (tokens.reviewer(), tokens.headers("org-1")):
        assert (await client.put(f"{PATH}/saker", json={}, headers=who)).status_code == 403
        assert error_codes(await graphql(SET, {"k": "saker", "i": {}}, who)) == ["FORBIDDEN"]
    assert not await FieldOutlierSetting.exists() and not await AuditEntry.exists(entity_type="field_outlier_setting")


async def test_a_negative_zero_floor_is_stored_as_zero(client, tokens, fields):
    """``-0.0`` passes "at least 0" and was stored and shown as ``-0.0000`` (outsider)."""
    signed = await client.put(f"{PATH}/saker", json={"min_deviation": -0.0}, headers=tokens.admin())
    assert signed.status_code == 200 and not signed.json()["min_deviation"].startswith("-"), signed.text


async def test_a_setting_that_says_only_the_defaults_is_refused_and_delete_resets(graphql, client, tokens, fields):
    """``PUT {}`` stored the defaults silently (outsider): refused, naming the body, in the
    reader's language; going back to the defaults is ``DELETE``, and a setting already there
    stays as it was."""
    admin = tokens.admin()
    for body in ({}, {"enabled": True}, {"min_deviation": None, "z_threshold": None}):
        empty = await client.put(f"{PATH}/saker", json=body, headers=admin)
        assert empty.status_code == 422 and empty.json()["error"]["details"]["field"] == "body", (body, empty.text)
    assert (
        "slett innstillingen"
        in (await client.put(f"{PATH}/saker", json={}, headers=admin | {"Accept-Language": "nb"})).json()["error"]["message"]
    )
    nynorsk = await client.put(f"{PATH}/saker", json={}, headers=admin | {"Accept-Language": "nn"})
    assert "slett innstillinga" in nynorsk.json()["error"]["message"], nynorsk.text
    assert "give min_deviation, z_threshold or enabled: false" in empty.json()["error"]["message"], empty.text
    refused = await graphql(SET, {"k": "saker", "i": {}}, admin)
    assert error_codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "input", refused
    # GraphQL's names, not REST's (outsider: "give min_deviation…" with field "body")
    assert "give input.minDeviation, input.zThreshold or input.enabled: false" in refused["errors"][0]["message"]
    nynorsk = await graphql(SET, {"k": "saker", "i": {}}, admin | {"Accept-Language": "nn"})
    assert "gje opp input.minDeviation, input.zThreshold" in nynorsk["errors"][0]["message"], nynorsk
    text = await graphql(SET, {"k": "merknad", "i": {"enabled": False}}, admin)
    assert text["errors"][0]["extensions"]["field"] == "fieldKey", text
    assert text["errors"][0]["message"].startswith("fieldKey: merknad is not a number"), text
    assert not await FieldOutlierSetting.exists() and not await AuditEntry.exists(entity_type="field_outlier_setting")

    assert (await client.put(f"{PATH}/saker", json={"min_deviation": 0}, headers=admin)).status_code == 200
    assert (await client.put(f"{PATH}/saker", json={}, headers=admin)).status_code == 422
    assert (await FieldOutlierSetting.get(field_key="saker")).min_deviation == 0, "the setting there is kept"
    assert (await client.delete(f"{PATH}/saker", headers=admin)).status_code == 200
    assert not await FieldOutlierSetting.exists(field_key="saker")


@pytest.mark.postgres_only  # SQLite lets one writer at a time: its writes never meet
async def test_admins_setting_the_same_new_key_at_once_both_succeed_and_the_last_one_stays(app, settings, fields):
    """A create-or-replace read the key, found nothing and inserted: of two admins (two
    replicas) saving the same new outlier setting or translation at once, the second insert met
    the unique index and answered INTERNAL (attacker's review). Each is a PUT: both succeed, and
    one of the texts stays, each save audited."""
    from bufdir_reporting.language import Language
    from bufdir_reporting.models import TranslatedAttribute, TranslatedSubject, Translation
    from bufdir_reporting.resolvers.structure import outlier_settings, translations

    from ..factories import context_for

    admins = [context_for(settings, app, admin=True, subject=f"admin-{n}") for n in range(4)]
    for round_ in range(3):
        await FieldOutlierSetting.all().delete()
        await Translation.all().delete()
        settings_set = await asyncio.gather(
            *[
                outlier_settings.set_(a, field_key="saker", spec=outlier_settings.OutlierSettingSpec(z_threshold=Decimal(4 + n)))
                for n, a in enumerate(admins)
            ]
        )
        assert {s.field_key for s in settings_set} == {"saker"}
        texts = [f"Saker {round_}.{n}" for n in range(len(admins))]
        kept = await asyncio.gather(
            *[
                translations.update(
                    a,
                    spec=translations.TranslationSpec(
                        subject=TranslatedSubject.FIELD,
                        subject_id="saker",
                        attribute=TranslatedAttribute.LABEL,
                        language=Language.EN,
                        text=text,
                    ),
                )
                for a, text in zip(admins, texts, strict=True)
            ]
        )
        assert [k.text for k in kept if k is not None] == texts
        assert (await Translation.get(subject_id="saker")).text in texts
        assert await FieldOutlierSetting.filter(field_key="saker").count() == 1
    assert await AuditEntry.filter(entity_type="translation").count() == 3 * len(admins)
