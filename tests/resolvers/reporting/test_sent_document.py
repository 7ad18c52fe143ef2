"""The document a submission sends: rendered as it is submitted, it says so (version, when, by
whom); a later version names what became of the earlier one and carries the dialogue; what was
sent stays as sent; a rendering that fails says so in plain words."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pypdf
import pytest

from bufdir_reporting.auth import Principal
from bufdir_reporting.errors import Conflict, RenderFailed
from bufdir_reporting.language import Language
from bufdir_reporting.models import Period, ReportRecord, ReportStatus, Submission
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records, renderers, reviews, submissions
from bufdir_reporting.resolvers.reporting.inputs import ReportRecordChange
from bufdir_reporting.resolvers.reporting.renderers import Renderer, ReportFormat
from bufdir_reporting.resolvers.reporting.trail import local_time
from bufdir_reporting.resolvers.reporting.xlsx import render_xlsx
from bufdir_reporting.resolvers.snapshots import manual_values, notes

from ...factories import context_for, make_activity, make_scope

NBSP = "\u00a0"


@pytest.fixture
async def drafted(app, settings):
    """org's 2024 report, ready to submit: (organisation's context, reviewer's context, snapshot)."""
    scope = await make_scope()
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, 10, tzinfo=UTC))
    own = context_for(settings, app, scope.org.id, subject="kari")
    reviewer = context_for(settings, app)
    reviewer.principal = Principal("bufdir-saksbehandler", frozenset(), frozenset({"reviewer"}))
    snapshot = (await snapshots.trigger(own, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    await manual_values.set_value(own, snapshot_id=snapshot.id, field_key="antall_arsverk", value="4")
    return own, reviewer, snapshot


async def _bytes(ctx, report_id: str) -> bytes:
    _, path = await records.file_of(ctx, report_id=report_id)
    return Path(path).read_bytes()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages).replace(NBSP, " ")


def _sheet_text(data: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
    )


@pytest.mark.usefixtures("pdf_rendering")
async def test_the_submitted_file_says_it_was_submitted_by_whom_and_when_and_the_draft_stays_a_draft(drafted):
    own, _, snapshot = drafted
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report", report_format=ReportFormat.PDF)
    draft_file = await _bytes(own, draft.id)
    assert "Utkast – ikke sendt inn" in _pdf_text(draft_file)

    submission = await submissions.submit(own, report_id=draft.id)
    assert submission.report_record_id != draft.id, "the submission sends a document of its own"
    sent = await ReportRecord.get(id=submission.report_record_id)
    assert (sent.status, sent.content_type, sent.report_type) == ("completed", "application/pdf", "annual_report")
    assert (sent.generated_by, sent.generated_at, sent.snapshot_id) == ("kari", submission.submitted_at, snapshot.id)
    text = _pdf_text(await _bytes(own, sent.id))
    when = local_time(submission.submitted_at)
    assert f"Sendt inn, versjon 1, {when} av kari" in text and "Utkast" not in text
    assert f"Sendt inn {when} av kari – versjon 1" in text, "every page's footer says what it is"
    assert await _bytes(own, draft.id) == draft_file, "the draft is left as it was"

    with pytest.raises(Conflict):  # what was sent stays as sent
        await records.update(own, report_id=sent.id, change=ReportRecordChange(status=ReportStatus.FAILED))
    with pytest.raises(Conflict):
        await records.delete(own, report_id=sent.id)
    await records.delete(own, report_id=draft.id)  # the draft is the organisation's to keep or not
    assert (await records.file_of(own, report_id=sent.id))[0].id == sent.id


async def test_version_2s_document_names_version_1_returned_with_its_reason_and_carries_the_dialogue(drafted, settings, app):
    own, reviewer, snapshot = drafted
    first = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    version_one = await submissions.submit(own, report_id=first.id)
    one_file = await _bytes(own, version_one.report_record_id)

    comment = await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_saker", text="Stemmer antallet saker?")
    await notes.answer(own, comment_id=comment.id, text="Ja, men én sak manglet; vi retter.")
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.START)
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.RETURN, reason="Rett antall saker")
    returned_draft = await records.content_of(own, snapshot=snapshot, period=await Period.get(id="2024"))
    assert returned_draft.status.startswith("Utkast – versjon 1 ble returnert for retting ")
    await notes.explain(own, snapshot_id=snapshot.id, field_key="antall_saker", text="Én sak var registrert to ganger.")

    second = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    version_two = await submissions.submit(
        context_for(settings, app, snapshot.organization_id, subject="ola"), report_id=second.id
    )
    text = _sheet_text(await _bytes(own, version_two.report_record_id))
    assert f"Sendt inn, versjon 2, {local_time(version_two.submitted_at)} av ola" in text
    assert re.search(r"Versjon 1: returnert for retting .* av bufdir-saksbehandler\. Begrunnelse: Rett antall saker", text)
    for said in (
        "Stemmer antallet saker?",
        "Ja, men én sak manglet; vi retter.",
        "Kommentar fra Bufdir",
        "Svar",
        "Tatt til behandling",
    ):
        assert said in text, said
    assert "Forklaring: Én sak var registrert to ganger." in text, "the explanation beside its value"
    assert await _bytes(own, version_one.report_record_id) == one_file, "version 1's file is as it was sent"
    assert "versjon 2" not in _sheet_text(one_file) and "Stemmer antallet" not in _sheet_text(one_file)

    # the document's content, once more: its trail, and the workbook's last sheet and version
    sent = await records.content_of(own, snapshot=snapshot, period=await Period.get(id="2024"), sent=version_two)
    assert [event.what for event in sent.history] == ["Sendt inn", "Tatt til behandling", "Returnert for retting"]
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(sent)))
    assert workbook.sheetnames[-1] == "Dialog" and workbook.properties.version == "2"


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_version_2s_pdf_shows_the_return_and_the_dialogue(drafted):
    own, reviewer, snapshot = drafted
    version_one = await submissions.submit(
        own, report_id=(await records.generate(own, snapshot_id=snapshot.id, report_type="r")).id
    )
    await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_saker", text="Stemmer antallet saker?")
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.RETURN, reason="Rett antall saker")
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="r", report_format=ReportFormat.PDF)
    version_two = await submissions.submit(own, report_id=draft.id)
    text = _pdf_text(await _bytes(own, version_two.report_record_id))
    assert "Sendt inn, versjon 2" in text and "Begrunnelse: Rett antall saker" in text
    assert "Bufdirs behandling og dialogen om verdiene" in text and "Stemmer antallet saker?" in text


