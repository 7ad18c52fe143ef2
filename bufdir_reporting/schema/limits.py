"""Limits on what one GraphQL operation may ask: tokens, depth, aliases and estimated cost.

Tokens are counted by the parser, which stops at the limit. Depth, aliases and cost are measured
in one pass over the document (``shape``), before validation and with the request's variables:
an operation over a limit is refused with BAD_USER_INPUT, the measure and the limit, and the
document is not validated further. What is left to validation is then bounded too: graphql-core's
check that fields sharing a response name can be merged (the one rule whose work grows faster than
the document) runs with a fiftieth of its own budget.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, StringValueNode, specified_rules
from graphql.execution import ExecutionResult
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
    OverlappingFieldsCanBeMergedRule,
    ValidationContext,
)
from graphql.validation.validate import ValidationAbortedError
from starlette.websockets import WebSocket
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from ..config import Settings
from .operation_choice import refuse_an_unnamed_choice
from .shape import CEILING, DocumentShape, measured

FIELD_MERGE_BUDGET = 10_000
"""Work units graphql-core's OverlappingFieldsCanBeMerged may spend on one document, instead of its
own 500,000, which 750 fields of one response name or 70 deep ones exhaust in 0.5-1.4 s here
(10,000: 15-30 ms of CPU). Documents without repeated response names spend nothing (all of the
suite's and GraphiQL's); 20 Relay-style fragments on one type, spread together, spend 8,000."""


class NoNulInText(ASTValidationRule):
    """A string literal may not hold a NUL character (``"\\u0000"`` in the document): PostgreSQL's
    text cannot store one. Variables are checked at the HTTP edge (``http_guards.RequestShape``)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError("text may not contain NUL characters", node, extensions={"code": "BAD_USER_INPUT"}))


