"""S10: every validation rule and outlier of one period across every organisation (the case
officer's worklist) against aggregating that period for every organisation (issue #33: goal,
rules and outliers add at most 20 % to the aggregation)."""

from __future__ import annotations

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.demo.validation_rules import RULES
from bufdir_reporting.models import DEFAULT_FORM, MissingValueStrategy, Period, Snapshot, ValidationRule
from bufdir_reporting.resolvers.aggregation import engine
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.periods import period_bounds
from bufdir_reporting.resolvers.reporting import worklist
from bufdir_reporting.resolvers.snapshots import runs

from ..environment import Env
from ..harness import Row, compare, judged

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

        async def ours() -> None:
            nonlocal items
            items = await worklist.list_(
                env.context(CASE_OFFICER), filters=worklist.Filters(period_id=period.id, submitted_only=False)
            )

        async def aggregation() -> None:
            for organization_id in organizations:
                await engine.aggregate(
                    organization_ids=[organization_id], start=bounds.start, end=bounds.end, definitions=definitions
                )

        mine, theirs = await compare(ours, aggregation, runs=max(3, env.runs // 3), warmup=1)
    finally:
        await ValidationRule.filter(id__in=[rule.id for rule in made]).delete()
        await revision.bump()
    codes: dict[str, int] = {}
    for item in items:
        codes[item.code] = codes.get(item.code, 0) + 1
    return [
        judged(
            "S10",
            f"rules and outliers of {len(organizations)} organisations x 57 fields, one period",
            ours=mine.p50 * 1e3,
            baseline=theirs.p50 * 1e3,
            unit="ms",
            limit=0.2,
            notes=f"worklist against aggregating the period for every organisation; {len(made)} rules; items {codes}",
            details={"ours": mine.summary(), "baseline": theirs.summary(), "items": codes},
        )
    ]
