"""Validation rules across a form's fields in the graph: public to read (as the structure is),
written by admins."""

from __future__ import annotations

import datetime

import strawberry

from .. import models
from ..errors import InvalidInput
from ..resolvers.base import ids
from ..resolvers.base.inputs import parse
from ..resolvers.structure import validation_rules
from .context import Info
from .node import node_of, nodes_of, public_key, public_key_or_none

strawberry.enum(
    models.RuleOperator,
    name="RuleOperator",
    description="How a rule compares its sides: LESS (<), LESS_OR_EQUAL (<=), EQUAL (==), NOT_EQUAL (!=), "
    "GREATER_OR_EQUAL (>=), GREATER (>), BOTH_OR_NEITHER (both sides non-zero or both zero), NOT_BOTH (not both non-zero).",
)
strawberry.enum(
    models.MissingValueStrategy,
    name="MissingValueStrategy",
    description="SKIP_IF_ANY_MISSING: not evaluated when a field it names is not reported; SKIP_IF_ALL_MISSING: not "
    "evaluated when none is; NEVER_SKIP: a field not reported counts as zero.",
)
strawberry.enum(models.RuleSeverity, name="RuleSeverity", description="ERROR blocks submission; WARNING asks a look.")
strawberry.enum(models.RuleImportance, name="RuleImportance", description="How high a violation ranks in a worklist.")


@strawberry.type(name="ValidationRule", description="A comparison of two expressions over a form's fields.")
class ValidationRuleType:
    id: strawberry.ID = strawberry.field(resolver=lambda root: strawberry.ID(str(root.id)))
    form_id: strawberry.ID = strawberry.field(description="The form whose fields it names.")
    name: str
    left: str = strawberry.field(description="Field keys and numbers joined by + and -, with parentheses.")
    operator: models.RuleOperator
    right: str
    missing_value_strategy: models.MissingValueStrategy
    severity: models.RuleSeverity
    importance: models.RuleImportance
    message_nb: str
    message_nn: str
    message_en: str
    updated_at: datetime.datetime

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.ValidationRule))


@strawberry.input(description="A validation rule as an admin writes it; both sides are checked against the form's fields.")
class ValidationRuleInput:
    form_id: strawberry.ID
    name: str
    left: str
    operator: models.RuleOperator
    right: str
    message_nb: str
    message_nn: str
    message_en: str
    missing_value_strategy: models.MissingValueStrategy = models.MissingValueStrategy.SKIP_IF_ANY_MISSING
    severity: models.RuleSeverity = models.RuleSeverity.ERROR
    importance: models.RuleImportance = models.RuleImportance.MEDIUM


def _spec(input: ValidationRuleInput) -> validation_rules.RuleSpec:
    return parse(
        validation_rules.RuleSpec,
        {
            "form_id": public_key("ReportForm", input.form_id),
            "name": input.name,
            "left": input.left,
            "operator": input.operator,
            "right": input.right,
            "missing_value_strategy": input.missing_value_strategy,
            "severity": input.severity,
            "importance": input.importance,
            "message_nb": input.message_nb,
            "message_nn": input.message_nn,
            "message_en": input.message_en,
        },
    )


def _rule_id(value: strawberry.ID) -> int:
    number = ids.row_number(str(value))
    if number is None:
        raise InvalidInput(field="id", message_id="requests.validation_rules.rule_id_positive_number", values={"value": value})
    return number


@strawberry.type
class ValidationRuleQuery:
    @strawberry.field(description="The validation rules, of one form or every form.")
    async def validation_rules(self, info: Info, form_id: strawberry.ID | None = None) -> list[ValidationRuleType]:
        found = await validation_rules.list_(info.context, form_id=public_key_or_none("ReportForm", form_id))
        return nodes_of(ValidationRuleType, found)


@strawberry.type
class ValidationRuleMutation:
    @strawberry.mutation(description="Create a validation rule (admin); an unknown or non-numeric field is refused.")
    async def create_validation_rule(self, info: Info, input: ValidationRuleInput) -> ValidationRuleType:
        return node_of(ValidationRuleType, await validation_rules.create(info.context, spec=_spec(input)))

    @strawberry.mutation(description="Replace a validation rule (admin).")
    async def update_validation_rule(self, info: Info, id: strawberry.ID, input: ValidationRuleInput) -> ValidationRuleType:
        rule = await validation_rules.update(info.context, rule_id=_rule_id(id), spec=_spec(input))
        return node_of(ValidationRuleType, rule)

    @strawberry.mutation(description="Delete a validation rule (admin).")
    async def delete_validation_rule(self, info: Info, id: strawberry.ID) -> ValidationRuleType:
        return node_of(ValidationRuleType, await validation_rules.delete(info.context, rule_id=_rule_id(id)))
