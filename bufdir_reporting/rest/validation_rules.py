"""Validation rules over REST (no legacy contract: a path of its own): the same use cases as
GraphQL's validationRules and its rule mutations."""

from __future__ import annotations

import datetime
from typing import Annotated

from fastapi import Query

from ..models import MissingValueStrategy, ReportForm, RuleImportance, RuleOperator, RuleSeverity, ValidationRule
from ..resolvers.base.context import Context
from ..resolvers.structure import validation_rules
from .routing import ContextDep, ContractRouter, row_number_path, stored_length
from .shapes import Shape, examples

router = ContractRouter("/api/v1/validation-rules", tag="validation-rules", printed_paths=False)
RuleId = Annotated[int, row_number_path("a rule's")]

_RULE = {
    "rule_id": 1,
    "form_id": "barnevern-arsrapport",
    "name": "Akuttplasseringer innenfor plasseringer",
    "left": "antall_akuttplasseringer",
    "operator": "<=",
    "right": "antall_barn_plassert_utenfor_hjemmet",
    "missing_value_strategy": "skip_if_any_missing",
    "severity": "error",
    "importance": "high",
    "message_nb": "Antall akuttplasseringer kan ikke være høyere enn antall barn plassert utenfor hjemmet.",
    "message_nn": "Talet på akuttplasseringar kan ikkje vere høgare enn talet på born plasserte utanfor heimen.",
    "message_en": "Emergency placements cannot exceed children placed outside the home.",
    "updated_at": "2026-01-05T10:00:00Z",
}


class RuleShape(Shape):
    model_config = examples(_RULE)

    rule_id: int
    form_id: str
    name: str
    left: str
    operator: RuleOperator
    right: str
    missing_value_strategy: MissingValueStrategy
    severity: RuleSeverity
    importance: RuleImportance
    message_nb: str
    message_nn: str
    message_en: str
    updated_at: datetime.datetime


class RuleList(Shape):
    model_config = examples({"data": [_RULE]})

    data: list[RuleShape]


def shape(rule: ValidationRule) -> RuleShape:
    return RuleShape(
        rule_id=rule.id,
        form_id=rule.form_id,
        name=rule.name,
        left=rule.left,
        operator=rule.operator,
        right=rule.right,
        missing_value_strategy=rule.missing_value_strategy,
        severity=rule.severity,
        importance=rule.importance,
        message_nb=rule.message_nb,
        message_nn=rule.message_nn,
        message_en=rule.message_en,
        updated_at=rule.updated_at,
    )


@router.endpoint("GET", "", "listValidationRules", RuleList, public=True, summary="The validation rules (of one form)")
async def list_rules(
    ctx: Context = ContextDep,
    form_id: Annotated[str | None, Query(max_length=stored_length(ReportForm, "id"))] = None,
) -> RuleList:
    return RuleList(data=[shape(rule) for rule in await validation_rules.list_(ctx, form_id=form_id)])


@router.endpoint(
    "POST", "", "createValidationRule", RuleShape, status_code=201, errors={404}, admin=True, summary="Create a validation rule"
)
async def create_rule(body: validation_rules.RuleSpec, ctx: Context = ContextDep) -> RuleShape:
    return shape(await validation_rules.create(ctx, spec=body))


@router.endpoint("GET", "/{rule_id}", "getValidationRule", RuleShape, errors={404}, public=True, summary="One validation rule")
async def get_rule(rule_id: RuleId, ctx: Context = ContextDep) -> RuleShape:
    return shape(await validation_rules.get_or_raise(ctx, rule_id=rule_id))


@router.endpoint(
    "PUT", "/{rule_id}", "updateValidationRule", RuleShape, errors={404}, admin=True, summary="Replace a validation rule"
)
async def update_rule(rule_id: RuleId, body: validation_rules.RuleSpec, ctx: Context = ContextDep) -> RuleShape:
    return shape(await validation_rules.update(ctx, rule_id=rule_id, spec=body))


@router.endpoint(
    "DELETE",
    "/{rule_id}",
    "deleteValidationRule",
    RuleShape,
    body=False,
    errors={404},
    admin=True,
    summary="Delete a validation rule",
)
async def delete_rule(rule_id: RuleId, ctx: Context = ContextDep) -> RuleShape:
    return shape(await validation_rules.delete(ctx, rule_id=rule_id))
