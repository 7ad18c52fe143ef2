"""The report document in Bokmål, Nynorsk or English, chosen when it is generated: every fixed
text of it in that language, the structure's labels translated (Bokmål where they are not), the
language stated in the file (PDF /Lang and XMP dc:language, the workbook's properties)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pikepdf
import pypdf
import pytest

from bufdir_reporting.language import Language
from bufdir_reporting.models import FieldDefinition, Section, TranslatedAttribute, TranslatedSubject
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.reporting.renderers import ReportFormat
from bufdir_reporting.resolvers.reporting.texts import CATALOGUES, EN, NB
from bufdir_reporting.resolvers.structure import translations
from bufdir_reporting.resolvers.structure.translations import TranslationSpec

from ...factories import context_for
from .test_report_document import FIELDS, REMARK_FIELD, _file, _xmp, reported  # noqa: F401  # reported: the fixture

ENGLISH_LABELS = {
    "antall_saker": "Number of cases",
    "antall_arsverk": "Full-time equivalents",
    "andel_fulgt_opp": "Share followed up",
    "har_internkontroll": "Has internal control",
    "merknader": "Remarks on the report",
}


def bokmal_only_fragments() -> set[str]:
    """The words of the Bokmål catalogue that English never uses: its templates' literal parts
    (placeholders cut out), five characters or more, that no English template contains."""
    english = " ".join(EN.values())
    fragments = {part.strip(" .,:;()–-") for text in NB.values() for part in re.split(r"\{[^}]*\}", text)}
    return {part for part in fragments if len(part) >= 5 and part not in english}


def test_every_language_has_every_text_of_the_document():
    assert {language: set(texts) for language, texts in CATALOGUES.items()} == {language: set(NB) for language in CATALOGUES}
    assert len(bokmal_only_fragments()) > 40, "the check below has Bokmål to look for"


async def _in_english(app, settings) -> None:
    admin = context_for(settings, app, admin=True, subject="oversetter")
    section = await Section.get(fields__key="antall_saker")

    async def translate(subject: TranslatedSubject, subject_id: str, attribute: TranslatedAttribute, text: str) -> None:
        spec = TranslationSpec(subject=subject, subject_id=subject_id, attribute=attribute, language=Language.EN, text=text)
        await translations.update(admin, spec=spec)

    await translate(TranslatedSubject.SECTION, section.id, TranslatedAttribute.TITLE, "Cases and staff")
    for key, label in ENGLISH_LABELS.items():
        await translate(TranslatedSubject.FIELD, key, TranslatedAttribute.LABEL, label)
    # a unit is stored data as a label is: "Full-time equivalents (årsverk)" was not English
    await FieldDefinition.filter(key="antall_arsverk").update(unit="årsverk")
    await revision.bump()
    await translate(TranslatedSubject.FIELD, "antall_arsverk", TranslatedAttribute.UNIT, "person-years")


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_a_report_generated_in_english_reads_english_throughout(app, settings, reported):  # noqa: F811
    ctx, snapshot, _ = reported
    await _in_english(app, settings)
    record = await records.generate(
        ctx, snapshot_id=snapshot.id, report_type="annual_report", report_format=ReportFormat.PDF, language=Language.EN
    )
    assert record.status == "completed", record.error
    _, path = await records.file_of(ctx, report_id=record.id)
    data = Path(path).read_bytes()
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Report to Bufdir" in text and "Draft – not submitted" in text and "Page 1 of 2" in text
    assert "Number of cases changed +150 % from the previous period" in text  # a finding, its label translated
    assert "Full-time equivalents is required" in text or "required, not filled in" in text
    assert "Cases and staff" in text and "Remarks on the report" in text
    assert "Full-time equivalents (person-years)" in text and "årsverk" not in text
    assert "Reporting year 2024" in text and "Reporting year 2023 (01.01.2023–31.12.2023)" in text, "the period's name"
    assert "+150.0" in text.replace("\u00a0", " "), "numbers as English writes them"
    left = sorted(fragment for fragment in bokmal_only_fragments() if fragment in text)
    assert left == [], f"Bokmål fixed text in the English report: {left}"
    assert " kl. " not in text
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert "<rdf:li>en</rdf:li>" in _xmp(pdf)
        with pdf.open_outline() as outline:
            assert "Cases and staff" in [item.title for item in outline.root]

    workbook_record = await records.generate(
        ctx, snapshot_id=snapshot.id, report_type="annual_report", report_format=ReportFormat.XLSX, language=Language.EN
    )
    _, path = await records.file_of(ctx, report_id=workbook_record.id)
    workbook = openpyxl.load_workbook(path)
    assert workbook.properties.language == "en" and workbook.properties.category == "Report to Bufdir"
    cells = " ".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value)
    assert [fragment for fragment in bokmal_only_fragments() if fragment in cells] == []
    assert "Full-time equivalents (person-years)" in cells and "årsverk" not in cells
    assert "Reporting year 2024" in cells


@pytest.mark.one_database
@pytest.mark.usefixtures("pdf_rendering")
async def test_a_report_in_nynorsk_says_so_and_falls_back_to_bokmal_labels(reported):  # noqa: F811
    ctx, snapshot, _ = reported
    record = await records.generate(
        ctx, snapshot_id=snapshot.id, report_type="annual_report", report_format=ReportFormat.PDF, language=Language.NN
    )
    _, path = await records.file_of(ctx, report_id=record.id)
    data = Path(path).read_bytes()
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Utkast – ikkje sendt inn" in text and "Side 1 av 2" in text
    assert "Antall saker endra seg +150 % frå førre periode" in text  # untranslated label: its Bokmål
    assert "1 påkravde manglar" in text
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "nn" and "<rdf:li>nn</rdf:li>" in _xmp(pdf)


async def test_a_report_asked_for_in_no_language_is_bokmal_as_before(reported):  # noqa: F811
    ctx, snapshot, _ = reported
    _, data = await _file(ctx, snapshot, ReportFormat.XLSX)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.properties.language == "nb" and workbook.properties.category == "Rapport til Bufdir"
