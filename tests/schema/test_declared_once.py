"""The reporting rates and the worklist's items are declared once, as their REST answers: the
GraphQL types are made from those shapes, so a field added to a shape is in both transports."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from bufdir_reporting.resolvers.reporting import status, worklist
from bufdir_reporting.rest import submissions as rest_submissions
from bufdir_reporting.rest.worklist import WorkItemShape
from bufdir_reporting.schema.reporting_status import ReportingRates, rates_of
from bufdir_reporting.schema.worklist import WorkItemType

from .test_worklist import FOLLOW_UP
from .test_worklist import period as period  # the fixture: six services, a rule broken and an outlier


def graphql_fields(type_: Any) -> list[str]:
    return [field.python_name for field in type_.__strawberry_definition__.fields]


def values(graphql_object: Any) -> dict[str, Any]:
    return dataclasses.asdict(graphql_object)


def test_reporting_rates_are_one_declaration_for_rest_and_graphql():
    rates = status.Rates(
        form=cast(Any, SimpleNamespace(id="barnevern")),
        period=cast(Any, SimpleNamespace(id="2025")),
        expected=3,
        submitted=2,
        on_time=1,
        submitted_late=1,
        returned_not_corrected=0,
        approved=1,
        not_started=1,
        late=2,
    )
    answer = rest_submissions.ReportingRates.of(rates)
    assert graphql_fields(ReportingRates) == list(rest_submissions.ReportingRates.model_fields)
    assert values(rates_of(rates)) == answer.model_dump()
    assert answer.late.percent == 66.7 and answer.expected == 3


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def same_value(value: Any) -> Any:
    """A served value as both transports mean it: an instant as a time (REST's to the second), a
    decimal as a number (the graph's is normalised, REST's keeps its places), an id as text."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT.+", value):
        return datetime.fromisoformat(value).replace(microsecond=0)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number or (isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value)):
        return Decimal(str(value))
    return None if value is None else str(value)


async def test_a_worklist_item_is_one_declaration_for_rest_and_graphql(graphql, client, tokens, period):
    """The use case's item, its REST shape and its GraphQL type have the same fields in the same
    order, and a real worklist (a broken rule, an outlier, an answered question) is served with
    the same values by both."""
    declared = [field.name for field in dataclasses.fields(worklist.WorkItem)]
    assert list(WorkItemShape.model_fields) == declared
    assert graphql_fields(WorkItemType) == declared

    reviewer = tokens.reviewer()
    marked = (await graphql(FOLLOW_UP, {"s": "snap-org-w2"}, reviewer))["data"]["markValueForFollowUp"]
    answer = 'mutation ($c: ID!) { answerComment(commentId: $c, text: "Ja.") { id } }'
    assert "errors" not in await graphql(answer, {"c": marked["id"]}, tokens.headers("org-w2", subject="ola"))

    selection = " ".join(camel(name) for name in declared)
    query = f'query {{ worklist(periodId: "2024") {{ edges {{ node {{ {selection} }} }} }} }}'
    served = [edge["node"] for edge in (await graphql(query, {}, reviewer))["data"]["worklist"]["edges"]]
    rest = (await client.get("/api/v1/worklist", params={"period_id": "2024"}, headers=reviewer)).json()["data"]
    assert [list(item) for item in rest] == [declared] * len(rest)
    assert len(served) == len(rest) == 3
    for graph_item, rest_item in zip(served, rest, strict=True):
        for name in declared:
            assert same_value(graph_item[camel(name)]) == same_value(rest_item[name]), (name, graph_item, rest_item)
    assert {item["code"] for item in rest} == {"RULE_VIOLATED", "OUTLIER_PEERS", "QUESTION_ANSWERED"}
    # the same text, not only the same number: REST printed "56.0000" beside GraphQL's "56" (outsider)
    deviations = [item["deviation"] for item in rest]
    assert deviations == [item["deviation"] for item in served] and "56" in deviations, deviations
    assert any(item["answer"] == "Ja." and item["answered_at"] for item in rest)
