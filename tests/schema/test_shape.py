"""The measures of a document (depth, aliases, cost), each fragment walked once."""

from __future__ import annotations

from graphql import get_introspection_query, parse

from bufdir_reporting.config import Settings
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.shape import CEILING, DocumentShape, Measure

from ..hostile_documents import doubling


def measured(document: str, **variables: object) -> tuple[Measure, int]:
    shape = DocumentShape(parse(document), schema._schema, page_size=100, variables=variables)
    [(_, measure)] = shape.operations
    return measure, shape.visits


def test_fragments_spread_again_and_again_are_walked_once():
    measure, visits = measured(doubling(40, "a: __typename") + " { ...F39 }")
    assert measure == Measure(depth=0, aliases=2**39, cost=2**39)
    assert visits <= 2 * (1 + 2 * 39 + 1)  # each selection of the document at most twice


def test_measures_stop_growing_at_the_ceiling():
    measure, _ = measured(doubling(80, "organizations { totalCount }") + " { ...F79 }")
    assert measure.cost == CEILING


def test_a_chain_of_fragments_longer_than_the_interpreters_stack_is_measured():
    chain = " ".join(f"fragment C{i} on Organization {{ parent {{ ...C{i + 1} }} }}" for i in range(5000))
    measure, _ = measured(chain + ' fragment C5000 on Organization { name } { organization(id: "x") { ...C0 } }')
    assert measure.depth == 5001


def test_a_fragment_spread_within_itself_adds_nothing_the_second_time():
    measure, _ = measured("fragment A on Query { __typename ...B } fragment B on Query { __typename ...A } { ...A }")
    assert measure.cost == 2


def test_depth_counts_the_fields_enclosing_a_field_and_not_into_introspection():
    measure, _ = measured(
        '{ organization(id: "x") { parent { ... on Organization { parent { name } } } } __schema { types { name } } }'
    )
    assert measure.depth == 3


def test_a_connection_counts_its_fields_once_per_item_of_its_page():
    query = "query ($n: Int) { organizations(first: 10) { edges { node { name snapshots(first: $n) { totalCount } } } } periods { totalCount } }"
    measure, _ = measured(query, n=5)
    # organizations: 1 + 10 * (edges: 1 + node: 1 + (name: 1 + snapshots: 1 + 5 * 1)); periods: 1 + 100 * 1
    assert measure.cost == 1 + 10 * (1 + 1 + (1 + 1 + 5)) + 1 + 100


def test_introspection_lists_count_the_items_they_hold():
    types = len(schema._schema.type_map)
    measure, _ = measured("{ __schema { types { name } } }")
    assert measure.cost == 1 + 1 + types
    standard, _ = measured(get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True))
    # GraphiQL's own query must stay well inside the limit: 22,500 before report forms, 25,800 with
    # them. Past three quarters, weigh introspection (answered from memory, no database) lighter
    # rather than raise the limit for every document.
    assert standard.cost < Settings.model_fields["graphql_max_cost"].default * 0.75, "GraphiQL must stay well inside the limit"


def test_nodes_counts_its_fields_once_per_id():
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organization { name } } }"
    assert measured(query, ids=["a"] * 30)[0].cost == 1 + 30 * 2
    assert measured('{ nodes(ids: ["a", "b", "c"]) { id } }')[0].cost == 1 + 3


def test_every_plain_list_of_objects_declares_how_many_items_it_counts():
    """A plain list counted as one item let ``expectedOrganizations { reportForms {
    expectedOrganizations } }`` cost 9 and return 91,507 objects (#31 review, finding 2)."""
    from graphql import get_named_type, get_nullable_type, is_interface_type, is_leaf_type, is_list_type, is_object_type

    from bufdir_reporting.schema.shape import LISTS

    plain = {
        (type_.name, name)
        for type_ in schema._schema.type_map.values()
        if (is_object_type(type_) or is_interface_type(type_))
        and not type_.name.startswith("__")
        and not type_.name.endswith("Connection")
        for name, field in type_.fields.items()
        if is_list_type(get_nullable_type(field.type)) and not is_leaf_type(get_named_type(field.type))
    }
    assert plain - set(LISTS) == set(), "plain lists with no declared estimate"
    nested = (
        '{ reportForm(id: "frivillighet-kvartalsrapport") { expectedOrganizations(periodId: "rp-2025-q3") { name '
        'reportForms(periodId: "rp-2025-q3") { expectedOrganizations(periodId: "rp-2025-q3") { name orgNumber kind } } } } }'
    )
    measure, _ = measured(nested)
    # reportForm: 1 + (expectedOrganizations: 1 + 300 * (name: 1 + reportForms: 1 + 10 * (1 + 300 * 3)))
    assert measure.cost == 1 + 1 + 300 * (1 + 1 + 10 * (1 + 300 * 3))
