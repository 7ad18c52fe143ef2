"""The hook: a schema extension that answers a covered query before the executor runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import GraphQLError
from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from ...errors import DomainError, is_unavailable
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
        try:
            await self._answer_or_reach()
        except DomainError as refused:
            # a Maskinporten token's mapping (``GraphQLContext.reach``) refuses the request as a
            # whole, 403, as when it was mapped before execution: the router raises it
            context.context.request.state.refused = refused
            context.result = ExecutionResult(data=None, errors=[GraphQLError(refused.message, original_error=refused)])
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # the database away, or a budget spent (``database``): the transports' 503; the
            # executor would only wait as long again
            context.result = ExecutionResult(data=None, errors=[GraphQLError(str(exc), original_error=exc)])
        yield

    async def _answer_or_reach(self) -> None:
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
        if context.result is None and isinstance(context.context, GraphQLContext):
            await context.context.reach()
