"""The live updates a frontend needs: any period of an organisation, its report records, and
(for reviewers) submissions as they arrive."""

from __future__ import annotations

import asyncio

from bufdir_reporting.auth import principal_from_authorization
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records, submissions
from bufdir_reporting.resolvers.snapshots import manual_values
from bufdir_reporting.schema import schema
from bufdir_reporting.schema.context import GraphQLContext

from ..factories import context_for, make_scope


def context(app, settings, headers) -> GraphQLContext:
    principal = principal_from_authorization(settings, headers["Authorization"])
    return GraphQLContext(settings=settings, principal=principal, events=app.state.events)


async def first_of(stream):
    task = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.1)  # subscribed before the change happens
    return task


async def test_an_organisations_data_report_records_and_arriving_submissions_are_streamed(app, settings, tokens):
    scope = await make_scope()
    org = scope.org.id
    own = context(app, settings, tokens.headers(org))
    data = await schema.subscribe(
        f'subscription {{ organizationDataChanged(organizationId: "{org}") {{ organizationId periodId }} }}', context_value=own
    )
    reports = await schema.subscribe(
        f'subscription {{ reportRecordChanged(organizationId: "{org}") {{ organizationId status }} }}', context_value=own
    )
    arriving = await schema.subscribe(
        "subscription { submissionReviewChanged { organizationId fromState reviewState by } }",
        context_value=context(app, settings, tokens.reviewer()),
    )
    next_data, next_report, next_submission = await first_of(data), await first_of(reports), await first_of(arriving)

    ctx = context_for(settings, app, org, subject="kari")
    snapshot = (await snapshots.trigger(ctx, organization_id=org, period_id="2024", wait=True)).snapshot
    async with asyncio.timeout(5):
        changed = (await next_data).data["organizationDataChanged"]
    # the run also aggregates the prior year when it is missing: whichever comes first, it is this organisation's
    assert changed["organizationId"] == org and changed["periodId"] in ("2023", "2024")
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value="2")
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    async with asyncio.timeout(5):
        assert (await next_report).data["reportRecordChanged"]["organizationId"] == org
    await submissions.submit(ctx, report_id=record.id)
    async with asyncio.timeout(5):
        assert (await next_submission).data["submissionReviewChanged"] == {
            "organizationId": org,
            "fromState": None,
            "reviewState": "SUBMITTED",
            "by": "kari",
        }
    for stream in (data, reports, arriving):
        await stream.aclose()


async def test_another_organisations_streams_are_refused(app, settings, tokens):
    scope = await make_scope()
    stranger = context(app, settings, tokens.headers("org-somewhere-else"))
    for field in ("organizationDataChanged", "reportRecordChanged"):
        stream = await schema.subscribe(
            f'subscription {{ {field}(organizationId: "{scope.org.id}") {{ organizationId }} }}', context_value=stranger
        )
        result = await anext(stream)
        assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]
