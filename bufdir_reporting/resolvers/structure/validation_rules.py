"""Validation rules across a form's fields: written by admins, checked when saved, evaluated
with the per-field checks (``snapshots.validation``).

A rule is ``left <operator> right`` over two expressions (``expressions``). Saving parses both
sides and checks every field they name against the form's fields in force: an unknown field or
one that is not a number is refused with the side and the character position. Rules are part of
the structure: a write replaces the structure's revision, so the rules a validation reads are
cached per revision like the sections they refer to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from tortoise.transactions import in_transaction

from ...errors import InvalidInput, NotFound
from ...models import (
    DEFAULT_FORM,
    FieldDefinition,
    MissingValueStrategy,
    RuleImportance,
    RuleOperator,
    RuleSeverity,
    ValidationRule,
)
from ..base import access, audit, revision
from ..base.context import Context
from ..base.inputs import PrintedText, Strict
from . import expressions, forms
from .expressions import Expression, SyntaxProblem

LANGUAGES = ("nb", "nn", "en")
IMPORTANCE_RANK = {"high": 3, "medium": 2, "low": 1}
NUMERIC = ("integer", "decimal", "percent")


class RuleSpec(Strict):
    """A validation rule as an admin writes it."""

    form_id: str = Field(min_length=1, max_length=64)
    name: PrintedText = Field(min_length=1, max_length=255)
    # As written, not stripped: a position in an error counts from the first character the admin
    # typed (the model's stripping moved "   antall_arsverk $ 3"'s error three places left).
    left: Annotated[str, StringConstraints(strip_whitespace=False)] = Field(min_length=1, max_length=expressions.MAX_LENGTH)
    operator: RuleOperator
    right: Annotated[str, StringConstraints(strip_whitespace=False)] = Field(min_length=1, max_length=expressions.MAX_LENGTH)
    missing_value_strategy: MissingValueStrategy = MissingValueStrategy.SKIP_IF_ANY_MISSING
    severity: RuleSeverity = RuleSeverity.ERROR
    importance: RuleImportance = RuleImportance.MEDIUM
    message_nb: PrintedText = Field(min_length=1, max_length=1000)
    message_nn: PrintedText = Field(min_length=1, max_length=1000)
    message_en: PrintedText = Field(min_length=1, max_length=1000)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A stored rule with both sides parsed, as validation evaluates it."""

    rule: ValidationRule
    left: Expression
    right: Expression
    field_keys: tuple[str, ...]


def message(rule: ValidationRule, language: str = "nb") -> str:
    """The rule's message in ``language`` (nb, nn or en; anything else reads as nb). The one
    place a rule's language is chosen, for the request's language to be passed to."""
    if language == "nn":
        return rule.message_nn or rule.message_nb  # a missing translation falls back to Bokmål
    if language == "en":
        return rule.message_en or rule.message_nb
    return rule.message_nb


async def field_types(ctx: Context, *, form_id: str) -> dict[str, str]:
    """The data type of each field the form asks today (its open field versions)."""
    form = await forms.get_or_raise(ctx, form_id=form_id)
    asked = await forms.section_ids(ctx, form_id=form.id)
    query = FieldDefinition.filter(valid_to=None)
    if asked is not None:
        query = query.filter(section_id__in=sorted(asked))
    return {str(key): str(data_type) for key, data_type in await query.values_list("key", "data_type")}


def _compiled(text: str, side: str, types: Mapping[str, str]) -> Expression:
    try:
        node = expressions.parse(text)
        expressions.check(node, types.get)
    except SyntaxProblem as problem:
        raise InvalidInput(
            field=side,
            position=problem.position,
            message_id="structure.validation_rules.character",
            values={"side": side, "position": problem.position, "message": problem.message},
        ) from None
    return node


async def _checked(ctx: Context, spec: RuleSpec) -> None:
    types = await field_types(ctx, form_id=spec.form_id)
    left, right = _compiled(spec.left, "left", types), _compiled(spec.right, "right", types)
    if not expressions.fields_of(left) and not expressions.fields_of(right):
        # "2 <= 1" as an error would refuse every report of the form, whatever it says
        raise InvalidInput(field="left", message_id="structure.validation_rules.left_rule_compares_fields")


