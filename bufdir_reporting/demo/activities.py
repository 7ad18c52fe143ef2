"""Deterministic activity generation for the demo data.

A seeded ``random.Random`` spreads activities over 2023-01-01 .. 2026-03-31, organisations,
types, categories, statuses, locations and source systems; placements last for weeks to years,
so stock figures change over time; participants are drawn from a pool per organisation, so
unique counts are smaller than totals.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..models import Activity
from .reference import FIRST_YEAR, LAST_DAY

FIRST_ACTIVITY_ID = 10001
CATEGORIES = ("foreldre_barn", "ungdom", "eldre", "funksjonsnedsettelse")
LOCATIONS = ("Oslo", "Bergen", "Trondheim", "Stavanger", "Kristiansand", "Tromsø", "Drammen")

# type -> (weight, statuses with weights, hours range, participants range, days it lasts or 0)
CHILD_WELFARE = {
    "report_received": (14, {"received": 1}, (0.5, 2), (1, 2), 0),
    "investigation": (
        12,
        {"dropped": 4, "concluded_with_measures": 5, "concluded_without_measures": 3, "opened": 2},
        (4, 30),
        (1, 3),
        0,
    ),
    "investigation_deadline_breach": (2, {"registered": 1}, (0, 0), (1, 1), 0),
    "emergency_placement": (2, {"completed": 1}, (2, 12), (1, 2), 0),
    "care_order": (1, {"completed": 1}, (5, 20), (1, 1), 0),
    "placement_foster_home": (3, {"completed": 1}, (0, 0), (1, 1), 900),
    "placement_institution": (1, {"completed": 1}, (0, 0), (1, 1), 400),
    "placement_emergency_home": (1, {"completed": 1}, (0, 0), (1, 1), 90),
    "reunification": (1, {"completed": 1}, (2, 10), (1, 1), 0),
    "relocation": (1, {"completed": 1}, (1, 6), (1, 1), 0),
    "contact_visit": (6, {"completed": 5, "cancelled": 1}, (1, 4), (2, 4), 0),
    "supervision_visit": (4, {"completed": 5, "cancelled": 1}, (1, 3), (1, 2), 0),
    "family_guidance": (10, {"completed": 6, "planned": 1, "cancelled": 1}, (1, 3), (2, 5), 0),
    "respite_care": (4, {"completed": 1}, (6, 48), (1, 2), 0),
    "visiting_home": (3, {"completed": 1}, (8, 48), (1, 2), 0),
    "home_support": (5, {"completed": 4, "cancelled": 1}, (1, 4), (1, 4), 0),
    "family_group_conference": (1, {"completed": 3, "cancelled": 1}, (3, 8), (4, 10), 0),
    "aftercare": (3, {"completed": 3, "planned": 1, "cancelled": 1}, (1, 6), (1, 1), 0),
}
VOLUNTEER = {
    "family_guidance": (10, {"completed": 6, "planned": 1, "cancelled": 1}, (1, 3), (2, 5), 0),
    "individual_counseling": (10, {"completed": 8, "cancelled": 1}, (1, 2), (1, 1), 0),
    "group_activity": (8, {"completed": 8, "cancelled": 1}, (2, 6), (5, 25), 0),
    "holiday_camp": (1, {"completed": 1}, (24, 96), (10, 40), 0),
    "mentoring": (5, {"completed": 6, "planned": 1}, (1, 3), (1, 2), 0),
}
SOURCE_SYSTEMS = {
    "child_welfare_service": ("fagsystem-cis", "fagsystem-visma-flyt"),
    "volunteer_organization": ("fagsystem-famweb", "fagsystem-cis"),
    "family_counselling": ("fagsystem-familia",),
}


@dataclass(frozen=True, slots=True)
class DemoActivity:
    id: int
    organization_id: str
    source_system: str
    external_id: str
    activity_type: str
    category: str
    status: str
    location: str
    occurred_at: datetime
    ended_at: datetime | None
    recorded_at: datetime
    participant_count: int
    hours: Decimal
    participant_refs: tuple[str, ...]

    def model(self, *, keep_id: bool = True) -> Activity:
        """The activity as a row to write; without its id, the database numbers it."""
        return Activity(
            **({"id": self.id} if keep_id else {}),
            organization_id=self.organization_id,
            source_system=self.source_system,
            external_id=self.external_id,
            activity_type=self.activity_type,
            category=self.category,
            status=self.status,
            location=self.location,
            occurred_at=self.occurred_at,
            ended_at=self.ended_at,
            recorded_at=self.recorded_at,
            participant_count=self.participant_count,
            hours=self.hours,
        )


def generate(
    organizations: list[dict[str, Any]],
    total: int,
    *,
    seed: int = 20240101,
    start: datetime = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC),
    first_id: int = FIRST_ACTIVITY_ID,
) -> Iterator[DemoActivity]:
    """``total`` activities of the organisations from ``start`` to the demo's last day, ids from
    ``first_id``."""
    rng = random.Random(seed)
    span_seconds = int((datetime.combine(LAST_DAY, datetime.max.time(), UTC) - start).total_seconds())
    weights = [3 if org["kind"] == "child_welfare_service" else 1 for org in organizations]
    for offset in range(total):
        org = rng.choices(organizations, weights)[0]
        kind = str(org["kind"])
        catalogue = CHILD_WELFARE if kind == "child_welfare_service" else VOLUNTEER
        activity_type = rng.choices(list(catalogue), [spec[0] for spec in catalogue.values()])[0]
        _, statuses, (low_hours, high_hours), (low_people, high_people), lasts = catalogue[activity_type]
        status = rng.choices(list(statuses), list(statuses.values()))[0]
        occurred_at = start + timedelta(seconds=rng.randrange(span_seconds))
        occurred_at = occurred_at.replace(microsecond=0)
        ended_at = None
        if lasts and rng.random() < 0.8:
            ended_at = occurred_at + timedelta(days=rng.randint(lasts // 10 + 1, lasts))
        people = rng.randint(low_people, high_people)
        pool = 400 if kind == "child_welfare_service" else 1500
        # An umbrella organisation's branches serve some of the same people: references are
        # drawn from the family's pool (the umbrella's), so a rolled-up count meets them twice.
        family = org.get("parent_id") or org["id"]
        refs = tuple(sorted({f"p-{family}-{rng.randrange(pool):05d}" for _ in range(people)}))
        activity_id = first_id + offset
        yield DemoActivity(
            id=activity_id,
            organization_id=org["id"],
            source_system=rng.choice(SOURCE_SYSTEMS[kind]),
            external_id=f"ext-{activity_id}",
            activity_type=activity_type,
            category=rng.choices(CATEGORIES, (5, 4, 1, 2))[0],
            status=status,
            location=rng.choice(LOCATIONS),
            occurred_at=occurred_at,
            ended_at=ended_at,
            recorded_at=occurred_at + timedelta(hours=rng.randint(1, 72)),
            participant_count=people,
            hours=Decimal(str(round(rng.uniform(low_hours, high_hours) * 2) / 2)),
            participant_refs=refs,
        )
