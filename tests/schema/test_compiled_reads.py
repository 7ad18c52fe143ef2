"""Known read shapes compiled to one statement (``schema.compiled``): every covered shape answers
the same bytes through the compiled statement as through the executor, for every principal;
what the planner does not cover, and every refusal, is the executor's."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import orjson
import pytest
from aiodataloader import DataLoader

from bench.scenarios.dashboard import DASHBOARD  # bench S7's document
from bench.scenarios.reads import NESTED  # bench S1's document, the one the compiled path is measured on
from bench.scenarios.reads import SNAPSHOT_QUERY as ONE  # bench S3's GraphQL document
from bufdir_reporting.config import Settings
from bufdir_reporting.models import Organization, Snapshot
from bufdir_reporting.schema import compiled as compiled_reads
from bufdir_reporting.schema.compiled import extension

from ..digdir import READ_SCOPE
from ..factories import make_organization
from ..statements import counting_statements
from ..worlds import restored

EVERY_FIELD = """
query Every($org: ID, $first: Int) {
  __typename
  all: snapshots(organizationId: $org, first: $first) {
    __typename
    edges { __typename node {
      __typename id snapshotId status rangeStart rangeEnd cacheValid invalidationReason invalidatedAt
      fieldCount populatedFieldCount error aggregatedAt createdAt missingRequiredFields
      metrics { __typename activityCount participantCount uniqueParticipants hoursDelivered
                categories { __typename category activities participants hours } }
      owner: organization { __typename id organizationId name orgNumber kind
        snapshots { edges { node { snapshotId period { periodId } } } } }
      period { __typename id periodId name type start end submissionDeadline }
      sections { __typename id section { __typename id sectionId title order isActive validFrom validTo }
        fieldValues { __typename id fieldKey } }
      fieldValues { __typename id fieldKey label value textValue priorValue priorTextValue change
        booleanValue priorBooleanValue dataSource setBy setAt }
    } }
  }
}
"""
"""Every field and argument the planner covers, aliases and ``__typename`` included."""

UNCOVERED = [
    "{ snapshots(first: 2) { totalCount edges { node { snapshotId } } } }",
    "{ snapshots(first: 2) { pageInfo { hasNextPage } edges { node { snapshotId } } } }",
    "{ snapshots(first: 2) { edges { cursor node { snapshotId } } } }",
    "{ snapshots(first: 2) { edges { node { ...Bits } } } } fragment Bits on Snapshot { snapshotId }",
    "{ snapshots(first: 2) { edges { node { snapshotId validation { fieldKey } } } } }",
    "{ snapshots(first: 2, status: CURRENT) { edges { node { snapshotId } } } }",
    '{ organization(id: "org-1042") { name snapshots(first: 1) { edges { node { sections { section { title(language: EN) } } } } } } }',
    '{ organization(id: "org-1042") { name @include(if: true) } }',
    '{ organization(id: "org-1042") { name } viewer { subject } }',
]
"""Documents the planner leaves to the executor: a field, argument, fragment or directive it does not cover."""


def global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.response_cache_mb = 0  # each read computed: the two paths are compared, not the cache
    return settings


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the compiled statement answered each request (the executor answered the others)."""
    answered: list[bool] = []
    real = compiled_reads.answer

    async def recording(**kwargs: Any) -> dict[str, Any] | None:
        data = await real(**kwargs)
        answered.append(data is not None)
        return data

    monkeypatch.setattr(extension, "answer", recording)
    return answered


async def aggregated(graphql, app, headers, org: str, period: str) -> str:
    result = await graphql(
        "mutation ($o: ID!, $p: ID!) { triggerAggregation(organizationId: $o, periodId: $p, force: true) "
        "{ snapshot { snapshotId } } }",
        {"o": org, "p": period},
        headers,
    )
    assert "errors" not in result, result
    await app.state.jobs.wait_idle()
    return str(result["data"]["triggerAggregation"]["snapshot"]["snapshotId"])


ORG_NUMBER = "974760673"
"""org-1042's organisation number: the read-scope (Maskinporten) token's consumer."""


