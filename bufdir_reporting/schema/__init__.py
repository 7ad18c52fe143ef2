"""The GraphQL schema, composed from per-domain Query classes."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from .errors import DomainErrorExtension
from .node import NodeQuery
from .organization import OrganizationQuery
from .period import PeriodQuery


@strawberry.type
class Query(NodeQuery, OrganizationQuery, PeriodQuery):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[DomainErrorExtension],
        config=StrawberryConfig(relay_max_results=100),
    )


schema = build_schema()