def _printed_width(sheet) -> float:
    """The width of a sheet's print area (its columns' widths): fitted to the page, a sheet prints
    at the page's width over this."""
    last = sheet.print_area.rsplit(":", 1)[1].strip("$").rstrip("0123456789").rstrip("$")
    return sum(sheet.column_dimensions[chr(column)].width for column in range(ord("A"), ord(last) + 1))


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_the_dialogue_says_what_became_of_each_question_and_prints_at_the_sections_scale(drafted):
    """The dialogue page listed questions and answers but not that, or by whom and when, they
    were resolved or accepted; the workbook's Dialogue sheet was wider than the others and so
    printed smaller (#32 outsider)."""
    own, reviewer, snapshot = drafted
    version_one = await submissions.submit(
        own, report_id=(await records.generate(own, snapshot_id=snapshot.id, report_type="r")).id
    )
    asked = await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_saker", text="Stemmer antallet saker?")
    await notes.mark_for_follow_up(reviewer, snapshot_id=snapshot.id, field_key="antall_arsverk", text="Hvilke stillinger?")
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.RETURN, reason="Rett antall saker")
    await notes.answer(own, comment_id=asked.id, text="Ja.")
    resolved = await notes.resolve(reviewer, note_id=asked.id)
    explained = await notes.explain(own, snapshot_id=snapshot.id, field_key="antall_saker", text="Én sak var dobbelt.")
    accepted = await notes.accept(reviewer, note_id=explained.id)
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="r", report_format=ReportFormat.PDF)
    version_two = await submissions.submit(own, report_id=draft.id)

    sent = await records.content_of(own, snapshot=snapshot, period=await Period.get(id="2024"), sent=version_two)
    assert resolved.resolved_at is not None and accepted.resolved_at is not None
    resolved_at, accepted_at = local_time(resolved.resolved_at), local_time(accepted.resolved_at)
    assert [(said.kind, said.outcome) for said in sent.dialogue] == [
        ("Kommentar fra Bufdir", f"Avklart {resolved_at} av bufdir-saksbehandler"),
        ("Svar", ""),
        ("Forklaring", f"Godtatt {accepted_at} av bufdir-saksbehandler"),
        ("Til oppfølging fra Bufdir", "Åpent – venter på svar"),
    ]
    pdf = re.sub(r"\s+", " ", _pdf_text(await _bytes(own, version_two.report_record_id)))
    text = pdf.replace("bufdir- saksbehandler", "bufdir-saksbehandler")  # broken at its hyphen in a narrow column
    assert f"Avklart {resolved_at} av bufdir-saksbehandler" in text and f"Godtatt {accepted_at} av" in text
    assert "Åpent – venter på svar" in text

    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(sent)))
    dialogue, section = workbook["Dialog"], workbook.worksheets[1]
    assert f"Avklart {resolved_at} av bufdir-saksbehandler" in _sheet_text(render_xlsx(sent)).replace("\n", " ")
    assert dialogue.page_setup.orientation == section.page_setup.orientation == "landscape"
    assert _printed_width(dialogue) == _printed_width(section), "both fitted to the page's width at one scale"


