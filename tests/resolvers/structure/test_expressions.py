"""The validation rules' expression language against a small oracle: random expressions are
built as trees, written out as text, parsed back, evaluated, and compared with Python's own
arithmetic over the same text (the oracle: ``eval`` of the text with each key replaced by its
Decimal value); type checks and the missing-value strategies against hand-written cases."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from bufdir_reporting.models import MissingValueStrategy, RuleImportance, RuleOperator, RuleSeverity, ValidationRule
from bufdir_reporting.resolvers.structure import expressions
from bufdir_reporting.resolvers.structure.expressions import SyntaxProblem
from bufdir_reporting.resolvers.structure.validation_rules import CompiledRule, holds, message

KEYS = ("plasseringer", "akutt", "fosterhjem", "institusjon", "saker_2")


def _random_text(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(KEYS) if rng.random() < 0.6 else rng.choice(["0", "7", "12", "2.5", "0.25", "100"])
    if roll < 0.5:
        return f"-({_random_text(rng, depth + 1)})" if rng.random() < 0.5 else f"-{rng.choice(KEYS)}"
    if roll < 0.65:
        return f"({_random_text(rng, depth + 1)})"
    operator = rng.choice(["+", "-"])
    space = rng.choice(["", " "])
    return f"{_random_text(rng, depth + 1)}{space}{operator}{space}{_random_text(rng, depth + 1)}"


def _oracle(text: str, values: dict[str, Decimal]) -> Decimal:
    python = text
    for key in sorted(KEYS, key=len, reverse=True):
        python = python.replace(key, f"V[{key!r}]")
    python = re.sub(r"(?<![\w'\[])(\d+(?:\.\d+)?)", r"D('\1')", python)
    return eval(python, {"V": values, "D": Decimal})


def test_random_expressions_evaluate_as_python_does():
    rng = random.Random(33)
    for _ in range(500):
        text = _random_text(rng)
        values = {key: Decimal(rng.randint(0, 50)) for key in KEYS}
        assert expressions.evaluate(expressions.parse(text), values) == _oracle(text, values), text


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("", 1),
        ("a +", 4),
        ("a b", 3),
        ("(a + b", 7),
        ("a * b", 3),
        ("1.", 3),
        ("--a", 2),
        ("a + )", 5),
        ("12345678901234567", 1),
    ],
)
def test_what_is_not_an_expression_is_refused_at_its_position(text, position):
    with pytest.raises(SyntaxProblem) as refused:
        expressions.parse(text)
    assert refused.value.position == position


def test_parsing_is_bounded_in_length_and_nesting():
    with pytest.raises(SyntaxProblem, match="at most 500 characters"):
        expressions.parse("a + " * 200)
    with pytest.raises(SyntaxProblem, match="nest at most 20"):
        expressions.parse("(" * 21 + "a" + ")" * 21)
    long_sum = "+".join(["akutt"] * 83)  # a long chain evaluates without deep recursion
    assert expressions.evaluate(expressions.parse(long_sum), {"akutt": Decimal(2)}) == 166


def test_parsing_is_linear():
    """Checked by counting, not timing: the parser takes each token once, so a sum of n terms
    takes 2n - 1 tokens, no more."""
    for n in (10, 100):
        parser = expressions._Parser(" + ".join(["a"] * n))
        parser.sum(0)
        assert parser.at == len(parser.tokens) - 1 == 2 * n - 1


def test_type_check_names_the_unknown_or_non_numeric_field_and_where_it_is():
    types = {"akutt": "integer", "navn": "text"}.get
    with pytest.raises(SyntaxProblem) as unknown:
        expressions.check(expressions.parse("akutt + finnes_ikke"), types)
    assert unknown.value.position == 9 and "finnes_ikke" in unknown.value.message
    with pytest.raises(SyntaxProblem) as text:
        expressions.check(expressions.parse("(navn)"), types)
    assert text.value.position == 2 and "text" in text.value.message
    expressions.check(expressions.parse("akutt - 1"), types)


def _rule(left: str, operator: RuleOperator, right: str, strategy: MissingValueStrategy) -> CompiledRule:
    rule = ValidationRule(
        id=1,
        form_id="f",
        name="r",
        left=left,
        operator=operator,
        right=right,
        missing_value_strategy=strategy,
        severity=RuleSeverity.ERROR,
        importance=RuleImportance.HIGH,
        message_nb="bokmål",
        message_nn="nynorsk",
        message_en="english",
    )
    l_node, r_node = expressions.parse(left), expressions.parse(right)
    keys = tuple(dict.fromkeys(f.key for f in expressions.fields_of(l_node) + expressions.fields_of(r_node)))
    return CompiledRule(rule, l_node, r_node, keys)


D = Decimal
ANY, ALL, NEVER = (
    MissingValueStrategy.SKIP_IF_ANY_MISSING,
    MissingValueStrategy.SKIP_IF_ALL_MISSING,
    MissingValueStrategy.NEVER_SKIP,
)


@pytest.mark.parametrize(
    ("left", "operator", "right", "strategy", "values", "expected"),
    [
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", ANY, {"akutt": D(3), "plasseringer": D(5)}, True),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", ANY, {"akutt": D(7), "plasseringer": D(5)}, False),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", ANY, {"akutt": D(7)}, None),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", ALL, {"akutt": D(7)}, False),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", ALL, {}, None),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", NEVER, {}, True),
        ("akutt", RuleOperator.LESS_OR_EQUAL, "plasseringer", NEVER, {"akutt": D(1)}, False),
        (
            "fosterhjem + institusjon",
            RuleOperator.LESS_OR_EQUAL,
            "plasseringer",
            ANY,
            {"fosterhjem": D(4), "institusjon": D(2), "plasseringer": D(5)},
            False,
        ),
        ("akutt", RuleOperator.EQUAL, "plasseringer - 2", ANY, {"akutt": D(3), "plasseringer": D(5)}, True),
        ("akutt", RuleOperator.NOT_EQUAL, "3", ANY, {"akutt": D(3)}, False),
        ("akutt", RuleOperator.LESS, "3", ANY, {"akutt": D(3)}, False),
        ("akutt", RuleOperator.GREATER, "2.5", ANY, {"akutt": D(3)}, True),
        ("akutt", RuleOperator.GREATER_OR_EQUAL, "4", ANY, {"akutt": D(3)}, False),
        ("akutt", RuleOperator.BOTH_OR_NEITHER, "plasseringer", NEVER, {"akutt": D(3)}, False),
        ("akutt", RuleOperator.BOTH_OR_NEITHER, "plasseringer", NEVER, {}, True),
        ("akutt", RuleOperator.BOTH_OR_NEITHER, "plasseringer", NEVER, {"akutt": D(1), "plasseringer": D(2)}, True),
        ("akutt", RuleOperator.NOT_BOTH, "plasseringer", NEVER, {"akutt": D(1), "plasseringer": D(2)}, False),
        ("akutt", RuleOperator.NOT_BOTH, "plasseringer", NEVER, {"akutt": D(1)}, True),
    ],
)
def test_a_rule_holds_as_its_operator_and_missing_value_strategy_say(left, operator, right, strategy, values, expected):
    assert holds(_rule(left, operator, right, strategy), values) is expected


def test_the_message_is_chosen_by_language_defaulting_to_bokmal():
    rule = _rule("akutt", RuleOperator.LESS, "1", ANY).rule
    assert [message(rule, lang) for lang in ("nb", "nn", "en", "de")] == ["bokmål", "nynorsk", "english", "bokmål"]
