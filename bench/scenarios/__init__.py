"""The scenarios, by their name in the issue and bench/README.md; each returns table rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..environment import Env
from ..harness import Row
from .aggregation import s4_aggregation, s5_reaggregation
from .analytics import s9_analytics
from .dashboard import s7_dashboard_throughput
from .execution import s2_execution
from .importing import s8_import
from .peer import s11_peer
from .reads import s1_nested_query, s3_rest_and_graphql
from .subscriptions import s6_fan_out
from .validation import s10_rules_and_outliers

Scenario = Callable[[Env], Awaitable[list[Row]]]

SCENARIOS: dict[str, Scenario] = {
    "S1": s1_nested_query,
    "S2": s2_execution,
    "S3": s3_rest_and_graphql,
    "S4": s4_aggregation,
    "S5": s5_reaggregation,
    "S6": s6_fan_out,
    "S7": s7_dashboard_throughput,
    "S8": s8_import,
    "S9": s9_analytics,
    "S10": s10_rules_and_outliers,
    "S11": s11_peer,
}
