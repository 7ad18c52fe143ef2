"""Which part of the data a GraphQL read depends on, said by its document before it runs.

The response cache keys an answer by the versions of what it read (``response_cache``). A read
that asks only for one organisation's own figures — ``organization(id:)`` and, below it, fields
of that organisation's snapshots, their metrics, sections and values (the dashboard, bench S7) —
depends on that organisation's scope and on ``*`` (the structure, the tree, rules, access); an
organisation's scope moves with every change of its data and of the data below it
(``resolvers.base.changes``), so a read of a region includes its offices. Any other read — a
list of organisations, a reviewer's period across organisations, a rate, an activity, a field
this module does not list — depends on everything, as before: what is not listed here is never
narrowed, so a new field costs hits, never freshness.

The fields are listed by name under their parent field, which fixes their types: a field here
must read nothing of another organisation than the one named, save through ``*``
(``Organization.parent`` reads the parent's figures: not listed).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    parse,
)
from strawberry import relay

from .resolvers.base import changes

Allowed = Mapping[str, "Allowed | None"]
"""Field names allowed below a field; None for a leaf (a scalar or enum)."""

_SECTION: Allowed = dict.fromkeys(
    ("id", "sectionId", "order", "isActive", "validFrom", "validTo", "title", "description", "__typename")
)
_FIELD_VALUE: Allowed = dict.fromkeys(
    (
        "id", "fieldKey", "label", "value", "textValue", "priorValue", "priorTextValue", "change", "booleanValue",
        "priorBooleanValue", "dataSource", "setBy", "setAt", "explanation", "__typename",
    )
)  # fmt: skip
_METRICS: Allowed = {
    **dict.fromkeys(("activityCount", "participantCount", "uniqueParticipants", "hoursDelivered", "__typename")),
    "categories": dict.fromkeys(("category", "activities", "participants", "hours", "__typename")),
}
_SNAPSHOT: Allowed = {
    **dict.fromkeys(
        (
            "id", "snapshotId", "status", "rangeStart", "rangeEnd", "cacheValid", "invalidationReason", "invalidatedAt",
            "fieldCount", "populatedFieldCount", "error", "aggregatedAt", "createdAt", "missingRequiredFields",
            "__typename",
        )
    ),
    "metrics": _METRICS,
    "sections": {"section": _SECTION, "fieldValues": _FIELD_VALUE, "__typename": None},
    "fieldValues": _FIELD_VALUE,
}  # fmt: skip
_PAGE_INFO: Allowed = dict.fromkeys(("hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"))
ORGANIZATION: Allowed = {
    **dict.fromkeys(("id", "organizationId", "name", "orgNumber", "kind", "__typename")),
    "snapshots": {
        "pageInfo": _PAGE_INFO,
        "totalCount": None,
        "edges": {"cursor": None, "node": _SNAPSHOT, "__typename": None},
        "__typename": None,
    },
}
"""What ``organization(id:)`` may ask for and still depend on that organisation alone."""

Argument = tuple[str, str]
"""("variable", name) or ("literal", value): where an ``organization(id:)`` takes its id."""


def scopes(query: str, operation_name: str | None, variables: object, max_tokens: int) -> tuple[str, ...]:
    """The scopes a plain query's answer depends on: ``*`` and the organisations it names, or
    everything."""
    arguments = _organization_arguments(query, operation_name, max_tokens)
    if not arguments:
        return (changes.EVERYTHING,)
    found = {changes.SHARED}
    for kind, text in arguments:
        given = text if kind == "literal" else (variables.get(text) if isinstance(variables, dict) else None)
        organization_id = _organization_key(given)
        if organization_id is None:
            return (changes.EVERYTHING,)
        found.add(changes.organization_scope(organization_id))
    return tuple(sorted(found))


def _organization_key(value: Any) -> str | None:
    """The public key an ``organization(id:)`` resolves (``schema.node.public_key``): a global
    ID of an Organization is decoded by the resolver's own decoder, Strawberry's, which encodes
    the text to UTF-8 and skips what is not base64 in it; any other global ID is refused there
    (None here: never narrowed). Decoded otherwise (``b64decode`` of the text refuses a
    character beyond ASCII), an id with an ``é`` appended read org-1042 but was kept under a
    scope no write ever moves: served as it was after org-1042 changed."""
    if not isinstance(value, str) or _unencodable(value):
        return None
    try:
        global_id = relay.GlobalID.from_id(value)
    except Exception:  # as public_key: not a global ID, so the public key itself
        return value
    return global_id.node_id if global_id.type_name == "Organization" else None


def _unencodable(value: str) -> bool:
    """Text the database cannot be sent (a lone surrogate, ``"\\ud800"`` in JSON): bound in
    the version read that the requests arriving together share, it failed that read for all of
    them (500s for every dashboard polled beside one such request). Never narrowed: the read
    of everything binds nothing of the request, and the executor answers it."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return True
    return False


@functools.lru_cache(maxsize=1024)
def _organization_arguments(query: str, operation_name: str | None, max_tokens: int) -> tuple[Argument, ...]:
    """The ``id`` of each root ``organization`` field, or () when the operation asks for
    anything not in ``ORGANIZATION`` (or does not parse: execution will say why)."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return ()
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return ()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(fragments)
    roots = walk.fields(chosen[0].selection_set)
    if roots is None:
        return ()
    arguments: list[Argument] = []
    for root in roots:
        if root.name.value == "__typename":
            continue
        if root.name.value != "organization" or not walk.within(root.selection_set, ORGANIZATION):
            return ()
        given = {a.name.value: a.value for a in root.arguments or ()}
        if set(given) != {"id"}:
            return ()
        value = given["id"]
        if isinstance(value, VariableNode):
            arguments.append(("variable", value.name.value))
        elif isinstance(value, StringValueNode):
            arguments.append(("literal", value.value))
        else:
            return ()
    return tuple(arguments)


class _Walk:
    """Fields of selection sets, fragments spread in. Each fragment is checked once against
    each list it is spread under, so a document spreading fragments into each other costs
    its size, not the number of paths through it (PITFALLS, third review)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.seen: set[tuple[str, int]] = set()

    def fields(self, selections: SelectionSetNode | None) -> list[FieldNode] | None:
        """The root fields of a selection set with inline fragments opened, or None where a
        named fragment is spread (narrowing a read is worth it for a dashboard's plain query)."""
        found: list[FieldNode] = []
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.fields(selection.selection_set)
                if inner is None:
                    return None
                found += inner
            else:
                return None
        return found

    def within(self, selections: SelectionSetNode | None, allowed: Allowed) -> bool:
        """Every field below, at any depth, is in ``allowed``."""
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name not in allowed:
                    return False
                below = allowed[name]
                if below is None:
                    if selection.selection_set is not None:
                        return False
                elif not self.within(selection.selection_set, below):
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not self.within(selection.selection_set, allowed):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    return False
                slot = (fragment.name.value, id(allowed))
                if slot not in self.seen:
                    self.seen.add(slot)
                    if not self.within(fragment.selection_set, allowed):
                        return False
        return True
