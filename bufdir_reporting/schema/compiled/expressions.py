"""PostgreSQL expressions that print a column exactly as the executor's scalars print it, so the
compiled answer and the executor's are the same JSON, byte for byte (the parity test compares
them): each helper names the Python serialisation it reproduces."""

from __future__ import annotations


def relay_id(type_name: str, key: str) -> str:
    """Strawberry's GlobalID: base64 of ``<Type>:<key>`` (``b64encode``, one line; PostgreSQL's
    ``encode(…, 'base64')`` breaks its output every 76 characters)."""
    return f"replace(encode(convert_to('{type_name}:' || {key}, 'UTF8'), 'base64'), E'\\n', '')"


def plain_decimal(value: str) -> str:
    """``scalars.PlainDecimal`` (``numbers.plain``): no trailing zeros, no exponent; ``1.0000`` is
    ``"1"``. PostgreSQL's numeric text never has an exponent, so dropping the scale is all."""
    return f"trim_scale({value})::text"


def instant(value: str) -> str:
    """``scalars.DateTime`` (``timefmt.iso_z``) of an instant: UTC, the whole second (the
    fraction cut, as ``to_char`` cuts it), ``Z``."""
    return f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


def day(value: str) -> str:
    """``date.isoformat()``."""
    return f"to_char({value}, 'YYYY-MM-DD')"


def enum_name(value: str) -> str:
    """A stored enum value as GraphQL names it: this schema's enums are the Python ``StrEnum``s
    whose member names are their values in capitals (``current`` is ``CURRENT``)."""
    return f"upper({value})"


def text(literal: str) -> str:
    """A constant of the plan (a response key, a type's name): GraphQL names hold only letters,
    digits and underscores, so quoting is enough; anything else is refused."""
    if not literal.replace("_", "a").isalnum() or not literal.isascii():
        raise ValueError(f"{literal!r} is not a GraphQL name")
    return f"'{literal}'"


def json_object(pairs: list[tuple[str, str]]) -> str:
    """``json_build_object`` of (response key, expression) in selection order: the order of the
    executor's answer."""
    return "json_build_object(" + ", ".join(f"{text(key)}, {expression}" for key, expression in pairs) + ")"


def json_list(item: str, source: str, order: str) -> str:
    """The items of ``source`` (a FROM clause onwards) in ``order``; ``[]`` when there are none."""
    return f"(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]'::json) {source})"
