"""Text written into a CSV a spreadsheet opens: the one rule every CSV this service writes (the
analytics export, the import's error file) keeps a cell text, never a formula."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet take a cell for a formula (OWASP, "CSV injection"): ``=``, ``+``,
``-``, ``@``, a tab or carriage return; a line feed too (a quoted cell may start with one, and
Excel and LibreOffice skip it before reading the rest as a formula), and the full-width ``＝``,
``＋``, ``－``, ``＠`` (U+FF1D, FF0B, FF0D, FF20), which spreadsheets on East Asian locales take for
their ASCII forms. The two CSV writers each kept a list without the last five (polish5)."""


def inert(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe, as OWASP advises. A CSV cannot say "this cell is text" otherwise; the
    apostrophe is visible, a value refused as ``-5`` reads ``'-5``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