class BoundedFieldMerging(OverlappingFieldsCanBeMergedRule):
    """graphql-core's rule with ``FIELD_MERGE_BUDGET``; a document that exhausts it is told why
    (graphql-core says only "Validation aborted.")."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = FIELD_MERGE_BUDGET

    def enter_selection_set(self, *args: Any) -> None:
        try:
            super().enter_selection_set(*args)
        except ValidationAbortedError:
            if self.rule_context.remaining_complexity_budget >= 0:
                raise  # too many errors: validation's own limit
            raise ValidationAbortedError(
                "too many fields share a response name to check that they can be merged: "
                "send each field once, or give repeated fields different aliases",
                extensions={"code": "BAD_USER_INPUT"},
            ) from None


@lru_cache(maxsize=32)
def _rules(introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    rules = [BoundedFieldMerging if rule is OverlappingFieldsCanBeMergedRule else rule for rule in specified_rules]
    rules.append(NoNulInText)
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class OperationLimits(SchemaExtension):
    """The limits, read from the app's settings on the request context (one schema serves apps
    with different settings): the parser's token limit, then, before validation, each
    operation's depth, aliases and cost (``refuse_beyond_limits``, which ``CachedValidation``
    runs first in its hook). Around the operation, its latency (``observe_latency``): in this
    hook rather than an extension of its own, as Strawberry makes every hook of every extension
    a context manager again on each request (an extension for the metric alone was 3-6 % of a
    dashboard's CPU, bench S11)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings: Settings = context.context.settings
        context.parse_options["max_tokens"] = settings.graphql_max_tokens
        context.validation_rules = _rules(settings.graphql_introspection)
        started = time.perf_counter()
        yield
        observe_latency(context, time.perf_counter() - started)


def refuse_beyond_limits(context: Any) -> None:
    """Before validation: an operation of the document beyond the depth, aliases or cost the
    settings allow is refused, and the document is not validated further."""
    if context.graphql_document is not None and context.pre_execution_errors is None:
        refusal = within_limits.refusal(
            context.query, context.graphql_document, context.schema._schema, context.context.settings, context.variables or {}
        )
        if refusal is not None:
            context.pre_execution_errors = [refusal]


class WithinLimits:
    """Documents measured within the limits, kept by their text, the limits, and the values of
    the variables their measures read (``DocumentShape.read``): a dashboard's query was
    measured afresh on every request (5 % of its CPU, bench S11). A refusal is measured again."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._reads: OrderedDict[tuple[object, ...], frozenset[tuple[str, str]]] = OrderedDict()
        self._within: OrderedDict[tuple[object, ...], None] = OrderedDict()

    def refusal(
        self, query: str | None, document: Any, schema: Any, settings: Settings, variables: dict[str, Any]
    ) -> GraphQLError | None:
        if not cacheable(query):
            return _refusal(DocumentShape(document, schema, page_size=settings.max_page_size, variables=variables), settings)
        limits = (
            query,
            id(schema),
            settings.max_page_size,
            settings.graphql_max_depth,
            settings.graphql_max_aliases,
            settings.graphql_max_cost,
        )
        reads = self._reads.get(limits)
        if reads is not None and self._key(limits, reads, variables, settings) in self._within:
            return None
        shape = DocumentShape(document, schema, page_size=settings.max_page_size, variables=variables)
        refusal = _refusal(shape, settings)
        reads = frozenset(shape.read)
        self._keep(self._reads, limits, reads)
        if refusal is None:
            self._keep(self._within, self._key(limits, reads, variables, settings), None)
        return refusal

    @staticmethod
    def _key(
        limits: tuple[object, ...], reads: frozenset[tuple[str, str]], variables: dict[str, Any], settings: Settings
    ) -> tuple[object, ...]:
        return (*limits, *sorted((name, measured(kind, variables.get(name), settings.max_page_size)) for name, kind in reads))

    def _keep(self, entries: OrderedDict[tuple[object, ...], Any], key: tuple[object, ...], value: Any) -> None:
        entries[key] = value
        entries.move_to_end(key)
        while len(entries) > self.size:
            entries.popitem(last=False)


within_limits = WithinLimits()


def _refusal(shape: DocumentShape, settings: Settings) -> GraphQLError | None:
    """The first limit an operation of the document exceeds, as the error that says so."""
    for name, measure in shape.operations:
        # an unnamed operation is "the operation", not one named 'anonymous' (outside review #32)
        operation = "the operation" if name is None else f"the operation {name!r}"
        asked = (
            ("depth", measure.depth, settings.graphql_max_depth, "a depth of {} fields"),
            ("aliases", measure.aliases, settings.graphql_max_aliases, "{} aliases"),
            ("cost", math.ceil(measure.cost), settings.graphql_max_cost, "an estimated cost of {}"),
        )
        for what, value, limit, phrase in asked:
            if value > limit:
                return GraphQLError(
                    f"{operation} has {phrase.format(_amount(value))}; the limit is {limit}",
                    extensions={"code": "BAD_USER_INPUT", what: value, f"max_{what}": limit},
                )
    return None


def _amount(value: int) -> str:
    return f"over {CEILING:,}" if value >= CEILING else str(value)


CACHED_DOCUMENT_CHARS = 16_384
"""Documents up to this size are kept by the parse and validation caches (a dashboard's query is
about 1 KB, GraphiQL's introspection query 2 KB). The token limit does not bound a document's
text (whitespace and commas are no tokens): 256 entries of a 1 MiB document each were what an
anonymous client could make each cache hold (outside review). A larger document is parsed and
validated afresh each time."""


def cacheable(query: str | None) -> bool:
    return query is not None and len(query) <= CACHED_DOCUMENT_CHARS


class CachedParsing(ParserCache):
    """Strawberry's parser cache (keyed by the query and the parse options OperationLimits
    set), for documents up to ``CACHED_DOCUMENT_CHARS``; a document which does not parse is left
    to Strawberry's own parsing, so it is reported like any document error rather than escaping
    the hook."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if cacheable(context.query):
            try:
                context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
            except GraphQLError:
                pass
        yield


class CachedValidation(SchemaExtension):
    """Validation's errors kept per parsed document and rules, for documents up to
    ``CACHED_DOCUMENT_CHARS`` (a larger one is left to Strawberry's own validation); a document
    beyond the limits (``refuse_beyond_limits``, first in this hook: one validation hook instead of
    two, bench S11) is not validated. Kept by the document's identity: the
    parse cache hands the same document for the same text, and Strawberry's ``ValidationCache``,
    keyed by the document itself, hashed its whole tree on every request (2.5 % of a dashboard's
    CPU, py-spy under bench S7). An entry holds its document and schema, so their ids name them
    while it lives."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        refuse_beyond_limits(context)
        document, schema = context.graphql_document, context.schema._schema
        if context.pre_execution_errors is None and cacheable(context.query) and document is not None:
            key = (id(schema), id(document), context.validation_rules)
            held = _validated.get(key)
            if held is None or held[0] is not document or held[1] is not schema:
                held = (document, schema, validate_document(schema, document, context.validation_rules))
                _validated[key] = held
                while len(_validated) > self.maxsize:
                    _validated.popitem(last=False)
            else:
                _validated.move_to_end(key)
            context.pre_execution_errors = held[2]
        yield
        refuse_an_unnamed_choice(context)


_validated: OrderedDict[tuple[object, ...], tuple[Any, Any, list[GraphQLError]]] = OrderedDict()


def observe_latency(context: Any, seconds: float) -> None:
    """An operation's latency under its ``operation_label``, into the app's Prometheus registry."""
    request = getattr(context.context, "request", None)
    metrics = getattr(getattr(getattr(request, "app", None), "state", None), "metrics", None)
    if metrics is not None:
        metrics.graphql.labels(operation_label(context)).observe(seconds)


def operation_label(context: Any) -> str:
    """``query organizations``: the operation's type and first root field, both as the schema
    names them; a document that does not parse or names no known field is ``invalid``."""
    document = context.graphql_document
    operations = [d for d in (document.definitions if document else ()) if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (o for o in operations if o.name and o.name.value == context.operation_name), operations[0] if operations else None
    )
    if chosen is None:
        return "invalid"
    root = context.schema._schema.get_root_type(chosen.operation)
    known = getattr(root, "fields", {})
    fields = sorted(s.name.value for s in chosen.selection_set.selections if isinstance(s, FieldNode) and s.name.value in known)
    return f"{chosen.operation.value} {fields[0]}" if fields else "invalid"


class SubscriptionsOverWebsockets(SchemaExtension):
    """A subscription sent over HTTP (GET or POST) is told where subscriptions live, instead of
    failing inside execution."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if context.operation_type == OperationType.SUBSCRIPTION and not isinstance(request, WebSocket):
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "subscriptions run over a websocket at /graphql (graphql-transport-ws), not over HTTP",
                        extensions={"code": "BAD_REQUEST"},
                    )
                ],
            )
        yield
