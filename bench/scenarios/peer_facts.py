"""S11's documents for PostGraphile's generated schema and the check that both answers carry the
same facts (ids, names, values, labels, sections, metrics) before anything is measured: a peer
answering less, or something else, would make the ratio meaningless.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

# S1's document for PostGraphile's generated schema: the same page (newest first, then by id) and
# the same fields; a value's label and section come through its definition (field_value has no
# foreign key to section).
PEER_NESTED = """
query Nested($first: Int!) {
  allSnapshots(first: $first, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_ASC]) { nodes {
    rowId status aggregatedAt
    organizationByOrganizationId { rowId name }
    periodByPeriodId { rowId name }
    fieldValuesBySnapshotId { nodes { fieldKey value priorValue textValue
      fieldDefinitionByFieldDefinitionId { label sectionBySectionId { rowId title } } } }
  } }
}
"""

# S7's: the organisation and its current snapshot of the quarter. The metrics' categories are the
# stored breakdown (JSON); a value's change is not a column, so the check derives it from the
# value and its prior value (ours computes it in the service).
PEER_DASHBOARD = """
query Dashboard($org: String!, $period: String!) {
  organizationByRowId(rowId: $org) {
    rowId name
    snapshotsByOrganizationId(condition: {periodId: $period, status: "current"}, orderBy: [CREATED_AT_DESC], first: 1) {
      nodes {
        rowId status aggregatedAt cacheValid missingRequiredFields
        activityCount participantCount uniqueParticipants hoursDelivered categoryBreakdown
        fieldValuesBySnapshotId { nodes { fieldKey value priorValue
          fieldDefinitionByFieldDefinitionId { label sectionBySectionId { rowId title } } } }
      }
    }
  }
}
"""


class FactsDiffer(AssertionError):
    """Ours and the peer's answers do not carry the same facts: measuring them would compare
    different work."""


def _raw(global_id: str) -> str:
    """The row id inside one of our Relay ids (``base64("Type:id")``)."""
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).normalize()


def _moment(value: str | None) -> datetime | None:
    # to the whole second: ours prints an instant in whole seconds (UTC, Z: GraphQL's DateTime as
    # REST's), PostGraphile with PostgreSQL's microseconds; both cut, neither rounds
    return None if value is None else datetime.fromisoformat(value).replace(microsecond=0)


def nested_facts(document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """S1's facts from our answer: per snapshot its id, status, time, organisation and period,
    and per value its section, key, label and numbers."""
    facts = []
    for edge in document["data"]["snapshots"]["edges"]:
        node = edge["node"]
        head = (
            _raw(node["id"]),
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            _raw(node["organization"]["id"]),
            node["organization"]["name"],
            node["period"] and (_raw(node["period"]["id"]), node["period"]["name"]),
        )
        facts.append(head)
        for section in node["sections"]:
            for v in section["fieldValues"]:
                facts.append(
                    (
                        head[0],
                        _raw(section["section"]["id"]),
                        section["section"]["title"],
                        v["fieldKey"],
                        v["label"],
                        _number(v["value"]),
                        _number(v["priorValue"]),
                        v["textValue"],
                    )
                )
    return sorted(facts, key=repr)


def peer_nested_facts(document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """S1's facts from PostGraphile's answer, in the shape of ``nested_facts``."""
    facts = []
    for node in document["data"]["allSnapshots"]["nodes"]:
        period = node["periodByPeriodId"]
        head = (
            node["rowId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["organizationByOrganizationId"]["rowId"],
            node["organizationByOrganizationId"]["name"],
            period and (period["rowId"], period["name"]),
        )
        facts.append(head)
        for v in node["fieldValuesBySnapshotId"]["nodes"]:
            definition = v["fieldDefinitionByFieldDefinitionId"]
            section = definition["sectionBySectionId"]
            facts.append(
                (
                    head[0],
                    section["rowId"],
                    section["title"],
                    v["fieldKey"],
                    definition["label"],
                    _number(v["value"]),
                    _number(v["priorValue"]),
                    v["textValue"],
                )
            )
    return sorted(facts, key=repr)


def _change(value: Decimal | None, prior: Decimal | None) -> Decimal | None:
    return None if value is None or prior is None else (value - prior).normalize()


def dashboard_facts(document: Mapping[str, Any]) -> dict[str, Any]:
    """S7's facts from our answer. Categories without activities are left out (ours lists every
    category, the stored breakdown only those that occurred)."""
    organization = document["data"]["organization"]
    (edge,) = organization["snapshots"]["edges"]
    node = edge["node"]
    metrics = node["metrics"]
    return {
        "organization": (organization["organizationId"], organization["name"]),
        "snapshot": (
            node["snapshotId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["cacheValid"],
            sorted(node["missingRequiredFields"]),
        ),
        "metrics": (
            metrics["activityCount"],
            metrics["participantCount"],
            metrics["uniqueParticipants"],
            _number(metrics["hoursDelivered"]),
        ),
        "categories": sorted(
            (c["category"].lower(), c["activities"], c["participants"], _number(c["hours"]))
            for c in metrics["categories"]
            if c["activities"]
        ),
        "values": sorted(
            (
                _raw(section["section"]["id"]),
                section["section"]["title"],
                v["fieldKey"],
                v["label"],
                _number(v["value"]),
                _number(v["priorValue"]),
                _number(v["change"]),
            )
            for section in node["sections"]
            for v in section["fieldValues"]
        ),
    }


def peer_dashboard_facts(document: Mapping[str, Any]) -> dict[str, Any]:
    """S7's facts from PostGraphile's answer, in the shape of ``dashboard_facts``."""
    organization = document["data"]["organizationByRowId"]
    (node,) = organization["snapshotsByOrganizationId"]["nodes"]
    values = []
    for v in node["fieldValuesBySnapshotId"]["nodes"]:
        definition = v["fieldDefinitionByFieldDefinitionId"]
        value, prior = _number(v["value"]), _number(v["priorValue"])
        values.append(
            (
                definition["sectionBySectionId"]["rowId"],
                definition["sectionBySectionId"]["title"],
                v["fieldKey"],
                definition["label"],
                value,
                prior,
                _change(value, prior),
            )
        )
    return {
        "organization": (organization["rowId"], organization["name"]),
        "snapshot": (
            node["rowId"],
            node["status"].lower(),
            _moment(node["aggregatedAt"]),
            node["cacheValid"],
            sorted(node["missingRequiredFields"] or []),
        ),
        "metrics": (
            node["activityCount"],
            node["participantCount"],
            node["uniqueParticipants"],
            _number(node["hoursDelivered"]),
        ),
        "categories": sorted(
            (name, c["activities"], c["participants"], _number(c["hours"]))
            for name, c in (node["categoryBreakdown"] or {}).items()
            if c["activities"]
        ),
        "values": sorted(values),
    }


def same_facts(what: str, ours: Any, peer: Any) -> None:
    """Raise ``FactsDiffer`` naming the first fact that differs."""
    if ours == peer:
        return
    if isinstance(ours, dict) and isinstance(peer, dict):
        for key in sorted(set(ours) | set(peer)):
            same_facts(f"{what}, {key}", ours.get(key), peer.get(key))
        return
    if isinstance(ours, list) and isinstance(peer, list):
        for mine, theirs in zip(ours, peer, strict=False):
            if mine != theirs:
                raise FactsDiffer(f"{what}: ours has {mine!r} where the peer has {theirs!r}")
        raise FactsDiffer(f"{what}: ours has {len(ours)} facts, the peer {len(peer)}")
    raise FactsDiffer(f"{what}: ours has {ours!r}, the peer {peer!r}")
