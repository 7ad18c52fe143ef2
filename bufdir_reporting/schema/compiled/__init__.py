"""Known read shapes answered by one SQL statement (PostgreSQL), the executor answering the rest.

A query whose every field the planner covers (``coverage.FIELDS``: the snapshots, organisations,
periods, sections, values and metrics that dashboards and the nested snapshot read ask for —
bench S1 and S7) is planned once per document text and operation name into one statement that
writes the whole ``data`` object's JSON text in PostgreSQL (as PostGraphile 4 and Hasura build
JSON there; concatenated rather than built as ``json``, see ``expressions``), with the caller's
organisations in its WHERE. The answer is the
executor's, byte for byte (``tests/schema/test_compiled_reads.py`` runs every covered shape
through both for a set of principals): what would be an error, or a null with an error, is left
to the executor, which then words it — an anonymous caller, a token without the read permission,
an organisation the token may not read or that does not exist, an argument out of bounds.
Mutations, subscriptions, fragments, directives and every other field go to the executor too,
as does SQLite (the statement is PostgreSQL's) and everything when
``BUFDIR_GRAPHQL_COMPILED_READS=false``.

Why: the executor resolves every field on its own (about 3 µs each, and a nested read has
thousands), and reads with five or six statements what one statement can answer (bench S1, S7;
issue #37).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast
from tortoise.connection import get_connection

from ...auth import READ
from ...errors import DomainError, is_unavailable
from ...language import FALLBACK, chosen
from ...resolvers.base.context import Context
from ..limits import cacheable
from .coverage import COVERAGE
from .planner import NotCovered, Plan, Planner, Request

log = logging.getLogger(__name__)

PLANS = 256
"""Plans kept per process (least recently used out), as many as the parse cache keeps documents."""

INVALID_TEXT_REPRESENTATION = "22P02"
"""What the statement raises on purpose where the executor would fail (see ``coverage._metrics``)."""


class Plans:
    """Plans by (document text, operation name); ``None`` remembers a document not covered."""

    def __init__(self, size: int = PLANS) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[str, str | None], tuple[OperationDefinitionNode, Plan] | None] = OrderedDict()

    def get(
        self, schema: GraphQLSchema, document: DocumentNode, query: str, operation_name: str | None
    ) -> tuple[OperationDefinitionNode, Plan] | None:
        key = (query, operation_name)
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        planned = _planned(schema, document, operation_name)
        self._plans[key] = planned
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return planned


def _planned(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> tuple[OperationDefinitionNode, Plan] | None:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    try:
        return operation, Planner(schema, COVERAGE).plan(operation)
    except NotCovered:
        return None
    except Exception:  # a planner's fault must not fail a read the executor can answer
        log.warning("a document could not be planned; the executor answers it", exc_info=True)
        return None


plans = Plans()


async def answer(
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Context,
) -> dict[str, Any] | None:
    """The operation's ``data`` from its compiled statement, or None: the executor answers.
    Raises only an outage of the database (``errors.is_unavailable``)."""
    settings, principal = context.settings, context.principal
    if not settings.graphql_compiled_reads or settings.database_dialect != "postgres" or not cacheable(query):
        return None
    if not principal.is_authenticated or not principal.grants(READ):
        return None  # refused (or empty) by the use cases, in their words
    assert query is not None
    planned = plans.get(schema, document, query, operation_name)
    if planned is None:
        return None
    operation, plan = planned
    if plan.titles and chosen() != FALLBACK:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None  # the executor reports the variables' errors
    request = Request(principal=principal, settings=settings, variables=coerced)
    try:
        parameters, sql = plan.parameters(request), plan.statement(request)
    except (NotCovered, GraphQLError, DomainError):
        return None
    try:
        _, rows = await get_connection("default").execute_query(sql, parameters)
    except Exception as exc:  # whatever the statement met, the executor meets and words it
        if is_unavailable(exc):
            raise  # but an outage, or a budget spent (``database``): the executor would wait as long again
        if getattr(exc.__cause__, "sqlstate", None) != INVALID_TEXT_REPRESENTATION:
            log.warning("a compiled read failed; the executor answers it", exc_info=True)
        return None
    if rows[0][0] is None:
        return None  # a Maskinporten token whose consumer is no organisation here: the executor refuses it
    data: dict[str, Any] = orjson.loads(rows[0][0])  # a third of json.loads' CPU for a dashboard's 9 KB (bench S11)
    if any(data[key] is None for key in plan.required_roots):
        return None
    return data
