"""What one operation asks, measured on the document in one pass: depth, aliases and cost.

Strawberry's depth and alias validators, and this service's cost estimate before this module,
followed every fragment spread anew: 24 fragments, each spreading the previous one twice, are
996 bytes and 2^24 walks, and held a replica's event loop for 82 s (issue #29). Here every
fragment is measured once, after the fragments it spreads (a spread adds what its fragment
measured), so the work is linear in the document's size whatever its shape; ``visits`` counts it.
Sums and products stop at ``CEILING``: doubling fragments cannot make numbers astronomically large.

- **Depth** as Strawberry's ``QueryDepthLimiter`` counts it: the most fields enclosing one field;
  introspection fields (``__schema``…) are not looked into.
- **Aliases** in the operation, those of a fragment once for every time it is spread.
- **Cost**: its number of fields, where the fields below a list are counted once per item it may
  return: a connection's ``first``/``last`` (or the page size when neither is given), ``nodes``
  the number of its ``ids``, an introspection list the number of items it holds on average in
  this schema (``types { fields { name } }`` costs what it returns; the standard introspection
  query about three times, its type references counted to their deepest); a plain list (not a
  connection) the estimate ``LISTS`` declares for it; other fields count once. Plain lists counted
  once before: ``expectedOrganizations { reportForms { expectedOrganizations { … } } }`` over 300
  organisations cost 9 and returned 91,507 objects in 48 s (#31 review, finding 2).
  Introspection was counted as one field before: 20 aliases of ``__schema`` with types' fields'
  types' fields, 6.6 KB, took 7.9 s to answer.

A fragment spread inside itself (through others) adds nothing here: validation refuses the cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
)
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

CEILING = 10**12
"""Where measures stop growing: far above any limit, far below numbers that are slow to add."""

META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef, "__typename": TypeNameMetaFieldDef}


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int
    aliases: int
    cost: float
    """A whole number, except below introspection lists (their average lengths are fractions)."""


NOTHING = Measure(depth=0, aliases=0, cost=0)

LISTS: dict[tuple[str, str], int] = {
    # What one parent's plain list holds, about (a bound where the data has one): every list of
    # objects in the schema that is not a connection is declared here (a test checks it), so a
    # new one cannot slip back to "one item".
    ("Query", "reportingStatus"): 300,  # every organisation expected: the national count is ~300
    ("Query", "nodes"): 1,  # counted by its ids, in _items
    ("Viewer", "organizations"): 10,
    ("Organization", "ancestors"): 5,  # the tree is shallow: umbrella, region, branch
    ("Organization", "reportForms"): 10,
    ("Organization", "submissions"): 20,
    ("Period", "submissions"): 300,  # one or more per organisation
    ("ReportForm", "sections"): 10,
    ("ReportForm", "assignments"): 20,
    ("ReportForm", "expectedOrganizations"): 300,  # every organisation, for a form assigned to all
    ("Section", "fields"): 20,
    ("RequiredFields", "fields"): 60,
    ("Snapshot", "sections"): 8,  # the structure has 7
    ("Snapshot", "fieldValues"): 60,  # the whole structure has 57 fields
    ("Snapshot", "validation"): 20,
    ("Snapshot", "reportRecords"): 5,
    ("SnapshotSection", "fieldValues"): 10,  # 57 fields in 8 sections
    ("SnapshotMetrics", "categories"): 5,
    ("FieldValue", "notes"): 3,
    ("Submission", "reviewHistory"): 5,
    ("ActivityImport", "errors"): 20,
    ("IngestResult", "errors"): 20,
    ("Query", "validationRules"): 20,
    ("Query", "fieldOutlierSettings"): 20,
    ("Query", "openQuestions"): 20,
    ("Query", "delegations"): 20,
    ("Query", "untranslatedTexts"): 100,  # every section, field and form without the language's text
    ("Subscription", "worklistChanged"): 50,  # its first 50 items
    # An analytics table is its selection's product: a usual one (a field, every organisation of
    # a kind, a year's quarters) is a few hundred to a thousand cells.
    ("AnalyticsTable", "fields"): 10,
    ("AnalyticsTable", "organizations"): 100,
    ("AnalyticsTable", "periods"): 12,
    ("AnalyticsTable", "cells"): 1000,
    ("AnalyticsTable", "summaries"): 50,
    ("AnalyticsTimeSeries", "periods"): 12,
    ("AnalyticsTimeSeries", "points"): 12,
}
UNDECLARED_LIST = 100
"""A plain list of objects ``LISTS`` does not name (a test refuses one): counted as many."""


class DocumentShape:
    """The measures of each operation of a parsed document, for a schema and the request's
    variables (a connection's ``first: $n``)."""

    def __init__(self, document: Any, schema: GraphQLSchema, *, page_size: int, variables: dict[str, Any]) -> None:
        self.schema, self.page_size, self.variables = schema, page_size, variables
        self.read: set[tuple[str, str]] = set()
        """The variables the measures read, each as ``ids`` (its length counts) or ``first``
        (its number counts): with the same ``measured`` values the measures are the same."""
        self.visits = 0
        """Selections looked at: at most twice each selection in the document."""
        self._lists = _introspection_lists(schema)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self._measured: dict[str, Measure] = {}
        for name in self._spread_order(fragments):
            fragment = fragments[name]
            self._measured[name] = self._measure(fragment.selection_set, schema.get_type(fragment.type_condition.name.value))
        self.operations: list[tuple[str | None, Measure]] = [
            (o.name.value if o.name else None, self._measure(o.selection_set, schema.get_root_type(o.operation)))
            for o in document.definitions
            if isinstance(o, OperationDefinitionNode)
        ]
        """Each operation's name (``None`` if it has none) and measures, in the document's order."""

    def _spread_order(self, fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
        """Fragment names, each after the fragments it spreads (a depth-first walk kept on a
        list, not the interpreter's stack: a chain of fragments may be longer than that)."""
        spreads = {name: self._spreads(fragment.selection_set) for name, fragment in fragments.items()}
        order: list[str] = []
        placed: set[str] = set()
        for root in fragments:
            if root in placed:
                continue
            path = [(root, iter(spreads[root]))]
            on_path = {root}
            while path:
                name, pending = path[-1]
                following = next((s for s in pending if s in spreads and s not in placed and s not in on_path), None)
                if following is None:
                    path.pop()
                    on_path.discard(name)
                    placed.add(name)
                    order.append(name)
                else:
                    path.append((following, iter(spreads[following])))
                    on_path.add(following)
        return order

    def _spreads(self, selection_set: SelectionSetNode) -> list[str]:
        found: list[str] = []
        pending = [selection_set]
        while pending:
            for selection in pending.pop().selections:
                self.visits += 1
                if isinstance(selection, FragmentSpreadNode):
                    found.append(selection.name.value)
                elif selection.selection_set is not None:  # type: ignore[attr-defined]  # a field or inline fragment
                    pending.append(selection.selection_set)  # type: ignore[attr-defined]
        return found

    def _measure(self, selection_set: SelectionSetNode, parent: Any) -> Measure:
        """The selections' measures; ``parent`` is the type they select from, or None where the
        schema does not know it (then nothing below counts for cost: validation will refuse)."""
        depth = aliases = 0
        cost = 0.0
        for selection in selection_set.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                name = selection.name.value
                field = None if parent is None else META_FIELDS.get(name) or getattr(parent, "fields", {}).get(name)
                inner = NOTHING
                if selection.selection_set is not None:
                    inner = self._measure(selection.selection_set, get_named_type(field.type) if field else None)
                    if not name.startswith("__"):
                        depth = max(depth, 1 + inner.depth)
                aliases += inner.aliases + (selection.alias is not None)
                if field is not None:
                    cost += 1 + self._items(selection, field, parent) * inner.cost
            elif isinstance(selection, InlineFragmentNode | FragmentSpreadNode):
                inner = self._fragment(selection, parent)
                depth, aliases, cost = max(depth, inner.depth), aliases + inner.aliases, cost + inner.cost
            aliases, cost = min(aliases, CEILING), min(cost, CEILING)
        return Measure(depth=depth, aliases=aliases, cost=cost)

    def _fragment(self, selection: InlineFragmentNode | FragmentSpreadNode, parent: Any) -> Measure:
        if isinstance(selection, FragmentSpreadNode):
            return self._measured.get(selection.name.value, NOTHING)
        condition = selection.type_condition
        return self._measure(selection.selection_set, self.schema.get_type(condition.name.value) if condition else parent)

    def _items(self, node: FieldNode, field: GraphQLField, parent: Any) -> float:
        """How many items a field may return, for each of which the fields below it count."""
        if parent.name.startswith("__"):
            return self._lists.get((parent.name, node.name.value), 1)
        for argument in node.arguments or ():
            kind = "ids" if argument.name.value == "ids" else "first" if argument.name.value in ("first", "last") else None
            if kind is not None:
                value = argument.value
                if isinstance(value, VariableNode):
                    self.read.add((value.name.value, kind))
                    raw = self.variables.get(value.name.value)
                else:
                    raw = getattr(value, "values" if kind == "ids" else "value", None)
                return measured(kind, raw, self.page_size)
        named = get_named_type(field.type)
        if named.name.endswith("Connection"):
            return self.page_size
        if is_list_type(get_nullable_type(field.type)) and not is_leaf_type(named) and not parent.name.endswith("Connection"):
            # a connection's edges are its page, counted at the connection
            return LISTS.get((parent.name, node.name.value), UNDECLARED_LIST)
        return 1


def measured(kind: str, raw: object, page_size: int) -> int:
    """What an ``ids`` argument (``nodes(ids:)``: an item per id) or a ``first``/``last`` one
    counts for, given its value."""
    if kind == "ids":
        return len(raw) if isinstance(raw, list | tuple) else 1
    try:
        return max(int(raw), 0) if raw is not None and not isinstance(raw, bool) else page_size  # type: ignore[call-overload]  # int() of whatever was sent: refused below
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 is read as float infinity
        return page_size  # not a number: validation refuses the variable with its own words


@lru_cache(maxsize=8)
def _introspection_lists(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """The average length of each introspection list in this schema. A type's ``fields`` count
    all fields divided by all types, so ``types { fields { name } }`` costs what it returns."""
    types = list(schema.type_map.values())
    with_fields = [t for t in types if is_object_type(t) or is_interface_type(t)]
    fields = [f for t in with_fields for f in t.fields.values()]

    def average(total: int, among: int) -> float:
        return total / among if among else 0.0

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): average(len(fields), len(types)),
        ("__Type", "interfaces"): average(sum(len(t.interfaces) for t in with_fields), len(types)),
        ("__Type", "possibleTypes"): average(
            sum(len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)), len(types)
        ),
        ("__Type", "enumValues"): average(sum(len(t.values) for t in types if is_enum_type(t)), len(types)),
        ("__Type", "inputFields"): average(sum(len(t.fields) for t in types if is_input_object_type(t)), len(types)),
        ("__Field", "args"): average(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): average(sum(len(d.args) for d in schema.directives), len(schema.directives)),
    }
