"""Outliers (issue #33 item 2): the modified z-score against hand-computed cases; a value judged
against the organisation's own history (a 5 -> 9 that the history calls normal is not flagged, a
real jump is) and against its peers of the same kind (the organisation learns the score, never
the peers' values); the baselines of a period in the same number of statements however many
organisations report."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import hypothesis
import pytest
from hypothesis import strategies as st

from bufdir_reporting.models import FieldDefinition, FieldOutlierSetting, FieldValue, OrganizationKind, Snapshot
from bufdir_reporting.resolvers import periods
from bufdir_reporting.resolvers.snapshots import outlier_baselines, outliers, validation
from bufdir_reporting.resolvers.snapshots.outliers import Sample, score

from ...factories import context_for, counted, make_organization, make_period, make_section
from ...statements import counting_statements

D = Decimal


@pytest.mark.parametrize(
    ("sample", "value", "expected"),
    [
        # median 12, |deviations| 2 1 0 0 1 -> MAD 1: 0.6745 * 18 / 1
        ([10, 12, 11, 13, 12], 30, 12.141),
        # median 2.5, |deviations| 1.5 .5 .5 1.5 -> MAD 1: 0.6745 * 1.5
        ([1, 2, 3, 4], 4, 1.01175),
        # median 5, |deviations| 0 0 0 1 4 -> MAD 0; mean absolute deviation 1: 4 / 1.253314
        ([5, 5, 5, 6, 9], 9, 3.19153),
        # every value equal: any other value is infinitely unusual, reported as the cap
        ([5, 5, 5], 9, 1000.0),
        ([5, 5, 5], 5, 0.0),
        ([10, 12, 11, 13, 12], 2, -6.745),
    ],
)
def test_the_modified_z_score_matches_the_hand_computed_one(sample, value, expected):
    assert score(D(value), Sample([D(v) for v in sample])) == pytest.approx(expected, abs=1e-4)


async def _snapshot(org: str, period: str, value: int, prior: int | None = None) -> Snapshot:
    definition = await FieldDefinition.get(key="saker")
    snapshot = await Snapshot.create(
        id=f"snap-{org}-{period}",
        organization_id=org,
        period_id=period,
        range_start=datetime(2000, 1, 1, tzinfo=UTC),
        range_end=datetime(2000, 1, 2, tzinfo=UTC),
        status="current",
        current_slot=f"{org}|{period}",
    )
    await FieldValue.create(
        snapshot=snapshot,
        field_definition=definition,
        field_key="saker",
        section_key=definition.section_id,
        value=D(value),
        prior_value=None if prior is None else D(prior),
    )
    return snapshot


@pytest.fixture
async def history(app):
    """org-h reported 7, 9, 6, 8, 5 cases in 2019-2023 (median 7, MAD 1)."""
    await make_section(fields=[counted("saker")])
    await make_organization(id="org-h", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
    for year, value in zip(range(2019, 2024), (7, 9, 6, 8, 5), strict=True):
        await make_period(year=year)
        await _snapshot("org-h", str(year), value)
    await make_period(year=2024)


async def _codes(settings, app, snapshot: Snapshot) -> list[validation.Finding]:
    ctx = context_for(settings, app, snapshot.organization_id)
    return [f for f in await validation.validate(ctx, snapshot=snapshot) if f.field_key == "saker"]


async def test_a_change_the_history_calls_normal_is_not_flagged_and_a_real_jump_is(app, settings, history):
    normal = await _snapshot("org-h", "2024", 9, prior=5)  # +80 % against 2023 alone
    assert await _codes(settings, app, normal) == []
    await Snapshot.filter(id=normal.id).delete()
    jump = await _snapshot("org-h", "2024", 40, prior=5)
    [finding] = await _codes(settings, app, jump)
    assert (finding.code, finding.severity) == ("OUTLIER_HISTORY", "warning")
    assert finding.score == pytest.approx(0.6745 * 33)
    assert "median 7" in finding.message


async def test_the_floor_and_threshold_are_per_field(app, settings, history):
    jump = await _snapshot("org-h", "2024", 40, prior=5)
    await FieldOutlierSetting.create(field_key="saker", min_deviation=D(50))
    assert await _codes(settings, app, jump) == []
    await FieldOutlierSetting.filter(field_key="saker").update(min_deviation=None, z_threshold=D(30))
    assert await _codes(settings, app, jump) == []
    await FieldOutlierSetting.filter(field_key="saker").update(z_threshold=D(20))
    assert [f.code for f in await _codes(settings, app, jump)] == ["OUTLIER_HISTORY"]
    await FieldOutlierSetting.filter(field_key="saker").update(enabled=False)
    assert await _codes(settings, app, jump) == [], "judging turned off for the field"


async def test_with_little_history_the_percent_change_needs_the_floor_too(app, settings):
    await make_section(fields=[counted("saker")])
    await make_organization(id="org-n")
    await make_period(year=2024)
    small = await _snapshot("org-n", "2024", 9, prior=5)
    assert await _codes(settings, app, small) == [], "5 -> 9 is +80 % but only 4 more: below the floor"
    await Snapshot.filter(id=small.id).delete()
    large = await _snapshot("org-n", "2024", 19, prior=5)
    assert [f.code for f in await _codes(settings, app, large)] == ["LARGE_CHANGE"]
    await FieldOutlierSetting.create(field_key="saker", enabled=False)
    assert await _codes(settings, app, large) == [], "a field not judged warns of no change either"


@pytest.fixture
async def peers(app):
    """Six child-welfare services reported 10, 12, 11, 13, 12 and 60 cases in 2024; a family
    counselling office (another kind) 500."""
    await make_section(fields=[counted("saker")])
    await make_period(year=2024)
    for number, value in enumerate((10, 12, 11, 13, 12, 60), start=1):
        await make_organization(id=f"org-p{number}", kind=OrganizationKind.CHILD_WELFARE_SERVICE)
        await _snapshot(f"org-p{number}", "2024", value)
    await make_organization(id="org-fv", kind=OrganizationKind.FAMILY_COUNSELLING)
    await _snapshot("org-fv", "2024", 500)


async def test_an_outlier_among_peers_learns_that_it_stands_out_and_nothing_of_theirs(app, settings, graphql, tokens, peers):
    """The organisation is told its value stands out among its peers, and which way, but not the
    score: its score at 60 and, after changing its draft, at 80 (32.38, then 45.87) is a line
    whose slope (0.6745 / MAD) and zero (the median, 12: org-p2's and org-p5's own figure) it
    could solve for (attacker's review). A reviewer gets the score, in ``score``: the words are
    the organisation's (one wording for the worklist, the snapshot and the PDF)."""
    query = "query ($s: ID!) { snapshot(id: $s) { validation { fieldKey code message score } } }"
    for value in (60, 80):
        await FieldValue.filter(snapshot_id="snap-org-p6-2024").update(value=D(value))
        # (the value changed behind the service's back: a query of its own, not the cached answer)
        own = await graphql(f"{query} # {value}", {"s": "snap-org-p6-2024"}, tokens.headers("org-p6"))
        assert own["data"]["snapshot"]["validation"] == [
            {
                "fieldKey": "saker",
                "code": "OUTLIER_PEERS",
                "message": f"Verdien for saker ({value}) er uvanlig høy sammenlignet med organisasjoner av samme type",
                "score": None,
            }
        ]
    await FieldValue.filter(snapshot_id="snap-org-p6-2024").update(value=D(60))
    reviewed = await graphql(query, {"s": "snap-org-p6-2024"}, tokens.reviewer())
    # median 12; |deviations| 2 1 0 1 0 48 -> MAD 1: 0.6745 * 48
    assert reviewed["data"]["snapshot"]["validation"] == [
        {
            "fieldKey": "saker",
            "code": "OUTLIER_PEERS",
            "message": "Verdien for saker (60) er uvanlig høy sammenlignet med organisasjoner av samme type",
            "score": 32.38,
        }
    ]
    typical = await graphql(query, {"s": "snap-org-p2-2024"}, tokens.headers("org-p2"))
    assert typical["data"]["snapshot"]["validation"] == []
    other = await graphql(query, {"s": "snap-org-p6-2024"}, tokens.headers("org-p2"))
    assert other["data"]["snapshot"] is None, "another organisation's snapshot answers as a missing one"
    alone = await graphql(query, {"s": "snap-org-fv-2024"}, tokens.headers("org-fv"))
    assert alone["data"]["snapshot"]["validation"] == [], "one organisation of its kind has no peers to be judged by"


async def test_a_periods_baselines_take_the_same_statements_for_few_and_many_organisations(app, settings, history):
    ctx = context_for(settings, app, admin=True)
    period = await periods.get_or_raise(ctx, period_id="2024")
    counts = []
    for extra in (2, 12):
        for number in range(extra):
            org = f"org-x{extra}-{number}"
            await make_organization(id=org, kind=OrganizationKind.CHILD_WELFARE_SERVICE)
            await _snapshot(org, "2024", number)
            await _snapshot(org, "2023", number)
        with counting_statements() as counter:
            found = await outlier_baselines.baselines(ctx, period=period, form_id=None)
        counts.append(len(counter.statements))
        assert len(found.kinds) >= extra
    assert counts[0] == counts[1] <= 4, counts


_figures = st.decimals(min_value=-10_000, max_value=10_000, places=4, allow_nan=False, allow_infinity=False)


@hypothesis.settings(max_examples=300, deadline=None, derandomize=True, database=None)
@hypothesis.given(
    peers=st.lists(_figures | st.sampled_from([D(5), D(7)]), min_size=5, max_size=12),
    z=st.sampled_from([0.5, 2.0, 3.5, 100.0]),
    floor=st.sampled_from([D(0), D(5), D("0.0001"), D(1000)]),
)
def test_judging_among_peers_is_the_same_as_judging_each_value_alone(peers, z, floor):
    """A peers' sample spares most of its values the score (``outliers._quiet``, bench S10): every
    value of it is judged as ``_judged`` judges it alone, at the threshold and the floor too."""
    limits = outliers.Thresholds(z, floor)
    baselines = outliers.Baselines(limits)
    orgs = [f"org-{n}" for n in range(len(peers))]
    baselines.kinds = dict.fromkeys(orgs, "kind")
    baselines.peer_values = {("kind", "felt"): dict(zip(orgs, peers, strict=True))}
    alone = Sample(list(peers))
    for org, value in zip(orgs, peers, strict=True):
        expected = outliers._judged(outliers.Basis.PEERS, value, alone, limits)
        assert baselines.judge(org, "felt", value) == ([] if expected is None else [expected])
    # every value the band spares is no outlier, the nearest ones to its bounds included
    low, high = outliers._quiet(alone, limits)
    mad, mean_ad = alone.spread
    bound = z * (mad / 0.6745 if mad else 1.253314 * mean_ad)
    for distance in (floor, D(bound), D(bound * (1 + 1e-6)), D(bound * (1 - 1e-6)), D(bound) + D("0.0001")):
        for near in (alone.median + distance, alone.median - distance):
            if low < near < high:
                assert outliers._judged(outliers.Basis.PEERS, near, alone, limits) is None, (near, low, high)
