"""One report's whole round with Bufdir: import -> aggregation -> explanation of a large change ->
submit -> review comment -> answer -> return -> correction -> resubmit -> approve, with the events
a subscriber sees at each step, and the final report file showing the explanation."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

import openpyxl

from bufdir_reporting.auth import SYSTEM, principal_from_authorization
from bufdir_reporting.importing import import_file
from bufdir_reporting.models import FieldDefinition
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.reporting import records, reviews, submissions
from bufdir_reporting.resolvers.snapshots import manual_values, notes
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext

from .factories import context_for, make_period, make_scope

HEADER = "organization_id;source_system;external_id;activity_type;category;status;occurred_at\n"
EXPLANATION = "Ny mottaksrutine fra mars ga flere registrerte saker."


def activities_file(tmp_path: Path, org: str, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / f"aktiviteter-{len(rows)}.csv"
    lines = [f"{org};fagsystem-cis;{key};investigation;ungdom;opened;{day}\n" for key, day in rows]
    path.write_text(HEADER + "".join(lines), encoding="cp1252")
    return path


async def test_one_report_from_import_to_approval_with_every_event(app, settings, tokens, tmp_path):
    scope = await make_scope()
    await make_period(year=2023)
    org = scope.org.id
    await FieldDefinition.filter(key="antall_saker").update(explain_large_change=True)
    importer = Context(settings=settings, principal=SYSTEM, jobs=app.state.jobs, events=app.state.events)
    first = [(f"a-{n}", f"0{n + 1}.03.2023") for n in range(2)] + [(f"b-{n}", f"0{n + 1}.03.2024") for n in range(5)]
    assert not (await import_file(importer, activities_file(tmp_path, org, first), dry_run=False)).errors

    def context(headers) -> GraphQLContext:
        principal = principal_from_authorization(settings, headers["Authorization"])
        return GraphQLContext(settings=settings, principal=principal, events=app.state.events)

    seen: list[tuple] = []
    query = f'subscription {{ submissionReviewChanged(organizationId: "{org}") {{ version fromState reviewState by }} }}'
    stream = await schema.subscribe(query, context_value=context(tokens.headers(org)))

    async def listen() -> None:
        async for event in stream:
            step = event.data["submissionReviewChanged"]
            seen.append((step["version"], step["fromState"], step["reviewState"], step["by"]))

    listener = asyncio.ensure_future(listen())
    await asyncio.sleep(0.1)

    async def settled(count: int) -> None:
        async with asyncio.timeout(5):
            while len(seen) < count:
                await asyncio.sleep(0.02)

    own = context_for(settings, app, org, subject="kari")
    reviewer = context_for(settings, app)
    reviewer.principal = principal_from_authorization(settings, tokens.reviewer()["Authorization"])  # bufdir-saksbehandler

    # aggregation: cases 2 -> 5, a large change the field asks to have explained
    snapshot = (await snapshots.trigger(own, organization_id=org, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(own, snapshot_id=snapshot.id, field_key="antall_arsverk", value="3")
    await notes.explain(own, snapshot_id=snapshot.id, field_key="antall_saker", text=EXPLANATION)
    first_report = await records.generate(
        Context(settings=settings, principal=own.principal), snapshot_id=snapshot.id, report_type="annual_report"
    )
    version_one = await submissions.submit(own, report_id=first_report.id)
    await settled(1)

    # review: a comment, an answer, then the report goes back for correction
    comment = await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_saker", text="Stemmer antallet?")
    await notes.answer(own, comment_id=comment.id, text="Ja, men to saker manglet; vi retter.")
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.START)
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.RETURN, reason="Rett antall saker")
    await settled(3)

    # correction: the period is open again; two missing cases are imported, the year aggregated again
    more = [(f"c-{n}", f"1{n}.04.2024") for n in range(2)]
    assert not (await import_file(importer, activities_file(tmp_path, org, more), dry_run=False)).errors
    fresh = context_for(settings, app, org, subject="kari")
    corrected = (await snapshots.trigger(fresh, organization_id=org, period_id="2024", wait=True)).snapshot
    assert corrected.id != snapshot.id
    second_report = await records.generate(
        context_for(settings, app, org, subject="kari"), snapshot_id=corrected.id, report_type="annual_report"
    )
    version_two = await submissions.submit(context_for(settings, app, org, subject="kari"), report_id=second_report.id)
    await reviews.review(reviewer, submission_id=version_two.id, action=reviews.ReviewAction.APPROVE)
    await settled(5)
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener
    await stream.aclose()

    assert seen == [
        (1, None, "SUBMITTED", "kari"),
        (1, "SUBMITTED", "UNDER_REVIEW", "bufdir-saksbehandler"),
        (1, "UNDER_REVIEW", "RETURNED", "bufdir-saksbehandler"),
        (2, None, "SUBMITTED", "kari"),
        (2, "SUBMITTED", "APPROVED", "bufdir-saksbehandler"),
    ]
    # the explanation travelled to the corrected version and is in the file Bufdir approved, the
    # document version 2 sent: it says what it is, what became of version 1 and why, and the dialogue
    assert version_two.report_record_id != second_report.id
    _, path = await records.file_of(fresh, report_id=version_two.report_record_id)
    workbook = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    cases = next(row for row in workbook.worksheets[1].iter_rows(values_only=True) if row[7] == "antall_saker")
    assert cases[1] == 7 and cases[6].startswith(f"Forklaring: {EXPLANATION}")
    said = [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert any(text.startswith("Sendt inn, versjon 2, ") and text.endswith(" av kari") for text in said)
    assert any(
        text.startswith("Versjon 1: returnert for retting ") and text.endswith("Begrunnelse: Rett antall saker") for text in said
    )
    assert {"Stemmer antallet?", "Ja, men to saker manglet; vi retter."} <= set(said)
    # and the returned version's file is still there, as it was sent
    assert (await records.file_of(fresh, report_id=version_one.report_record_id))[0].id == version_one.report_record_id
