"""One rule keeps a CSV cell text (``spreadsheet_text.inert``), for every CSV the service writes."""

from __future__ import annotations

import csv

from bufdir_reporting.importing import write_errors
from bufdir_reporting.resolvers.activities import RowError
from bufdir_reporting.resolvers.base.spreadsheet_text import inert


def test_a_cell_that_a_spreadsheet_would_read_as_a_formula_starts_with_an_apostrophe():
    """A line feed and the full-width = + - @ (U+FF1D, FF0B, FF0D, FF20) start a formula too (polish5)."""
    for start in ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
        assert inert(f"{start}1+1") == f"'{start}1+1"
    for text in ("", "Tromsø", "1-2", " =1", "org-1"):
        assert inert(text) == text


def test_the_import_error_file_keeps_the_new_formula_starts_text_too(tmp_path):
    """The import's error file, written by the same rule as the analytics export."""
    path = tmp_path / "errors.csv"
    write_errors([RowError(2, "\uff1dcolumn", "refused", "\n=1+1")], path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (_, (line, column, value, message)) = list(csv.reader(handle, delimiter=";"))
    assert (line, column, value, message) == ("2", "'\uff1dcolumn", "'\n=1+1", "refused")
