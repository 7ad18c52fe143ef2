"""What a service that has run for a while holds, so a first query answers with numbers.

Every demo organisation has current snapshots of the forms it reports (``forms``) for the recent
periods of their kind (the year 2025, the first quarter of 2026) and, from the same runs, of
their prior periods (2024, 2025's last quarter); the quarterly forms also for the rest of 2025,
so a quarter is judged against its organisation's history. org-3310's quarter jumps (a
winter-holiday programme, added here) and is submitted by ``worklist`` once ``published`` has
approved 2025's quarters. Drafts keep the manual fields empty, as an
organisation that has not finished its report would; the child-welfare services have not sent
their 2025 report, due 1 February 2026: they are late.

org-bufdir-42 has submitted its grant period ``sub-period-009`` (2025-10-01 .. 2026-02-28): the
period is locked, and ``GET /api/v1/bufdir-aggregations/last-submitted-period?org_id=org-bufdir-42``
answers the contract's example verbatim. Its 1,203 activities are the generated ones in that
window plus as many group activities as it takes to reach the example's count.

Everything goes through the use cases a client would call (trigger, set a value, generate,
submit), so the snapshots, reports, audit log and lock are the real ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ..auth import ADMIN, Principal
from ..config import Settings
from ..errors import Conflict
from ..models import (
    Activity,
    ActivityParticipant,
    Organization,
    Period,
    PeriodType,
    Snapshot,
    Submission,
    TranslatedAttribute,
    TranslatedSubject,
    Translation,
)
from ..resolvers import snapshots
from ..resolvers.base.context import Context
from ..resolvers.reporting import assignments
from ..resolvers.snapshots import manual_values
from . import filing, forms, peers, validation_rules

QUARTERLY_FORM = "frivillighet-kvartalsrapport"

Progress = Callable[[str], None]

RECENT_PERIODS = ("2025", "rp-2026-q1")
"""Aggregated for every organisation, each form it reports for them (``forms``), each run also
aggregating its prior period."""
HISTORY_PERIODS = ("rp-2025-q1", "rp-2025-q2", "rp-2025-q3")
"""Aggregated too for the quarterly forms, so the first quarter of 2026 is judged against a
history of four quarters (``snapshots.outliers`` needs three) rather than one prior period."""

BURST_ORGANIZATION, BURST_PERIOD = "org-3310", "rp-2026-q1"
BURST_MORE = 25
"""org-3310 ran a winter-holiday programme in February 2026: as many group activities again as
in its last quarter, and 25 more. Its report for the quarter is submitted, so the worklist's
first look has a real jump against the organisation's own history to rank."""

SUBMITTED_PERIOD: dict[str, Any] = {
    "id": "sub-period-009",
    "type": PeriodType.CUSTOM,
    "name": "Tilskuddsperiode 2025/2026",
    "start": date(2025, 10, 1),
    "end": date(2026, 2, 28),
    "submission_deadline": date(2026, 3, 15),
}
SUBMITTED_PERIOD_NAME = ("Tilskotsperiode 2025/2026", "Grant period 2025/2026")
"""Its name in Nynorsk and English: a custom period has no calendar name to derive."""
SUBMITTED_BY = "user-coordinator-07"
SUBMITTED_AT = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
SUBMITTED_ORGANIZATION = "org-bufdir-42"
SUBMITTED_ACTIVITY_COUNT = 1203

# What the coordinator entered by hand before submitting (the fields no activity counts).
ENTERED: dict[str, object] = {
    "antall_arsverk": Decimal("14.5"),
    "har_internkontroll": True,
    "brutto_driftsutgifter": Decimal(18450),
    "antall_stillinger_ledige": 1,
    "merknader_ressurser": "Én stilling som mentorkoordinator står ledig fra januar.",
}


@dataclass(frozen=True, slots=True)
class HistorySummary:
    periods: int
    snapshots: int
    submissions: int
    organizations: int = 0
    """Organisations added (``peers``)."""


def _loader(settings: Settings) -> Context:
    return Context(settings=settings, principal=Principal(subject="demo-loader", roles=frozenset({ADMIN})))


async def _aggregate(ctx: Context, organization_id: str, period_id: str, form_id: str | None = None) -> Snapshot:
    triggered = await snapshots.trigger(ctx, organization_id=organization_id, period_id=period_id, form_id=form_id, wait=True)
    return triggered.snapshot


async def _top_up(organization_id: str, period: Period, missing: int, *, days_from: int = 0) -> None:
    """``missing`` more group activities, spread over the period (from ``days_from`` days into
    it), so its count is the example's."""
    rng = random.Random(20260228)
    start = datetime.combine(period.start, time(9), UTC) + timedelta(days=days_from)
    days = (period.end - period.start).days - days_from
    added, participants = [], {}
    for n in range(missing):
        occurred_at = start + timedelta(days=rng.randrange(days + 1), hours=rng.randrange(8))
        people = rng.randint(5, 25)
        external_id = f"ext-grp-{period.id}-{n + 1:04d}"
        added.append(
            Activity(
                organization_id=organization_id,
                source_system="fagsystem-famweb",
                external_id=external_id,
                activity_type="group_activity",
                category=rng.choices(("foreldre_barn", "ungdom", "eldre", "funksjonsnedsettelse"), (5, 4, 1, 2))[0],
                status="completed",
                location=rng.choice(("Oslo", "Drammen", "Bergen")),
                occurred_at=occurred_at,
                recorded_at=occurred_at + timedelta(hours=rng.randint(1, 48)),
                participant_count=people,
                hours=Decimal(rng.randint(4, 12)) / 2,
            )
        )
        participants[external_id] = {f"p-{organization_id}-{rng.randrange(1500):05d}" for _ in range(people)}
    await Activity.bulk_create(added)
    ids = await Activity.filter(organization_id=organization_id, external_id__in=list(participants)).values_list(
        "id", "external_id"
    )
    await ActivityParticipant.bulk_create(
        [ActivityParticipant(activity_id=id_, participant_ref=ref) for id_, key in ids for ref in participants[key]]
    )


