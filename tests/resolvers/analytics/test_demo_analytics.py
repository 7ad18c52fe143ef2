"""The issue's "done when", from the demo: a reviewer's table of one field across every
organisation for the 2025 quarters, a time series of one organisation, the same selection as
JSON-stat and CSV; and a coordinator refused another organisation's raw values."""

from __future__ import annotations

import csv
import io

import jsonschema
import pytest

from .jsonstat_schema import JSONSTAT_DATASET

pytestmark = [pytest.mark.asyncio, pytest.mark.one_database]
QUARTERS_2025 = [("period_type", "quarter"), ("period_from", "2025-01-01"), ("period_to", "2025-12-31")]
FIELD = [("fields", "antall_veiledningssamtaler")]


async def test_a_reviewer_reads_the_demos_approved_2025_quarters(settings, client, tokens, demo) -> None:
    from bufdir_reporting.demo import load_in_use

    assert (await load_in_use(settings)).approved == 8
    reviewer = tokens.reviewer()
    # dated before their deadlines, as real ones came, but one (#31 outside test, finding 10)
    from bufdir_reporting.models import Submission

    late = []
    for period_id, form_id in sorted(
        set(await Submission.filter(period_id__startswith="rp-2025-q").values_list("period_id", "form_id"))
    ):
        status = {"period_id": period_id, "form_id": form_id}
        rows = (await client.get("/api/v1/submissions/reporting-status", params=status, headers=reviewer)).json()["organizations"]
        late += [(row["org_id"], period_id) for row in rows if row["lateness"] == "submitted_late"]
    assert late == [("org_bufdir_oslo_42", "rp-2025-q4")]
    table = (await client.get("/api/v1/analytics", params=FIELD + QUARTERS_2025, headers=reviewer)).json()
    assert table["source"] == "approved"
    assert [p["id"] for p in table["periods"]] == ["rp-2025-q1", "rp-2025-q2", "rp-2025-q3", "rp-2025-q4"]
    assert len(table["organizations"]) == 9, "every demo organisation, the volunteer centres of demo.peers too"
    approved = {(c["organization_id"], c["period_id"]) for c in table["cells"] if c["approved"]}
    assert {o for o, _ in approved} == {"org-3310", "org_bufdir_oslo_42"} and len(approved) == 8
    assert all(isinstance(c["value"], int) for c in table["cells"] if c["approved"])

    series = await client.get(
        "/api/v1/analytics/time-series", params=FIELD + QUARTERS_2025 + [("organizations", "org-3310")], headers=reviewer
    )
    assert series.status_code == 200, series.text
    assert series.json()["reported_share"] == 1.0
    assert [p["change"] is None for p in series.json()["points"]] == [True, False, False, False]

    params = FIELD + QUARTERS_2025
    dataset = (await client.get("/api/v1/analytics/export", params=[*params, ("format", "jsonstat")], headers=reviewer)).json()
    jsonschema.validate(dataset, JSONSTAT_DATASET)
    assert dataset["value"] == [c["value"] for c in table["cells"]]
    text = (await client.get("/api/v1/analytics/export", params=[*params, ("format", "csv")], headers=reviewer)).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 1 + len(table["cells"]) and {len(r) for r in rows} == {10}

    # the volunteer form is public: anonymous callers read its approved figures, and no others
    anonymous = (await client.get("/api/v1/analytics", params=FIELD + QUARTERS_2025)).json()
    assert {c["organization_id"] for c in anonymous["cells"] if c["approved"]} == {"org-3310"}
    # a coordinator asking for another organisation's raw (current) values is refused
    refused = await client.get(
        "/api/v1/analytics",
        params=FIELD + QUARTERS_2025 + [("organizations", "org-1042"), ("source", "current")],
        headers=tokens.headers("org-3310"),
    )
    assert refused.status_code == 403
