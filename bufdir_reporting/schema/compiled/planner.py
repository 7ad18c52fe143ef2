"""A query's selection planned into one statement that builds its answer as JSON.

Only what a ``Coverage`` lists is planned (``coverage.COVERAGE``): each (type, field) pair is a
column, a relation or a list read exactly as the field's resolver reads it. Anything else in the
document (another field, an argument not listed, a fragment, a directive, a response key used
twice) raises ``NotCovered`` and the executor answers. Arguments are not read at planning time:
each becomes a parameter whose ``Binder`` reads it per request from the coerced variables, and
may refuse the request (``NotCovered``) wherever the executor would answer with an error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode
from graphql.execution.values import VariableValues, get_argument_values
from graphql.type import get_named_type

from ...auth import Principal
from ...config import Settings
from ...resolvers.base import access
from ...resolvers.base.ancestry import MAX_DEPTH
from ...resolvers.identity import mapping
from .expressions import json_list, json_object, typename


class NotCovered(Exception):
    """The planner does not cover this document, or this request of it: the executor answers."""


@dataclass(frozen=True, slots=True)
class Request:
    principal: Principal
    settings: Settings
    variables: VariableValues


Binder = Callable[[Request], object]

FieldCompiler = Callable[["Planner", FieldNode, GraphQLField, str], str]
"""A field's SQL expression, from the planner, the field's node and definition, and the alias of
the row it is read from."""
RootCompiler = Callable[["Planner", FieldNode, GraphQLField], str]

Follows = Callable[[Request, list[str]], bool]
"""Whether one test of the caller's organisations in the statement goes on to the reach for a
request, given the caller's roots (the test passes on the roots alone otherwise)."""

REACH = "ARRAY(SELECT id FROM reach)"
"""Every organisation the caller reads, in the statement: the roots and their reach."""

MAX_KEYS = 50
"""``json_build_object`` takes at most 100 arguments: 50 keys with their values."""


@dataclass
class Plan:
    """The statement (one row, one text column: the answer's ``data``), what binds each of its
    parameters, and the root keys whose null means the executor would have raised (an
    organisation or snapshot that does not exist or that the caller may not read): the executor
    answers those, with its error."""

    sql: str
    binders: list[Binder]
    required_roots: list[str]
    titles: bool = False
    """Section titles, field labels or period names are printed as stored: right only for a request in Bokmål."""
    lean_sql: str | None = None
    """The statement without the reach and the consumer's mapping, for a request that needs
    neither (``statement``)."""
    follows: list[Follows] = field(default_factory=list)

    def parameters(self, request: Request) -> list[object]:
        return [bind(request) for bind in self.binders]

    def statement(self, request: Request) -> str:
        """``lean_sql`` where the request's answer does not depend on what it leaves out: a
        caller without a Maskinporten consumer to map, who reads every organisation or whose
        every test of an organisation passes on its own organisations (a coordinator's
        dashboard of its organisation, bench S11). PostgreSQL sets up each node of the plan on
        every execution, the never-run ones too: the reach's nine and the mapping's subplan
        were about 6 % of the dashboard statement's backend CPU (paired rounds, bench S11)."""
        if self.lean_sql is None or _consumer(request) is not None:
            return self.sql
        roots = _roots(request)
        if roots is not None and any(follows(request, roots) for follows in self.follows):
            return self.sql
        return self.lean_sql


@dataclass(frozen=True)
class Coverage:
    """What the planner covers: the root fields, and every (type, field) of the types below them."""

    roots: dict[str, RootCompiler]
    required_roots: frozenset[str]
    """Roots whose null is the executor's error (NOT_FOUND, or FORBIDDEN for an organisation the
    caller may not read): it answers those."""
    fields: dict[tuple[str, str], FieldCompiler]
    takes_arguments: frozenset[tuple[str, str]]
    """Fields whose compiler reads (and bounds) their arguments itself; any other argument is not covered."""