def _values(spec: RuleSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")


async def get_or_raise(ctx: Context, *, rule_id: int) -> ValidationRule:
    rule = await ValidationRule.get_or_none(id=rule_id)
    if rule is None:
        raise NotFound("validation rule", str(rule_id))
    return rule


async def list_(ctx: Context, *, form_id: str | None = None) -> list[ValidationRule]:
    query = ValidationRule.all() if form_id is None else ValidationRule.filter(form_id=form_id)
    return await query.order_by("form_id", "id")


async def create(ctx: Context, *, spec: RuleSpec) -> ValidationRule:
    access.require_admin(ctx)
    await _checked(ctx, spec)
    async with in_transaction():
        rule = await ValidationRule.create(**_values(spec))
        await revision.bump()
        await audit.record(ctx, action="rule.created", entity_type="validation_rule", entity_id=str(rule.id), after=_values(spec))
    return rule


async def update(ctx: Context, *, rule_id: int, spec: RuleSpec) -> ValidationRule:
    access.require_admin(ctx)
    await _checked(ctx, spec)
    async with in_transaction():
        rule = await ValidationRule.select_for_update().get_or_none(id=rule_id)
        if rule is None:
            raise NotFound("validation rule", str(rule_id))
        before = audit.fields_of(rule, list(_values(spec)))
        rule.update_from_dict(_values(spec))
        await rule.save()
        await revision.bump()
        await audit.record(
            ctx, action="rule.updated", entity_type="validation_rule", entity_id=str(rule.id), before=before, after=_values(spec)
        )
    return rule


async def delete(ctx: Context, *, rule_id: int) -> ValidationRule:
    access.require_admin(ctx)
    async with in_transaction():
        rule = await ValidationRule.select_for_update().get_or_none(id=rule_id)
        if rule is None:
            raise NotFound("validation rule", str(rule_id))
        await rule.delete()
        await revision.bump()
        await audit.record(ctx, action="rule.deleted", entity_type="validation_rule", entity_id=str(rule_id))
    return rule


async def compiled_for(ctx: Context, *, form_id: str | None) -> list[CompiledRule]:
    """The form's rules, parsed once per structure revision. A stored rule that no longer
    checks (a field it names has closed) is still evaluated: its missing field reads as missing."""

    async def read() -> list[CompiledRule]:
        found = []
        for rule in await ValidationRule.filter(form_id=form_id or DEFAULT_FORM).order_by("id"):
            left, right = expressions.parse(rule.left), expressions.parse(rule.right)
            keys = tuple(dict.fromkeys(f.key for f in expressions.fields_of(left) + expressions.fields_of(right)))
            found.append(CompiledRule(rule, left, right, keys))
        return found

    return await revision.cached(("validation-rules", form_id or DEFAULT_FORM), read)


def holds(compiled: CompiledRule, values: Mapping[str, Decimal | None]) -> bool | None:
    """Whether the rule holds for ``values`` (a key absent or None is missing); None when its
    missing-value strategy skips it."""
    missing = [key for key in compiled.field_keys if values.get(key) is None]
    strategy = compiled.rule.missing_value_strategy
    if strategy == MissingValueStrategy.SKIP_IF_ANY_MISSING and missing:
        return None
    if strategy == MissingValueStrategy.SKIP_IF_ALL_MISSING and compiled.field_keys and len(missing) == len(compiled.field_keys):
        return None
    left, right = expressions.evaluate(compiled.left, values), expressions.evaluate(compiled.right, values)
    return compare(left, compiled.rule.operator, right)


def sides(compiled: CompiledRule, values: Mapping[str, Decimal | None]) -> tuple[Decimal, Decimal]:
    """Both sides' figures as the rule compared them (missing as zero), for a finding to show."""
    return expressions.evaluate(compiled.left, values), expressions.evaluate(compiled.right, values)


def compare(left: Decimal, operator: RuleOperator, right: Decimal) -> bool:
    match operator:
        case RuleOperator.LESS:
            return left < right
        case RuleOperator.LESS_OR_EQUAL:
            return left <= right
        case RuleOperator.EQUAL:
            return left == right
        case RuleOperator.NOT_EQUAL:
            return left != right
        case RuleOperator.GREATER_OR_EQUAL:
            return left >= right
        case RuleOperator.GREATER:
            return left > right
        case RuleOperator.BOTH_OR_NEITHER:
            return (left != 0) == (right != 0)
        case RuleOperator.NOT_BOTH:
            return not (left != 0 and right != 0)
