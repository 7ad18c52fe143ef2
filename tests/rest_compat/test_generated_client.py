"""A client generated from the served OpenAPI document works, as a user would make and use one:
openapi-python-client writes it from ``/openapi.json``, it imports, and it calls every operation
the document lists (the printed aliases are the same handlers) against a live server, sending
the contracts' example requests and reading the answers into its own models; the answers still
carry every key of the contracts' examples.

Generating takes a couple of seconds, so this runs once, on SQLite."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bufdir_reporting.auth import issue_token
from bufdir_reporting.models import Organization, Period, PeriodType
from bufdir_reporting.resolvers import periods
from bufdir_reporting.resolvers.reporting import records, submissions
from bufdir_reporting.resolvers.snapshots import manual_values

from .. import contracts
from ..contracts import assert_shape
from ..factories import context_for, make_activity, make_reporting_world
from ..importing.test_import_api import excel_csv
from ..live import emptied, live_server
from ..schema.test_reports import MANUAL_REQUIRED

pytestmark = pytest.mark.one_database

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# As the README says to generate one: the report file is an .xlsx or a PDF, which the generator
# hands over as bytes once told they are files (it knows application/octet-stream alone).
CONFIG = """package_name_override: bufdir_client
post_hooks: []
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  application/pdf: application/octet-stream
"""
NOT_CALLED = {
    # Its answer is an event stream that never ends, which a generated client reads to its end;
    # it is called with a token that may not watch, and answers the error (test_watch.py streams it).
    "watch_aggregated_report_data": "called for its error only",
}


async def generate(document: dict[str, Any], root: Path) -> None:
    spec = root / "openapi.json"
    spec.write_text(json.dumps(document))
    config = root / "config.yaml"
    config.write_text(CONFIG)
    process = await asyncio.create_subprocess_exec(
        str(GENERATOR),
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--output-path",
        str(root / "bufdir_client"),
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await process.communicate())[0].decode()
    assert process.returncode == 0, output
    assert "Warning" not in output and "WARNING" not in output, output
    sys.path.insert(0, str(root))
    api = root / "bufdir_client" / "api"
    for module in sorted(api.glob("*/*.py")):  # every operation's module imports (one did not)
        importlib.import_module(f"bufdir_client.api.{module.parent.name}.{module.stem}")


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


class Caller:
    """Calls operations of the generated client by module name and remembers which it called."""

    def __init__(self, base_url: str, settings: Any) -> None:
        self.client_module = importlib.import_module("bufdir_client.client")
        self.models = importlib.import_module("bufdir_client.models")
        self.types = importlib.import_module("bufdir_client.types")
        self.base_url = base_url
        self.settings = settings
        self.called: set[str] = set()

    def client(self, *organizations: str, admin: bool = False, reviewer: bool = False, subject: str = "kari") -> Any:
        token = issue_token(self.settings, subject=subject, organizations=organizations, admin=admin, reviewer=reviewer)
        # an answer under a status the document does not list raises
        return self.client_module.AuthenticatedClient(base_url=self.base_url, token=token, raise_on_unexpected_status=True)

    async def __call__(self, name: str, client: Any, status: int, model: str, **arguments: Any) -> Any:
        tag = next(m for m in ("operations", *TAGS) if importlib.util.find_spec(f"bufdir_client.api.{m}.{name}"))
        operation = importlib.import_module(f"bufdir_client.api.{tag}.{name}")
        self.called.add(name)
        response = await operation.asyncio_detailed(client=client, **arguments)
        assert response.status_code == status, (name, response.status_code, response.content[:500])
        if model:
            assert type(response.parsed).__name__ == model, (name, response.parsed)
        return response

    def model(self, name: str, data: dict[str, Any]) -> Any:
        return getattr(self.models, name).from_dict(data)


TAGS: tuple[str, ...] = ("report_sections", "aggregated_report_data", "bufdir_aggregations", "report_records")
TAGS += (
    "activity_import",
    "submissions",
    "value_notes",
    "report_forms",
    "validation_rules",
    "field_outlier_settings",
    "worklist",
    "analytics",
    "translations",
    "report_documents",
)


def body(response: Any) -> Any:
    return json.loads(response.content)


async def contract_world() -> None:
    """The reporting world, the contract examples' quarters, and org-bufdir-42's activities in them
    and in the repository example's range (2026-Q1)."""
    await make_reporting_world()
    for id_, start, end in (
        ("rp-2024-q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("rp-2025-q1", date(2025, 1, 1), date(2025, 3, 31)),
    ):
        await Period.create(id=id_, type=PeriodType.QUARTER, name=id_, start=start, end=end)
    org = await Organization.get(id="org-bufdir-42")
    for year, month in ((2024, 11), (2025, 2), (2026, 2)):
        await make_activity(
            org=org, occurred_at=datetime(year, month, 10, 9, tzinfo=UTC), activity_type="family_guidance", location="Oslo"
        )


async def test_a_client_generated_from_the_document_calls_every_operation(settings, tmp_path):
    async with live_server(settings) as (address, app):
        await emptied()
        await contract_world()
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            document = (await http.get("/openapi.json")).json()
        await generate(document, tmp_path)
        call = Caller(f"http://{address}", settings)
        try:
            await calls(call, app, settings)
        finally:
            for name in [m for m in sys.modules if m == "bufdir_client" or m.startswith("bufdir_client.")]:
                del sys.modules[name]
            sys.path.remove(str(tmp_path))
    listed = {snake(op["operationId"]) for ops in document["paths"].values() for op in ops.values() if not op.get("deprecated")}
    assert listed - call.called == set(), "operations the test did not call"


async def calls(call: Caller, app: Any, settings: Any) -> None:
    admin, reviewer = call.client(admin=True), call.client(reviewer=True)
    oslo, bufdir42, records_org = (
        call.client("org-1042"),
        call.client("org-bufdir-42"),
        call.client("org_bufdir_oslo_42", subject="user_09AXKL2"),
    )
    public = call.client_module.Client(base_url=call.base_url, raise_on_unexpected_status=True)

    for name in ("healthz", "readyz", "metrics"):
        await call(name, public, 200, "")

    # report-structure-mapper
    listed = await call("list_report_sections", public, 200, "SectionList")
    assert_shape(body(listed), contracts.SECTIONS_LIST)
    section = await call("get_report_section", public, 200, "SectionDetail", section_id="barn-under-omsorg")
    assert_shape(body(section), contracts.SECTION_GET)
    label = await call("get_field_label", public, 200, "FieldLabel", field_key="antall_akuttplasseringer")
    assert_shape(body(label), contracts.FIELD_LABEL)
    required = await call("get_required_fields", public, 200, "RequiredFields", period_id="2024")
    assert_shape(body(required), contracts.REQUIRED_FIELDS)
    of_form = await call("get_required_fields", public, 200, "RequiredFields", period_id="2024", form_id="bufdir-rapport")
    assert body(of_form) == body(required), "the default form asks every section"
    created = await call(
        "create_report_section", admin, 201, "SectionCreated", body=call.model("SectionSpec", contracts.SECTION_POST_REQUEST)
    )
    assert_shape(body(created), contracts.SECTION_POST_RESPONSE)
    change = call.model("SectionChange", contracts.SECTION_PUT_REQUEST)
    updated = await call("update_report_section", admin, 200, "SectionUpdated", section_id="familievernkontor", body=change)
    assert_shape(body(updated), contracts.SECTION_PUT_RESPONSE)
    deleted = await call("delete_report_section", admin, 200, "SectionDeleted", section_id="familievernkontor")
    assert_shape(body(deleted), contracts.SECTION_DELETE_RESPONSE)

    # aggregated-report-data
    trigger = call.model("TriggerBody", contracts.REPORT_DATA_POST_REQUEST)
    started = await call("trigger_aggregated_report_data", oslo, 202, "SnapshotStarted", body=trigger)
    assert_shape(body(started), contracts.REPORT_DATA_POST_RESPONSE)
    await app.state.jobs.wait_idle()
    first = started.parsed.snapshot_id
    snapshots = await call("list_aggregated_report_data", oslo, 200, "SnapshotList", organization_id="org-1042")
    assert_shape(body(snapshots)["data"][0], contracts.REPORT_DATA_LIST_ITEM)
    chosen = await call(
        "list_aggregated_report_data", oslo, 200, "SnapshotList", organization_id="org-1042", form_id="bufdir-rapport"
    )
    assert body(chosen) == body(snapshots)
    invalidate = call.model("InvalidateBody", contracts.REPORT_DATA_PUT_REQUEST)
    invalidated = await call(
        "invalidate_aggregated_report_data", oslo, 202, "SnapshotInvalidated", snapshot_id=first, body=invalidate
    )
    assert_shape(body(invalidated), contracts.REPORT_DATA_PUT_RESPONSE)
    await app.state.jobs.wait_idle()
    current = invalidated.parsed.new_snapshot_id
    snapshot = await call("get_aggregated_report_data", oslo, 200, "SnapshotDetail", snapshot_id=current)
    assert_shape(body(snapshot), {**contracts.REPORT_DATA_GET, "prior_period": None})
    dropped = await call("delete_aggregated_report_data", oslo, 200, "SnapshotDeleted", snapshot_id=first)
    assert_shape(body(dropped), contracts.REPORT_DATA_DELETE_RESPONSE)
    await call("watch_aggregated_report_data", bufdir42, 403, "Error", organization_id="org-1042", period_id="2024")

    # value notes, then the report submitted and reviewed
    explain = {"snapshot_id": current, "field_key": "antall_arsverk", "kind": "explanation", "text": "Ny stilling fra mars."}
    explained = await call("add_value_note", oslo, 201, "NoteShape", body=call.model("NoteBody", explain))
    comment = {**explain, "kind": "comment", "text": "Hvilken stilling?"}
    asked = await call("add_value_note", reviewer, 201, "NoteShape", body=call.model("NoteBody", comment))
    answer = call.model("AnswerBody", {"text": "En saksbehandler."})
    await call("answer_value_comment", oslo, 201, "NoteShape", note_id=asked.parsed.note_id, body=answer)
    notes = await call("list_value_notes", oslo, 200, "NoteList", org_id="org-1042", period_id="2024")
    assert len(notes.parsed.data) == 3
    still_open = await call("list_open_questions", oslo, 200, "OpenQuestionList", org_id="org-1042")
    assert [n.note_id for n in still_open.parsed.data] == [asked.parsed.note_id]
    listed = await call("get_worklist", reviewer, 200, "Worklist", period_id="2024", submitted_only=False)  # a draft yet
    assert asked.parsed.note_id in [item.note_id for item in listed.parsed.data]
    await call("resolve_value_note", reviewer, 200, "NoteShape", note_id=asked.parsed.note_id)
    accepted = await call("accept_value_explanation", reviewer, 200, "NoteShape", note_id=explained.parsed.note_id)
    assert accepted.parsed.state == "accepted"

    # a translation, what is not translated yet, and a report document in Nynorsk
    label = {
        "subject": "field",
        "subject_id": "antall_arsverk",
        "attribute": "label",
        "language": "nn",
        "text": "Talet på årsverk",
    }
    await call("set_translation", admin, 200, "TranslationShape", body=call.model("TranslationSpec", label))
    await call("list_untranslated_texts", public, 200, "UntranslatedList")
    wanted = call.model("DocumentBody", {"snapshot_id": current, "language": "nn"})
    document = await call("generate_report_document", oslo, 201, "DocumentShape", body=wanted)
    assert (document.parsed.language.value, document.parsed.status.value) == ("nn", "completed")
    ctx = context_for(settings, app, "org-1042", subject="kari")
    for key, value in MANUAL_REQUIRED.items():
        await manual_values.set_value(ctx, snapshot_id=current, field_key=key, value=value)
    report = await records.generate(ctx, snapshot_id=current, report_type="annual_report")
    submission = await submissions.submit(ctx, report_id=report.id)
    last = await call("get_last_submitted_period", oslo, 200, "LastSubmitted", org_id="org-1042")
    assert_shape(body(last), contracts.LAST_SUBMITTED)
    last_of_form = await call(
        "get_last_submitted_period", oslo, 200, "LastSubmitted", org_id="org-1042", form_id="bufdir-rapport"
    )
    assert body(last_of_form) == body(last)
    assert isinstance(last.parsed.period_start, date) and isinstance(last.parsed.submitted_at, datetime)
    await call("get_submission", oslo, 200, "SubmissionShape", submission_id=submission.id)
    review = call.model("ReviewBody", {"action": "start_review"})
    reviewed = await call("review_submission", reviewer, 200, "SubmissionShape", submission_id=submission.id, body=review)
    assert reviewed.parsed.review_state.value == "under_review"
    status = await call("get_reporting_status", reviewer, 200, "ReportingStatus", period_id="2024")
    assert {row.org_id: row.state.value for row in status.parsed.organizations}["org-1042"] == "under_review"
    download = await call("get_report_record_file", oslo, 200, "File", report_id=report.id)
    assert download.parsed.payload.read().startswith(b"PK")  # an .xlsx

    # bufdir-aggregation-service and -repository, on one resource
    run = await call(
        "create_aggregation",
        bufdir42,
        202,
        "AggregationRun",
        body=call.model("PeriodAggregation", contracts.SERVICE_POST_REQUEST),
    )
    assert_shape(body(run), contracts.SERVICE_POST_RESPONSE)
    await app.state.jobs.wait_idle()
    service = await call("get_aggregation", bufdir42, 200, "AggregationDetail", snapshot_id=run.parsed.id)
    assert_shape(body(service), contracts.SERVICE_GET)
    metrics = await call("get_aggregation_metrics", bufdir42, 200, "Metrics", snapshot_id=run.parsed.id)
    assert_shape(body(metrics), contracts.SERVICE_METRICS)
    quarter = call.model("PeriodAggregation", {**contracts.SERVICE_POST_REQUEST, "reporting_period_id": "rp-2024-q4"})
    q4 = await call("create_aggregation", bufdir42, 202, "AggregationRun", body=quarter)
    await app.state.jobs.wait_idle()
    refresh = call.model("RefreshBody", contracts.SERVICE_PUT_REQUEST)
    refreshed = await call("refresh_aggregation", bufdir42, 200, "AggregationRun", snapshot_id=q4.parsed.id, body=refresh)
    assert_shape(body(refreshed), contracts.SERVICE_PUT_RESPONSE)
    ranged = await call(
        "create_aggregation",
        bufdir42,
        201,
        "AggregationRun",
        body=call.model("RangeAggregation", contracts.REPOSITORY_POST_REQUEST),
    )
    assert_shape(body(ranged), contracts.REPOSITORY_POST_RESPONSE)
    assert ranged.parsed.activity_count == 1
    again = call.model("RefreshBody", contracts.REPOSITORY_PUT_REQUEST)
    rerun = await call("refresh_aggregation", bufdir42, 200, "AggregationRun", snapshot_id=ranged.parsed.id, body=again)
    assert_shape(body(rerun), contracts.REPOSITORY_PUT_RESPONSE)
    listing = await call("list_aggregations", bufdir42, 200, "AggregationList", org_id="org-bufdir-42")
    assert_shape(body(listing)["data"][0], contracts.REPOSITORY_ITEM)
    await call("list_aggregations", bufdir42, 404, "Error", org_id="org-bufdir-42", form_id="finnes-ikke")
    window = contracts.REPOSITORY_POST_REQUEST["range"]
    start, end = (datetime.fromisoformat(window[key]) for key in ("start", "end"))
    activities = await call(
        "get_activities_in_range", bufdir42, 200, "ActivityList", org_id="org-bufdir-42", start=start, end=end
    )
    assert_shape(body(activities)["data"][0], contracts.REPOSITORY_ACTIVITY)
    gone = await call("delete_aggregation", bufdir42, 200, "AggregationDeleted", snapshot_id=ranged.parsed.id)
    assert_shape(body(gone), contracts.DELETE_AGGREGATION)

    # report-history-repository
    spec = call.model("ReportRecordSpec", contracts.REPORT_POST_REQUEST)
    record = await call("create_report_record", records_org, 201, "ReportRecordShape", body=spec)
    assert_shape(body(record), contracts.REPORT_POST_RESPONSE)
    report_id = record.parsed.report_id
    got = await call("get_report_record", records_org, 200, "ReportRecordShape", report_id=report_id)
    assert_shape(body(got), contracts.REPORT_POST_RESPONSE)  # pending, as created
    change = call.model("ReportRecordChange", contracts.REPORT_PUT_REQUEST)
    put = await call("update_report_record", records_org, 200, "ReportRecordShape", report_id=report_id, body=change)
    assert_shape(body(put), contracts.REPORT_PUT_RESPONSE)
    rows = await call("list_report_records", records_org, 200, "ReportRecordList", org_id="org_bufdir_oslo_42")
    assert_shape(body(rows)["data"][0], contracts.REPORT_RECORD)
    removed = await call("delete_report_record", records_org, 200, "ReportRecordDeleted", report_id=report_id)
    assert_shape(body(removed), contracts.REPORT_DELETE_RESPONSE)

    # activity import: the file goes as a file part (format: binary), not as text
    upload_body = call.models.BodyUploadActivityFile(
        file=call.types.File(payload=io.BytesIO(excel_csv("org-2077")), file_name="aktiviteter.csv", mime_type="text/csv")
    )
    upload = await call("upload_activity_file", call.client("org-2077"), 201, "ImportShape", body=upload_body)
    assert (upload.parsed.status.value, upload.parsed.rows) == ("checked", 2)
    await call("commit_activity_import", call.client("org-2077"), 202, "ImportShape", import_id=upload.parsed.import_id)
    await app.state.jobs.wait_idle()
    await call("get_activity_import", call.client("org-2077"), 200, "ImportShape", import_id=upload.parsed.import_id)

    # analytics: the table, a time series and an export of org-1042's 2024 quarters
    selection = {"fields": ["antall_arsverk"], "organizations": ["org-1042"], "period_type": call.models.PeriodType("quarter")}
    table = await call("get_analytics_table", reviewer, 200, "AnalyticsTableShape", **selection)
    assert [p.id for p in table.parsed.periods] == ["2024-Q1", "2024-Q2", "rp-2024-q4", "rp-2025-q1", "2026-Q1"]
    await call("get_analytics_time_series", reviewer, 200, "AnalyticsTimeSeriesShape", **selection)
    exported = await call("export_analytics", reviewer, 200, "", **selection)
    assert body(exported)["class"] == "dataset"

    # report forms: who must report what, and by when
    await call("list_report_forms", public, 200, "FormList")
    spec = {"form_id": "omsorg-kvartal", "name": "Omsorg per kvartal", "section_ids": ["barn-under-omsorg"]}
    await call("create_report_form", admin, 201, "FormShape", body=call.model("FormSpec", spec))
    renamed = call.model("FormSpec", {**spec, "name": "Omsorg – kvartal"})
    form = await call("update_report_form", admin, 200, "FormShape", form_id="omsorg-kvartal", body=renamed)
    assert form.parsed.name == "Omsorg – kvartal"
    await call("get_report_form", public, 200, "FormShape", form_id="omsorg-kvartal")
    target = call.model("AssignmentSpec", {"organization_id": "org-1042", "from_period_id": "2024"})
    assigned = await call("assign_report_form", admin, 201, "AssignmentShape", form_id="omsorg-kvartal", body=target)
    listed = await call("list_report_form_assignments", admin, 200, "AssignmentList", form_id="omsorg-kvartal")
    assert [a.organization_id for a in listed.parsed.data] == ["org-1042"]
    dates = call.model("DeadlineSpec", {"submission_deadline": "2025-02-01"})
    await call("set_report_form_deadlines", admin, 200, "DeadlineShape", form_id="omsorg-kvartal", period_id="2024", body=dates)
    rates = await call("get_reporting_rates", reviewer, 200, "ReportingRates", period_id="2024", form_id="omsorg-kvartal")
    assert rates.parsed.expected == 1
    ended = await call("unassign_report_form", admin, 200, "AssignmentShape", assignment_id=assigned.parsed.assignment_id)
    assert ended.parsed.organization_id == "org-1042"
    left = await call("list_report_form_assignments", admin, 200, "AssignmentList", form_id="omsorg-kvartal")
    assert [a.valid_until for a in left.parsed.data] == [ended.parsed.valid_until], "ended, kept for the periods before"
    assert ended.parsed.valid_until == periods.local_today() - timedelta(days=1)
    removed = await call(
        "unassign_report_form", admin, 200, "AssignmentShape", assignment_id=assigned.parsed.assignment_id, mistaken=True
    )
    assert removed.parsed.assignment_id == assigned.parsed.assignment_id
    gone = await call("list_report_form_assignments", admin, 200, "AssignmentList", form_id="omsorg-kvartal")
    assert gone.parsed.data == [], "a mistaken assignment is removed outright"

    # validation rules across a form's fields
    rule = {
        "form_id": "omsorg-kvartal",
        "name": "Akutt innenfor plasserte",
        "left": "antall_akuttplasseringer",
        "operator": "<=",
        "right": "antall_barn_plassert_utenfor_hjemmet",
        "message_nb": "nb",
        "message_nn": "nn",
        "message_en": "en",
    }
    made = await call("create_validation_rule", admin, 201, "RuleShape", body=call.model("RuleSpec", rule))
    rule_id = made.parsed.rule_id
    await call("list_validation_rules", public, 200, "RuleList")
    await call("get_validation_rule", public, 200, "RuleShape", rule_id=rule_id)
    changed = call.model("RuleSpec", {**rule, "operator": "<"})
    await call("update_validation_rule", admin, 200, "RuleShape", rule_id=rule_id, body=changed)
    await call("delete_validation_rule", admin, 200, "RuleShape", rule_id=rule_id)

    # a field's outliers judged by its own floor and threshold, or not at all
    floor = call.model("OutlierSettingSpec", {"min_deviation": "10", "enabled": True})
    key = "antall_akuttplasseringer"
    await call("set_field_outlier_setting", admin, 200, "OutlierSettingShape", field_key=key, body=floor)
    await call("list_field_outlier_settings", public, 200, "OutlierSettingList")
    await call("get_field_outlier_setting", public, 200, "OutlierSettingShape", field_key=key)
    await call("delete_field_outlier_setting", admin, 200, "OutlierSettingShape", field_key=key)
