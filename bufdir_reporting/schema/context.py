"""The GraphQL context *is* the use-case Context, plus what Strawberry attaches to it."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import TypeAlias

import strawberry
from starlette.websockets import WebSocket
from strawberry.fastapi import BaseContext

from ..operations.close_codes import TOO_SLOW
from ..resolvers import identity, organizations
from ..resolvers.base.context import Context


@dataclass
class GraphQLContext(Context, BaseContext):
    unreached: bool = False
    """The principal does not yet reach below its organisations, nor is a Maskinporten token
    mapped to them (``dependencies.context_of``): ``reach`` before the executor runs."""
    connection_holder: Hashable | None = None
    """Whose place among the open websockets this connection holds (``events.connections``),
    taken when its ``connection_init`` is accepted and given back when it ends: the holder as it
    was then (a principal reached later is another value)."""

    @classmethod
    def wrap(cls, ctx: Context) -> GraphQLContext:
        return cls(**{f.name: getattr(ctx, f.name) for f in fields(Context)})

    async def reach(self) -> None:
        """The organisations a Maskinporten token maps to, and what the principal reads through
        the organisation tree, read once (a no-op after). Raises the mapping's refusal (a
        consumer that is no organisation here: FORBIDDEN)."""
        if self.unreached:
            principal = self.principal
            if identity.mapping.unmapped_consumer(principal) is not None:
                principal = await identity.mapping.resolve(self.settings, principal)
            self.principal = await organizations.tree.reach(principal)
            self.unreached = False

    def fell_behind(self) -> None:
        if isinstance(self.request, WebSocket):
            asyncio.get_running_loop().create_task(self.request.close(code=TOO_SLOW, reason="subscriber too slow"))


Info: TypeAlias = strawberry.Info[GraphQLContext, None]
