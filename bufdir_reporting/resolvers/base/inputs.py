"""How a use case's input is declared and read, whatever the input is about: strict pydantic
models, and their errors turned into one ``InvalidInput`` naming the offending field
(``fields.1.max_value``, ``fields.0.aggregation_rule.denominator``).

REST uses the models as its request bodies; GraphQL inputs are converted to the same models with
``parse``; the import reads each row with them. What a model says is its domain's business: the
report structure's rules in ``structure.rules``, an activity in ``activities.inputs``.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from ...errors import InvalidInput
from ...language import requested
from ...wording import plain, said


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


Count = Annotated[int, BeforeValidator(not_a_boolean)]
"""A whole number from JSON or a CSV cell ("3"), but never a boolean (which Python counts as 1)."""


def written_as_a_day(value: Any) -> Any:
    if isinstance(value, date | str):
        return value
    raise ValueError("a day is written as text, e.g. 2026-03-01")


Day = Annotated[date, BeforeValidator(written_as_a_day)]
"""A calendar day as JSON carries one: ``"2026-03-01"``. Pydantic also takes a number as seconds
since 1970 and turns ``0`` into 1 January 1970 (schemathesis sent ``"correction_deadline": 0`` and
it was stored as that day)."""

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: U+202E makes "rapport\u202excod.exe" show as "rapportexe.doc"."""
BIDI_REFUSED = "contains a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069)"


def has_direction_controls(value: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(value)


def printable(value: Any) -> Any:
    if isinstance(value, str) and has_direction_controls(value):
        raise PydanticCustomError("direction_controls", BIDI_REFUSED)
    return value


def one_line_of_text(value: Any) -> Any:
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("contains a control character (a line break, tab, BEL, ESC…): a name is one line of text")
    return printable(value)


Name = Annotated[str, AfterValidator(one_line_of_text)]
"""A name shown to people: one line, no control characters, no bidirectional overrides (a form
named with U+202E, BEL and ESC was accepted: #31 review, finding 8)."""

PrintedText = Annotated[str, AfterValidator(printable)]
"""Text a person writes that reports and pages print (a label, a description, a rule's message, a
translation): any number of lines, but no bidirectional override, the rule names follow (note
texts took U+202E while names refused it: outsider). ``refuse_direction_controls`` is the same
rule for a use case's own text arguments."""


def refuse_direction_controls(text: str, *, field: str) -> None:
    """``PrintedText``'s rule for a text a use case reads itself (a note, a review's reason)."""
    if has_direction_controls(text):
        raise InvalidInput(field=field, message_id="input.direction_controls_in", values={"input": field}, inputs=("input",))


Spec = TypeVar("Spec", bound=BaseModel)


def field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if part != "body")


def invalid_input(error: ValidationError) -> InvalidInput:
    """Pydantic's errors as one InvalidInput naming the first field; in the request's language
    (``wording.said``), its English as before."""
    language = requested.get()
    problems = [{"field": field_path(e["loc"]), "message": said(e, language)} for e in error.errors()]
    first, english = problems[0], plain(error.errors()[0])
    if first["field"]:  # named as a value of its own, so a transport renames it (errors.inputs_named)
        return InvalidInput(
            _naming(first["field"], english),
            field=first["field"],
            errors=problems,
            message_id="input.said_of",
            values={"input": first["field"], "text": str(first["message"])},
            inputs=("input",),
        )
    return InvalidInput(
        english, field=first["field"], errors=problems, message_id="input.said", values={"text": first["message"]}
    )


def _naming(field: str, problem: str) -> str:
    return f"{field} {problem}" if field else problem  # a model's own rule names none


def parse(model: type[Spec], data: dict[str, Any]) -> Spec:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None
