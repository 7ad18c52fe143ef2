"""Organisations and periods of the demo data, chosen so every contract example works verbatim."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from ..models import OrganizationKind, PeriodType

ORGANIZATIONS: list[dict[str, Any]] = [
    {
        "id": "org-1042",
        "name": "Barnevernstjenesten Oslo Sør",
        "org_number": "974778742",
        "kind": OrganizationKind.CHILD_WELFARE_SERVICE,
    },
    {
        "id": "org-2077",
        "name": "Barneverntjenesten i Bergen",
        "org_number": "964338531",
        "kind": OrganizationKind.CHILD_WELFARE_SERVICE,
    },
    {
        "id": "org-bufdir-42",
        "name": "Familiestøtte Norge",
        "org_number": "998877665",
        "kind": OrganizationKind.VOLUNTEER_ORGANIZATION,
    },
    {
        "id": "org_bufdir_oslo_42",
        "name": "Familievernkontoret Oslo",
        "org_number": "987654321",
        "kind": OrganizationKind.FAMILY_COUNSELLING,
        "parent_id": "org-bufdir-42",
    },
    {
        "id": "org-3310",
        "name": "Frivillighetssentralen Tromsø",
        "org_number": "912345674",
        "kind": OrganizationKind.VOLUNTEER_ORGANIZATION,
        "parent_id": "org-bufdir-42",
    },
]

FIRST_YEAR = 2023
LAST_DAY = date(2026, 3, 31)


def _quarter(year: int, quarter: int) -> dict[str, Any]:
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return {
        "id": f"rp-{year}-q{quarter}",
        "type": PeriodType.QUARTER,
        "name": f"{quarter}. kvartal {year}",
        "start": date(year, first_month, 1),
        "end": end,
        "submission_deadline": date(end.year + (end.month == 12), end.month % 12 + 1, 28),
    }


def periods() -> list[dict[str, Any]]:
    years = range(FIRST_YEAR, LAST_DAY.year + 1)
    result = [
        {
            "id": str(year),
            "type": PeriodType.YEAR,
            "name": f"Rapporteringsåret {year}",
            "start": date(year, 1, 1),
            "end": date(year, 12, 31),
            "submission_deadline": date(year + 1, 2, 1),
        }
        for year in years
    ]
    result += [
        _quarter(year, quarter) for year in years for quarter in range(1, 5) if date(year, 3 * (quarter - 1) + 1, 1) <= LAST_DAY
    ]
    return result