@dataclass
class Planner:
    schema: GraphQLSchema
    coverage: Coverage
    binders: list[Binder] = field(default_factory=list)
    required_roots: list[str] = field(default_factory=list)
    titles: bool = False
    _aliases: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _roots: str | None = None
    _follows: list[Follows] = field(default_factory=list)

    def readable(self, follows: Follows) -> tuple[str, str]:
        """The caller's organisations as the statement reads them: the roots (a parameter, NULL
        for a caller who reads every organisation, ``access.reads_all``) and the array of every
        organisation it reads, the roots and every one below them (``organizations.tree.reach``,
        followed here by the statement's ``reach``: reading it first was a statement more per
        request, bench S11). The roots of a Maskinporten token not yet mapped are its
        consumer's organisations, found by number in ``reach`` too (``identity.mapping``).
        ``follows`` says, per request, whether the statement's test goes on to the array of
        every organisation (else the statement without the reach serves, ``Plan.statement``)."""
        if self._roots is None:
            self._roots = self.param(_roots, "text[]")
        self._follows.append(follows)
        return self._roots, REACH

    def reads(self, organization: str, named: Callable[[Request], str | None] | None = None) -> str:
        """Whether the caller reads the organisation whose id is ``organization``: every one, one
        of its roots, or one in their reach. The roots are tested first, so the reach (a
        recursive scan of the tree, run when first asked for) is not followed at all for an
        organisation the token names itself, as a dashboard's is (bench S11). ``named``: the
        organisation's id in a request, where it is a parameter (None: a column's, known only
        to the statement)."""

        def follows(request: Request, roots: list[str]) -> bool:
            return named is None or named(request) not in roots

        roots, readable = self.readable(follows)
        return f"({roots} IS NULL OR {organization} = ANY({roots}) OR {organization} = ANY({readable}))"

    def plan(self, operation: OperationDefinitionNode) -> Plan:
        if operation.operation.value != "query" or operation.directives:
            raise NotCovered("only queries without directives")
        pairs: list[tuple[str, str]] = []
        for node in fields_of(operation.selection_set):
            key, name = key_of(node), node.name.value
            if name == "__typename":
                pairs.append((key, typename("Query")))
                continue
            root = self.coverage.roots.get(name)
            if root is None:
                raise NotCovered(f"Query.{name}")
            query_type = self.schema.query_type
            assert query_type is not None
            pairs.append((key, root(self, node, query_type.fields[name])))
            if name in self.coverage.required_roots:
                self.required_roots.append(key)
        # A Maskinporten token's consumer that is no organisation here makes the answer null:
        # the executor maps the token, and refuses it (FORBIDDEN) as it refused before anything ran.
        consumer = self.param(_consumer, "text")
        mapped = f"{consumer} IS NULL OR EXISTS (SELECT FROM organization WHERE org_number = {consumer})"
        answer = json_object(pairs)
        statement = f"SELECT CASE WHEN {mapped} THEN {answer} END"
        lean = None
        if self._roots is not None:
            lean = f"SELECT CASE WHEN {consumer} IS NULL THEN {answer.replace(REACH, self._roots)} END"
            # "IS NOT NULL AND": the cached (generic) plan scanned every organisation for the
            # consumer of a token that has none; tested first, it is a one-time filter (bench S11)
            statement = (
                f"WITH RECURSIVE reach(id, depth) AS (SELECT unnest({self._roots} "
                f"|| ARRAY(SELECT id::text FROM organization WHERE {consumer} IS NOT NULL AND org_number = {consumer})), 0 "
                "UNION SELECT o.id::text, r.depth + 1 FROM organization o JOIN reach r ON o.parent_id = r.id "
                f"WHERE r.depth < {MAX_DEPTH}) {statement}"
            )
        return Plan(statement, self.binders, self.required_roots, self.titles, lean, self._follows)

    def alias(self, stem: str) -> str:
        return f"{stem}{next(self._aliases)}"

    def param(self, bind: Binder, cast: str) -> str:
        self.binders.append(bind)
        return f"${len(self.binders)}::{cast}"

    def argument(self, node: FieldNode, definition: GraphQLField, name: str, allowed: set[str]) -> Callable[[Request], Any]:
        """The argument ``name`` of the field as the executor coerces it (absent: None)."""
        given = {argument.name.value for argument in node.arguments or ()}
        if not given <= allowed:
            raise NotCovered(f"arguments {sorted(given - allowed)}")
        return lambda request: get_argument_values(definition, node, request.variables).get(name)

    def selection(self, type_name: str, node: FieldNode, alias: str) -> str:
        """The JSON object of ``node``'s selection on a row of ``type_name`` named ``alias``."""
        if node.selection_set is None:
            raise NotCovered("a leaf where an object was expected")
        graphql_type = _object_type(self.schema.get_type(type_name))
        pairs: list[tuple[str, str]] = []
        for child in fields_of(node.selection_set):
            name = child.name.value
            if name == "__typename":
                pairs.append((key_of(child), typename(type_name)))
                continue
            compile_field = self.coverage.fields.get((type_name, name))
            if compile_field is None:
                raise NotCovered(f"{type_name}.{name}")
            definition = graphql_type.fields[name]
            if child.arguments and (type_name, name) not in self.coverage.takes_arguments:
                raise NotCovered(f"arguments of {type_name}.{name}")
            pairs.append((key_of(child), compile_field(self, child, definition, alias)))
        return json_object(pairs)

    def connection(self, node: FieldNode, definition: GraphQLField, rows: str, alias: str, order: str) -> str:
        """A Relay connection of snapshots, ``edges { node }`` only, over ``rows`` (FROM onwards,
        ordered and limited as the use case pages) read as ``alias`` in ``order``, the order of
        ``rows`` (so PostgreSQL sorts the page once: the subquery's order serves the list's)."""
        connection_type = _object_type(get_named_type(definition.type))
        edge_type = _object_type(get_named_type(connection_type.fields["edges"].type))
        if node.selection_set is None:
            raise NotCovered("a connection without a selection")
        pairs: list[tuple[str, str]] = []
        for child in fields_of(node.selection_set):
            if child.name.value == "__typename":
                pairs.append((key_of(child), typename(connection_type.name)))
            elif child.name.value == "edges" and not child.arguments and child.selection_set is not None:
                edge_pairs: list[tuple[str, str]] = []
                for edge_field in fields_of(child.selection_set):
                    if edge_field.name.value == "__typename":
                        edge_pairs.append((key_of(edge_field), typename(edge_type.name)))
                    elif edge_field.name.value == "node" and not edge_field.arguments:
                        edge_pairs.append((key_of(edge_field), self.selection("Snapshot", edge_field, alias)))
                    else:
                        raise NotCovered(f"{edge_type.name}.{edge_field.name.value}")
                pairs.append((key_of(child), json_list(json_object(edge_pairs), f"FROM (SELECT * {rows}) {alias}", order)))
            else:
                raise NotCovered(f"{connection_type.name}.{child.name.value}")
        return json_object(pairs)

    def page_size(self, first: Callable[[Request], Any]) -> Binder:
        """``first`` as ``resolve_connection`` takes it; beyond its bounds the executor refuses."""

        def bind(request: Request) -> int:
            asked, most = first(request), request.settings.max_page_size
            if asked is None:
                return int(most)
            if not 0 <= asked <= most:
                raise NotCovered("first out of bounds")
            return int(asked)

        return bind


