"""Numbers as people write them in Norway, and as they are shown back.

People write ``31,5``, ``1 234,5`` (a space or a no-break space between thousands) and
``1.234,5`` beside ``31.5``; the file import, manual values and every other input read them the
same way. Shown back, a number has no trailing zeros and no exponent: ``1``, not ``1.0000``.
"""

from __future__ import annotations

import re
from decimal import Decimal

DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0.]\d{3})*,\d+$|^[-+]?\d+,\d+$")
GROUPED = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0]\d{3})+(?:\.\d+)?$")


def decimal_text(text: str) -> str:
    """``text`` as Python's ``Decimal`` reads a number (``31,5`` -> ``31.5``, ``1 234`` ->
    ``1234``); text that is no number written the Norwegian way is returned as it was."""
    stripped = text.strip()
    if DECIMAL_COMMA.match(stripped):
        return re.sub(r"[ \u00a0.]", "", stripped).replace(",", ".")
    if GROUPED.match(stripped):
        return re.sub(r"[ \u00a0]", "", stripped)
    return stripped


def plain(value: Decimal) -> str:
    """``value`` without trailing zeros or an exponent: ``1.0000`` -> ``1``, ``1E+2`` -> ``100``;
    zero without a sign (a value written ``-0`` is kept so on SQLite, and GraphQL showed "-0"
    where REST and PostgreSQL say 0)."""
    if value.is_zero():
        return "0"
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")
