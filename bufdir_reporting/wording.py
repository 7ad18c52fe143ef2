"""Pydantic's validation messages in the words the rest of the service uses, for every place a
client or a person reads them: REST bodies, GraphQL bulk ingest, the file import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .language import Language, say

PLAIN = {
    "missing": "is required",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_type": "must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
    "datetime_parsing": "must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
    "datetime_from_date_parsing": "must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
    "extra_forbidden": "is not a field this takes",
    "list_type": "must be a list",
    "dict_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "model_type": "must be a JSON object",
}
"""Messages by pydantic error type; the others (bounds, patterns, our own validators) say the
limit themselves and are only reworded by ``plain_text``."""


def plain_text(message: str) -> str:
    """Pydantic's "Input should be …" and "Value error, …" as the rest of our messages read."""
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    for prefix in ("Input should ", "String should ", "List should ", "Decimal input should "):
        if message.startswith(prefix):
            return "must " + message.removeprefix(prefix)
    starts_a_sentence = message[:1].isupper() and message[1:2].islower()
    return message[:1].lower() + message[1:] if starts_a_sentence else message


def plain(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in plain words."""
    return PLAIN.get(str(error.get("type")), "") or plain_text(str(error.get("msg", "")))


MESSAGE_IDS = {
    "missing": "cell.missing",
    "string_type": "cell.text",
    "int_type": "cell.whole_number",
    "int_parsing": "cell.whole_number",
    "int_from_float": "cell.whole_number",
    "float_type": "cell.number",
    "float_parsing": "cell.number",
    "decimal_type": "cell.number",
    "decimal_parsing": "cell.number",
    "bool_type": "cell.boolean",
    "bool_parsing": "cell.boolean",
    "date_type": "cell.date",
    "date_parsing": "cell.date",
    "date_from_datetime_parsing": "cell.date",
    "datetime_type": "cell.datetime",
    "datetime_parsing": "cell.datetime",
    "datetime_from_date_parsing": "cell.datetime",
    "extra_forbidden": "cell.extra",
    "list_type": "cell.list",
    "dict_type": "cell.object",
    "model_attributes_type": "cell.object",
    "model_type": "cell.object",
    "unknown_category": "cell.category",
    "snake_case": "cell.snake_case",
    "snake_case_status": "cell.snake_case_status",
}
"""The message (``language.MESSAGES``) each of ``PLAIN`` is in the other languages; its English is ``PLAIN``'s."""


def message_id(error: Mapping[str, Any]) -> str | None:
    """The message an import row's error is in another language: its type's (``MESSAGE_IDS``),
    else a bound's or a pattern's (``INPUT_IDS``, filled by ``message_values``). Without the
    latter a count of -2 read "must be greater than or equal to 0" under nn (outside review)."""
    kind = str(error.get("type"))
    return MESSAGE_IDS.get(kind) or INPUT_IDS.get(kind)


INPUT_IDS = {
    "missing": "input.missing",
    "greater_than": "input.greater_than",
    "greater_than_equal": "input.greater_than_equal",
    "less_than": "input.less_than",
    "less_than_equal": "input.less_than_equal",
    "string_too_short": "input.string_too_short",
    "string_too_long": "input.string_too_long",
    "too_short": "input.too_short",
    "too_long": "input.too_long",
    "string_pattern_mismatch": "input.pattern",
    "literal_error": "input.one_of",
    "enum": "input.one_of",
    "decimal_max_digits": "input.decimal_max_digits",
    "decimal_max_places": "input.decimal_max_places",
    "decimal_whole_digits": "input.decimal_whole_digits",
    "date_type": "input.date",
    "date_parsing": "input.date",
    "date_from_datetime_parsing": "input.date",
    "datetime_type": "input.datetime",
    "datetime_parsing": "input.datetime",
    "datetime_from_date_parsing": "input.datetime",
    "direction_controls": "input.direction_controls",
    "period_or_range": "input.period_or_range",
    "file_ref_outside": "input.file_ref_outside",
}
"""What a value in a request (a REST body, a GraphQL input) must be, by pydantic's error type,
said after the field's name (``org_id må være tekst``): pydantic's own bounds and patterns
(its words are English), and the types ``MESSAGE_IDS`` names. A date here is ISO (the API
reads no other), so its example is too: ``cell.date``'s 15.02.2026 is what a file may hold,
and a request refused for sending 15.02.2026 was told to send it (outside review)."""


PATTERNS_IN_WORDS = {
    r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$": "input.pattern_slug",
    r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$": "input.pattern_snake_case",
}
"""The id patterns a request meets (``structure.inputs.SECTION_ID``, ``FIELD_KEY``: a test holds
them equal) said in words in nb/nn: a person read ``form_id må følgje mønsteret «^[a-z]…$»``
(outside review). English keeps the pattern, as the legacy contracts answer."""


def said(error: Mapping[str, Any], language: Language | None) -> str:
    """One pydantic error of a request in plain words in ``language``; with none asked, as it
    always read (``plain``), as is English asked for (pydantic's words, made plain, are the
    English). Our validators' own words ("Value error, …") stay English."""
    if language is None or language == Language.EN:
        return plain(error)
    kind = str(error.get("type"))
    message = INPUT_IDS.get(kind) or MESSAGE_IDS.get(kind)
    if message is None:
        return plain(error)
    values: dict[str, object] = dict(error.get("ctx") or {})
    if kind == "string_pattern_mismatch" and values.get("pattern") in PATTERNS_IN_WORDS:
        return say(PATTERNS_IN_WORDS[str(values["pattern"])], language)
    if kind in ("literal_error", "enum"):
        values["expected"] = str(values.get("expected", "")).replace("' or '", "' eller '")
    return say(message, language, **values)


def message_values(error: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """What ``message_id``'s message is filled with: our own errors' values (``PydanticCustomError``)
    and pydantic's bounds (``le``, ``max_length``, …); the type errors carry none we use."""
    kind = str(error.get("type"))
    if kind != "unknown_category" and (kind in MESSAGE_IDS or kind not in INPUT_IDS):
        return ()
    return tuple((error.get("ctx") or {}).items())


SHOWN_CHARS = 80
"""The most of an outsider's text an error echoes: a refused value, a header cell, a sheet name."""

CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
SURROGATES = re.compile("[\ud800-\udfff]")


def shown(text: str, *, limit: int = SHOWN_CHARS) -> str:
    """Text from a file or a request as an error may echo it: at most ``limit`` characters (then
    "..."), control characters as their Unicode pictures (NUL as ␀: PostgreSQL refuses NUL in
    the errors it stores, and a terminal would act on an escape sequence), a lone surrogate
    (JSON's "\\ud800") as U+FFFD, which no UTF-8 encoder refuses."""
    cut = text if len(text) <= limit else text[: limit - 3] + "..."
    return SURROGATES.sub("\ufffd", cut.translate(CONTROL_PICTURES))


QUOTED = re.compile(rf"'[^']{{{SHOWN_CHARS + 1},}}'|\"[^\"]{{{SHOWN_CHARS + 1},}}\"")
UNBROKEN = re.compile(rf"\S{{{SHOWN_CHARS + 41},}}")
LONGEST_MESSAGE = 2_000


def echoing(message: str) -> str:
    """An error message as every transport sends it (``envelope``, ``schema.errors``): a quoted
    value in it (a refused id, a variable's value in graphql-core's words) cut to ``SHOWN_CHARS``,
    as is any longer unbroken run of text, and the whole to ``LONGEST_MESSAGE``. A 900 KB value
    came back in full, in the message and its details (outside review)."""
    if len(message) <= SHOWN_CHARS:
        return message
    cut = QUOTED.sub(lambda found: found[0][0] + found[0][1 : SHOWN_CHARS - 2] + "..." + found[0][-1], message)
    cut = UNBROKEN.sub(lambda found: found[0][: SHOWN_CHARS - 3] + "...", cut)
    return cut if len(cut) <= LONGEST_MESSAGE else cut[: LONGEST_MESSAGE - 3] + "..."


def echoing_details(details: Any) -> Any:
    """The details of an error with every text in them cut as ``echoing`` cuts a message."""
    if isinstance(details, str):
        return echoing(details)
    if isinstance(details, Mapping):
        return {key: echoing_details(value) for key, value in details.items()}
    if isinstance(details, list | tuple):
        return [echoing_details(value) for value in details]
    return details


def offending(error: Mapping[str, Any]) -> str | None:
    """The value that was refused, as text to echo back (None for a missing or a nested one)."""
    value = error.get("input")
    if error.get("type") == "missing" or isinstance(value, dict | list) or value is None:
        return None
    return shown(str(value))
