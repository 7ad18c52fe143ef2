"""Limits on what one GraphQL operation may ask: depth, tokens, aliases and estimated cost.

The cost of an operation is its number of fields, where the fields below a list are counted
once per item it may return: a connection's ``first``/``last`` (or the maximum page size when
neither is given). It is computed before execution, with the operation's variables, and an
operation over the limit is refused with BAD_USER_INPUT and its cost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
)
from graphql.execution import ExecutionResult
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from starlette.websockets import WebSocket
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import (
    create_validator as depth_validator,
)
from strawberry.types.graphql import OperationType

from ..config import Settings


class NoNulInText(ASTValidationRule):
    """A string literal may not hold a NUL character (``"\\u0000"`` in the document): PostgreSQL's
    text cannot store one. Variables are checked at the HTTP edge (``http_guards.RequestShape``)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError("text may not contain NUL characters", node, extensions={"code": "BAD_USER_INPUT"}))


@lru_cache(maxsize=32)
def _rules(max_depth: int, max_aliases: int, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    rules = [depth_validator(max_depth, None, None), alias_validator(max_aliases), NoNulInText]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class OperationLimits(SchemaExtension):
    """Depth, token, alias and introspection limits, read from the app's settings on the
    request context (one schema serves apps with different settings)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings: Settings = context.context.settings
        context.parse_options["max_tokens"] = settings.graphql_max_tokens
        rules = _rules(settings.graphql_max_depth, settings.graphql_max_aliases, settings.graphql_introspection)
        context.validation_rules = (*context.validation_rules, *rules)
        yield


class CachedParsing(ParserCache):
    """Strawberry's parser cache (keyed by the query and the parse options OperationLimits
    set), except that a document which does not parse is left to Strawberry's own parsing,
    so it is reported like any document error rather than escaping the hook."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            pass
        yield


class QueryCostLimiter(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        settings: Settings = context.context.settings
        self.max_cost, self.page_size = settings.graphql_max_cost, settings.max_page_size
        document = context.graphql_document
        if document is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            schema: GraphQLSchema = context.schema._schema
            variables = context.variables or {}
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                root = schema.get_root_type(definition.operation)
                cost = self._cost(definition.selection_set, root, schema, fragments, variables)
                if cost > self.max_cost:
                    context.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"the operation's estimated cost {cost} exceeds the limit {self.max_cost}",
                                extensions={"code": "BAD_USER_INPUT", "cost": cost, "max_cost": self.max_cost},
                            )
                        ],
                    )
        yield

    def _page(self, node: FieldNode, returns_connection: bool, variables: dict[str, Any]) -> int:
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last"):
                value = argument.value
                raw = variables.get(value.name.value) if isinstance(value, VariableNode) else getattr(value, "value", None)
                try:
                    return max(int(raw), 0) if raw is not None and not isinstance(raw, bool) else self.page_size
                except (TypeError, ValueError):
                    return self.page_size  # not a number: validation refuses the variable with its own words
        return self.page_size if returns_connection else 1

    def _cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> int:
        if selection_set is None or parent is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    total += 1
                    continue
                field = getattr(parent, "fields", {}).get(selection.name.value)
                if field is None:
                    continue
                returns = get_named_type(field.type)
                multiplier = self._page(selection, returns.name.endswith("Connection"), variables)
                total += 1 + multiplier * self._cost(selection.selection_set, returns, schema, fragments, variables)
            elif isinstance(selection, InlineFragmentNode):
                condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                total += self._cost(selection.selection_set, condition, schema, fragments, variables)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
                fragment = fragments[selection.name.value]
                condition = schema.get_type(fragment.type_condition.name.value)
                total += self._cost(fragment.selection_set, condition, schema, fragments, variables)
        return total


class OperationMetrics(SchemaExtension):
    """Latency per GraphQL operation name, into the app's Prometheus registry."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        request = getattr(self.execution_context.context, "request", None)
        metrics = getattr(getattr(getattr(request, "app", None), "state", None), "metrics", None)
        if metrics is not None:
            metrics.graphql.labels(operation_label(self.execution_context)).observe(time.perf_counter() - started)


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