@pytest.fixture
async def world(graphql, app, tokens, reporting, digdir, settings) -> dict[str, dict[str, str]]:
    """org-1042 (under an umbrella) aggregated for 2023, 2024 (with prior values, manual values
    of every kind) and 2024-Q1; org-2077 for 2024, invalidated and run again. The principals:
    those below the umbrella's read org-1042 through the organisation tree."""
    admin = tokens.admin()

    async def build() -> None:  # once per database and worker, restored for each test (``worlds.restored``)
        umbrella = await make_organization(id="org-umbrella", name="Paraply")
        await Organization.filter(id="org-1042").update(parent_id=umbrella.id, org_number=ORG_NUMBER)
        for period in ("2023", "2024-Q1", "2024"):
            snapshot = await aggregated(graphql, app, admin, "org-1042", period)
        for key, value in {"antall_arsverk": 12.25, "har_internkontroll": True, "brutto_driftsutgifter": 48000}.items():
            result = await graphql(
                "mutation ($s: ID!, $k: String!, $v: JSON) { setFieldValue(snapshotId: $s, fieldKey: $k, value: $v) { fieldKey } }",
                {"s": snapshot, "k": key, "v": value},
                admin,
            )
            assert "errors" not in result, result
        other = await aggregated(graphql, app, admin, "org-2077", "2024")
        result = await graphql(
            'mutation ($s: ID!) { invalidateSnapshot(id: $s, reason: "fixed a source") { snapshotId } }', {"s": other}, admin
        )
        assert "errors" not in result, result
        await app.state.jobs.wait_idle()

    await restored(settings.database_url, "compiled-reads", build)
    return {
        "admin": admin,
        "reviewer": tokens.reviewer(),
        "coordinator of org-1042": tokens.headers("org-1042"),
        "coordinator of the umbrella": tokens.headers("org-umbrella"),
        "coordinator of org-2077": tokens.headers("org-2077"),
        "reviewer of the umbrella": tokens.headers("org-umbrella", reviewer=True, subject="bufdir-region-nord"),
        "read-scope": digdir.maskinporten(READ_SCOPE, consumer=ORG_NUMBER),
        "anonymous": {},
    }


CASES: list[tuple[str, dict[str, Any]]] = [
    (NESTED, {"first": 10}),
    (NESTED, {"first": 2}),
    (NESTED, {"first": 0}),
    (DASHBOARD, {"org": "org-1042", "period": "2024"}),
    (DASHBOARD, {"org": global_id("Organization", "org-1042"), "period": global_id("Period", "2024-Q1")}),
    (DASHBOARD, {"org": "org-2077", "period": "2024"}),
    (DASHBOARD, {"org": "org-1042", "period": "2019"}),
    (DASHBOARD, {"org": "org-none", "period": "2024"}),
    (DASHBOARD, {"org": global_id("Period", "2024"), "period": "2024"}),
    (ONE, {"id": "snap-missing"}),
    (EVERY_FIELD, {}),
    (EVERY_FIELD, {"org": "org-1042", "first": 3}),
    (EVERY_FIELD, {"org": "org-2077"}),
    (EVERY_FIELD, {"first": 101}),
    (EVERY_FIELD, {"first": -1}),
]


async def both_paths(client, settings: Settings, document: str, variables: dict[str, Any], headers) -> tuple[bytes, bytes]:
    body = {"query": document, "variables": variables}
    settings.graphql_compiled_reads = True
    first = await client.post("/graphql", json=body, headers=headers)
    settings.graphql_compiled_reads = False
    second = await client.post("/graphql", json=body, headers=headers)
    settings.graphql_compiled_reads = True
    assert first.status_code == second.status_code
    return _without_request_id(first.content), _without_request_id(second.content)


def _without_request_id(body: bytes) -> bytes:
    """An error names its request, which differs between the two requests."""
    return re.sub(rb'"request_id": ?"[^"]*"', b'"request_id":"-"', body)


async def test_every_covered_shape_answers_the_executors_bytes_for_every_principal(client, settings, world, compiled):
    postgres = settings.database_dialect == "postgres"
    snapshots = [str(snapshot.id) for snapshot in await Snapshot.all().order_by("id")]
    one: list[tuple[str, dict[str, Any]]] = [(ONE, {"id": key}) for key in snapshots]
    one.append((ONE, {"id": global_id("Snapshot", snapshots[0])}))
    for who, headers in world.items():
        for document, variables in CASES + one:
            answered = len(compiled)
            ours, executors = await both_paths(client, settings, document, variables, headers)
            assert ours == executors, (who, document[:40], variables)
            if postgres and b'"errors"' not in ours and who != "anonymous":
                assert compiled[answered], f"the compiled statement answered {who}: {variables}"
            if not postgres or b'"errors"' in ours:
                # (a request refused before execution, by the limits, asks neither path)
                assert not any(compiled[answered:]), "the executor words every error; SQLite runs no compiled statement"
    if postgres:
        assert sum(compiled) > 30, "most reads went through the compiled statement"