async def test_an_accepted_explanation_alone_gets_the_dialogue_page_that_says_so(drafted):
    """An explanation is printed beside its value, so a report with no other note had no dialogue
    page; once a reviewer accepted it, who did and when was printed nowhere (outsider, #32)."""
    own, reviewer, snapshot = drafted
    explained = await notes.explain(own, snapshot_id=snapshot.id, field_key="antall_saker", text="Én sak var dobbelt.")
    period = await Period.get(id="2024")
    assert (await records.content_of(own, snapshot=snapshot, period=period)).dialogue == ()  # beside its value only
    accepted = await notes.accept(reviewer, note_id=explained.id)
    assert accepted.resolved_at is not None
    said = (await records.content_of(own, snapshot=snapshot, period=period)).dialogue
    assert [(s.kind, s.outcome) for s in said] == [
        ("Forklaring", f"Godtatt {local_time(accepted.resolved_at)} av bufdir-saksbehandler")
    ]


async def test_a_pending_explanation_in_the_dialogue_says_it_awaits_bufdir(drafted):
    """An explanation no reviewer has accepted had an empty status cell in the dialogue (polish5)."""
    own, reviewer, snapshot = drafted
    await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_arsverk", text="Hvilke stillinger?")
    await notes.explain(own, snapshot_id=snapshot.id, field_key="antall_saker", text="Én sak var dobbelt.")
    period = await Period.get(id="2024")
    said = {}
    for language in Language:
        dialogue = (await records.content_of(own, snapshot=snapshot, period=period, language=language)).dialogue
        said[language] = [s.outcome for s in dialogue if s.text != "Hvilke stillinger?"]
    assert said == {
        Language.NB: ["Ikke godtatt ennå – venter på Bufdir"],
        Language.NN: ["Ikkje godteke enno – ventar på Bufdir"],
        Language.EN: ["Not accepted yet – awaiting Bufdir"],
    }


def _boom(content) -> bytes:
    raise RuntimeError("Flowable <Table@0x7F3B2C1D0E50 12 rows x 7 cols> too large on page 2 in frame 'body'")


async def test_a_rendering_failure_is_a_plain_message_and_submits_nothing(drafted, monkeypatch, settings):
    own, _, snapshot = drafted
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    monkeypatch.setitem(renderers.RENDERERS, ReportFormat.XLSX, Renderer(_boom, ".xlsx", renderers.XLSX_CONTENT_TYPE))

    failed = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    assert (
        failed.status == "failed" and failed.error == "the XLSX report could not be rendered; the error is logged on the server"
    )
    with pytest.raises(RenderFailed) as refused:
        await submissions.submit(own, report_id=draft.id)
    assert refused.value.code == "RENDER_FAILED" and "0x" not in refused.value.message and "Flowable" not in refused.value.message
    assert not await Submission.exists(organization_id=snapshot.organization_id)
    stored = {path.name for path in Path(settings.report_store_root).rglob("*") if path.is_file()}
    assert stored == {f"{draft.id}.xlsx"}, "no file of a submission that did not happen"