def column(expression: Callable[[str], str]) -> FieldCompiler:
    """A field read from its row by ``expression(alias)`` alone."""
    return lambda planner, node, definition, alias: expression(alias)


def _roots(request: Request) -> list[str] | None:
    """The organisations the caller reads from (its token's, or its identity's), below which
    it reads too; None: every organisation. Empty for a Maskinporten token not yet mapped: its
    consumer's organisations join them in the statement (``_consumer``)."""
    if access.reads_all(request.principal):
        return None
    return sorted(request.principal.organizations)


def _consumer(request: Request) -> str | None:
    """The organisation number of a Maskinporten token the statement maps (to the
    organisations with that ``org_number``, as ``identity.mapping.resolve`` does); None for
    every other caller."""
    return mapping.unmapped_consumer(request.principal)


def fields_of(selection_set: SelectionSetNode) -> list[FieldNode]:
    nodes = list(selection_set.selections)
    if not all(isinstance(n, FieldNode) and not n.directives for n in nodes):
        raise NotCovered("fragments and directives")
    fields: list[FieldNode] = nodes  # type: ignore[assignment]  # checked above
    keys = [key_of(n) for n in fields]
    if len(set(keys)) != len(keys) or len(keys) > MAX_KEYS:
        raise NotCovered("a response key twice, or too many keys")
    return fields


def _object_type(named: object) -> GraphQLObjectType:
    """The covered fields' types are object types (the schema is this service's)."""
    assert isinstance(named, GraphQLObjectType)
    return named


def key_of(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value
