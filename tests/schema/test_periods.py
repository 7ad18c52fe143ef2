from __future__ import annotations

import pytest

from ..conftest import error_codes
from ..factories import make_organization, make_period


@pytest.fixture
async def periods(app) -> None:
    """Three years and three quarters, each quarter's prior the one before."""
    for year in (2023, 2024, 2025):
        await make_period(year=year)
    for year, quarter in ((2024, 4), (2025, 1), (2025, 2)):
        await make_period(year=year, quarter=quarter)


PERIOD = """
query ($id: ID!) {
  period(id: $id) { periodId type name start end submissionDeadline priorPeriod { periodId } }
}
"""


async def test_periods_are_public_and_know_their_prior_period(graphql, periods):
    quarter = (await graphql(PERIOD, {"id": "2025-Q1"}))["data"]["period"]
    assert quarter["type"] == "QUARTER"
    assert (quarter["start"], quarter["end"]) == ("2025-01-01", "2025-03-31")
    assert quarter["priorPeriod"] == {"periodId": "2024-Q4"}
    year = (await graphql(PERIOD, {"id": "2024"}))["data"]["period"]
    assert year["priorPeriod"] == {"periodId": "2023"}
    first = (await graphql(PERIOD, {"id": "2023"}))["data"]["period"]
    assert first["priorPeriod"] is None


async def test_unknown_period_is_not_found(graphql, periods):
    result = await graphql(PERIOD, {"id": "1999"})
    assert error_codes(result) == ["NOT_FOUND"]
    assert result["errors"][0]["extensions"]["id"] == "1999"


async def test_periods_filter_by_type_and_page_backwards(graphql, periods):
    query = """
    query ($type: PeriodType, $last: Int) {
      periods(type: $type, last: $last) {
        totalCount pageInfo { hasPreviousPage hasNextPage } edges { node { periodId } }
      }
    }
    """
    years = (await graphql(query, {"type": "YEAR"}))["data"]["periods"]
    assert [edge["node"]["periodId"] for edge in years["edges"]] == ["2023", "2024", "2025"]
    latest = (await graphql(query, {"type": "QUARTER", "last": 2}))["data"]["periods"]
    assert [edge["node"]["periodId"] for edge in latest["edges"]] == ["2025-Q1", "2025-Q2"]
    assert latest["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": False}
    assert latest["totalCount"] == 3


async def test_a_global_id_of_another_type_is_bad_input(graphql, tokens, periods):
    org = (await make_organization()).id
    organization = await graphql(f'{{ organization(id: "{org}") {{ id }} }}', headers=tokens.headers(org))
    result = await graphql(PERIOD, {"id": organization["data"]["organization"]["id"]})
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_nested_periods_are_loaded_in_one_batch(graphql, periods, monkeypatch):
    from bufdir_reporting.resolvers.base import loaders

    batches: list[list[str]] = []
    original = loaders.PeriodByIdLoader.batch_load_fn

    async def spy(self, ids):
        batches.append(list(ids))
        return await original(self, ids)

    monkeypatch.setattr(loaders.PeriodByIdLoader, "batch_load_fn", spy)
    query = '{ a: period(id: "2023") { periodId } b: period(id: "2024") { periodId } c: period(id: "2025") { periodId } }'
    result = await graphql(query)
    assert "errors" not in result
    assert batches == [["2023", "2024", "2025"]]
