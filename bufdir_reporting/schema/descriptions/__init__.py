"""The words GraphiQL's docs show for the schema elements whose definition does not describe
itself: the arguments and fields that mean the same wherever they appear (``first``,
``organizationId``, ``updatedAt``, …) said once, the enum values of model enums, and the rest
by ``Type.field``, ``Type.field(argument)`` or ``Enum.VALUE``.

A description written at the definition (``strawberry.field(description=…)``) wins; these fill
what it leaves empty, after the schema is built (``describe``). A test keeps the SDL fully
described and every key here pointing at an element that exists.

English for the API; Norwegian labels and messages are data, not descriptions.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.pyutils import Undefined

from .fields import FIELDS, FIELDS_BY_NAME
from .inputs_and_enums import ENUM_VALUES, INPUT_FIELDS_BY_NAME
from .types_and_arguments import ARGUMENTS, ARGUMENTS_BY_NAME, TYPES


def describe(schema: GraphQLSchema) -> list[str]:
    """Fill the descriptions the definitions leave empty; returns the keys of the tables that named
    nothing in the schema (a test keeps that empty)."""
    used: set[str] = set()

    def fill(element: object, key: str, *tables: tuple[dict[str, str], str]) -> None:
        if getattr(element, "description", None):
            return
        for table, table_key in tables:
            if table_key in table:
                element.description = table[table_key]  # type: ignore[attr-defined]  # graphql-core's elements are plain objects
                used.add(f"{id(table)}:{table_key}")
                return

    for name, type_ in schema.type_map.items():
        if name.startswith("__"):
            continue
        fill(type_, name, (TYPES, name))
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                path = f"{name}.{field_name}"
                fill(field, path, (FIELDS, path), (FIELDS_BY_NAME, field_name))
                for arg_name, arg in field.args.items():
                    arg_path = f"{path}({arg_name})"
                    fill(arg, arg_path, (ARGUMENTS, arg_path), (ARGUMENTS_BY_NAME, arg_name))
                    required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
                    if required and arg.description and " Left out: " in arg.description:
                        # a required argument cannot be left out: "formId: ID! … Left out: the
                        # default form" told a client otherwise (#31 outside test, finding 11)
                        arg.description = arg.description.split(" Left out: ")[0]
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                fill(field, f"{name}.{field_name}", (INPUT_FIELDS_BY_NAME, field_name))
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                fill(value, f"{name}.{value_name}", (ENUM_VALUES, f"{name}.{value_name}"))
    tables = (TYPES, ARGUMENTS_BY_NAME, ARGUMENTS, FIELDS_BY_NAME, FIELDS, INPUT_FIELDS_BY_NAME, ENUM_VALUES)
    return [key for table in tables for key in table if f"{id(table)}:{key}" not in used]
