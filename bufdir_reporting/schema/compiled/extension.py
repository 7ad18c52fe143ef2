"""The hook: a schema extension that answers a covered query before the executor runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from . import answer


class CompiledReads(SchemaExtension):
    """After parsing and validation (the limits, cached documents), a result set here is the
    operation's result: Strawberry skips execution (as ``SubscriptionsOverWebsockets`` uses it)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            data = await answer(
                schema=context.schema._schema,
                document=context.graphql_document,
                query=context.query,
                operation_name=context.operation_name,
                variables=context.variables,
                context=context.context,
            )
            if data is not None:
                context.result = ExecutionResult(data=data, errors=None)
        yield
