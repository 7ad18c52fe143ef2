"""The reporting rates and the worklist item are declared once, as their REST answers: the GraphQL
types are made from those shapes, so a field added to a shape is in both transports."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from bufdir_reporting.models import NoteState
from bufdir_reporting.resolvers.reporting import status, worklist
from bufdir_reporting.rest import submissions as rest_submissions
from bufdir_reporting.rest import worklist as rest_worklist
from bufdir_reporting.schema.reporting_status import ReportingRates, rates_of
from bufdir_reporting.schema.worklist import WorkItemType, work_item_of


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


def test_a_worklist_item_is_one_declaration_for_rest_and_graphql():
    item = worklist.WorkItem(
        organization_id="org-2077",
        organization_name="Barnevernstjenesten Bergen",
        period_id="2025",
        form_id="barnevern",
        snapshot_id="snap-001",
        submitted=True,
        field_key="antall_akuttplasseringer",
        severity="warning",
        code="QUESTION_OPEN",
        message="Hvor mange?",
        importance="high",
        score=4.2468,
        deviation=Decimal("12.5"),
        rule_id=None,
        note_id=12,
        note_state=NoteState.ANSWERED,
    )
    answer = rest_worklist.WorkItemShape.of(item)
    assert graphql_fields(WorkItemType) == list(rest_worklist.WorkItemShape.model_fields)
    assert values(work_item_of(item)) == answer.model_dump() == {**dataclasses.asdict(item), "score": 4.25}
