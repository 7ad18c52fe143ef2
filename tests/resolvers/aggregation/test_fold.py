"""The engine's two halves without a database: the plan it asks for, and the fold of the rows it
gets back. (``test_engine.py`` beside it checks the whole against real databases.)"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bufdir_reporting.models import FieldDefinition
from bufdir_reporting.resolvers.aggregation.plans import GROUPED, plan
from bufdir_reporting.resolvers.aggregation.results import fold

START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
YOUTH = {"kind": "count", "filters": {"categories": ["ungdom"]}}
ALL = {"kind": "count"}
HOURS = {"kind": "sum", "measure": "hours"}
PEOPLE = {"kind": "count_distinct_participants"}
OPEN_CASES = {"kind": "count", "temporal": "stock"}


def definition(key: str, rule: dict | None) -> FieldDefinition:
    return FieldDefinition(key=key, label=key, aggregation_rule=rule)


DEFINITIONS = [
    definition("ungdom", YOUTH),
    definition("alle", ALL),
    definition("timer", HOURS),
    definition("personer", PEOPLE),
    definition("andel_ungdom", {"kind": "ratio", "numerator": YOUTH, "denominator": ALL, "scale": 100}),
    definition("per_apen_sak", {"kind": "ratio", "numerator": ALL, "denominator": OPEN_CASES}),
    definition("manuell", None),
]


def planned(dialect: str = "postgres"):
    return plan(organization_ids=["org-1042"], start=START, end=END, definitions=DEFINITIONS, dialect=dialect)


def column(p, key: str, part: str | None = None) -> int:
    rule = p.rules[key]
    return p.position[id(getattr(rule, part) if part else rule)]


def as_row(p, values: dict) -> tuple:
    """A grouped row as the statement returns it: ``GROUPED`` and then each leaf's columns, by
    position (the fold reads them so)."""
    names: list[str | None] = list(GROUPED)
    for index, counted, summed in p.columns:
        for position, name in ((counted, f"m{index}"), (summed, f"v{index}")):
            if position is not None:
                names[len(names) :] = [None] * (position + 1 - len(names))
                names[position] = name
    assert None not in names and f" AS {names[-1]} FROM (" in p.grouped[0]
    return tuple(values.get(name) for name in names)


def test_equal_leaves_share_one_column_and_manual_fields_ask_nothing():
    p = planned()
    assert set(p.rules) == {"ungdom", "alle", "timer", "personer", "andel_ungdom", "per_apen_sak"}
    assert column(p, "andel_ungdom", "numerator") == column(p, "ungdom")
    assert column(p, "andel_ungdom", "denominator") == column(p, "alle") == column(p, "per_apen_sak", "numerator")
    assert len(p.leaves) == 5  # ungdom, alle, timer, personer, open cases
    assert p.distinct == [column(p, "personer")]


def test_parameters_are_bound_never_spliced_in_either_dialect():
    for dialect, placeholder in (("postgres", "$1"), ("sqlite", "?1")):
        p = planned(dialect)
        for text, params in (p.grouped, p.participants):
            assert placeholder in text and "org-1042" in params and "org-1042" not in text


def test_the_fold_sums_groups_into_values_metrics_and_the_main_source():
    p = planned()
    ungdom, alle, timer = (column(p, k) for k in ("ungdom", "alle", "timer"))
    apne = column(p, "per_apen_sak", "denominator")

    def row(category: str, source: str, n: int, hours: str, *, open_cases: int = 0) -> tuple:
        values: dict[str, int | Decimal] = {f"m{i}": 0 for i in range(len(p.leaves))}
        values.update({f"m{alle}": n, f"m{timer}": n, f"v{timer}": Decimal(hours), f"m{apne}": open_cases})
        if category == "ungdom":
            values[f"m{ungdom}"] = n
        return as_row(p, {"category": category, "source": source, "n": n, "p": 2 * n, "h": Decimal(hours), **values})

    grouped = [row("ungdom", "cis", 3, "4.5"), row("ungdom", "visma", 1, "1"), row("eldre", "visma", 4, "2.25")]
    people = {"u": 6, f"d{column(p, 'personer')}": 6}
    result = fold(p, grouped, people)

    assert (result.activity_count, result.participant_count, result.hours, result.unique_participants) == (
        8,
        16,
        Decimal("7.75"),
        6,
    )
    assert result.categories["ungdom"].activities == 4 and result.categories["eldre"].hours == Decimal("2.25")
    values = {key: (r.value, r.data_source) for key, r in result.values.items()}
    assert values["ungdom"] == (Decimal(4), "cis")  # 3 of the 4 came from cis
    assert values["alle"] == (Decimal(8), "visma")
    assert values["timer"] == (Decimal("7.75"), "visma")
    assert values["personer"][0] == Decimal(6)
    assert values["andel_ungdom"] == (Decimal("50.00"), "cis")
    assert values["per_apen_sak"] == (None, "visma")  # no open cases: a ratio over nothing is null, not 0
    assert "manuell" not in values


def test_rows_of_the_open_pass_add_to_stock_figures_only_and_ties_go_to_the_first_name():
    """The grouped pass's rows of activities open at the end (``plan``'s second pass: no
    category, no flow counts) count for the stock leaves and their sources, never as a category;
    on a tie the main source is the first name in Python's order whatever order the database
    returned the rows in (its collation may put "cis" before "Visma")."""
    definitions = [definition("apne", OPEN_CASES), definition("alle", ALL)]
    p = plan(organization_ids=["org-1042"], start=START, end=END, definitions=definitions, dialect="postgres")
    apne, alle = column(p, "apne"), column(p, "alle")
    flow = as_row(p, {"category": "eldre", "source": "cis", "n": 2, "p": 2, "h": Decimal(1), f"m{alle}": 2})
    still_open = [as_row(p, {"category": None, "source": source, f"m{apne}": 3}) for source in ("cis", "Visma")]
    for rows in ([*still_open, flow], [flow, *reversed(still_open)]):
        result = fold(p, rows, {"u": 2})
        assert set(result.categories) == {"eldre"} and (result.activity_count, result.hours) == (2, Decimal("1.00"))
        values = {key: (r.value, r.data_source) for key, r in result.values.items()}
        assert values == {"apne": (Decimal(6), "Visma"), "alle": (Decimal(2), "cis")}  # "V" < "c"


def test_a_stock_rule_makes_a_second_pass_over_the_open_activities_by_fewer_columns():
    """Flow figures come from the range's activities, grouped by every column a rule filters on;
    the activities open at the end by the source and the columns stock rules filter on only (bench S4:
    one pass over the whole history by every filtered column cost 1.7x the bare statement)."""
    stock = {"kind": "count", "temporal": "stock", "filters": {"statuses": ["opened"]}}
    definitions = [definition("ungdom", YOUTH), definition("apne", stock)]
    text, params = plan(organization_ids=["org-1"], start=START, end=END, definitions=definitions, dialect="postgres").grouped
    flow, still_open = text.split(" UNION ALL ")
    assert "a.category AS category" in flow and "a.status AS status" in flow and "GROUP BY 1, 2, 3" in flow
    assert "a.occurred_at >= $" in flow and "ended_at" not in flow
    assert "NULL AS category" in still_open and "a.status AS status" in still_open and "GROUP BY 2, 3" in still_open
    assert "a.ended_at IS NULL OR a.ended_at >" in still_open and "a.occurred_at >=" not in still_open
    assert params.count("org-1") == 2
    only_flow = plan(organization_ids=["org-1"], start=START, end=END, definitions=definitions[:1], dialect="postgres")
    assert "UNION" not in only_flow.grouped[0]


def test_the_open_pass_reads_only_the_types_the_stock_rules_count_when_each_names_them():
    """Through the index on (organisation, activity type), not the whole history (bench S4)."""
    placed = {"kind": "count", "temporal": "stock", "filters": {"activity_types": ["foster_home", "institution"]}}
    cared = {"kind": "count", "temporal": "stock", "filters": {"activity_types": ["institution", "care_order"]}}
    anything_open = {"kind": "count", "temporal": "stock", "filters": {"statuses": ["opened"]}}

    def open_pass(*rules: dict) -> tuple[str, list]:
        definitions = [definition(f"f{i}", rule) for i, rule in enumerate(rules)]
        text, params = plan(organization_ids=["org-1"], start=START, end=END, definitions=definitions, dialect="postgres").grouped
        return text.split(" UNION ALL ")[1], params

    text, params = open_pass(placed, cared, YOUTH)
    assert "a.activity_type IN ($7, $8, $9)" in text and params[6:9] == ["foster_home", "institution", "care_order"]
    text, _ = open_pass(placed, anything_open)
    assert "a.activity_type IN" not in text.split(" GROUP BY ")[0].split(" WHERE ")[1]


def test_no_rows_fold_to_zeros_not_nulls():
    p = planned()
    result = fold(p, [], {"u": None, f"d{column(p, 'personer')}": None})
    assert result.activity_count == 0 and result.categories == {}
    assert result.values["alle"].value == Decimal(0) and result.values["alle"].data_source is None
    assert result.values["andel_ungdom"].value is None


def test_other_definitions_are_parsed_again_even_under_the_same_keys():
    """Rules are parsed once per list of definition objects (the structure cache hands out the
    same ones); definitions read anew, as after a structure change, are parsed anew."""
    before = [definition("ungdom", YOUTH)]
    after = [definition("ungdom", {"kind": "count", "filters": {"categories": ["eldre"]}})]
    first = plan(organization_ids=["org-1"], start=START, end=END, definitions=before, dialect="postgres")
    assert plan(organization_ids=["org-1"], start=START, end=END, definitions=before, dialect="postgres").rules is first.rules
    changed = plan(organization_ids=["org-1"], start=START, end=END, definitions=after, dialect="postgres")
    assert changed.rules["ungdom"].filters.categories == ["eldre"] and "eldre" in changed.grouped[1]


def test_a_scope_aggregated_again_reuses_its_plan_and_another_range_or_organisation_gets_its_own():
    """A scope is re-aggregated after each change to its activities: its SQL is written once
    (bench S4), while another range or organisation is planned for itself."""
    first = planned()
    assert planned() is first
    later = plan(
        organization_ids=["org-1042"], start=END, end=END.replace(year=2025), definitions=DEFINITIONS, dialect="postgres"
    )
    other = plan(organization_ids=["org-7"], start=START, end=END, definitions=DEFINITIONS, dialect="postgres")
    assert later is not first and END.replace(year=2025) in later.grouped[1]
    assert other is not first and "org-7" in other.grouped[1] and "org-1042" not in other.grouped[1]


def test_the_grouped_pass_takes_only_the_sums_a_rule_reads_and_counts_as_integers():
    """Only the open cases' count is a stock figure here: the stock participants and hours are
    not summed, the scope's own bound is not checked again per activity, and counts come back as
    integers (no Decimal per column; bench S4)."""
    text, _ = planned().grouped
    assert "AS n_open" in text and "AS p_open" not in text and "AS h_open" not in text
    assert "a.occurred_at <=" not in text.split(" WHERE a.organization_id")[0]
    assert "CAST(SUM(g.n_flow) AS BIGINT) AS n" in text
    # No distinct rule looks at stock: the join's scope is the range itself, checked once.
    participants, _ = planned().participants
    assert "1 AS u" in participants and participants.count("a.occurred_at") == 2
    # Each reference grouped once, a flag per count, not a sort per COUNT(DISTINCT) (bench S4).
    assert "GROUP BY p.participant_ref" in participants and "DISTINCT" not in participants
