"""The GraphQL schema, composed from per-domain Query classes."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from .activity import ActivityMutation
from .errors import DomainErrorExtension
from .node import NodeQuery
from .organization import OrganizationQuery
from .period import PeriodQuery
from .snapshot import SnapshotMutation, SnapshotQuery
from .structure import StructureQuery
from .subscriptions import LiveSubscription
from .structure_mutations import StructureMutation


@strawberry.type
class Query(NodeQuery, OrganizationQuery, PeriodQuery, StructureQuery, SnapshotQuery):
    pass


@strawberry.type
class Mutation(StructureMutation, SnapshotMutation, ActivityMutation):
    pass


@strawberry.type
class Subscription(LiveSubscription):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[DomainErrorExtension],
        config=StrawberryConfig(relay_max_results=100),
    )


schema = build_schema()
