from pathlib import Path

from bufdir_reporting.schema import schema


def test_committed_schema_graphql_is_current():
    committed = (Path(__file__).parent.parent.parent / "schema.graphql").read_text(encoding="utf-8")
    assert committed.strip() == schema.as_str().strip(), "schema.graphql is stale: run `make schema`"


ROOT = Path(__file__).parent.parent.parent
CHANGES = "### Breaking changes since the last release"


def listed_breaking_changes() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(CHANGES) :]
    return section[: section.find("\n## ") if "\n## " in section else len(section)]


def test_every_breaking_change_since_the_release_is_listed_deliberately():
    """graphql-core's breaking-change finder (what graphql-inspector reports) between the SDL of
    the last release (schema.released.graphql) and today's: each one must be listed, word for
    word, in the README, so a client-breaking change is a decision, not an accident."""
    from graphql import build_schema, find_breaking_changes

    released = build_schema((ROOT / "schema.released.graphql").read_text(encoding="utf-8"))
    current = build_schema(schema.as_str())
    listed = listed_breaking_changes()
    unlisted = [change.description for change in find_breaking_changes(released, current) if change.description not in listed]
    assert unlisted == [], f"breaking GraphQL changes not listed under '{CHANGES}' in README.md: {unlisted}"


def test_the_check_sees_a_breaking_change():
    from graphql import build_schema, find_breaking_changes

    released = build_schema("type Query { a: String, b: String }")
    changed = build_schema("type Query { a: String }")
    assert [c.description for c in find_breaking_changes(released, changed)] == ["Field Query.b was removed."]
    assert "Field Query.b was removed." not in listed_breaking_changes()


def _undescribed(sdl: str) -> list[str]:
    """Every type, field, argument, input field and enum value of ``sdl`` without a description
    (what graphql-schema-linter's description rules report)."""
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, build_schema

    built, missing = build_schema(sdl), []
    for name, type_ in built.type_map.items():
        if name.startswith("__"):
            continue
        missing += [name] if not type_.description else []
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                missing += [f"{name}.{field_name}"] if not field.description else []
                missing += [f"{name}.{field_name}({a})" for a, arg in field.args.items() if not arg.description]
        elif isinstance(type_, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in type_.fields.items() if not field.description]
        elif isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in type_.values.items() if not value.description]
    return missing


def test_every_element_of_the_schema_is_described():
    assert _undescribed(schema.as_str()) == [], "describe them at the definition or in schema/descriptions.py"
    assert _undescribed('"""Q"""\ntype Query { "a" a(x: Int): Int }') == ["Query.a(x)"]  # the check sees a gap


def test_every_entry_in_the_descriptions_module_names_an_element():
    from bufdir_reporting.schema import UNUSED_DESCRIPTIONS

    assert UNUSED_DESCRIPTIONS == []


# Arguments and input fields that are not references to an object, though named like one:
# the audit log's entity key (any kind of object's key), an activity's id in its source system
# and a new section's key.
NOT_REFERENCES = {
    "Query.auditLog(entityId)",
    "ActivityInput.externalId",
    "CreateSectionInput.sectionId",
    "ReportFormInput.formId",
}


def test_one_id_rule_every_argument_naming_an_object_is_an_id():
    """Every argument and input field that names an object (``id``, ``…Id``) is an ``ID``,
    which takes the object's global ID or its public key alike."""
    from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type

    built, wrong = schema._schema, []
    for name, type_ in built.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType):
            for field_name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    where = f"{name}.{field_name}({arg_name})"
                    if (arg_name == "id" or arg_name.endswith("Id")) and where not in NOT_REFERENCES:
                        wrong += [where] if get_named_type(arg.type).name != "ID" else []
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                where = f"{name}.{field_name}"
                if field_name.endswith("Id") and where not in NOT_REFERENCES:
                    wrong += [where] if get_named_type(field.type).name != "ID" else []
    assert wrong == []


def test_every_custom_scalar_says_its_wire_format_and_has_a_typescript_type():
    """What a client needs to type a custom scalar: a description, and a specification it follows
    (``@specifiedBy``) or the JSON value that carries it; and the recommended codegen config
    (codegen.json, ``strictScalars``: codegen refuses a scalar it has no type for) maps each one,
    so the TypeScript types generated from the SDL have no ``unknown``."""
    import json
    import re

    from graphql import GraphQLScalarType, build_schema, specified_scalar_types

    built = build_schema(schema.as_str())
    custom = {
        name: t for name, t in built.type_map.items() if isinstance(t, GraphQLScalarType) and name not in specified_scalar_types
    }
    assert set(custom) == {"Date", "DateTime", "Decimal", "JSON", "Upload"}
    unsaid = [
        name for name, t in custom.items() if not t.description or not (t.specified_by_url or "JSON string" in t.description)
    ]
    assert unsaid == []
    config = json.loads((ROOT / "codegen.json").read_text(encoding="utf-8"))
    (output,) = config["generates"].values()
    assert output["config"]["strictScalars"] is True
    typed = output["config"]["scalars"]
    assert sorted(typed) == sorted(custom)
    types = [text for mapped in typed.values() for text in ([mapped] if isinstance(mapped, str) else mapped.values())]
    assert not [text for text in types if re.search(r"\b(unknown|any)\b", text)]


def test_no_required_argument_says_what_leaving_it_out_means():
    """``formId: ID!`` of assignReportForm was described "Left out: the default form" (#31
    outside test, finding 11): a required argument cannot be left out."""
    from graphql import GraphQLNonNull, GraphQLObjectType
    from graphql.pyutils import Undefined

    wrong = [
        f"{type_.name}.{field_name}({arg_name})"
        for type_ in schema._schema.type_map.values()
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
        for field_name, field in type_.fields.items()
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined and "Left out" in (arg.description or "")
    ]
    assert wrong == []


def test_every_analytics_cell_status_is_documented():
    """``withheld`` was in no list of the statuses (outsider): each status that is not a review
    state is named in the README's analytics section and in the enum's description."""
    from bufdir_reporting.models import ReviewState
    from bufdir_reporting.resolvers.analytics.table import CellStatus

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Analytics and export") :]
    section = section[: section.index("\n## ")]
    described = schema.as_str().split("enum AnalyticsCellStatus")[0].rsplit('"""', 2)[-2]
    own = [status.name for status in CellStatus if status.value not in {state.value for state in ReviewState}]
    assert own == ["DRAFT", "PARTIAL", "MISSING", "WITHHELD"]
    assert [name for name in own if f"`{name}`" not in section] == []
    assert [name for name in own if name not in described] == []