@pytest.mark.one_database
async def test_a_pdf_without_pango_says_what_to_install(drafted, monkeypatch):
    from bufdir_reporting.resolvers.reporting import pdf

    def missing(content) -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")

    own, _, snapshot = drafted
    monkeypatch.setattr(pdf, "render_pdf", missing)
    record = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report", report_format=ReportFormat.PDF)
    assert record.status == "failed" and "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in record.error


async def test_a_racing_second_submission_leaves_no_file(drafted, settings):
    own, _, snapshot = drafted
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    await submissions.submit(own, report_id=draft.id)
    await Submission.filter(organization_id=snapshot.organization_id).update(lock_slot=None, review_state="returned")
    await Submission.filter(organization_id=snapshot.organization_id).update(version=2)  # the next version is taken meanwhile
    with pytest.raises(Conflict):
        await submissions.submit(own, report_id=draft.id)
    names = sorted(path.stem for path in Path(settings.report_store_root).rglob("*.xlsx"))
    assert names == sorted([draft.id, (await Submission.get(organization_id=snapshot.organization_id)).report_record_id])


async def test_a_copy_made_after_approval_says_approved_and_lists_no_earlier_version(drafted):
    """A file made after version 1 was approved said "Versjon 1 vart send inn …; denne fila er laga
    seinare" and listed "Versjon 1: godkjend" under earlier versions: the same version (outsider).
    Now it says it is approved, by whom and when, and lists no earlier version."""
    own, reviewer, snapshot = drafted
    first = await records.generate(own, snapshot_id=snapshot.id, report_type="annual_report")
    version_one = await submissions.submit(own, report_id=first.id)
    await reviews.review(reviewer, submission_id=version_one.id, action=reviews.ReviewAction.APPROVE)
    period = await Period.get(id="2024")
    copy = await records.content_of(own, snapshot=snapshot, period=period, language=Language.NN)
    assert copy.status.startswith("Godkjend "), copy.status
    assert f"av bufdir-saksbehandler (versjon 1, sendt inn {local_time(version_one.submitted_at)} av kari)" in copy.status
    assert copy.history == (), "version 1 is this file's version, not an earlier one"
    english = await records.content_of(own, snapshot=snapshot, period=period, language=Language.EN)
    assert english.status.startswith("Approved ") and "this file was made later" in english.status


@pytest.mark.usefixtures("pdf_rendering")
async def test_the_dialogues_section_column_wraps_between_words(app, settings):
    """The nn PDF's dialogue broke a section's title mid-word ("Førebyggjand|e arbeid"), where the
    README promises text wrapped between words: the column is wide enough for such a word."""
    from bufdir_reporting.models import Section

    scope = await make_scope()
    await Section.filter(id=scope.section.id).update(title="Førebyggjande arbeid")
    await make_activity(org=scope.org, occurred_at=datetime(2024, 3, 1, 10, tzinfo=UTC))
    own = context_for(settings, app, scope.org.id, subject="kari")
    reviewer = context_for(settings, app)
    reviewer.principal = Principal("bufdir-saksbehandler", frozenset(), frozenset({"reviewer"}))
    snapshot = (await snapshots.trigger(own, organization_id=scope.org.id, period_id="2024", wait=True)).snapshot
    await notes.comment(reviewer, snapshot_id=snapshot.id, field_key="antall_saker", text="Stemmer antallet saker?")
    draft = await records.generate(own, snapshot_id=snapshot.id, report_type="r", report_format=ReportFormat.PDF)
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(await _bytes(own, draft.id))).pages]
    dialogue = next(page for page in pages if "Stemmer antallet saker?" in page)
    assert "Førebyggjande" in dialogue and not re.search(r"Førebyggjan?d?\s+a?n?d?e\b", dialogue), dialogue
