"""Volunteer centres beside org-3310, so a volunteer's quarter is judged against its peers too:
``snapshots.outliers`` judges a value against its kind from five organisations with the form's
report for the period on, and the reference data have two of each kind.

Four volunteer centres report the volunteers' quarterly form (frivillighet-kvartalsrapport,
assigned by kind, as to org-3310). Their activities are generated as the others' are
(``activities.generate``), from 2025 on and at org-3310's own pace in 2025, so their figures are
like each other's and org-3310's winter-holiday programme (``history.BURST_MORE``) stands out against them as against its own
history. They are made here, not in ``reference``: the reference organisations' generated
activities, and the contract examples resting on them, stay what they were.

One of them (``SUBMITTING``) submits its first quarter of 2026 with one vacancy typed as 11: a
warning rule (``validation_rules``) catches it on the case officer's worklist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from ..models import Activity, ActivityParticipant, Organization, OrganizationKind
from . import activities

Progress = Callable[[str], None]

PEERS: list[dict[str, Any]] = [
    {"id": "org-4410", "name": "Frivilligsentralen Bodø", "org_number": "971234563"},
    {"id": "org-4420", "name": "Frivilligsentralen Harstad", "org_number": "972345679"},
    {"id": "org-4430", "name": "Frivilligsentralen Alta", "org_number": "973456784"},
    {"id": "org-4440", "name": "Frivilligsentralen Narvik", "org_number": "991122338"},
]
for _peer in PEERS:
    _peer["kind"] = OrganizationKind.VOLUNTEER_ORGANIZATION

PACE_OF = "org-3310"
FROM = datetime(2025, 1, 1, tzinfo=UTC)
QUARTERS = 5
"""2025's four and the first of 2026: what the demo's history judges a quarter by."""
FIRST_ID = 5_000_001
"""Above every id the reference activities take (``activities.FIRST_ACTIVITY_ID`` + their
count): the external ids carry it."""
SEED = 20250101
BATCH = 2_000

SUBMITTING = "org-4410"
ENTERED: dict[str, object] = {
    "antall_arsverk": Decimal("3.5"),
    "har_internkontroll": True,
    "brutto_driftsutgifter": Decimal(4200),
    "antall_stillinger_ledige": 11,
    "merknader_ressurser": "Én stilling som koordinator for leksehjelp er ledig.",
}
"""What Frivilligsentralen Bodø entered for its first quarter of 2026: one vacancy, typed 11."""


async def load_peers(*, progress: Progress = lambda _: None) -> int:
    """The peers and their activities; returns how many organisations were added."""
    await Organization.bulk_create([Organization(**peer) for peer in PEERS])
    pace = await Activity.filter(
        organization_id=PACE_OF, occurred_at__gte=FROM, occurred_at__lt=datetime(2026, 1, 1, tzinfo=UTC)
    ).count()
    total = max(pace, 4) * QUARTERS // 4 * len(PEERS)
    generated = activities.generate(PEERS, total, seed=SEED, start=FROM, first_id=FIRST_ID)
    while batch := list(islice(generated, BATCH)):
        await Activity.bulk_create([item.model(keep_id=False) for item in batch])
        # ids are the database's (the reference activities' explicit ones are behind its sequence)
        ids = dict(await Activity.filter(external_id__in=[item.external_id for item in batch]).values_list("external_id", "id"))
        await ActivityParticipant.bulk_create(
            [
                ActivityParticipant(activity_id=ids[item.external_id], participant_ref=ref)
                for item in batch
                for ref in item.participant_refs
            ]
        )
    progress(f"{len(PEERS)} volunteer centres beside {PACE_OF}: {total:,} activities from 2025 on, at its pace")
    return len(PEERS)
