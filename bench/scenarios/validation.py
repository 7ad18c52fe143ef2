"""S10: every validation rule and outlier of one period across every organisation (the case
officer's worklist) against aggregating that period for every organisation (issue #33: goal,
rules and outliers add at most 20 % to the aggregation).

Two rows: the worklist computed from nothing (the history summarised in the statement), and the
same read again with the organisations' history held by the process (as a live worklist reads
it again at each change: the response cache's switch on, nothing written in between, so every
organisation's history is held). Each run does the three in turn; the two worklists' items are
checked equal."""

from __future__ import annotations

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.demo.validation_rules import RULES
from bufdir_reporting.models import DEFAULT_FORM, MissingValueStrategy, Period, Snapshot, ValidationRule
from bufdir_reporting.resolvers.aggregation import engine
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.periods import period_bounds
from bufdir_reporting.resolvers.reporting import worklist
from bufdir_reporting.resolvers.snapshots import runs
from bufdir_reporting.schema.context import GraphQLContext

from ..environment import Env
from ..harness import Row, Timing, judged, timed

CASE_OFFICER = Principal("bench-case-officer", roles=frozenset({REVIEWER}))


async def s10_rules_and_outliers(env: Env) -> list[Row]:
    period_id = env.dataset.period_ids[-1]
    period = await Period.get(id=period_id)
    bounds = period_bounds(period)
    organizations = env.dataset.organization_ids
    # the demo's rules, put on the default form the bench's snapshots are of
    made = [
        await ValidationRule.create(
            **{**rule, "form_id": DEFAULT_FORM}, missing_value_strategy=MissingValueStrategy.SKIP_IF_ANY_MISSING
        )
        for rule in RULES
        if rule["form_id"] == "barnevern-arsrapport"
    ]
    await revision.bump()
    try:
        template = Snapshot(organization_id=organizations[0], period_id=period.id, range_start=bounds.start, range_end=bounds.end)
        definitions = await runs.definitions_for(env.context(), template)
        items: list[worklist.WorkItem] = []
        held_items: list[worklist.WorkItem] = []
        filters = worklist.Filters(period_id=period.id, submitted_only=False)
        holding = env.settings.model_copy(update={"response_cache_mb": 64})

        async def ours() -> None:
            nonlocal items
            items = await worklist.list_(env.context(CASE_OFFICER), filters=filters)

        async def held() -> None:
            nonlocal held_items
            ctx = Context(settings=holding, principal=CASE_OFFICER, jobs=env.app.state.jobs, events=env.app.state.events)
            held_items = await worklist.list_(GraphQLContext.wrap(ctx), filters=filters)

        async def aggregation() -> None:
            for organization_id in organizations:
                await engine.aggregate(
                    organization_ids=[organization_id], start=bounds.start, end=bounds.end, definitions=definitions
                )

        await ours()
        await held()
        await aggregation()
        mine, kept, theirs = [], [], []
        for _ in range(max(3, env.runs // 3)):
            mine.append(await timed(ours))
            kept.append(await timed(held))
            theirs.append(await timed(aggregation))
        if held_items != items:
            raise AssertionError("S10: the worklist with the history held differs from the one computed")
    finally:
        await ValidationRule.filter(id__in=[rule.id for rule in made]).delete()
        await revision.bump()
    codes: dict[str, int] = {}
    for item in items:
        codes[item.code] = codes.get(item.code, 0) + 1
    computed, again, aggregated = Timing(mine), Timing(kept), Timing(theirs)
    return [
        judged(
            "S10",
            f"rules and outliers of {len(organizations)} organisations x 57 fields, one period",
            ours=computed.p50 * 1e3,
            baseline=aggregated.p50 * 1e3,
            unit="ms",
            limit=0.2,
            notes=f"worklist against aggregating the period for every organisation; {len(made)} rules; items {codes}",
            details={"ours": computed.summary(), "baseline": aggregated.summary(), "items": codes},
        ),
        judged(
            "S10",
            "the same read again, the organisations' history held (nothing written since)",
            ours=again.p50 * 1e3,
            baseline=aggregated.p50 * 1e3,
            unit="ms",
            limit=0.2,
            notes="a live worklist's re-read: the history summarised again only for organisations whose data changed",
            details={"ours": again.summary(), "baseline": aggregated.summary()},
        ),
    ]
