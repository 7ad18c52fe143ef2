"""GraphQL documents shaped to make a server work more than their size, and a counter of the work.

Each shape is a function of a size ``n``; ``near_limit`` grows it to about the most the token
limit lets through, which is where a walker that is not linear in the document shows it. The work of a
request is counted in Python function calls (``counted_calls``), not timed: a count does not move
with the machine's load, and it stops a runaway walk at once instead of waiting for a timeout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from graphql import GraphQLError, parse
from graphql.language import Lexer, Source, TokenKind


def doubling(count: int, base: str = "__typename", on: str = "Query") -> str:
    """``count`` fragments, each spreading the one before twice: 2^(count-1) spreads unrolled."""
    fragments = [f"fragment F0 on {on} {{ {base} }}"]
    fragments += [f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, count)]
    return " ".join(fragments)


def nested(levels: int, leaf: str = "name") -> str:
    selection = leaf
    for _ in range(levels):
        selection = f"parent {{ {selection} }}"
    return selection


def _fibonacci(n: int) -> str:
    """Each fragment spreads the next two: as many spreads unrolled as Fibonacci(n)."""
    fragments = [f"fragment G{i} on Query {{ ...G{i + 1} ...G{i + 2} }}" for i in range(n)]
    return (
        " ".join(fragments) + f" fragment G{n} on Query {{ __typename }} fragment G{n + 1} on Query {{ __typename }} {{ ...G0 }}"
    )


SHAPES: dict[str, Callable[[int], str]] = {
    "fragments doubling": lambda n: doubling(n) + f" {{ ...F{n - 1} }}",
    "fragments doubling with aliases": lambda n: doubling(n, "a: __typename") + f" {{ ...F{n - 1} }}",
    "fragments doubling under a connection": lambda n: doubling(n, "organizations { totalCount }") + f" {{ ...F{n - 1} }}",
    "fragments spreading the next two": _fibonacci,
    "fragments in cycles": lambda n: (
        " ".join(f"fragment A{i} on Query {{ ...A{(i + 1) % n} ...A{(i + 2) % n} }}" for i in range(n)) + " { ...A0 }"
    ),
    "a chain of fragments": lambda n: (
        " ".join(f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(n))
        + f" fragment C{n} on Query {{ __typename }} {{ ...C0 }}"
    ),
    "one field many times": lambda n: "{ " + " ".join("__typename" for _ in range(n)) + " }",
    "one list many times": lambda n: "{ " + " ".join("organizations { totalCount }" for _ in range(n)) + " }",
    "one alias many times": lambda n: "{ " + " ".join("a: organizations { totalCount }" for _ in range(n)) + " }",
    "one field with other arguments": lambda n: (
        "{ " + " ".join(f"organizations(first: {i}) {{ totalCount }}" for i in range(n)) + " }"
    ),
    "one deep field many times": lambda n: "{ " + " ".join(f'organization(id: "x") {{ {nested(10)} }}' for _ in range(n)) + " }",
    "many fragments spread together": lambda n: (
        " ".join(f"fragment G{i} on Organization {{ name parent {{ name }} }}" for i in range(n))
        + ' { organization(id: "x") { '
        + " ".join(f"...G{i}" for i in range(n))
        + " } }"
    ),
    "many inline fragments": lambda n: "{ " + " ".join("... on Query { __typename }" for _ in range(n)) + " }",
    "deep nesting": lambda n: '{ organization(id: "x") { ' + nested(n) + " } }",
    "many operations sharing a fragment": lambda n: (
        " ".join(f"query Q{i}($a: Int) {{ ...P }}" for i in range(n))
        + " fragment P on Query { "
        + " ".join("organizations(first: $a) { totalCount }" for _ in range(n))
        + " }"
    ),
    "many unused variables": lambda n: "query(" + " ".join(f"$v{i}: Int" for i in range(n)) + ") { periods { totalCount } }",
    "many unknown fields": lambda n: "{ " + " ".join(f"x{i}" for i in range(n)) + " }",
    "one argument many times": lambda n: "{ organization(" + " ".join('id: "x"' for _ in range(n)) + ") { name } }",
    "one directive many times": lambda n: (
        "{ " + " ".join("__typename @skip(if: false) @skip(if: false)" for _ in range(n)) + " }"
    ),
}


def tokens(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def near_limit(shape: Callable[[int], str], max_tokens: int) -> str:
    """The shape at about the largest size that parses within ``max_tokens`` and the parser's
    nesting limit: its size from two small samples (every shape grows by the same tokens per
    step), then a tenth smaller at a time until it parses."""
    small, larger = tokens(shape(8)), tokens(shape(16))
    size = 8 + int((max_tokens - small) * 8 / (larger - small))
    while size > 2:
        try:
            parse(shape(size), max_tokens=max_tokens)
        except GraphQLError:
            size = min(size - 1, size * 9 // 10)
        else:
            break
    return shape(size)


class TooMuchWork(Exception):
    pass


@dataclass
class Calls:
    limit: int
    count: int = 0
    exceeded: bool = False


@contextmanager
def counted_calls(limit: int) -> Iterator[Calls]:
    """Count the Python function calls made in this thread until the block ends; past ``limit``
    every further call raises ``TooMuchWork``, so a walk that would not end, ends."""
    calls = Calls(limit)

    def trace(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls.count += 1
            if calls.count > limit:
                calls.exceeded = True
                raise TooMuchWork(f"more than {limit} calls")

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield calls
    except TooMuchWork:
        pass
    finally:
        sys.settrace(previous)
