"""The rule language's enums as GraphQL enums, registered in one module that every type using
them imports: a type that met the plain Python enum before its registration would make Strawberry
define it a second time (DuplicatedTypeName)."""

from __future__ import annotations

import strawberry

from ..resolvers.structure.rules import BufdirCategory, Measure, RuleKind, Temporal

strawberry.enum(RuleKind, name="RuleKind", description="How a field's value is computed.")
strawberry.enum(Measure, name="Measure", description="What a sum adds up.")
strawberry.enum(Temporal, name="Temporal", description="FLOW: what happened in the period. STOCK: what was ongoing at its end.")
strawberry.enum(
    BufdirCategory,
    name="BufdirCategory",
    description="Bufdir's categories of participants, in the report's order; an activity is in exactly one. A closed "
    "list, unlike an activity's status or type (each case-management system's own codes).",
)

__all__ = ["BufdirCategory", "Measure", "RuleKind", "Temporal"]
