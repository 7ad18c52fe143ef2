"""A statement being built for SQLite or PostgreSQL: bound parameters, never spliced.

``?n`` for SQLite, ``$n`` for asyncpg. SQLite keeps timestamps as ``YYYY-MM-DD
HH:MM:SS[.ffffff]+00:00`` text, so instants are bound in exactly that form there (all stored
instants are UTC, so text order is time order).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


class Statement:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        if isinstance(value, datetime) and self.dialect == "sqlite":
            value = value.astimezone(UTC).isoformat(sep=" ")
        self.params.append(value)
        # Numbered in both dialects, so one placeholder may stand in several places.
        return f"?{len(self.params)}" if self.dialect == "sqlite" else f"${len(self.params)}"

    def one_of(self, column: str, values: Iterable[Any]) -> str:
        return f"{column} IN ({', '.join(self.bind(v) for v in values)})"

    def any_of(self, column: str, values: list[Any]) -> str:
        """Like ``one_of``; on PostgreSQL one array parameter, so the statement text (and its
        plan) stays the same whatever the number of values."""
        if self.dialect == "postgres":
            return f"{column} = ANY({self.bind(list(values))})"
        return self.one_of(column, values)