async def test_access_on_the_compiled_path_is_the_executors(graphql, settings, world, compiled):
    """The caller's organisations are in the statement's WHERE: each principal sees exactly the
    snapshots it may read, and another organisation's dashboard is refused by the executor."""
    seen = {}
    for who, headers in world.items():
        result = await graphql(NESTED, {"first": 100}, headers)
        if who == "anonymous":
            assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            continue
        seen[who] = sorted({edge["node"]["organization"]["id"] for edge in result["data"]["snapshots"]["edges"]})
    org = {key: global_id("Organization", key) for key in ("org-1042", "org-2077")}
    assert seen["admin"] == seen["reviewer"] == sorted(org.values())
    below = ("coordinator of the umbrella", "reviewer of the umbrella")
    assert seen["coordinator of org-1042"] == seen["read-scope"] == [org["org-1042"]]
    assert [seen[who] for who in below] == [[org["org-1042"]]] * 2, "read through the organisation tree"
    assert seen["coordinator of org-2077"] == [org["org-2077"]]
    for who in below:
        dashboard = await graphql(DASHBOARD, {"org": "org-1042", "period": "2024"}, world[who])
        assert dashboard["data"]["organization"]["organizationId"] == "org-1042", who
    listed = "query ($org: ID) { snapshots(organizationId: $org, first: 2) { edges { node { snapshotId } } } }"
    for document in (DASHBOARD, listed):
        refused = await graphql(document, {"org": "org-1042", "period": "2024"}, world["coordinator of org-2077"])
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
    if settings.database_dialect == "postgres":
        answered = [True] * 7 + [False] + [True] * 2 + [False] * 2
        assert compiled == answered, "every read was compiled; the anonymous caller's and the refusals were not"


async def test_a_compiled_read_is_one_statement_whoever_asks(client, settings, world, compiled, monkeypatch):
    """What the caller reads through the organisation tree is followed inside the compiled
    statement: it was read in a statement of its own before (an umbrella's coordinator's
    dashboard was two statements; bench S11), and so is a Maskinporten token's organisation
    number mapped to its organisations (a statement before, until #37's last round). The
    executor maps and reads the tree first.
    Nor does a compiled read make the request's data loaders, which only the executor uses."""
    postgres = settings.database_dialect == "postgres"
    loaders_made: list[object] = []
    made = DataLoader.__init__

    def making(self: DataLoader, *args: Any, **kwargs: Any) -> None:
        loaders_made.append(type(self))
        made(self, *args, **kwargs)

    monkeypatch.setattr(DataLoader, "__init__", making)
    reads = [(NESTED, {"first": 10}), (DASHBOARD, {"org": "org-1042", "period": "2024"})]
    for who, headers in world.items():
        for document, variables in reads:
            if who in ("anonymous", "coordinator of org-2077") and document is DASHBOARD:
                continue  # refused: the executor's
            loaders_made.clear()
            with counting_statements() as counter:
                response = await client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
            answer = response.json()
            if who == "anonymous":
                assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
                continue
            assert "errors" not in answer and compiled[-1] == postgres, (who, answer)
            if document is DASHBOARD:
                assert answer["data"]["organization"]["name"], who
            if postgres:
                assert len(counter.statements) == 1, (who, counter.statements)
                assert loaders_made == [], who
    settings.graphql_compiled_reads = False
    executors = await client.post(
        "/graphql",
        json={"query": DASHBOARD, "variables": {"org": "org-1042", "period": "2024"}},
        headers=world["coordinator of the umbrella"],
    )
    assert executors.json()["data"]["organization"]["organizationId"] == "org-1042", "the tree read before the executor"


