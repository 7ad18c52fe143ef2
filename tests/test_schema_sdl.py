from pathlib import Path

from bufdir_reporting.schema import schema


def test_committed_schema_graphql_is_current():
    committed = (Path(__file__).parent.parent / "schema.graphql").read_text(encoding="utf-8")
    assert committed.strip() == schema.as_str().strip(), "schema.graphql is stale: run `make schema`"


ROOT = Path(__file__).parent.parent
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
