"""Contract tests: report-history-repository, requests sent verbatim."""

from __future__ import annotations

import re

import pytest

from .. import contracts
from ..contracts import assert_shape

BASE = "/api/v1/report-records"
BOTH_PATHS = pytest.mark.parametrize("base", [BASE, BASE + BASE], ids=["canonical", "printed"])


@pytest.fixture
def org(tokens):
    return tokens.headers("org_bufdir_oslo_42", subject="user_09AXKL2")


@BOTH_PATHS
async def test_the_record_lifecycle_with_the_contract_requests(client, org, reporting, base):
    created = await client.post(base, json=contracts.REPORT_POST_REQUEST, headers=org)
    assert created.status_code == 201, created.text
    body = created.json()
    assert_shape(body, dict.fromkeys(contracts.REPORT_RECORD))  # every documented key; pending ones are null
    assert re.fullmatch(r"rpt_[0-9A-HJKMNP-TV-Z]{26}", body["report_id"])
    assert (body["status"], body["file_ref"], body["file_size_bytes"], body["generated_at"]) == ("pending", None, None, None)
    assert (body["period_from"], body["period_to"]) == ("2026-01-01", "2026-03-31")

    updated = await client.put(f"{base}/{body['report_id']}", json=contracts.REPORT_PUT_REQUEST, headers=org)
    assert updated.status_code == 200, updated.text
    assert_shape(updated.json(), contracts.REPORT_RECORD)
    assert updated.json()["status"] == "completed" and updated.json()["file_size_bytes"] == 318720
    assert updated.json()["generated_at"] == "2026-03-26T12:45:00Z"

    fetched = (await client.get(f"{base}/{body['report_id']}", headers=org)).json()
    assert fetched == updated.json()
    listed = (await client.get(base, params={"org_id": "org_bufdir_oslo_42", "status": "completed"}, headers=org)).json()
    assert [r["report_id"] for r in listed["data"]] == [body["report_id"]] and listed["pagination"]["total"] == 1
    assert (await client.get(base, params={"org_id": "org_bufdir_oslo_42", "report_type": "annual"}, headers=org)).json()[
        "data"
    ] == []

    deleted = await client.delete(f"{base}/{body['report_id']}", headers=org)
    assert_shape(deleted.json(), contracts.REPORT_DELETE_RESPONSE)
    assert deleted.json()["report_id"] == body["report_id"]
    assert (await client.get(f"{base}/{body['report_id']}", headers=org)).status_code == 404


@pytest.mark.parametrize("ref", ["../../etc/passwd", "/etc/passwd", "reports/../../x.xlsx", "reports\\x.xlsx", "a//b"])
async def test_a_file_ref_outside_the_store_is_422(client, org, reporting, ref):
    created = (await client.post(BASE, json=contracts.REPORT_POST_REQUEST, headers=org)).json()
    response = await client.put(f"{BASE}/{created['report_id']}", json={"file_ref": ref}, headers=org)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "file_ref"
    posted = await client.post(BASE, json={**contracts.REPORT_POST_REQUEST, "file_ref": ref}, headers=org)
    assert posted.status_code == 422


async def test_records_are_private_to_their_organisation(client, org, tokens, reporting):
    created = (await client.post(BASE, json=contracts.REPORT_POST_REQUEST, headers=org)).json()
    other = tokens.headers("org-1042")
    assert (await client.get(f"{BASE}/{created['report_id']}", headers=other)).status_code == 404  # as a missing one
    assert (await client.post(BASE, json=contracts.REPORT_POST_REQUEST, headers=other)).status_code == 403
    assert (await client.get(BASE, params={"org_id": "org_bufdir_oslo_42"}, headers=other)).status_code == 403
    assert (await client.get(f"{BASE}/{created['report_id']}")).status_code == 401
    assert (await client.get(f"{BASE}/rpt_NOPE", headers=org)).status_code == 404


async def test_a_person_credits_a_record_to_themselves_only(client, org, tokens, reporting):
    """A coordinator's token naming someone else as generated_by (the outsider's finding: a
    completed record credited to a case officer) is refused; a system (admin) token imports
    anyone's, and the contract's example (naming the token's own subject) stays as it was."""
    someone_else = {**contracts.REPORT_POST_REQUEST, "generated_by": "bufdir-saksbehandler"}
    refused = await client.post(BASE, json=someone_else, headers={**org, "Accept-Language": "nn"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["details"]["field"] == "generated_by"
    assert "generated_by kan berre vere deg sjølv (user_09AXKL2)" in refused.json()["error"]["message"]
    unnamed = await client.post(BASE, json={**contracts.REPORT_POST_REQUEST, "generated_by": None}, headers=org)
    assert unnamed.json()["generated_by"] == "user_09AXKL2"
    imported = await client.post(BASE, json=someone_else, headers=tokens.headers(subject="importer", admin=True))
    assert imported.status_code == 201 and imported.json()["generated_by"] == "bufdir-saksbehandler"


async def test_a_completed_record_needs_a_file(client, org, reporting):
    completed = {**contracts.REPORT_POST_REQUEST, "status": "completed"}
    posted = await client.post(BASE, json=completed, headers=org)
    assert posted.status_code == 422 and posted.json()["error"]["details"]["field"] == "file_ref", posted.text
    created = (await client.post(BASE, json=contracts.REPORT_POST_REQUEST, headers=org)).json()
    put = await client.put(f"{BASE}/{created['report_id']}", json={"status": "completed"}, headers=org)
    assert put.status_code == 422 and put.json()["error"]["details"]["field"] == "file_ref", put.text
    done = (await client.put(f"{BASE}/{created['report_id']}", json=contracts.REPORT_PUT_REQUEST, headers=org)).json()
    emptied = await client.put(f"{BASE}/{created['report_id']}", json={"file_ref": None}, headers=org)
    assert emptied.status_code == 422 and done["status"] == "completed"


async def test_a_bad_file_ref_and_a_body_of_neither_kind_are_refused_in_the_readers_words(client, org, reporting):
    """A bad file_ref said "file_ref file_ref must be a relative path inside the report store"
    (doubled, English under nb); an aggregation of neither period nor range said "Innholdet i
    forespørselen give exactly one of …" under nb (outsider). English stays as it read, once."""
    bad = {**contracts.REPORT_POST_REQUEST, "file_ref": "../x.xlsx"}
    said = {
        lang: (await client.post(BASE, json=bad, headers={**org, "Accept-Language": lang})).json()["error"]["message"]
        for lang in ("nb", "nn", "en")
    }
    assert said == {
        "nb": "file_ref må være en relativ sti inne i rapportlageret",
        "nn": "file_ref må vere ein relativ sti inne i rapportlageret",
        "en": "file_ref must be a relative path inside the report store",
    }
    neither = {"org_id": "org_bufdir_oslo_42"}
    aggregations = "/api/v1/bufdir-aggregations"
    nb = (await client.post(aggregations, json=neither, headers={**org, "Accept-Language": "nb"})).json()["error"]
    assert nb["message"] == "Innholdet i forespørselen må gi nøyaktig én av reporting_period_id og range", nb
    plain = (await client.post(aggregations, json=neither, headers=org)).json()["error"]
    assert plain["message"].endswith("give exactly one of reporting_period_id and range"), plain