async def test_a_caller_who_needs_no_tree_runs_the_statement_without_it(client, settings, world, compiled):
    """The statement without the reach and the consumer's mapping (``Plan.statement``) serves a
    caller whose every test of an organisation passes on its own organisations, or who reads
    every one: a coordinator's dashboard of its organisation (bench S11), an admin's list. A
    caller reading through the tree, a Maskinporten token to map, or a list of whatever the
    caller reads runs the whole statement; the answers are the executor's either way."""
    postgres = settings.database_dialect == "postgres"
    dashboard: tuple[str, dict[str, Any]] = (DASHBOARD, {"org": "org-1042", "period": "2024"})
    listed: tuple[str, dict[str, Any]] = (NESTED, {"first": 10})
    expected = [
        ("admin", dashboard, "lean"),
        ("admin", listed, "lean"),
        ("reviewer", dashboard, "lean"),
        ("coordinator of org-1042", dashboard, "lean"),
        ("coordinator of org-1042", listed, "whole"),
        ("coordinator of the umbrella", dashboard, "whole"),
        ("reviewer of the umbrella", dashboard, "whole"),
        ("read-scope", dashboard, "whole"),
    ]
    for who, (document, variables), statement in expected:
        with counting_statements() as counter:
            ours, executors = await both_paths(client, settings, document, variables, world[who])
        assert ours == executors and b'"errors"' not in ours, who
        if postgres:
            compiled_statement = counter.statements[0]
            ran = "whole" if compiled_statement.startswith("WITH RECURSIVE reach") else "lean"
            assert ran == statement and compiled_statement.startswith(("WITH RECURSIVE", "SELECT CASE")), (
                who,
                compiled_statement,
            )


async def test_a_request_in_another_language_reads_the_executors_translated_labels(client, settings, world, compiled):
    """Labels and titles are stored in Bokmål: a request in Nynorsk or English is the executor's,
    which reads the translations (the compiled statement once printed Bokmål labels to it)."""
    from bufdir_reporting.models import TranslatedAttribute, TranslatedSubject, Translation
    from bufdir_reporting.resolvers.base import revision

    await Translation.create(
        subject=TranslatedSubject.FIELD, subject_id="antall_arsverk", attribute=TranslatedAttribute.LABEL,
        language="nn", text="Talet paa aarsverk, nynorsk", updated_by="test",
    )  # fmt: skip
    await revision.bump()
    headers = {**world["admin"], "Accept-Language": "nn"}
    labels_only = (
        "query Labels($org: ID!, $period: ID!) { organization(id: $org) { snapshots(periodId: $period, first: 1) "
        "{ edges { node { fieldValues { fieldKey label } } } } } }"
    )  # no section title: the label alone decides
    dashboard = {"org": "org-1042", "period": "2024"}
    if settings.database_dialect == "postgres":
        await both_paths(client, settings, labels_only, dashboard, world["admin"])
        assert compiled[-2], "in Bokmål the compiled statement answers it"
    for document, variables in ((labels_only, dashboard), (DASHBOARD, dashboard)):
        answered = len(compiled)
        ours, executors = await both_paths(client, settings, document, variables, headers)
        assert ours == executors and b"Talet paa aarsverk, nynorsk" in ours, document[:40]
        assert not any(compiled[answered:]), "a request in Nynorsk is the executor's"


async def test_a_request_in_another_language_reads_the_executors_period_names(client, settings, world, compiled):
    """A period's name is stored in Bokmål, as labels are: a request in English is the
    executor's, which names a calendar year in English (the statement printed the stored name)."""
    document = (
        "query Named($org: ID!, $period: ID!) { organization(id: $org) { snapshots(periodId: $period, first: 1) "
        "{ edges { node { period { periodId name } } } } } }"
    )
    variables = {"org": "org-1042", "period": "2024"}
    if settings.database_dialect == "postgres":
        await both_paths(client, settings, document, variables, world["admin"])
        assert compiled[-2], "in Bokmål the compiled statement answers it"
    answered = len(compiled)
    ours, executors = await both_paths(client, settings, document, variables, {**world["admin"], "Accept-Language": "en"})
    assert ours == executors and b"Reporting year 2024" in ours
    assert not any(compiled[answered:]), "a request in English is the executor's"


async def test_what_the_planner_does_not_cover_falls_back_to_the_executor(client, settings, world, compiled):
    for document in UNCOVERED:
        answered = len(compiled)
        ours, executors = await both_paths(client, settings, document, {}, world["admin"])
        assert ours == executors
        assert b'"errors"' not in ours or b"include" in document.encode(), ours
        assert not any(compiled[answered:]), document


async def test_the_switch_turns_the_compiled_path_off(graphql, settings, world, compiled):
    settings.graphql_compiled_reads = False
    result = await graphql(NESTED, {"first": 2}, world["admin"])
    assert len(result["data"]["snapshots"]["edges"]) == 2
    assert compiled == [False]


