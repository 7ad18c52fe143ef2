"""GraphQL's own refusals in the reader's language: graphql-core's parse and validation messages
and our operation limits (``limits``) are English, and a Nynorsk reader met "Cannot query field
'nam' on type 'Period'. Did you mean 'name'?" beside Nynorsk refusals of everything else.

Each message is matched by its pattern (graphql-core words them the same way every time; a test
holds the patterns to the messages graphql-core gives) and said from the catalogue
(``messages/graphql.toml``), names quoted «» and a suggestion's alternatives joined with the
language's "or". Without a language asked, or in English, a message reads as graphql-core wrote
it; one no pattern knows stays English. ``extensions.code`` never changes.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..language import Either, Language, number, say

SUGGESTION = re.compile(r"(?P<main>.*?) Did you mean (?P<names>.*)\?", re.DOTALL)
QUOTED = re.compile(r"'([^']*)'")
NAME = r"'(?P<{}>[^']*)'"
OPERATION = r"the operation(?: (?P<operation>'[^']*'))?"
"""How ``limits`` names an operation: by its name quoted, or (without one) not at all."""


def _pattern(text: str) -> re.Pattern[str]:
    """A message's pattern: ``{name}`` a quoted name, ``$name`` a quoted variable, ``<name>`` any
    text; the rest a regular expression."""
    text = re.sub(r"'\$(\w+)'", r"'\\$(?P<\1>[^']*)'", text)
    text = re.sub(r"\{(\w+)\}", lambda m: NAME.format(m[1]), text)
    return re.compile(re.sub(r"(?<!\?P)<(\w+)>", r"(?P<\1>.*?)", text), re.DOTALL)


PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (_pattern(text), message_id)
    for message_id, text in {
        "graphql.cannot_query_field": r"Cannot query field {field} on type {type}\.",
        "graphql.unknown_argument": r"Unknown argument {argument} on field {field}\.",
        "graphql.argument_required": r"Argument {argument} of type {type} is required, but it was not provided\.",
        "graphql.needs_subfields": r"Field {field} of type {type} must have a selection of subfields\.",
        "graphql.no_subfields": r"Field {field} must not have a selection since type {type} has no subfields\.",
        "graphql.enum_value": r"Value {value} does not exist in {enum} enum\.",
        "graphql.enum_non_enum": r"Enum {enum} cannot represent non-enum value: <value>\.",
        "graphql.scalar_value": r"(?P<scalar>Int|Float|String|Boolean|ID) cannot represent "
        r"(?:a )?(?:non[- ][\w -]+ )?value: <value>",
        "graphql.variable_invalid": r"Variable '$variable' (?:has|got) invalid value:? <reason>",
        "graphql.value_required": r"Expected a value of non-null type {type} to be provided\.",
        "graphql.variable_not_defined": r"Variable '$variable' is not defined(?: by operation '[^']*')?\.",
        "graphql.variable_unused": r"Variable '$variable' is never used(?: in operation '[^']*')?\.",
        "graphql.variable_position": r"Variable '$variable' of type {type} used in position expecting type {expected}\.",
        "graphql.unknown_type": r"Unknown type {type}\.",
        "graphql.unknown_fragment": r"Unknown fragment {fragment}\.",
        "graphql.unknown_directive": r"Unknown directive '@(?P<directive>[^']*)'\.",
        "graphql.fragment_unused": r"Fragment {fragment} is never used\.",
        "graphql.operation_twice": r"There can be only one operation named {name}\.",
        "graphql.argument_twice": r"There can be only one argument named {argument}\.",
        "graphql.anonymous_alone": r"This anonymous operation must be the only defined operation\.",
        "graphql.operation_name_needed": r"Must provide operation name if query contains multiple operations\.",
        "graphql.fields_conflict": r"Fields {field} conflict because <reason>",
        "graphql.fragment_spread": r"Fragment (?:'[^']*' )?cannot be spread here as objects of type {parent} "
        r"can never be of type {type}\.",
        "graphql.introspection_disabled": r"GraphQL introspection has been disabled, but the requested query "
        r"contained the field {field}\.",
        "graphql.syntax": r"Syntax Error: <detail>",
        "graphql.syntax.expected": r"Expected <expected>, found <found>\.",
        "graphql.syntax.unexpected": r"Unexpected <found>\.",
        "graphql.syntax.too_many_tokens": r"Document contains more than (?P<limit>\d+) tokens\. Parsing aborted\.",
        "graphql.syntax.unterminated_string": r"Unterminated string\.",
        "graphql.limit.depth": OPERATION + r" has a depth of <value> fields; the limit is (?P<limit>\d+)",
        "graphql.limit.aliases": OPERATION + r" has <value> aliases; the limit is (?P<limit>\d+)",
        "graphql.limit.cost": OPERATION + r" has an estimated cost of <value>; "
        r"the limit is (?P<limit>\d+)",
        "graphql.nul": r"text may not contain NUL characters",
        "graphql.global_id.value": r'Value cannot represent a GlobalID: "(?P<value>[^"]*)"\.',
        "graphql.unknown_operation": r'Unknown operation named "(?P<name>[^"]*)"\.',
        "graphql.http.not_json": r"The request body is not valid JSON\.",
        "graphql.http.no_query": r'The request has no GraphQL query: send \{"query": "\.\.\."\} as JSON\.',
        "graphql.http.content_type": r"Send GraphQL requests as JSON \(Content-Type: application/json\) "
        r"or as a GET with a query parameter\.",
        "graphql.http.methods": r"GraphQL takes GET and POST requests only\.",
        "graphql.http.mutation_over_get": r"mutations are not allowed when using GET",
        "graphql.http.batching": r"Batching is not enabled",
        "graphql.subscription_over_http": r"subscriptions run over a websocket at /graphql \(graphql-transport-ws\), "
        r"not over HTTP",
    }.items()
]
"""graphql-core's messages (3.2/3.3 wording) and ours, each with the message that says it."""


