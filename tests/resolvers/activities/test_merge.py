"""How a batch of activity specs is applied, decided before anything is written (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from bufdir_reporting.resolvers.activities.batch import merge
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec

NOW = datetime(2025, 6, 2, tzinfo=UTC)
KEY = ("org-1042", "fagsystem-cis", "sak-1")


def spec(*, external_id: str | None = "sak-1", status: str = "opened", refs: tuple[str, ...] = ()) -> ActivitySpec:
    return ActivitySpec(
        organization_id="org-1042",
        source_system="fagsystem-cis",
        external_id=external_id,
        activity_type="investigation",
        category="ungdom",
        status=status,
        occurred_at=datetime(2025, 6, 1, tzinfo=UTC),
        participant_refs=list(refs),
    )


def test_a_key_named_twice_is_recorded_by_the_first_and_corrected_by_the_second():
    merged = merge([spec(status="opened", refs=("p1",)), spec(status="closed", refs=("p2",))], {}, NOW)
    assert merged.outcome == [(KEY, True), (KEY, False)]
    (_, first, none, _), (_, second, before, after) = merged.entries
    assert (first, none, second) == ("activity.recorded", None, "activity.corrected")
    assert before["status"] == "opened" and after["status"] == "closed"
    values, refs = merged.final[KEY]
    assert values["status"] == "closed" and refs == ["p2"]  # the last one wins, participants included


def test_a_stored_key_is_corrected_with_what_was_stored_as_before():
    stored = {KEY: {"status": "opened", "category": "ungdom"}}
    merged = merge([spec(status="closed")], stored, NOW)
    assert merged.outcome == [(KEY, False)]
    assert merged.entries[0][1:3] == ("activity.corrected", stored[KEY])


def test_without_an_external_id_every_spec_is_a_new_activity_recorded_now():
    merged = merge([spec(external_id=None), spec(external_id=None)], {}, NOW)
    assert merged.outcome == [(0, True), (1, True)] and merged.final == {}
    assert [values["recorded_at"] for values in merged.unkeyed] == [NOW, NOW]
    assert merged.entries[1][2] is None and merged.entries[1][3]["participant_refs"] == 0
