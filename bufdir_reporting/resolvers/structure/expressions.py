"""The language of validation rules' sides: field keys, numbers, ``+``, ``-`` and parentheses.

``plasseringer_akutt + 2`` or ``fosterhjem + (institusjon - 1)``: a sum of terms, each a field's
key, a non-negative integer or decimal, a parenthesised expression, or one of those negated.
Nothing else (no multiplication, no functions): what DHIS2's validation rules mostly say and
what KOSTRA's controls compare, with no way to write a slow or unbounded expression.

Parsing is a hand-written recursive descent over a tokeniser that reads each character once, so
it is linear in the text; the text is at most ``MAX_LENGTH`` characters and parentheses nest at
most ``MAX_DEPTH`` deep, so neither time nor Python's stack depend on what a caller sends.
A :class:`SyntaxProblem` carries the 1-based character position it is about; the use case turns
it into ``InvalidInput`` naming the expression and that position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

MAX_LENGTH = 500
MAX_DEPTH = 20
KEY_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
KEY_CHARS = KEY_START | frozenset("0123456789")
"""A field key's characters: the structure's keys are snake_case (``structure.inputs.FIELD_KEY``),
so ``a-b`` reads as a minus b."""
DIGITS = frozenset("0123456789")


class SyntaxProblem(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    position: int


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expression


@dataclass(frozen=True, slots=True)
class Binary:
    operator: str  # "+" or "-"
    left: Expression
    right: Expression


Expression = Field | Number | Negate | Binary


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "key", "number", "+", "-", "(", ")", "end"
    text: str
    position: int  # 1-based


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c in "+-()":
            found.append(_Token(c, c, i + 1))
            i += 1
        elif c in DIGITS:
            start = i
            while i < n and text[i] in DIGITS:
                i += 1
            if i < n and text[i] == ".":
                i += 1
                if i >= n or text[i] not in DIGITS:
                    raise SyntaxProblem("a decimal point is followed by digits", i + 1)
                while i < n and text[i] in DIGITS:
                    i += 1
            if i - start > 16:
                raise SyntaxProblem("a number has at most 16 digits", start + 1)
            found.append(_Token("number", text[start:i], start + 1))
        elif c in KEY_START:
            start = i
            while i < n and text[i] in KEY_CHARS:
                i += 1
            found.append(_Token("key", text[start:i], start + 1))
        else:
            raise SyntaxProblem(f"unexpected character {c!r}", i + 1)
    found.append(_Token("end", "", n + 1))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def sum(self, depth: int) -> Expression:
        node = self.term(depth)
        while self.peek().kind in ("+", "-"):
            operator = self.take().kind
            node = Binary(operator, node, self.term(depth))
        return node

    def term(self, depth: int) -> Expression:
        token = self.take()
        if token.kind == "-":
            if self.peek().kind == "-":
                raise SyntaxProblem("two minus signs in a row", self.peek().position)
            return Negate(self.term(depth))
        if token.kind == "number":
            return Number(Decimal(token.text))
        if token.kind == "key":
            return Field(token.text, token.position)
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise SyntaxProblem(f"parentheses nest at most {MAX_DEPTH} deep", token.position)
            node = self.sum(depth + 1)
            closing = self.take()
            if closing.kind != ")":
                raise SyntaxProblem("a parenthesis is not closed", closing.position)
            return node
        if token.kind == "end":
            raise SyntaxProblem("the expression ends where a field, a number or ( is expected", token.position)
        raise SyntaxProblem(f"{token.text!r} where a field, a number or ( is expected", token.position)


def parse(text: str) -> Expression:
    """The expression ``text`` says; :class:`SyntaxProblem` where it says nothing valid."""
    if len(text) > MAX_LENGTH:
        raise SyntaxProblem(f"an expression is at most {MAX_LENGTH} characters", MAX_LENGTH + 1)
    if not text.strip():
        raise SyntaxProblem("the expression is empty", 1)
    parser = _Parser(text)
    node = parser.sum(0)
    rest = parser.peek()
    if rest.kind != "end":
        raise SyntaxProblem(f"{rest.text!r} where an operator or the end is expected", rest.position)
    return node


def fields_of(node: Expression) -> list[Field]:
    """The field references in reading order (iteratively: depth is bounded, but a long sum
    is a deep left-leaning tree)."""
    found: list[Field] = []
    stack: list[Expression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Field):
            found.append(current)
        elif isinstance(current, Negate):
            stack.append(current.operand)
        elif isinstance(current, Binary):
            stack.extend((current.right, current.left))
    return found


def check(node: Expression, field_type: Callable[[str], str | None]) -> None:
    """Every field it names exists and is a number. ``field_type`` answers a key's data type
    (None: no such field); a problem names the reference's position."""
    for reference in fields_of(node):
        data_type = field_type(reference.key)
        if data_type is None:
            raise SyntaxProblem(f"no field {reference.key!r} in this form", reference.position)
        if data_type not in ("integer", "decimal", "percent"):
            raise SyntaxProblem(f"field {reference.key!r} is {data_type}, not a number", reference.position)


def evaluate(node: Expression, values: Mapping[str, Decimal | None]) -> Decimal:
    """The value with every field read from ``values``; a missing one counts as zero (the
    missing-value strategy has decided before whether to evaluate at all)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Field):
        return values.get(node.key) or Decimal(0)
    if isinstance(node, Negate):
        return -evaluate(node.operand, values)
    # a long a + b + c ... is a left-leaning chain: walk it as a loop, not by recursion
    current: Expression = node
    sign_stack: list[tuple[int, Expression]] = []
    while isinstance(current, Binary):
        sign_stack.append((1 if current.operator == "+" else -1, current.right))
        current = current.left
    total = evaluate(current, values)
    for sign, right in reversed(sign_stack):
        total += sign * evaluate(right, values)
    return total