PLAIN_IN_ENGLISH = frozenset({"graphql.global_id.value"})
"""Messages said from the catalogue in English too: Strawberry's words for them named its own
internals ("Value cannot represent a GlobalID") rather than what the client got wrong."""


def said(message: str, language: Language | None) -> str:
    """``message`` in ``language``; as it is without a language, in English or when unknown
    (but for ``PLAIN_IN_ENGLISH``)."""
    if language is None or language == Language.EN:
        for pattern, message_id in PATTERNS:
            found = pattern.fullmatch(message) if message_id in PLAIN_IN_ENGLISH else None
            if found is not None:
                return say(message_id, Language.EN, **found.groupdict())
        return message
    return _said(message, language)


def _said(message: str, language: Language) -> str:
    suggestion = SUGGESTION.fullmatch(message)
    main = suggestion["main"] if suggestion else message
    for pattern, message_id in PATTERNS:
        found = pattern.fullmatch(main)
        if found is not None:
            values = {name: _value(name, text, language) for name, text in found.groupdict().items()}
            text = say(message_id, language, **values)
            break
    else:
        return message
    if suggestion is not None:
        names = Either(tuple(f"«{name}»" for name in QUOTED.findall(suggestion["names"])))
        text += " " + say("graphql.did_you_mean", language, names=names)
    return text


def _value(name: str, text: str | None, language: Language) -> str | None:
    """A caught part as the reader reads it: an inner message said too, an operation's name
    named (or said to have no name), a limit's numbers as the reader writes numbers."""
    if name == "operation":
        if text is None:
            return say("graphql.limit.anonymous", language)
        return say("graphql.limit.named", language, name=text.strip(chr(39)))
    if text is None:
        return text
    if name in ("reason", "detail"):
        return _said(text, language)
    if name == "limit" or (name == "value" and text.removeprefix("over ").replace(",", "").isdigit()):
        return _amount(text, language)
    return text


def _amount(text: str, language: Language) -> str:
    """A limit's measure (``207060301``, ``over 1,000,000``) as the reader writes numbers."""
    over = text.startswith("over ")
    written = number(Decimal(text.removeprefix("over ").replace(",", "")), language)
    return f"over {written}" if over else written
