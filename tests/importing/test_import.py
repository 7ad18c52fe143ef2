"""Importing the activity files organisations really have: every form reads, every refusal is
found before the first write, and the write is all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path

import openpyxl
import pytest

from bufdir_reporting import importing
from bufdir_reporting.auth import SYSTEM
from bufdir_reporting.importing import ImportFileError, import_file, reading, write_errors, write_template
from bufdir_reporting.importing.cells import value_of
from bufdir_reporting.models import Activity, ActivityParticipant
from bufdir_reporting.resolvers.activities import batch, new_rows
from bufdir_reporting.resolvers.base.context import Context

from ..factories import context_for, make_organization

HEADER = [
    "organization_id",
    "source_system",
    "external_id",
    "activity_type",
    "category",
    "status",
    "location",
    "occurred_at",
    "participant_count",
    "hours",
    "participant_refs",
]


def rows(org: str) -> list[list[str]]:
    return [
        HEADER,
        [
            org,
            "fagsystem-famweb",
            "x-1",
            "group_activity",
            "ungdom",
            "completed",
            "Tromsø",
            "15.03.2024 10:30",
            "12",
            "1,5",
            "p-1;p-2",
        ],
        [org, "fagsystem-famweb", "x-2", "mentoring", "eldre", "completed", "Tromsø", "16.03.2024", "2", "2", "p-3"],
    ]


def text(table: list[list[str]], delimiter: str) -> str:
    """As Excel writes it: cells holding the delimiter are quoted."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return out.getvalue()


@pytest.fixture
async def org(app):
    return await make_organization(id="org-import")


def system(settings) -> Context:
    return Context(settings=settings, principal=SYSTEM)


async def imported(settings, path, **kwargs):
    report = await import_file(system(settings), path, dry_run=False, **kwargs)
    assert not report.errors, report.errors
    return report


async def assert_the_two_activities(org_id: str) -> None:
    stored = {a.external_id: a for a in await Activity.filter(organization_id=org_id)}
    assert set(stored) == {"x-1", "x-2"}
    first = stored["x-1"]
    # "15.03.2024 10:30" is Norwegian time (winter: +01:00), "16.03.2024" its midnight
    assert first.occurred_at == datetime(2024, 3, 15, 9, 30, tzinfo=UTC) and first.location == "Tromsø"
    assert first.hours == Decimal("1.5") and first.participant_count == 12
    assert stored["x-2"].occurred_at == datetime(2024, 3, 15, 23, tzinfo=UTC)
    refs = await ActivityParticipant.filter(activity_id=first.id).values_list("participant_ref", flat=True)
    assert sorted(refs) == ["p-1", "p-2"]


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("excel-norway.csv", lambda table: text(table, ";").encode("cp1252")),
        ("unicode-text.txt", lambda table: text(table, "\t").encode("utf-16")),
        ("utf8-semicolon.csv", lambda table: text(table, ";").encode("utf-8")),
        ("utf8-bom-comma.csv", lambda table: b"\xef\xbb\xbf" + text(table, ",").encode("utf-8")),
    ],
    ids=["excel-csv-windows-1252", "excel-unicode-text-utf16", "utf8-semicolons", "utf8-bom-commas"],
)
async def test_each_text_form_imports(settings, tmp_path, org, name, encode):
    path = tmp_path / name
    path.write_bytes(encode(rows(org.id)))
    report = await imported(settings, path)
    assert report.result.created == 2
    await assert_the_two_activities(org.id)


async def test_a_workbook_imports_from_its_first_sheet_or_the_one_named(settings, tmp_path, org):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Forside"
    workbook.active.append(["Eksport fra fagsystemet"])
    sheet = workbook.create_sheet("Aktiviteter")
    for cells in rows(org.id):
        sheet.append(cells)
    sheet["H2"].value = dt.datetime(2024, 3, 15, 10, 30)  # a real date cell, as Excel stores it
    sheet["I2"].value, sheet["J2"].value = 12, 1.5
    path = tmp_path / "aktiviteter.xlsx"
    workbook.save(path)
    with pytest.raises(ImportFileError, match="unknown column 'Eksport fra fagsystemet'"):
        await import_file(system(settings), path, dry_run=True)
    with pytest.raises(ImportFileError, match="no sheet 'Ark1'; the workbook has Forside, Aktiviteter"):
        await import_file(system(settings), path, dry_run=True, sheet="Ark1")
    await imported(settings, path, sheet="Aktiviteter")
    await assert_the_two_activities(org.id)


