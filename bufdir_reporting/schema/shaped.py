"""GraphQL types made from a pydantic declaration (an event, a REST answer) with Strawberry's
pydantic integration, so a field is declared once: what the integration leaves to say.

- ``worded``: the graph's own words for some fields. The integration takes each field's
  description from the model and ignores one written at the field.
- ``resolved_last``: the model's fields first, in its order, then the fields the type resolves of
  its own (the integration puts those first, which reordered the served SDL).
- ``made``: an instance from a model instance. The integration's ``from_pydantic`` converts each
  value through the field's annotation (resolved again on every call): 120-250 µs for a
  seven-field event here, against 4-6 µs for the constructor given the model's values as they
  are (as main's hand-written ``of`` did), and a live event is made once per subscriber. The
  values need no conversion: the types' fields are the models' (an int id is served as an ID, a
  tuple as a list, by graphql-core as they are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from strawberry.types.base import get_object_definition

T = TypeVar("T")


def worded(**descriptions: str) -> Callable[[T], T]:
    """The graph's words for fields of a type made from a model (written above the pydantic
    decorator); a name the type does not have raises."""

    def word(type_: T) -> T:
        fields = {field.python_name: field for field in get_object_definition(type_, strict=True).fields}
        for name, text in descriptions.items():
            fields[name].description = text
        return type_

    return word


def resolved_last(type_: T) -> T:
    """The model's fields first, in its order, then those with a resolver of their own."""
    get_object_definition(type_, strict=True).fields.sort(key=lambda field: field.base_resolver is not None)
    return type_


def made(type_: type[T], instance: BaseModel, **extra: Any) -> T:
    """An instance of ``type_`` (made from ``instance``'s model) with ``instance``'s values and
    ``extra`` for the fields the type adds. The type has a field for each of the model's (one it
    keeps out of the graph is ``strawberry.Private``, still a field), and a pydantic model keeps
    exactly its fields' values in its ``__dict__``: they are the arguments as they are."""
    return type_(**vars(instance), **extra)
