"""One reporting round driven through REST and through GraphQL, compared step by step:
trigger → values → (manual values, report, submit) → what was submitted.

REST has no manual-value, report-generation or submit operation (the legacy contracts do not
document one), so those steps run over GraphQL in both rounds; every step both transports can
do is done by each and must agree.
"""

from __future__ import annotations

from decimal import Decimal

from .schema.test_reports import MANUAL_REQUIRED

REST = "/api/v1/aggregated-report-data"
TRIGGER = (
    "mutation ($o: ID!, $p: ID!) { triggerAggregation(organizationId: $o, periodId: $p, force: true) "
    "{ snapshot { snapshotId } } }"
)
VALUES = (
    "query ($id: ID!) { snapshot(id: $id) { status organization { organizationId } period { periodId } "
    "sections { section { sectionId } fieldValues { fieldKey value priorValue dataSource } } } }"
)


def number(value):
    """REST prints a boolean field as true/false, GraphQL as its stored 1/0."""
    if value is None:
        return None
    return Decimal(int(value)) if isinstance(value, bool) else Decimal(str(value))


def rest_values(body: dict) -> dict:
    return {
        (section["section_id"], f["field_key"]): (number(f["value"]), number(f["prior_period_value"]), f["data_source"])
        for section in body["sections"]
        for f in section["fields"]
    }


def graphql_values(snapshot: dict) -> dict:
    return {
        (section["section"]["sectionId"], f["fieldKey"]): (number(f["value"]), number(f["priorValue"]), f["dataSource"])
        for section in snapshot["sections"]
        for f in section["fieldValues"]
    }


async def test_a_reporting_round_agrees_through_rest_and_graphql(client, graphql, app, tokens, reporting):
    own = tokens.headers("org-1042")

    posted = await client.post(
        REST, json={"organization_id": "org-1042", "period_id": "2024", "force_reaggregate": True}, headers=own
    )
    assert posted.status_code == 202, posted.text
    await app.state.jobs.wait_idle()
    by_rest = (await client.get(f"{REST}/{posted.json()['snapshot_id']}", headers=own)).json()

    triggered = await graphql(TRIGGER, {"o": "org-1042", "p": "2024"}, own)
    await app.state.jobs.wait_idle()
    snapshot_id = triggered["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    by_graphql = (await graphql(VALUES, {"id": snapshot_id}, own))["data"]["snapshot"]

    assert by_rest["snapshot_status"] == "current" and by_graphql["status"] == "CURRENT"
    assert (by_graphql["organization"]["organizationId"], by_graphql["period"]["periodId"]) == ("org-1042", "2024")
    assert rest_values(by_rest) == graphql_values(by_graphql)
    assert len(rest_values(by_rest)) == 57

    for key, value in MANUAL_REQUIRED.items():
        result = await graphql(
            "mutation ($s: ID!, $k: String!, $v: JSON) { setFieldValue(snapshotId: $s, fieldKey: $k, value: $v) { fieldKey } }",
            {"s": snapshot_id, "k": key, "v": value},
            own,
        )
        assert "errors" not in result, result
    report = await graphql(
        'mutation ($s: ID!) { generateReport(snapshotId: $s, reportType: "annual_report") { reportId status } }',
        {"s": snapshot_id},
        own,
    )
    report_id = report["data"]["generateReport"]["reportId"]
    record = (await client.get(f"/api/v1/report-records/{report_id}", headers=own)).json()
    assert (record["status"], record["snapshot_id"], record["org_id"]) == ("completed", snapshot_id, "org-1042")

    submitted = await graphql(
        "mutation ($r: ID!) { submitReport(reportId: $r) { version submittedBy submittedAt period { periodId } } }",
        {"r": report_id},
        own,
    )
    assert "errors" not in submitted, submitted
    last = (
        await client.get("/api/v1/bufdir-aggregations/last-submitted-period", params={"org_id": "org-1042"}, headers=own)
    ).json()
    submission = submitted["data"]["submitReport"]
    assert (last["submitted_period_id"], last["submitted_by"]) == (submission["period"]["periodId"], submission["submittedBy"])
    assert last["submitted_at"] == submission["submittedAt"].replace("+00:00", "Z")[:19] + "Z"

    values_now = (await client.get(f"{REST}/{snapshot_id}", headers=own)).json()
    manual_now = {k: v for (_, k), (v, _, _) in rest_values(values_now).items() if k in MANUAL_REQUIRED}
    assert manual_now == {k: Decimal(str(int(v) if isinstance(v, bool) else v)) for k, v in MANUAL_REQUIRED.items()}
