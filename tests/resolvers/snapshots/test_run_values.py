"""What a run writes, worked out without a database: values, carried manual values, completeness."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bufdir_reporting.models import FieldDefinition, FieldValue
from bufdir_reporting.resolvers.aggregation.results import Aggregate, CategoryMetrics, FieldResult
from bufdir_reporting.resolvers.snapshots.completeness import completeness
from bufdir_reporting.resolvers.snapshots.run_values import MANUAL, metrics_of, new_values


def definition(id: int, key: str, section: str, *, required: bool, rule: dict | None) -> FieldDefinition:
    made = FieldDefinition(id=id, key=key, required=required, aggregation_rule=rule)
    made.section_id = section  # a foreign key's column is not a constructor argument
    return made


COMPUTED = definition(1, "antall", "tiltak", required=True, rule={"kind": "count"})
MANUAL_FIELD = definition(2, "arsverk", "ressurser", required=True, rule=None)
OPTIONAL = definition(3, "merknad", "ressurser", required=False, rule=None)
DEFINITIONS = [COMPUTED, MANUAL_FIELD, OPTIONAL]
SET_AT = datetime(2025, 2, 1, tzinfo=UTC)


def result(value: Decimal | None) -> Aggregate:
    return Aggregate(values={"antall": FieldResult(value, "fagsystem-cis")})


def test_computed_values_come_from_the_engine_and_manual_ones_are_carried_over():
    carried = {
        "arsverk": FieldValue(field_key="arsverk", value=Decimal("12.5"), data_source=MANUAL, set_by="kari", set_at=SET_AT)
    }
    prior = {
        "antall": FieldValue(field_key="antall", value=Decimal(40)),
        "arsverk": FieldValue(field_key="arsverk", value=Decimal(11)),
    }
    rows = {r.field_key: r for r in new_values("snap-x", DEFINITIONS, result(Decimal(42)), prior=prior, carried=carried)}
    assert (rows["antall"].value, rows["antall"].prior_value, rows["antall"].data_source) == (
        Decimal(42),
        Decimal(40),
        "fagsystem-cis",
    )
    assert (rows["arsverk"].value, rows["arsverk"].data_source, rows["arsverk"].set_by) == (Decimal("12.5"), MANUAL, "kari")
    assert rows["arsverk"].prior_value == Decimal(11)
    assert rows["merknad"].value is None and rows["merknad"].data_source is None
    assert rows["arsverk"].section_key == "ressurser"


def test_a_computed_value_wins_over_a_stale_manual_one_for_the_same_key():
    carried = {"antall": FieldValue(field_key="antall", value=Decimal(1), data_source=MANUAL, set_by="kari", set_at=SET_AT)}
    (row, *_) = new_values("snap-x", DEFINITIONS, result(Decimal(0)), prior={}, carried=carried)
    assert (row.value, row.data_source, row.set_by) == (Decimal(0), "fagsystem-cis", None)


def test_completeness_counts_zero_as_reported_and_lists_missing_required_fields_in_order():
    rows = new_values("snap-x", DEFINITIONS, result(Decimal(0)), prior={}, carried={})
    assert completeness(DEFINITIONS, rows) == {
        "field_count": 3,
        "populated_field_count": 1,
        "missing_required_fields": ["arsverk"],
    }


def test_metrics_keep_hours_as_text_in_the_breakdown():
    aggregate = Aggregate(activity_count=3, categories={"ungdom": CategoryMetrics(3, 5, Decimal("4.50"))})
    assert metrics_of(aggregate)["category_breakdown"] == {"ungdom": {"activities": 3, "participants": 5, "hours": "4.50"}}
