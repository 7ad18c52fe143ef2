"""How a use case's input is declared and read, whatever the input is about: strict pydantic
models, and their errors turned into one ``InvalidInput`` naming the offending field
(``fields.1.max_value``, ``fields.0.aggregation_rule.denominator``).

REST uses the models as its request bodies; GraphQL inputs are converted to the same models with
``parse``; the import reads each row with them. What a model says is its domain's business: the
report structure's rules in ``structure.rules``, an activity in ``activities.inputs``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from ...errors import InvalidInput
from ...wording import plain


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


Count = Annotated[int, BeforeValidator(not_a_boolean)]
"""A whole number from JSON or a CSV cell ("3"), but never a boolean (which Python counts as 1)."""


def not_a_number(value: Any) -> Any:
    if isinstance(value, int | float):
        raise ValueError("a date is expected as YYYY-MM-DD, not a number")
    return value


Day = Annotated[date, BeforeValidator(not_a_number)]
"""A day as JSON writes it ("2025-03-01") or a date, never a number: pydantic reads a number as
seconds since 1970, so ``0`` was taken as 1970-01-01 (schemathesis sent it to a deadline)."""

Spec = TypeVar("Spec", bound=BaseModel)


def field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if part != "body")


def invalid_input(error: ValidationError) -> InvalidInput:
    problems = [{"field": field_path(e["loc"]), "message": plain(e)} for e in error.errors()]
    first = problems[0]
    return InvalidInput(f"{first['field']} {first['message']}", field=first["field"], errors=problems)


def parse(model: type[Spec], data: dict[str, Any]) -> Spec:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None
