"""The reporting rates are declared once, as their REST answer: the GraphQL types are made from
those shapes, so a field added to a shape is in both transports."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any, cast

from bufdir_reporting.resolvers.reporting import status
from bufdir_reporting.rest import submissions as rest_submissions
from bufdir_reporting.schema.reporting_status import ReportingRates, rates_of


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
