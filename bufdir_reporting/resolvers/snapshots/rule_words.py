"""A violated rule's comparison as a reader says it: "Akuttplasseringer (3) kan ikke være større
enn Plasseringer (1)", "Summen av Gutter og Jenter (12) må være lik Deltakere (10)".

A case officer read "(left side: 11, right side: 3.5)" and had to look up what each side was
(#33 outsider). Each side is named by its fields' labels in the reader's language: one field by
its label, a sum of fields as "the sum of A and B", anything else as its expression with labels
in place of keys (``A + B - 2``, written with a minus sign); then its figure (a number alone is
its own), and the operator in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ...language import Language, number, say
from ...models import RuleOperator
from ..structure import expressions, validation_rules

BOTH = {RuleOperator.BOTH_OR_NEITHER, RuleOperator.NOT_BOTH}
"""Operators said of the two sides together ("A and B must both be reported or neither")."""


def compared(
    compiled: validation_rules.CompiledRule, values: Mapping[str, Decimal | None], labels: Mapping[str, str], language: Language
) -> str:
    """The rule's message followed by the comparison it found false, with both figures."""
    figures = validation_rules.sides(compiled, values)
    # the statement's start is raised below; only the rule's own fields are named (every label
    # of the form was lowered for each broken rule: a third of a worklist's rule findings, S10)
    labels = {key: mid_sentence(labels[key]) for key in compiled.field_keys if key in labels}
    said = {
        name: _side(side, labels, language) + ("" if isinstance(side, expressions.Number) else f" ({number(figure, language)})")
        for name, side, figure in zip(("left", "right"), (compiled.left, compiled.right), figures, strict=True)
    }
    statement = say(f"validation.rule.{compiled.rule.operator.name.lower()}", language, **said)
    message = validation_rules.message(compiled.rule, language).rstrip()
    if message and message[-1] not in ".!?":
        message += "."
    return f"{message} {statement[:1].upper()}{statement[1:]}." if message else f"{statement[:1].upper()}{statement[1:]}."


def mid_sentence(label: str) -> str:
    """A label as a sentence says it past its start: "… kan ikkje vere større enn talet på
    årsverk", not "… Talet på årsverk" (outsider). A label whose second letter is a capital too
    (an acronym: "BUP-kontakter", "NAV") keeps its first; a proper noun written like a common
    word ("Oslo") cannot be told from one and is lowered."""
    if not label[:1].isupper() or label[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _side(side: expressions.Expression, labels: Mapping[str, str], language: Language) -> str:
    terms = _sum_of_fields(side)
    if terms is not None and len(terms) > 1:
        named = [labels.get(key, key) for key in terms]
        return say("validation.rule.sum_of", language, first=", ".join(named[:-1]), last=named[-1])
    return _written(side, labels, language)


def _sum_of_fields(side: expressions.Expression) -> list[str] | None:
    """The field keys of a side that only adds fields, else None."""
    if isinstance(side, expressions.Field):
        return [side.key]
    if isinstance(side, expressions.Binary) and side.operator == "+":
        left, right = _sum_of_fields(side.left), _sum_of_fields(side.right)
        return None if left is None or right is None else left + right
    return None


def _written(side: expressions.Expression, labels: Mapping[str, str], language: Language) -> str:
    match side:
        case expressions.Field(key=key):
            return labels.get(key, key)
        case expressions.Number(value=value):
            return number(value, language)
        case expressions.Negate(operand=operand):
            return f"−{_grouped(operand, labels, language)}"
        case expressions.Binary(operator=operator, left=left, right=right):
            sign = "+" if operator == "+" else "−"
            later = _grouped(right, labels, language) if operator == "-" else _written(right, labels, language)
            return f"{_written(left, labels, language)} {sign} {later}"
    raise AssertionError(side)


def _grouped(side: expressions.Expression, labels: Mapping[str, str], language: Language) -> str:
    text = _written(side, labels, language)
    return f"({text})" if isinstance(side, expressions.Binary) else text
