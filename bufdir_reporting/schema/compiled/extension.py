"""The hook: a schema extension that answers a covered query before the executor runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import GraphQLError
from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from ..context import GraphQLContext
from . import answer


class CompiledReads(SchemaExtension):
    """After parsing and validation (the limits, cached documents), a result set here is the
    operation's result: Strawberry skips execution (as ``SubscriptionsOverWebsockets`` uses it).

    Over HTTP the principal comes without its reach through the organisation tree
    (``graphql_http.graphql_context``): the compiled statement follows the tree itself, and
    only when the executor is to run is the reach read, here, before any resolver."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            try:
                data = await answer(
                    schema=context.schema._schema,
                    document=context.graphql_document,
                    query=context.query,
                    operation_name=context.operation_name,
                    variables=context.variables,
                    context=context.context,
                )
            except Exception as outage:  # the only error ``answer`` lets out: the transports' 503
                context.result = ExecutionResult(data=None, errors=[GraphQLError(str(outage), original_error=outage)])
                yield
                return
            if data is not None:
                context.result = ExecutionResult(data=data, errors=None)
        if context.result is None and isinstance(context.context, GraphQLContext):
            await context.context.reach()
        yield
