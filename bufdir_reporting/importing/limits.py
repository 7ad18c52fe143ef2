"""What an activity file may hold, whatever its form; past any of these it is refused whole, with
an ``ImportFileError`` saying which bound and what to do. The README's import section states
them. They keep what a hostile file costs to read (memory, time, the size of the error that
answers it) below what a real file at the bounds costs: an import holds a chunk of rows and a
digest per keyed row, about 100 bytes a row (README)."""

from __future__ import annotations

MAX_ROWS = 1_048_576
"""Rows a file may have, the header included: an Excel sheet's (Microsoft's "Excel specifications
and limits"), and more than the million of bench S8. An import keeps about 100 bytes per keyed
row (README), so this also bounds what a file of tiny rows costs."""
MAX_COLUMNS = 16_384
"""Cells a row may have, the header's too: an Excel sheet's columns, A to XFD."""
MAX_CELL_CHARS = 32_767
"""Characters a cell may hold: Excel's own limit. The longest text a column takes is 128
characters; a longer value is refused by the row's checks, with the value shown shortened."""
MAX_LINE_BYTES = 1 << 20
"""Bytes a JSON line may have: 10,000 participant references (the most an activity may have)
of 64 characters take about 700 KB."""
SHOWN_COLUMNS = 10
"""Header cells an error names at most (a header of a million unknown columns got a 10.9 MB
answer naming them all)."""
SNIFFED_CHARS = 1 << 16
"""Text the delimiter is guessed from: the csv module's Sniffer takes seconds on megabytes."""


# An .xlsx is a zip of XML parts: the upload's size says nothing of what they unpack to, and
# openpyxl keeps some parts whole in memory (the shared strings, the stylesheet) and a sheet's
# elements outside its rows. ``xlsx_guard`` checks these before openpyxl reads anything.
MIB = 1 << 20
MAX_XLSX_PARTS = 1_000
"""Parts (zip members) a workbook may have; one sheet takes three or four, Excel's own file ten."""
MAX_XLSX_UNPACKED = 320 * MIB
"""What the parts may unpack to together. Workbooks written by openpyxl and by LibreOffice
(shared strings, as Excel writes them) unpack to about 690 bytes a row of the template's
columns, 14 times their zipped size: this is some 480,000 rows, and more than the largest
upload (20 MiB) unpacks to. A larger sheet imports as CSV or JSON lines."""
MAX_XLSX_RATIO = 100
"""How many times its zipped size a part of more than ``XLSX_RATIO_FROM`` may unpack to: Apache
POI's bound (ZipSecureFile's minimum inflate ratio 0.01). Real parts measured 14; the 300 KB
workbook whose one shared string unpacked to 300 MiB, 1,000."""
XLSX_RATIO_FROM = MIB
"""Parts smaller than this are not held to the ratio: a small part (a tiny stylesheet) can pack
very well and costs nothing."""
MAX_XLSX_ELEMENTS = 250_000
"""XML elements a part may have outside a sheet's rows and the shared strings: what openpyxl
keeps whole. A stylesheet has two or three a cell format (<xf>, <alignment>), and Excel allows
64,000 formats."""
MAX_XLSX_ROW_ELEMENTS = 4 * MAX_COLUMNS
"""Elements within one row or one shared string: a cell is two or three (<c>, <v>, <is>, <t>)."""
MAX_XLSX_STRINGS = 2_000_000
"""Shared strings (distinct texts) a workbook may have: four a row for the 480,000 rows that fit
``MAX_XLSX_UNPACKED``. openpyxl keeps each as a Python string while the sheet is read: 4.1
million short ones took 615 MB and 114 s to read."""
MAX_XLSX_TOKEN_BYTES = MIB
"""Bytes the XML may run without a tag or a piece of text ending (a tag of a million attributes,
an endless comment): expat holds them all before it reports the token."""
