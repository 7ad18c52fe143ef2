"""PostgreSQL expressions that write a column as the executor's scalars print it, so the compiled
answer and the executor's are the same JSON, byte for byte once parsed (the parity test compares
them): each helper names the Python serialisation it reproduces.

Every field's expression is the field's JSON *text*, or NULL for JSON's ``null``, and objects and
lists are written by concatenation (``concat``, ``array_to_string``): the statement never builds a
``json`` value. Why: ``json_build_object`` and ``json_agg`` look up each argument's type in the
catalogue on every call (four cache look-ups per argument in PostgreSQL 15's
``json_categorize_type``, keys included), which was a quarter of the dashboard statement's CPU
(``perf`` of the backend; bench S11, where PostGraphile's text arrays took half our time).
An object whose every value is a string (a field value's, a section's) is written by
``json_object(keys, values)`` instead, which escapes text arrays without a look-up: 5-7 % of
the dashboard statement's CPU again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Self

CONCAT_ARGUMENTS = 100
"""A function takes at most 100 arguments (``FUNC_MAX_ARGS``): a longer ``concat`` is nested."""


class Quoted(str):
    """The SQL of a JSON string's text, which also knows the SQL of the text it quotes (``text``):
    ``json_object`` writes an object of such values alone with ``json_object(keys, values)``."""

    text: str

    def __new__(cls, sql: str, text: str) -> Self:
        made = super().__new__(cls, sql)
        made.text = text
        return made


def string(value: str) -> Quoted:
    """A JSON string of any text (escaped by ``to_json``, as ``json.dumps`` escapes it)."""
    return Quoted(f"to_json(({value})::text)::text", f"({value})::text")


def token(value: str) -> Quoted:
    """A JSON string of text that holds nothing to escape (digits, dates, base64, numbers)."""
    return Quoted(f"('\"' || {value} || '\"')", f"({value})::text")


def literal(value: str) -> str:
    """A number, a boolean (``true``/``false``) or a stored JSON document, as its text."""
    return f"({value})::text"


def relay_id(type_name: str, key: str) -> Quoted:
    """Strawberry's GlobalID: base64 of ``<Type>:<key>`` (``b64encode``, one line; PostgreSQL's
    ``encode(…, 'base64')`` breaks its output every 76 characters)."""
    return token(f"replace(encode(convert_to('{type_name}:' || {key}, 'UTF8'), 'base64'), E'\\n', '')")


def plain_decimal(value: str) -> Quoted:
    """``scalars.PlainDecimal`` (``numbers.plain``): no trailing zeros, no exponent; ``1.0000`` is
    ``"1"``. PostgreSQL's numeric text never has an exponent, so dropping the scale is all."""
    return token(f"trim_scale({value})::text")


def instant(value: str) -> Quoted:
    """``scalars.DateTime`` (``timefmt.iso_z``) of an instant: UTC, the whole second (the
    fraction cut, as ``to_char`` cuts it), ``Z``."""
    return token(f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")


def day(value: str) -> Quoted:
    """``date.isoformat()``."""
    return token(f"to_char({value}, 'YYYY-MM-DD')")


def enum_name(value: str) -> Quoted:
    """A stored enum value as GraphQL names it: this schema's enums are the Python ``StrEnum``s
    whose member names are their values in capitals (``current`` is ``CURRENT``)."""
    return string(f"upper({value})")


def text(literal: str) -> str:
    """A constant of the plan (a response key, a type's name) as an SQL string: GraphQL names hold
    only letters, digits and underscores, so quoting is enough; anything else is refused."""
    if not literal.replace("_", "a").isalnum() or not literal.isascii():
        raise ValueError(f"{literal!r} is not a GraphQL name")
    return f"'{literal}'"


def typename(literal: str) -> Quoted:
    """A constant of the plan as a JSON string (``__typename``)."""
    return token(text(literal))


def json_object(pairs: Sequence[tuple[str, str]]) -> str:
    """The object of (response key, JSON text) in selection order: the order of the executor's
    answer; a NULL value is ``null``."""
    if pairs and all(isinstance(expression, Quoted) for _, expression in pairs):
        keys = ", ".join(text(key) for key, _ in pairs)
        values = ", ".join(expression.text for _, expression in pairs if isinstance(expression, Quoted))
        return f"json_object(ARRAY[{keys}]::text[], ARRAY[{values}]::text[])::text"
    parts: list[str] = []
    for index, (key, expression) in enumerate(pairs):
        text(key)  # a GraphQL name: nothing in it to escape
        opener = "{" if index == 0 else ","
        parts += [f"'{opener}\"{key}\":'", f"coalesce({expression}, 'null')"]
    parts.append("'}'" if pairs else "'{}'")
    return _concat(parts)


def _concat(parts: list[str]) -> str:
    if len(parts) > CONCAT_ARGUMENTS:
        chunks = [parts[start : start + CONCAT_ARGUMENTS] for start in range(0, len(parts), CONCAT_ARGUMENTS)]
        return _concat([_concat(chunk) for chunk in chunks])
    return "concat(" + ", ".join(parts) + ")"


def json_array(items: Iterable[str]) -> str:
    """A list of known length: its items' JSON texts (never NULL) written out in order."""
    parts = ["'['"]
    for index, item in enumerate(items):
        parts += [item] if index == 0 else ["','", item]
    parts.append("']'")
    return _concat(parts)


def json_items(item: str, order: str) -> str:
    """The aggregate of ``item`` (JSON text, never NULL) in ``order``: the list's items, without
    its brackets; NULL when there are none."""
    return f"string_agg({item}, ',' ORDER BY {order})"


def json_list(item: str, source: str, order: str) -> str:
    """The items of ``source`` (a FROM clause onwards) in ``order``; ``[]`` when there are none.
    An array of the items, joined: ``ARRAY(SELECT … ORDER BY …)`` keeps the rows' order without
    an aggregate, whose node PostgreSQL sets up on every execution (``ExecInitAgg``, with its
    sort and the item's expression compiled into its transition steps: 9.6 % of the backend's
    CPU for the dashboard statement under ``perf``; bench S11). PostGraphile's statement builds
    its lists so."""
    return f"('[' || array_to_string(ARRAY(SELECT {item} {source} ORDER BY {order}), ',') || ']')"