def test_the_csv_template_opens_in_columns_in_norwegian_excel(tmp_path):
    """Excel in Norway splits a CSV at ';' and reads it as UTF-8 only after a byte order mark:
    the comma-separated template opened in one column."""
    path = tmp_path / "aktiviteter.csv"
    write_template(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0]
    assert header.split(";")[:3] == ["organization_id", "source_system", "external_id"] and "," not in header


async def test_the_template_imports_as_written(settings, tmp_path, org):
    for name in ("template.xlsx", "template.csv"):
        path = tmp_path / name
        write_template(path)
        report = await import_file(system(settings), path, dry_run=True)
        assert report.rows == 1  # the description row is skipped; the example names org-1042, unknown here
        assert [(e.row, e.field, e.value) for e in report.errors] == [(3, "organization_id", "org-1042")]


async def test_headers_match_by_alias_and_case(settings, tmp_path, org):
    table = rows(org.id)
    table[0] = ["Organisasjon", "Kildesystem", "Ekstern ID", "Aktivitetstype", "Kategori", "STATUS", "Sted", "Dato",
                "Antall deltakere", "Timer", "Deltakerreferanser"]  # fmt: skip
    path = tmp_path / "norsk.csv"
    path.write_text(text(table, ";"), encoding="utf-8")
    await imported(settings, path)
    await assert_the_two_activities(org.id)


async def test_a_row_with_cells_past_the_header_is_refused_not_cut(settings, tmp_path, org):
    """A ';'-separated file whose participant references are written unquoted (``p-1;p-2``) has
    one cell more than its header: the row imported with ``p-1`` alone, the second person
    silently not counted (outsider). Now the row is refused, saying why and how to write it;
    quoted, as Excel writes it, both are kept. Trailing empty cells are nothing past the header."""
    header = ";".join(HEADER)
    row = f"{org.id};fagsystem-famweb;x-1;group_activity;ungdom;completed;Tromsø;15.03.2024 10:30;12;1,5;"
    path = tmp_path / "unquoted.csv"
    path.write_text(f"{header}\r\n{row}p-1;p-2\r\n", encoding="utf-8")
    report = await import_file(system(settings), path, dry_run=False)
    assert [(e.row, e.field, e.value, e.message) for e in report.errors] == [
        (
            2,
            "L",  # where the cell past the header is, as a spreadsheet names it (it was "", polish5)
            "p-2",
            "the line has 12 cells but the header only 11 columns; a cell that holds the separator itself "
            "(such as participant references separated by ;) must be in quotes, as Excel writes it",
        )
    ]
    assert await Activity.filter(organization_id=org.id).count() == 0, "nothing was written"
    # its other refusals are told with it, as every row's are
    path.write_text(f"{header}\r\n{row.replace(org.id, 'org-unknown')}p-1;p-2\r\n", encoding="utf-8")
    both = await import_file(system(settings), path, dry_run=False)
    assert sorted((e.row, e.field, e.value) for e in both.errors) == [(2, "L", "p-2"), (2, "organization_id", "org-unknown")]
    path.write_text(f'{header}\r\n{row}"p-1;p-2";;\r\n', encoding="utf-8")
    await imported(settings, path)
    stored = await Activity.get(organization_id=org.id, external_id="x-1")
    refs = await ActivityParticipant.filter(activity_id=stored.id).values_list("participant_ref", flat=True)
    assert sorted(refs) == ["p-1", "p-2"]


