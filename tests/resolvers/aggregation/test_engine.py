"""The engine against a straightforward computation over the same rows, on both databases."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from bufdir_reporting.demo import load_demo_data
from bufdir_reporting.models import (
    Activity,
    ActivityParticipant,
    FieldDefinition,
    Period,
)
from bufdir_reporting.resolvers.aggregation.engine import aggregate
from bufdir_reporting.resolvers.structure.rules import (
    AggregationRule,
    RuleKind,
    Temporal,
)

from ...worlds import restored


@pytest.fixture
async def activities(app, settings):
    """The demo's data with 4,000 activities: built once per database and worker, restored for each test."""
    await restored(settings.database_url, "demo-4000", lambda: load_demo_data(activity_count=4000))


def bounds(period: Period) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time.min, UTC), datetime.combine(period.end, time.max, UTC)


async def test_a_subtrees_participants_are_counted_once_across_its_organisations(activities):
    """The same person at two branches is one participant of the umbrella's rolled-up figures."""
    period = await Period.get(id="2024")
    start, end = bounds(period)
    definitions = await FieldDefinition.filter(valid_to=None)
    subtree = ["org-bufdir-42", "org-3310"]
    alone = [await aggregate(organization_ids=[o], start=start, end=end, definitions=definitions) for o in subtree]
    both = await aggregate(organization_ids=subtree, start=start, end=end, definitions=definitions)
    assert both.activity_count == sum(a.activity_count for a in alone)
    refs = {
        org: set(
            await ActivityParticipant.filter(
                activity__organization_id=org, activity__occurred_at__gte=start, activity__occurred_at__lte=end
            ).values_list("participant_ref", flat=True)
        )
        for org in subtree
    }
    shared = refs[subtree[0]] & refs[subtree[1]]
    assert shared, "the demo's branches share participants"
    assert both.unique_participants == len(refs[subtree[0]] | refs[subtree[1]]) < sum(a.unique_participants for a in alone)


def matches(rule: AggregationRule, activity: Activity, start: datetime, end: datetime) -> bool:
    if rule.temporal == Temporal.STOCK:
        in_time = activity.occurred_at <= end and (activity.ended_at is None or activity.ended_at > end)
    else:
        in_time = start <= activity.occurred_at <= end
    f = rule.filters
    return (
        in_time
        and (not f.activity_types or activity.activity_type in f.activity_types)
        and (not f.categories or activity.category in f.categories)
        and (not f.statuses or activity.status in f.statuses)
        and (not f.locations or activity.location in f.locations)
    )


def expected_leaf(rule, rows, refs, start, end) -> Decimal:
    hits = [a for a in rows if matches(rule, a, start, end)]
    if rule.kind == RuleKind.COUNT:
        return Decimal(len(hits))
    if rule.kind == RuleKind.SUM:
        return sum(
            (Decimal(str(getattr(a, "hours" if rule.measure == "hours" else "participant_count"))) for a in hits), Decimal(0)
        )
    return Decimal(len({ref for a in hits for ref in refs[a.id]}))


@pytest.mark.parametrize(
    "organization_ids",
    [["org-1042"], ["org-bufdir-42"], ["org-bufdir-42", "org_bufdir_oslo_42", "org-3310"]],
    ids=["one", "another", "a-subtree-rolled-up"],
)
@pytest.mark.parametrize("period_id", ["2024", "rp-2024-q4", "rp-2026-q1"])
async def test_engine_agrees_with_a_straightforward_computation(activities, organization_ids, period_id):
    """One organisation, or a subtree rolled up: its participants counted once across the
    organisations, from their references, never the branches' counts added."""
    period = await Period.get(id=period_id)
    start, end = bounds(period)
    definitions = await FieldDefinition.filter(valid_to=None)
    rows = await Activity.filter(organization_id__in=organization_ids, deleted_at=None)
    refs: dict[int, set[str]] = defaultdict(set)
    for activity_id, ref in await ActivityParticipant.filter(activity__organization_id__in=organization_ids).values_list(
        "activity_id", "participant_ref"
    ):
        refs[activity_id].add(ref)

    result = await aggregate(organization_ids=organization_ids, start=start, end=end, definitions=definitions)

    flow = [a for a in rows if start <= a.occurred_at <= end]
    assert result.activity_count == len(flow) > 0
    assert result.participant_count == sum(a.participant_count for a in flow)
    assert result.hours == sum((a.hours for a in flow), Decimal(0))
    assert result.unique_participants == len({r for a in flow for r in refs[a.id]})
    per_category = Counter(a.category for a in flow)
    assert {k: v.activities for k, v in result.categories.items()} == dict(per_category)
    for name, metrics in result.categories.items():
        assert metrics.hours == sum((a.hours for a in flow if a.category == name), Decimal(0))

    computed = [d for d in definitions if d.aggregation_rule]
    assert set(result.values) == {d.key for d in computed}
    for definition in computed:
        rule = AggregationRule.model_validate(definition.aggregation_rule)
        if rule.kind == RuleKind.RATIO:
            numerator = expected_leaf(rule.numerator, rows, refs, start, end)
            denominator = expected_leaf(rule.denominator, rows, refs, start, end)
            expected = None if not denominator else (Decimal(str(rule.scale)) * numerator / denominator).quantize(Decimal("0.01"))
        else:
            expected = expected_leaf(rule, rows, refs, start, end)
        assert result.values[definition.key].value == expected, definition.key
    stocked = result.values.get("antall_barn_plassert_utenfor_hjemmet")
    if organization_ids == ["org-1042"]:
        assert stocked is not None and stocked.value > 0 and stocked.data_source.startswith("fagsystem-")


