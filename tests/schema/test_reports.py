"""Report generation (.xlsx checked cell by cell), submission, period locking and reopening."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from bufdir_reporting.models import FieldDefinition, FieldValue, ReportRecord, Section, Snapshot
from bufdir_reporting.resolvers.reporting.document import kind_of, printed_change

from .. import contracts
from ..conftest import error_codes
from ..contracts import assert_shape

MANUAL_REQUIRED = {
    "antall_arsverk": 12.5,
    "antall_arsverk_med_barnevernfaglig_utdanning": 9,
    "har_internkontroll": True,
    "brutto_driftsutgifter": 48000,
}


async def aggregated(graphql, app, headers, period="2024", force=False) -> str:
    result = await graphql(
        'mutation ($p: ID!, $f: Boolean!) { triggerAggregation(organizationId: "org-1042", periodId: $p, force: $f) '
        "{ snapshot { snapshotId } } }",
        {"p": period, "f": force},
        headers,
    )
    await app.state.jobs.wait_idle()
    return result["data"]["triggerAggregation"]["snapshot"]["snapshotId"]


async def generated(graphql, headers, snapshot_id) -> dict:
    result = await graphql(
        'mutation ($s: ID!) { generateReport(snapshotId: $s, reportType: "annual_report") '
        "{ reportId status fileRef fileSizeBytes downloadUrl error snapshot { snapshotId } } }",
        {"s": snapshot_id},
        headers,
    )
    assert "errors" not in result, result
    return result["data"]["generateReport"]


async def fill_manual(graphql, headers, snapshot_id) -> None:
    for key, value in MANUAL_REQUIRED.items():
        result = await graphql(
            "mutation ($s: ID!, $k: String!, $v: JSON) { setFieldValue(snapshotId: $s, fieldKey: $k, value: $v) { fieldKey } }",
            {"s": snapshot_id, "k": key, "v": value},
            headers,
        )
        assert "errors" not in result, result


async def test_the_generated_workbook_holds_every_section_label_and_value(graphql, client, app, tokens, reporting):
    own = tokens.headers("org-1042")
    snapshot_id = await aggregated(graphql, app, own)
    record = await generated(graphql, own, snapshot_id)
    assert record["status"] == "COMPLETED" and record["fileSizeBytes"] > 0 and record["error"] is None

    download = await client.get(record["downloadUrl"], headers=own)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"bufdir-rapport_org-1042_2024_{record['reportId']}.xlsx" in download.headers["content-disposition"]
    assert (await client.get(record["downloadUrl"], headers=tokens.headers("org-2077"))).status_code == 404

    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    front = [tuple(row) for row in workbook["Rapport"].iter_rows(values_only=True)]
    assert ("Referanse", snapshot_id, None, None) in front
    assert any(row[0] == "Organisasjon" and "Barnevernstjenesten Oslo Sør" in row[1] for row in front)
    sections = await Section.filter(is_active=True).order_by("order")
    assert workbook.sheetnames == ["Rapport", *[s.title for s in sections]]
    values = {v.field_key: v for v in await FieldValue.filter(snapshot_id=snapshot_id)}
    definitions = {d.id: d for d in await FieldDefinition.all()}
    for section in sections:
        rows = list(workbook[section.title].iter_rows(values_only=True))
        assert rows[0][0] == section.title
        assert rows[2] == ("Felt", "Verdi", "Forrige periode", "Endring", "Endring i %", "Påkrevd", "Merknader", "Teknisk nøkkel")
        in_section = [v for v in values.values() if v.section_key == section.id]
        assert len(rows) - 3 == len(in_section)
        for label, value, prior, change, _share, required, notes, key in rows[3:]:
            stored = values[key]
            definition = definitions[stored.field_definition_id]
            assert label.startswith(definition.label) and required == ("Ja" if definition.required else None)
            if definition.data_type in ("integer", "decimal", "percent") and stored.value is not None:
                assert Decimal(str(value)) == stored.value
                if stored.prior_value is not None:
                    assert Decimal(str(prior)) == stored.prior_value
                    # the difference of the two figures as printed (document.printed_change)
                    kind = kind_of(definition.data_type, definition.unit)
                    assert Decimal(str(change)) == printed_change(stored.value, stored.prior_value, kind)
            if stored.value is None and stored.text_value is None:
                assert value == ("mangler" if definition.required else None)
                assert (notes is not None and "påkrevd" in notes.lower()) == definition.required


@pytest.mark.usefixtures("pdf_rendering")
async def test_a_pdf_is_generated_on_request_and_downloaded_the_same_way(graphql, client, app, tokens, reporting):
    own = tokens.headers("org-1042")
    snapshot_id = await aggregated(graphql, app, own)
    result = await graphql(
        'mutation ($s: ID!) { generateReport(snapshotId: $s, reportType: "annual_report", format: PDF) '
        "{ reportId status fileRef downloadUrl } }",
        {"s": snapshot_id},
        own,
    )
    record = result["data"]["generateReport"]
    assert record["status"] == "COMPLETED" and record["fileRef"].endswith(f"{record['reportId']}.pdf")
    download = await client.get(record["downloadUrl"], headers=own)
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert download.content.startswith(b"%PDF") and f"{record['reportId']}.pdf" in download.headers["content-disposition"]
    legacy = await client.get(f"/api/v1/report-records/{record['reportId']}", headers=own)
    assert legacy.status_code == 200 and legacy.json()["file_ref"] == record["fileRef"]


async def test_a_processing_or_failed_snapshot_cannot_be_reported(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    snapshot_id = await aggregated(graphql, app, own)
    await Snapshot.filter(id=snapshot_id).update(status="failed")
    result = await graphql("mutation ($s: ID!) { generateReport(snapshotId: $s) { reportId } }", {"s": snapshot_id}, own)
    assert error_codes(result) == ["CONFLICT"]
    missing = await graphql('mutation { generateReport(snapshotId: "snap-none") { reportId } }', headers=own)
    assert error_codes(missing) == ["NOT_FOUND"]


async def test_submission_locks_the_period_until_an_admin_reopens_it(graphql, client, app, tokens, reporting):
    own = tokens.headers("org-1042", subject="kari")
    snapshot_id = await aggregated(graphql, app, own)
    early = await generated(graphql, own, snapshot_id)
    refused = await graphql("mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": early["reportId"]}, own)
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert set(refused["errors"][0]["extensions"]["missing_required_fields"]) == set(MANUAL_REQUIRED)

    await fill_manual(graphql, own, snapshot_id)
    report = await generated(graphql, own, snapshot_id)
    submitted = await graphql(
        "mutation ($r: ID!) { submitReport(reportId: $r) { version submittedBy locksPeriod activityCount reportRecord { reportId } } }",
        {"r": report["reportId"]},
        own,
    )
    sent = submitted["data"]["submitReport"].pop("reportRecord")["reportId"]
    assert submitted["data"]["submitReport"] == {
        "version": 1,
        "submittedBy": "kari",
        "locksPeriod": True,
        "activityCount": (await Snapshot.get(id=snapshot_id)).activity_count,
    }
    assert sent != report["reportId"], "the submission sends a document of its own"

    record = {
        "organizationId": "org-1042",
        "sourceSystem": "fagsystem-cis",
        "activityType": "care_order",
        "category": "UNGDOM",
        "status": "completed",
        "occurredAt": "2024-05-05T10:00:00Z",
    }
    write = "mutation ($i: ActivityInput!) { recordActivity(input: $i) { activityId } }"
    assert error_codes(await graphql(write, {"i": record}, own)) == ["PERIOD_LOCKED"]
    assert "errors" not in await graphql(write, {"i": {**record, "occurredAt": "2025-05-05T10:00:00Z"}}, own)
    set_value = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 1) { fieldKey } }'
    assert error_codes(await graphql(set_value, {"s": snapshot_id}, own)) == ["PERIOD_LOCKED"]
    rest = await client.post(
        "/api/v1/aggregated-report-data",
        json={"organization_id": "org-1042", "period_id": "2024", "force_reaggregate": True},
        headers=own,
    )
    assert rest.status_code == 409 and rest.json()["error"]["code"] == "PERIOD_LOCKED"
    kept = await client.delete(f"/api/v1/report-records/{sent}", headers=own)
    assert kept.status_code == 409, "what was sent stays as sent"
    assert (await client.delete(f"/api/v1/aggregated-report-data/{snapshot_id}", headers=own)).status_code == 409

    last = await client.get("/api/v1/bufdir-aggregations/last-submitted-period", params={"org_id": "org-1042"}, headers=own)
    assert_shape(last.json(), contracts.LAST_SUBMITTED)
    assert (last.json()["submitted_period_id"], last.json()["period_start"], last.json()["period_end"]) == (
        "2024",
        "2024-01-01",
        "2024-12-31",
    )

    reopen = 'mutation { reopenPeriod(organizationId: "org-1042", periodId: "2024", reason: "Korrigerte tall") { locksPeriod reopenReason } }'
    assert error_codes(await graphql(reopen, headers=own)) == ["FORBIDDEN"]
    assert (await graphql(reopen, headers=tokens.admin()))["data"]["reopenPeriod"] == {
        "locksPeriod": False,
        "reopenReason": "Korrigerte tall",
    }
    assert "errors" not in await graphql(write, {"i": record}, own)

    again = await aggregated(graphql, app, own, force=True)
    resubmitted_report = await generated(graphql, own, again)
    second = await graphql(
        "mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": resubmitted_report["reportId"]}, own
    )
    assert second["data"]["submitReport"] == {"version": 2}
    history = await graphql('{ organization(id: "org-1042") { submissions { version locksPeriod reopenReason } } }', headers=own)
    assert history["data"]["organization"]["submissions"] == [
        {"version": 2, "locksPeriod": True, "reopenReason": None},
        {"version": 1, "locksPeriod": False, "reopenReason": "Korrigerte tall"},
    ]


async def test_last_submitted_period_without_submissions_is_not_found(client, tokens, reporting):
    response = await client.get(
        "/api/v1/bufdir-aggregations/last-submitted-period",
        params={"org_id": "org-bufdir-42"},
        headers=tokens.headers("org-bufdir-42"),
    )
    assert response.status_code == 404


async def test_reporting_status_is_for_admins(graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")
    snapshot_id = await aggregated(graphql, app, own)
    await fill_manual(graphql, own, snapshot_id)
    report = await generated(graphql, own, snapshot_id)
    await graphql("mutation ($r: ID!) { submitReport(reportId: $r) { version } }", {"r": report["reportId"]}, own)
    query = '{ reportingStatus(periodId: "2024") { organization { organizationId } expected submitted onTime missing } }'
    assert error_codes(await graphql(query, headers=own)) == ["FORBIDDEN"]
    rows = {
        r["organization"]["organizationId"]: r for r in (await graphql(query, headers=tokens.admin()))["data"]["reportingStatus"]
    }
    assert rows["org-1042"] == {
        "organization": {"organizationId": "org-1042"},
        "expected": True,
        "submitted": True,
        "onTime": False,
        "missing": False,
    }
    assert rows["org-2077"]["missing"] is True and rows["org-2077"]["onTime"] is None
    assert len(rows) == 5


async def test_deleting_a_generated_report_removes_its_file(graphql, client, app, tokens, settings, reporting):
    own = tokens.headers("org-1042")
    record = await generated(graphql, own, await aggregated(graphql, app, own))
    stored = settings.report_store_root / record["fileRef"]
    assert stored.is_file()
    assert (await client.delete(f"/api/v1/report-records/{record['reportId']}", headers=own)).status_code == 200
    assert not stored.exists()
    assert (await client.get(record["downloadUrl"], headers=own)).status_code == 404


RECORDS = "/api/v1/report-records"


async def test_a_file_ref_into_another_organisations_folder_is_refused(graphql, client, app, tokens, settings, reporting):
    victim = tokens.headers("org-1042")
    their = await generated(graphql, victim, await aggregated(graphql, app, victim))
    attacker = tokens.headers("org_bufdir_oslo_42", subject="user_09AXKL2")  # the contract example names it
    body = {**contracts.REPORT_POST_REQUEST, "status": "completed", "file_ref": their["fileRef"]}

    posted = await client.post(RECORDS, json=body, headers=attacker)
    assert posted.status_code == 422 and posted.json()["error"]["details"]["field"] == "file_ref"
    own = (await client.post(RECORDS, json=contracts.REPORT_POST_REQUEST, headers=attacker)).json()
    put = await client.put(
        f"{RECORDS}/{own['report_id']}", json={"file_ref": their["fileRef"], "status": "completed"}, headers=attacker
    )
    assert put.status_code == 422 and put.json()["error"]["details"]["field"] == "file_ref"
    assert (settings.report_store_root / their["fileRef"]).is_file()


async def test_a_stored_ref_outside_the_records_organisation_is_neither_read_nor_deleted(
    graphql, client, app, tokens, settings, reporting
):
    victim = tokens.headers("org-1042")
    their = await generated(graphql, victim, await aggregated(graphql, app, victim))
    attacker = tokens.headers("org_bufdir_oslo_42", subject="user_09AXKL2")  # the contract example names it
    own = (await client.post(RECORDS, json=contracts.REPORT_POST_REQUEST, headers=attacker)).json()
    # as a ref written before the folder rule existed would be
    await ReportRecord.filter(id=own["report_id"]).update(file_ref=their["fileRef"], status="completed")

    assert (await client.get(f"{RECORDS}/{own['report_id']}/file", headers=attacker)).status_code == 404
    assert (await client.delete(f"{RECORDS}/{own['report_id']}", headers=attacker)).status_code == 200
    assert (settings.report_store_root / their["fileRef"]).is_file()
    assert (await client.get(their["downloadUrl"], headers=victim)).status_code == 200


async def test_deleting_a_record_keeps_a_file_another_record_points_at(graphql, client, app, tokens, settings, reporting):
    own = tokens.headers("org-1042")
    generated_record = await generated(graphql, own, await aggregated(graphql, app, own))
    stored = settings.report_store_root / generated_record["fileRef"]
    body = {**contracts.REPORT_POST_REQUEST, "org_id": "org-1042", "status": "completed", "file_ref": generated_record["fileRef"]}
    body["generated_by"] = None  # a person names only itself; left out, it is the token's subject
    pointer = await client.post(RECORDS, json=body, headers=own)
    assert pointer.status_code == 201, pointer.text

    assert (await client.delete(f"{RECORDS}/{pointer.json()['report_id']}", headers=own)).status_code == 200
    assert stored.is_file()  # the pointer never owned it
    again = (await client.post(RECORDS, json=body, headers=own)).json()
    assert (await client.delete(f"{RECORDS}/{generated_record['reportId']}", headers=own)).status_code == 200
    assert stored.is_file()  # its owner is gone, but another record still points at it
    assert (await client.get(f"{RECORDS}/{again['report_id']}/file", headers=own)).status_code == 200


async def test_a_rendering_failure_leaves_a_failed_record_with_a_plain_reason(
    graphql, app, tokens, reporting, monkeypatch, caplog
):
    from bufdir_reporting.resolvers.reporting.renderers import RENDERERS, Renderer, ReportFormat

    def broken(_content):
        raise ValueError("sheet limit exceeded")

    monkeypatch.setitem(RENDERERS, ReportFormat.XLSX, Renderer(broken, ".xlsx", "application/octet-stream"))
    own = tokens.headers("org-1042")
    record = await generated(graphql, own, await aggregated(graphql, app, own))
    assert record["status"] == "FAILED" and record["fileRef"] is None
    assert record["error"] == "the XLSX report could not be rendered; the error is logged on the server"
    assert "sheet limit exceeded" in caplog.text, "the renderer's own words go to the log, not to the client"