async def test_a_workbook_row_with_cells_past_the_header_is_refused_as_a_csv_row_is(settings, tmp_path, org):
    """A workbook's cells past its header were dropped unseen where a CSV's row is refused
    (polish5); blank and empty cells past it are nothing, as in a CSV. Its refusal says to move
    or clear them, not the CSV's quoting of a separator a sheet does not have (outsider6)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in rows(org.id):
        sheet.append(cells)
    width = len(rows(org.id)[0])
    sheet.cell(row=2, column=width + 2).value = "p-2"
    sheet.cell(row=2, column=width + 4).value = 7
    sheet.cell(row=3, column=width + 1).value = "  "
    path = tmp_path / "past.xlsx"
    workbook.save(path)
    report = await import_file(system(settings), path, dry_run=False)
    said = (
        f"the row has {width + 4} cells but the header only {width} columns; "
        "move what is past the header's last column into its column, or clear those cells"
    )
    letters = f"{chr(ord('A') + width + 1)}:{chr(ord('A') + width + 3)}"
    assert [(e.row, e.field, e.value, e.message) for e in report.errors] == [(2, letters, "p-2", said)]
    assert await Activity.filter(organization_id=org.id).count() == 0, "nothing was written"


async def test_a_one_column_header_says_the_separator_is_unusual(settings, tmp_path, org):
    path = tmp_path / "pipes.csv"
    path.write_text(text(rows(org.id), "|"), encoding="utf-8")
    with pytest.raises(ImportFileError, match="separated by something other than"):
        await import_file(system(settings), path, dry_run=True)


async def test_every_refusal_is_found_with_line_column_and_value_and_nothing_is_written(settings, tmp_path, org, app):
    table = rows(org.id)
    good = table[1]
    many = [table[0]] + [[*good[:2], f"ok-{n}", *good[3:]] for n in range(1500)]
    many.append([*good[:2], "late-1", *good[3:]])
    many[-1][0] = "org-unknown"  # an unknown organisation on a late row
    many.append([*good[:2], "ok-7", *good[3:]])  # the same activity as an earlier line
    many.append([*good[:4], "voksne", *good[5:7], "31.02.2024", "mange", *good[9:]])
    path = tmp_path / "late-errors.csv"
    path.write_text(text(many, ";"), encoding="utf-8")
    report = await import_file(system(settings), path, dry_run=False)
    found = [(e.row, e.field, e.value, e.message) for e in report.errors]
    assert found[0] == (1502, "organization_id", "org-unknown", "is not a known organisation")
    assert found[1] == (1503, "external_id", "ok-7", "names the same activity as line 9")
    assert {(row, field, value) for row, field, value, _ in found[2:]} == {
        (1504, "category", "voksne"),
        (1504, "occurred_at", "31.02.2024"),
        (1504, "participant_count", "mange"),
    }
    assert not any("Value error" in message or "Input should" in message for *_, message in found)
    assert await Activity.filter(organization_id=org.id).count() == 0, "nothing was written"
    errors_file = tmp_path / "errors.csv"
    write_errors(report.errors, errors_file)
    assert errors_file.read_text(encoding="utf-8-sig").splitlines()[:2] == [
        "line;column;value;message",
        "1502;organization_id;org-unknown;is not a known organisation",
    ]


async def test_an_organisation_the_importer_may_not_write_for_is_refused_per_row(settings, tmp_path, org, app):
    other = await make_organization(id="org-other")
    table = rows(org.id)
    table[2][0] = other.id
    path = tmp_path / "mixed.csv"
    path.write_text(text(table, ","), encoding="utf-8")
    report = await import_file(context_for(settings, app, org.id), path, dry_run=False)
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (3, "organization_id", "is not an organisation you may write for")
    ]
    assert await Activity.all().count() == 0


async def test_a_failure_while_writing_leaves_the_database_as_it_was(settings, tmp_path, org, monkeypatch):
    table = rows(org.id)
    monkeypatch.setattr(importing, "CHUNK", 2)  # chunks of 2 show what chunks of 5,000 do, 12,000 rows cheaper
    many = [table[0]] + [[*table[1][:2], f"a-{n}", *table[1][3:]] for n in range(5)]
    path = tmp_path / "big.csv"
    path.write_text(text(many, ";"), encoding="utf-8")
    calls: list[int] = []

    def failing_on_the_third_chunk(real):
        async def write(ctx, specs, *rest):
            calls.append(len(specs))
            if len(calls) == 3:
                raise RuntimeError("the disk is full")
            return await real(ctx, specs, *rest)

        return write

    # new rows take PostgreSQL's set-based path (insert_new), others the row-wise one (write_all)
    monkeypatch.setattr(batch, "write_all", failing_on_the_third_chunk(batch.write_all))
    monkeypatch.setattr(new_rows, "insert_new", failing_on_the_third_chunk(new_rows.insert_new))
    with pytest.raises(RuntimeError, match="the disk is full"):
        await import_file(system(settings), path, dry_run=False)
    assert calls == [2, 2, 1]
    assert await Activity.filter(organization_id=org.id).count() == 0, "the first two chunks were rolled back"


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        (lambda t: t.encode("cp1252"), "Windows-1252"),
        (lambda t: ("\ufeff" + t).encode(), "UTF-8"),
        (lambda t: t.encode(), "UTF-8"),
        (lambda t: t.encode("utf-16"), "UTF-16"),
    ],
    ids=["windows-1252", "utf-8-with-mark", "utf-8", "utf-16"],
)
def test_text_decodes_by_its_mark_or_falls_back_to_windows_1252(tmp_path, encoded, name):
    path = tmp_path / "a.csv"
    path.write_bytes(encoded(text(rows("org-x"), ";")))
    table = reading.read(path)
    assert table.form == f"CSV, {name}, ';'-separated"
    assert [row["location"] for _, row in table.rows] == ["Tromsø", "Tromsø"]


def test_a_text_file_is_read_as_its_rows_are_taken_not_whole(tmp_path, monkeypatch):
    """Only the encoding check sees every byte (a megabyte at a time); rows are parsed as the
    import takes them, so a file of any length is never held whole."""
    table = rows("org-x")
    path = tmp_path / "long.csv"
    path.write_text(text([table[0]] + [table[1]] * 50_000, ";"), encoding="utf-8")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read whole"))
    monkeypatch.setattr(Path, "read_text", lambda self, **_: pytest.fail("the file was read whole"))
    opened = reading.read(path)
    first = list(islice(opened.rows, 3))
    assert [line for line, _ in first] == [2, 3, 4]


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        ("decimal", "1,5", "1.5"),
        ("decimal", "1 234,50", "1234.50"),
        ("decimal", "1.234,5", "1234.5"),
        ("decimal", "2.5", "2.5"),
        ("integer", "1 200", "1200"),
        ("datetime", "1.3.2024", "2024-03-01T00:00:00"),
        ("datetime", "01.03.2024 09.15", "2024-03-01T09:15:00"),
        ("datetime", "2024-03-01T09:15:00+01:00", "2024-03-01T09:15:00+01:00"),
        ("datetime", "31.02.2024", "31.02.2024"),
        ("list", "p-1; p-2;", ["p-1", "p-2"]),
    ],
)
def test_cells_read_the_norwegian_way_beside_iso(kind, cell, value):
    assert value_of(kind, cell) == value


@pytest.mark.one_database
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
async def test_a_large_file_shows_progress_as_it_is_checked(settings, tmp_path, org, monkeypatch, suffix):
    import bufdir_reporting.importing as importing

    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)  # every 100,000 rows, made small
    monkeypatch.setattr(importing, "CHUNK", 2)  # 5,000 rows, made small
    good = rows(org.id)[1]
    table = [HEADER] + [[*good[:2], f"p-{n}", *good[3:]] for n in range(5)]
    path = tmp_path / f"five{suffix}"
    if suffix == ".csv":
        path.write_text(text(table, ";"), encoding="utf-8")
    elif suffix == ".jsonl":
        one = {**dict(zip(HEADER, good, strict=True)), "occurred_at": "2024-03-15T10:30:00Z", "hours": "1.5"}
        lines = [{**one, "external_id": f"p-{n}", "participant_refs": ["p-1"]} for n in range(5)]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        for row in table:
            workbook.active.append(row)
        workbook.save(path)
    said: list[str] = []
    report = await import_file(system(settings), path, dry_run=True, progress=said.append)
    assert not report.errors
    assert said[1:] == ["checked 2 rows", "checked 4 rows", "checked 5 rows (0 errors)"]
    assert said[0].startswith("reading ") and report.rows == 5
