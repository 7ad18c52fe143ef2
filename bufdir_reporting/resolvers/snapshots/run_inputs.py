"""What an aggregation run counts: the field definitions in force for its snapshot (read once
per structure revision), whose activities it counts, and the engine's figures under them.
Split from ``runs`` (which claims, runs and finishes the job) so the reading stays apart from
the run's control."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

from ...models import FieldDefinition, Snapshot
from .. import organizations, periods
from ..aggregation import engine
from ..aggregation.results import Aggregate
from ..base import revision
from ..base.context import Context
from ..structure import forms, sections


def _definitions_key(snapshot: Snapshot) -> tuple[object, ...]:
    on = None if snapshot.period_id else periods.local_date(snapshot.range_end)
    return ("definitions", snapshot.period_id, on, snapshot.form_id)


async def aggregated(
    ctx: Context, snapshot: Snapshot, organization_ids: Sequence[str]
) -> tuple[list[FieldDefinition], Aggregate]:
    """The definitions in force for the snapshot and the engine's figures under them.

    With definitions this process read under a revision already, the engine runs under them at
    once, and its own statement reads the revision's token: a round trip of its own weighed as
    much as the bare statement at 200,000 activities (bench S4), and beside the statements it
    was still one more connection to wake. The check is as fresh as before (the token is read
    as the figures are); a revision moved meanwhile runs the engine again, with the definitions
    read under the new one."""
    held = revision.last_held(_definitions_key(snapshot))
    if held is not None:
        token, value = held
        definitions = list(cast("list[FieldDefinition]", value))  # held under this key by definitions_for
        result = await engine.aggregate(
            organization_ids=organization_ids, start=snapshot.range_start, end=snapshot.range_end, definitions=definitions
        )
        if result.revision == token:
            return definitions, result
    definitions = await definitions_for(ctx, snapshot)
    result = await engine.aggregate(
        organization_ids=organization_ids, start=snapshot.range_start, end=snapshot.range_end, definitions=definitions
    )
    return definitions, result


async def definitions_for(ctx: Context, snapshot: Snapshot) -> list[FieldDefinition]:
    """The field definitions the snapshot's form asks, in force for its period (or range end),
    in report order: read once per structure revision (``revision.cached``), not on every run
    (bench S4). A period's dates never change, so its id names the view without reading the
    period."""
    on = None if snapshot.period_id else periods.local_date(snapshot.range_end)

    async def read() -> list[FieldDefinition]:
        period = await ctx.loaders.period_by_id.load(snapshot.period_id) if snapshot.period_id else None
        at = sections.StructureView(period=period, on=on)
        asked = await forms.section_ids(ctx, form_id=snapshot.form_id)
        in_force = [s for s in await sections.sections_in_force(ctx, at=at) if asked is None or s.id in asked]
        # Gathered, the loader reads every section's fields in one statement.
        per_section = await asyncio.gather(*(sections.fields_of(ctx, section=section, at=at) for section in in_force))
        return [definition for fields in per_section for definition in fields]

    return list(await revision.cached(_definitions_key(snapshot), read))


async def counted(ctx: Context, snapshot: Snapshot) -> list[str]:
    """Whose activities the snapshot counts: its organisation's, or for a rolled-up form, those
    of its whole subtree (each participant once across them: the engine counts references over
    all of them in one statement, never sums the branches' counts)."""
    if snapshot.form_id is None or not (await forms.get_or_raise(ctx, form_id=snapshot.form_id)).rolled_up:
        return [snapshot.organization_id]
    return await organizations.tree.subtree(snapshot.organization_id)
