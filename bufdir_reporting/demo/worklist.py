"""The first quarter of 2026 on the case officer's worklist: org-3310 submits its quarter, whose
winter-holiday programme (``history.BURST_MORE``) jumps against its own history and against the
volunteer centres of its kind (``peers``); one of those submits its quarter with a vacancy typed
wrong (a validation rule's warning); a case officer asks org-3310 about its group activities (an
open follow-up mark).

Runs last, after ``published.load_published`` has approved 2025's quarters: a report is
generated from its snapshot's figures when it is submitted, and a submitted snapshot keeps the
prior values it was sent with (``snapshots.prior_values``). Submitted before 2025's last quarter
had its hand-entered figures, org-3310's quarter showed no "Forrige periode" or "Endring" for
them in its PDF and xlsx while analytics showed the prior figure (outsider, polish4).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from ..auth import ADMIN, REVIEWER, Principal
from ..config import Settings
from ..errors import Conflict
from ..models import Period, Snapshot, Submission
from ..resolvers.base.context import Context
from ..resolvers.reporting import deadlines
from ..resolvers.snapshots import notes
from . import filing, peers
from .history import BURST_ORGANIZATION, BURST_PERIOD, ENTERED, QUARTERLY_FORM

Progress = Callable[[str], None]

CASE_OFFICER = "bufdir-saksbehandler"
QUESTION = (
    "Gruppetiltakene er mer enn doblet fra forrige kvartal. Gjelder økningen vinterferieprogrammet, og fortsetter det etter mars?"
)
"""What the case officer asked org-3310 about its group activities in the quarter."""


async def _submit_quarter(
    settings: Settings, progress: Progress, organization_id: str = BURST_ORGANIZATION, entered: dict[str, object] | None = None
) -> Snapshot:
    """An organisation fills in and submits its quarterly report for the first quarter of 2026:
    org-3310 the staffing and costs its 2025 quarters were reported with (``published``), so
    only the programme's activities jump, not figures typed differently."""
    coordinator = filing.coordinator(settings, organization_id, subject=f"user-coordinator-{organization_id}")
    snapshot = await Snapshot.get(
        organization_id=organization_id, period_id=BURST_PERIOD, form_id=QUARTERLY_FORM, status="current"
    )
    if entered is None:
        entered = {**ENTERED, "merknader_ressurser": "Vinterferieprogram i februar og mars med ekstra gruppetilbud."}
    errors = await filing.fill_in(coordinator, snapshot, entered)
    if errors:  # the demo structure changed without this file: say which fields
        raise Conflict(details={"fields": errors}, message_id="demo.history.quarterly_report_invalid")
    submission = await filing.submit(coordinator, snapshot)
    # dated as the story has it, the day before its deadline, as 2025's quarters are
    # (``published``): sent on the day the demo loads, after the deadline of April 2026, both
    # read "submitted late" beside the centres that are overdue (polish5)
    admin = Context(settings=settings, principal=Principal(subject="demo-loader", roles=frozenset({ADMIN})))
    due = (await deadlines.deadlines(admin, form_id=QUARTERLY_FORM, period=await Period.get(id=BURST_PERIOD))).submission
    if due is not None:
        submitted_at = datetime.combine(due - timedelta(days=1), time(10), tzinfo=UTC)
        await Submission.filter(id=submission.id).update(submitted_at=submitted_at)
    progress(f"{organization_id} {BURST_PERIOD}: submitted, on the case officer's worklist")
    return snapshot


async def _ask(settings: Settings, snapshot: Snapshot, progress: Progress) -> None:
    """The case officer marks org-3310's group activities for follow-up: an open question."""
    officer = Context(settings=settings, principal=Principal(subject=CASE_OFFICER, roles=frozenset({REVIEWER})))
    await notes.mark_for_follow_up(officer, snapshot_id=snapshot.id, field_key="antall_gruppetiltak", text=QUESTION)
    progress(f"{snapshot.organization_id} {BURST_PERIOD}: the case officer asks about its group activities")


async def load_worklist(settings: Settings, *, progress: Progress = lambda _: None) -> int:
    """Submit org-3310's and a peer's first quarter of 2026 and ask org-3310 a question; returns
    how many reports were submitted."""
    quarter = await _submit_quarter(settings, progress)
    await _submit_quarter(settings, progress, peers.SUBMITTING, peers.ENTERED)
    await _ask(settings, quarter, progress)
    return 2