async def _submitted_period(settings: Settings, progress: Progress) -> None:
    ctx = _loader(settings)
    organization_id = SUBMITTED_ORGANIZATION
    period = await Period.create(**SUBMITTED_PERIOD)
    await Translation.bulk_create(
        [
            Translation(
                subject=TranslatedSubject.PERIOD,
                subject_id=period.id,
                attribute=TranslatedAttribute.NAME,
                language=language,
                text=text,
                updated_by="demo-loader",
            )
            for language, text in zip(("nn", "en"), SUBMITTED_PERIOD_NAME, strict=True)
        ]
    )
    await assignments.assign(
        ctx,
        form_id=forms.GRANT_FORM,
        spec=assignments.AssignmentSpec(organization_id=organization_id, from_period_id=period.id, until_period_id=period.id),
    )
    counted = (await _aggregate(ctx, organization_id, period.id, forms.GRANT_FORM)).activity_count or 0
    if counted < SUBMITTED_ACTIVITY_COUNT:
        await _top_up(organization_id, period, SUBMITTED_ACTIVITY_COUNT - counted)
    snapshot = await _aggregate(ctx, organization_id, period.id, forms.GRANT_FORM)
    progress(f"{organization_id} {period.id}: {snapshot.activity_count:,} activities")

    coordinator = filing.coordinator(settings, organization_id, subject=SUBMITTED_BY)
    errors = await filing.fill_in(coordinator, snapshot, ENTERED)
    if errors:  # the demo structure changed without this file: say which fields
        raise Conflict(details={"fields": errors}, message_id="demo.history.demo_submission_does_validate")
    submission = await filing.submit(coordinator, snapshot)
    # The example was submitted in February; the use case stamps the time it runs.
    await Submission.filter(id=submission.id).update(submitted_at=SUBMITTED_AT)
    progress(f"{organization_id} {period.id}: submitted by {SUBMITTED_BY}, version {submission.version}, period locked")


async def _typo(settings: Settings, progress: Progress) -> None:
    """A coordinator's typo in a draft that a validation rule catches (``validation_rules``)."""
    organization_id, period_id = validation_rules.TYPO_ORGANIZATION, validation_rules.TYPO_PERIOD
    coordinator = filing.coordinator(settings, organization_id, subject="user-coordinator-2077")
    snapshot = await Snapshot.get(
        organization_id=organization_id, period_id=period_id, form_id=validation_rules.CHILD_WELFARE, status="current"
    )
    for key, value in validation_rules.TYPO.items():
        await manual_values.set_value(coordinator, snapshot_id=snapshot.id, field_key=key, value=value)
    progress(f"{organization_id} {period_id}: staffing entered with a typo a validation rule catches")


async def _burst(progress: Progress) -> None:
    """org-3310's winter-holiday programme (``BURST_MORE``), in February and March 2026."""
    period = await Period.get(id=BURST_PERIOD)
    prior = await Period.get(id="rp-2025-q4")
    usual = await Activity.filter(
        organization_id=BURST_ORGANIZATION,
        activity_type="group_activity",
        occurred_at__gte=datetime.combine(prior.start, time(0), UTC),
        occurred_at__lt=datetime.combine(period.start, time(0), UTC),
    ).count()
    await _top_up(BURST_ORGANIZATION, period, usual + BURST_MORE, days_from=31)
    progress(f"{BURST_ORGANIZATION} {BURST_PERIOD}: {usual + BURST_MORE} more group activities (a winter-holiday programme)")


async def load_history(settings: Settings, *, progress: Progress = lambda _: None) -> HistorySummary:
    """Aggregate the recent periods of every demo organisation and submit org-bufdir-42's grant
    period. Runs after ``load_demo_data``, through the use cases (each commits on its own)."""
    await _submitted_period(settings, progress)
    await _burst(progress)
    added = await peers.load_peers(progress=progress)
    ctx = _loader(settings)
    for organization in await Organization.all().order_by("id"):
        for period_id in (*HISTORY_PERIODS, *RECENT_PERIODS):
            period = await Period.get(id=period_id)
            for form in await assignments.forms_of(ctx, organization=organization, period=period):
                snapshot = await _aggregate(ctx, organization.id, period_id, form.id)
                filled = f"{snapshot.populated_field_count} of {snapshot.field_count} fields"
                progress(f"{organization.id} {period_id} {form.id}: {filled}")
    await _typo(settings, progress)
    return HistorySummary(
        periods=1,
        snapshots=await Snapshot.all().count(),
        submissions=await Submission.all().count(),
        organizations=added,
    )
