"""Scalars whose wire format is this service's own."""

from __future__ import annotations

import decimal

from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

from ..resolvers.base import numbers


def _serialize(value: object) -> str:
    return numbers.plain(value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value)))


PlainDecimal = ScalarDefinition(
    name="Decimal",
    description=(
        'A decimal number as a JSON string, without trailing zeros or an exponent: "1", "31.5", "1234567". '
        "Input takes the same, or a JSON number."
    ),
    specified_by_url=None,
    serialize=_serialize,
    parse_value=DecimalDefinition.parse_value,
    parse_literal=None,
    origin=decimal.Decimal,
)
"""Stored numbers carry four decimal places (a BOOLEAN field's true is 1.0000); shown as people
write them, Strawberry's own Decimal (``str``) printed "1.0000"."""
