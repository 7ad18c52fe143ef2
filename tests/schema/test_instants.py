"""An instant reads the same on every transport: UTC, whole seconds, ``Z``, the form the legacy
contracts fix for REST (``scalars.DateTime``). GraphQL printed ``…14:00:00.752652+00:00`` beside
REST's ``…14:00:00Z`` for the same snapshot (#33 outsider)."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.scenarios.dashboard import DASHBOARD  # bench S7's document
from bench.scenarios.reads import SNAPSHOT_QUERY as ONE  # bench S3's GraphQL document
from bufdir_reporting.models import Snapshot
from bufdir_reporting.resolvers import snapshots

from ..factories import context_for, make_scope


async def test_an_instant_reads_the_same_over_graphql_and_rest(app, settings, client, graphql, tokens):
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    await Snapshot.filter(id=snapshot.id).update(aggregated_at=datetime(2026, 3, 25, 14, 0, 0, 752652, tzinfo=UTC))
    own = tokens.headers(scope.org.id)
    rest = await client.get(f"/api/v1/aggregated-report-data/{snapshot.id}", headers=own)
    assert rest.json()["aggregated_at"] == "2026-03-25T14:00:00Z"
    one = await graphql(ONE, {"id": snapshot.id}, own)
    assert one["data"]["snapshot"]["aggregatedAt"] == "2026-03-25T14:00:00Z", one
    # the dashboard's document is answered by one compiled statement on PostgreSQL: the same form
    dashboard = await graphql(DASHBOARD, {"org": scope.org.id, "period": scope.period.id}, own)
    node = dashboard["data"]["organization"]["snapshots"]["edges"][0]["node"]
    assert node["aggregatedAt"] == "2026-03-25T14:00:00Z", dashboard
