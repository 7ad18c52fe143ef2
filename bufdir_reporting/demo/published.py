"""Approved quarters of 2025, so analytics has published figures to show (#34): the quarterly
reporters that are not the submitted grant's organisation (the family counselling office
org_bufdir_oslo_42 and the volunteer organisation org-3310) aggregate each 2025 quarter of their
form, enter the figures no activity counts, generate and submit the report, and a reviewer
approves it. The volunteers' quarterly form (frivillighet-kvartalsrapport) is marked public:
anonymous callers read its approved figures through analytics.

Each is dated the day before its deadline, as a real one would have come: submitted at load
time, every 2025 quarter counted as "submitted late" (#31 outside test, finding 10). One is dated
after it (``LATE``), so the demo still shows a late report.

org-bufdir-42 is left out: its latest submission stays the grant period the legacy contract's
``last-submitted-period`` example answers; so are the volunteer centres of ``peers`` (drafts
only: the case officer's worklist is about the first quarter of 2026). Runs after
``history.load_history`` and before ``worklist.load_worklist`` (``load_in_use``): org-3310's first
quarter of 2026 is submitted with these figures as its prior values. Through the use cases, so
the submissions, reviews, audit log and locks are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from ..auth import ADMIN, REVIEWER, Principal
from ..config import Settings
from ..models import Organization, Period, ReportForm, Submission
from ..resolvers import snapshots
from ..resolvers.base import revision
from ..resolvers.base.context import Context
from ..resolvers.reporting import assignments, deadlines, reviews
from . import filing, reference
from .history import ENTERED, SUBMITTED_ORGANIZATION

Progress = Callable[[str], None]
APPROVED_QUARTERS = ("rp-2025-q1", "rp-2025-q2", "rp-2025-q3", "rp-2025-q4")
PUBLIC_FORM = "frivillighet-kvartalsrapport"
REVIEWED_BY = "bufdir-saksbehandler"
LATE = ("org_bufdir_oslo_42", "rp-2025-q4")
"""The one quarter submitted after its deadline (a week after it)."""


async def load_published(settings: Settings, *, progress: Progress = lambda _: None) -> int:
    """Submit and approve the 2025 quarters; returns how many submissions were approved."""
    admin = Context(settings=settings, principal=Principal(subject="demo-loader", roles=frozenset({ADMIN})))
    reviewer = Context(settings=settings, principal=Principal(subject=REVIEWED_BY, roles=frozenset({REVIEWER})))
    await ReportForm.filter(id=PUBLIC_FORM).update(public=True)
    await revision.bump()  # what the forms' use cases do (analytics caches who is public per revision)
    approved = 0
    reporters = [org["id"] for org in reference.ORGANIZATIONS if org["id"] != SUBMITTED_ORGANIZATION]
    for organization in await Organization.filter(id__in=reporters).order_by("id"):
        coordinator = filing.coordinator(settings, organization.id, subject=f"coordinator-{organization.id}")
        for period_id in APPROVED_QUARTERS:
            period = await Period.get(id=period_id)
            for form in await assignments.forms_of(admin, organization=organization, period=period):
                if form.rolled_up:
                    continue
                triggered = await snapshots.trigger(
                    admin, organization_id=organization.id, period_id=period_id, form_id=form.id, wait=True
                )
                snapshot = triggered.snapshot
                errors = await filing.fill_in(coordinator, snapshot, ENTERED, asked_only=True)
                if errors:
                    progress(f"{organization.id} {period_id} {form.id}: not submitted, {', '.join(errors)} do not validate")
                    continue
                submission = await filing.submit(coordinator, snapshot)
                due = (await deadlines.deadlines(admin, form_id=form.id, period=period)).submission
                if due is not None:
                    day = due + timedelta(days=7) if (organization.id, period_id) == LATE else due - timedelta(days=1)
                    submitted_at = datetime.combine(day, time(10), tzinfo=UTC)
                    await Submission.filter(id=submission.id).update(submitted_at=submitted_at)
                await reviews.review(reviewer, submission_id=submission.id, action=reviews.ReviewAction.APPROVE)
                approved += 1
                progress(f"{organization.id} {period_id} {form.id}: submitted and approved")
    return approved
