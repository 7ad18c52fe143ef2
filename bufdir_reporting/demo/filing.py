"""What a coordinator does with a draft in the demo: enter the figures no activity counts, and
submit the report generated from it. The submitted grant period (``history``), the approved
2025 quarters (``published``) and the first quarter of 2026 (``worklist``) each wrote it out."""

from __future__ import annotations

from collections.abc import Mapping

from ..auth import Principal
from ..config import Settings
from ..errors import DomainError
from ..models import Snapshot, Submission
from ..resolvers.base.context import Context
from ..resolvers.reporting import records, submissions
from ..resolvers.snapshots import manual_values, validation

REPORT_TYPE = "quarterly_activity"


def coordinator(settings: Settings, organization_id: str, *, subject: str) -> Context:
    """A coordinator of the organisation (one person, no roles)."""
    return Context(settings=settings, principal=Principal(subject=subject, organizations=frozenset({organization_id})))


async def fill_in(ctx: Context, snapshot: Snapshot, entered: Mapping[str, object], *, asked_only: bool = False) -> list[str]:
    """Enter ``entered`` by hand (``asked_only``: a field the form does not ask is skipped) and
    return the fields that do not validate."""
    for key, value in entered.items():
        try:
            await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key=key, value=value)
        except DomainError:
            if not asked_only:
                raise
    return [f.field_key for f in await validation.validate(ctx, snapshot=snapshot) if f.severity == "error"]


async def submit(ctx: Context, snapshot: Snapshot) -> Submission:
    """Generate the report of the snapshot and submit it."""
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type=REPORT_TYPE)
    return await submissions.submit(ctx, report_id=record.id)
