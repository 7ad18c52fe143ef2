"""The GraphQL context *is* the use-case Context, plus what Strawberry attaches to it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeAlias

import strawberry
from strawberry.fastapi import BaseContext

from ..resolvers.base.context import Context


@dataclass
class GraphQLContext(Context, BaseContext):
    @classmethod
    def wrap(cls, ctx: Context) -> GraphQLContext:
        return cls(**{f.name: getattr(ctx, f.name) for f in fields(Context)})


Info: TypeAlias = strawberry.Info[GraphQLContext, None]