async def test_an_organisation_without_activities_reports_zero_not_null(app, activities):
    from bufdir_reporting.models import Organization

    await Organization.create(id="org-empty", name="Tom")
    definitions = await FieldDefinition.filter(valid_to=None)
    result = await aggregate(
        organization_ids=["org-empty"],
        start=datetime(2024, 1, 1, tzinfo=UTC),
        end=datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        definitions=definitions,
    )
    assert result.activity_count == 0 and result.categories == {}
    assert result.values["antall_akuttplasseringer"].value == 0
    assert result.values["andel_barn_i_fosterhjem"].value is None
    assert result.values["antall_akuttplasseringer"].data_source is None


def rule(**fields) -> dict | None:
    return AggregationRule.model_validate(fields).stored()


# Rules over every filtered column (locations are not in the demo structure), stock and flow,
# equal leaves in several fields and a ratio whose parts are other fields' rules: the engine
# groups by the filtered columns first, then folds each rule over the groups.
CUSTOM_RULES = {
    "oslo": rule(kind="count", filters={"locations": ["Oslo"]}),
    "oslo_again": rule(kind="count", filters={"locations": ["Oslo"]}),
    "bergen_hours": rule(kind="sum", measure="hours", filters={"locations": ["Bergen", "Tromsø"], "statuses": ["completed"]}),
    "oslo_people": rule(
        kind="count_distinct_participants", filters={"locations": ["Oslo"], "categories": ["foreldre_barn", "ungdom"]}
    ),
    "open_in_oslo": rule(kind="count", temporal="stock", filters={"locations": ["Oslo", "Drammen"]}),
    "participants_cancelled": rule(kind="sum", measure="participant_count", filters={"statuses": ["cancelled"]}),
    # Stock rules on the category and status (the open pass then groups by them too) and adding
    # up a measure: the open pass sums participants and hours as well.
    "open_youth_people": rule(
        kind="sum", measure="participant_count", temporal="stock", filters={"categories": ["ungdom"], "statuses": ["completed"]}
    ),
    "open_hours": rule(kind="sum", measure="hours", temporal="stock"),
    "open_people": rule(kind="count_distinct_participants", temporal="stock", filters={"categories": ["foreldre_barn"]}),
    "oslo_share": rule(
        kind="ratio", scale=100, numerator={"kind": "count", "filters": {"locations": ["Oslo"]}}, denominator={"kind": "count"}
    ),
}


@pytest.mark.parametrize("period_id", ["rp-2024-q4", "2025"])
async def test_rules_on_every_filtered_column_agree_with_a_straightforward_computation(activities, period_id):
    organization_id = "org-1042"
    period = await Period.get(id=period_id)
    start, end = bounds(period)
    definitions = [FieldDefinition(key=key, aggregation_rule=stored) for key, stored in CUSTOM_RULES.items()]
    rows = await Activity.filter(organization_id=organization_id, deleted_at=None)
    refs: dict[int, set[str]] = defaultdict(set)
    for activity_id, ref in await ActivityParticipant.filter(activity__organization_id=organization_id).values_list(
        "activity_id", "participant_ref"
    ):
        refs[activity_id].add(ref)

    result = await aggregate(organization_ids=[organization_id], start=start, end=end, definitions=definitions)

    for key, stored in CUSTOM_RULES.items():
        parsed = AggregationRule.model_validate(stored)
        if parsed.kind == RuleKind.RATIO:
            numerator = expected_leaf(parsed.numerator, rows, refs, start, end)
            denominator = expected_leaf(parsed.denominator, rows, refs, start, end)
            expected = (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"))
        else:
            expected = expected_leaf(parsed, rows, refs, start, end)
        assert result.values[key].value == expected, key
        assert expected or parsed.kind == RuleKind.RATIO, f"{key} matches nothing; the test would prove little"
    assert result.values["oslo"] == result.values["oslo_again"]
    hits = Counter(a.source_system for a in rows if matches(AggregationRule.model_validate(CUSTOM_RULES["oslo"]), a, start, end))
    assert result.values["oslo"].data_source == min(hits, key=lambda name: (-hits[name], name))
