from pathlib import Path

from bufdir_reporting.schema import schema


def test_committed_schema_graphql_is_current():
    committed = (Path(__file__).parent.parent / "schema.graphql").read_text(encoding="utf-8")
    assert committed.strip() == schema.as_str().strip(), "schema.graphql is stale: run `make schema`"