async def test_a_stored_category_the_enum_does_not_know_is_the_executors_error(client, settings, world, compiled, caplog):
    """The executor fails on a category outside BufdirCategory whatever is selected of the
    metrics; the compiled statement fails on purpose there, quietly, and the executor answers."""
    snapshot = await Snapshot.filter(organization_id="org-1042", period_id="2024").first()
    assert snapshot is not None
    await Snapshot.filter(id=snapshot.id).update(category_breakdown={"retired_category": {"activities": 1}})
    variables = {"org": "org-1042", "period": "2024"}
    ours, executors = await both_paths(client, settings, DASHBOARD, variables, world["admin"])
    assert ours == executors
    assert b'"errors"' in ours
    assert not any(compiled)
    assert "compiled read failed" not in caplog.text


AWKWARD = [
    'Årsverk "i alt" \\ per\tkvartal\nog\u0001 slik – ☃',
    "Årsverk æøå ÆØÅ per\tkvartal\r\nog\u0001\u001f\b\f\u007f slik – ☃ 😀 \u2028 / 'x'",
]
"""Stored text the served body escapes: quotes and backslashes; characters beyond the plane (a
surrogate pair), DEL and U+2028 without them (the case a body written from the statement's own
text, not re-encoded, would get wrong: bench/README, "passed through: tried")."""


@pytest.mark.parametrize("awkward", AWKWARD, ids=["quotes", "beyond-ascii"])
async def test_text_that_json_escapes_reads_the_same_through_both_paths(client, settings, world, compiled, awkward):
    """The statement writes the answer's JSON text itself (``compiled.expressions``): quotes,
    backslashes, control characters and letters beyond ASCII in stored text come out as the
    executor's strings, and the served bodies are the same bytes."""
    from bufdir_reporting.models import FieldDefinition, Section
    from bufdir_reporting.resolvers.base import revision

    definition = await FieldDefinition.get(key="antall_arsverk")
    await FieldDefinition.filter(id=definition.id).update(label=awkward)
    await Section.filter(id=definition.section_id).update(title=awkward)
    await Organization.filter(id="org-1042").update(name=awkward)
    await revision.bump()
    for document, variables in ((DASHBOARD, {"org": "org-1042", "period": "2024"}), (NESTED, {"first": 10})):
        answered = len(compiled)
        ours, executors = await both_paths(client, settings, document, variables, world["admin"])
        assert ours == executors
        assert json.dumps(awkward) in json.dumps(json.loads(ours)), "the awkward text is in the answer"
        assert orjson.dumps(awkward) in ours, "escaped in the body as graphql_http.response_json escapes it"
        assert compiled[answered] == (settings.database_dialect == "postgres")


def test_the_dashboard_statement_writes_text_and_starts_no_needless_subplan():
    """The shape bench S11 measured cheaper: JSON written as text, not built with
    ``json_build_object``/``json_agg`` (a catalogue look-up per argument and call), an object of
    strings alone (a value's) by ``json_object(keys, values)``; the metrics'
    guard against unknown categories an expression, not an aggregate over the keys; the
    consumer's organisations looked up only for a token that has a consumer; an organisation
    the token names itself read without following the tree below it; lists written from
    arrays (``ARRAY(SELECT … ORDER BY …)``), not aggregated, and the categories, which the
    enum knows, written out."""
    from graphql import parse
    from graphql.utilities import get_operation_ast

    from bufdir_reporting.schema import schema
    from bufdir_reporting.schema.compiled.coverage import COVERAGE
    from bufdir_reporting.schema.compiled.planner import Planner

    operation = get_operation_ast(parse(DASHBOARD))
    assert operation is not None
    sql = Planner(schema._schema, COVERAGE).plan(operation).sql
    assert "json_build_object" not in sql and "json_agg" not in sql
    assert "json_object(ARRAY['fieldKey', 'label', 'value', 'priorValue', 'change']::text[], ARRAY[" in sql
    assert "jsonb_object_keys" not in sql
    assert re.search(r"WHERE \$\d+::text IS NOT NULL AND org_number = ", sql)
    assert re.search(r"o1\.id = ANY\(\$\d+::text\[\]\) OR o1\.id = ANY\(ARRAY\(SELECT id FROM reach\)\)", sql)
    # lists as joined arrays, not aggregates (an Agg node set up per execution); the one
    # aggregate left groups a snapshot's values by section; the categories written out
    assert sql.count("string_agg(") == 1 and sql.count("ARRAY(SELECT ") >= 3
    assert "unnest(" not in sql.split(") SELECT CASE", 1)[1], "the categories are no function scan"
