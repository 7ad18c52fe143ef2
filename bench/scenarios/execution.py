"""S2 GraphQL execution overhead: Strawberry against bare graphql-core on an equivalent schema,
1,000 in-memory objects x 30 scalar fields, no I/O."""

# No ``from __future__ import annotations``: Strawberry reads the generated type at definition.
from dataclasses import make_dataclass

import strawberry
from graphql import (
    GraphQLField,
    GraphQLFloat,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    graphql,
)

from bufdir_reporting.schema import schema as production

from ..environment import Env
from ..harness import Row, compare, judged

OBJECTS, FIELDS = 1000, 30
KINDS = [(int, GraphQLInt), (str, GraphQLString), (float, GraphQLFloat)]
NAMES = [f"f{i}" for i in range(FIELDS)]
QUERY = "{ items { " + " ".join(NAMES) + " } }"

Item = make_dataclass("Item", [(name, KINDS[i % 3][0]) for i, name in enumerate(NAMES)])
ITEMS = [Item(*[(n * FIELDS + i, f"v{n}-{i}", n + i / 10)[i % 3] for i in range(FIELDS)]) for n in range(OBJECTS)]


ItemType = strawberry.type(make_dataclass("ItemType", [(name, KINDS[i % 3][0]) for i, name in enumerate(NAMES)]), name="Item")


@strawberry.type(name="Query")
class ItemsQuery:
    @strawberry.field
    def items(self) -> list[ItemType]:  # type: ignore[valid-type]
        return ITEMS  # type: ignore[return-value]


def strawberry_schema(extensions: list) -> strawberry.Schema:
    return strawberry.Schema(query=ItemsQuery, extensions=extensions)


def core_schema() -> GraphQLSchema:
    item = GraphQLObjectType("Item", {name: GraphQLField(GraphQLNonNull(KINDS[i % 3][1])) for i, name in enumerate(NAMES)})
    return GraphQLSchema(
        GraphQLObjectType(
            "Query", {"items": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(item))), resolve=lambda *_: ITEMS)}
        )
    )


async def s2_execution(env: Env) -> list[Row]:
    """S2 GraphQL execution of 1,000 in-memory objects x 30 scalar fields vs bare graphql-core."""
    bare = core_schema()
    ours = strawberry_schema(list(production.extensions))
    plain = strawberry_schema([])
    context = env.context()

    async def run_core() -> None:
        result = await graphql(bare, QUERY)
        assert result.errors is None and len(result.data["items"]) == OBJECTS

    async def run_ours() -> None:
        result = await ours.execute(QUERY, context_value=context)
        assert result.errors is None and len(result.data["items"]) == OBJECTS

    async def run_plain() -> None:
        result = await plain.execute(QUERY)
        assert result.errors is None and len(result.data["items"]) == OBJECTS

    runs = env.runs * 2
    rows = []
    for label, run in (("with the service's extensions", run_ours), ("Strawberry, no extensions", run_plain)):
        mine, theirs = await compare(run, run_core, runs=runs, warmup=3)
        per_field = mine.p50 / (OBJECTS * FIELDS) * 1e6
        rows.append(
            judged(
                "S2",
                f"p50, {label}",
                ours=mine.p50 * 1e3,
                baseline=theirs.p50 * 1e3,
                unit="ms",
                limit=1.5,
                notes=f"{per_field:.2f} us/field (graphql-core {theirs.p50 / (OBJECTS * FIELDS) * 1e6:.2f})",
                details={"ours": mine.summary(), "baseline": theirs.summary(), "us_per_field": per_field},
            )
        )
    return rows
