"""The custom scalars and their wire formats: each says what a client sends and reads, and
points at the specification it follows where one exists (``@specifiedBy``), so a client can type
it (``codegen.json`` maps each one for TypeScript; a test keeps every scalar described and mapped).

Strawberry's own Date, DateTime, JSON and Upload said "Date (isoformat)", "Represents a file
upload.": nothing a client can type a value by."""

from __future__ import annotations

import dataclasses
import datetime
import decimal

from strawberry.file_uploads import Upload
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.scalar import ScalarDefinition

from ..resolvers.base import numbers
from ..timefmt import iso_z

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
ECMA_404 = "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
MULTIPART_REQUEST = "https://github.com/jaydenseric/graphql-multipart-request-spec"


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

DateTime = dataclasses.replace(
    DEFAULT_SCALAR_REGISTRY[datetime.datetime],
    description=(
        'An instant as an RFC 3339 date-time in a JSON string, in UTC to the whole second: "2026-11-29T12:00:00Z", '
        "as REST, the legacy contracts and live events print it. Input takes any RFC 3339 date-time (a fraction "
        "of a second and any offset too), or an ISO 8601 date-time without an offset, or a date alone: those are "
        "the service's local time (BUFDIR_TIME_ZONE, Europe/Oslo)."
    ),
    specified_by_url=RFC_3339,
    serialize=iso_z,
)
"""One rule for an instant on every transport: the legacy contracts fix REST's (UTC, whole seconds,
``Z``), and GraphQL printed the same instant as ``…36.752652+00:00`` beside REST's ``…36Z`` (#33
outsider). An instant's fraction is cut, as REST cuts it (``timefmt.iso_z``)."""
Date = dataclasses.replace(
    DEFAULT_SCALAR_REGISTRY[datetime.date],
    description='A calendar day as an RFC 3339 full-date in a JSON string: "2026-03-31"; a day of the service\'s '
    "calendar (Europe/Oslo).",
    specified_by_url=RFC_3339,
)
AnyJSON = dataclasses.replace(
    DEFAULT_SCALAR_REGISTRY[JSON],
    description="A JSON value (ECMA-404) as it is, not a string holding JSON: an audit entry's before and after are "
    "objects (field name to value); setFieldValue's value is a number, a string or a boolean, or null.",
    specified_by_url=ECMA_404,
)
FileUpload = dataclasses.replace(
    DEFAULT_SCALAR_REGISTRY[Upload],
    description="A file sent as a part of a GraphQL multipart request (the request's map names the variable it "
    "fills); an argument only, never in an answer, and without a JSON form.",
    specified_by_url=MULTIPART_REQUEST,
)

OVERRIDES: dict[object, ScalarDefinition] = {
    decimal.Decimal: PlainDecimal,
    datetime.datetime: DateTime,
    datetime.date: Date,
    JSON: AnyJSON,
    Upload: FileUpload,
}
"""What ``Schema(scalar_overrides=…)`` takes."""
