"""Activities written as a set: every row checked, then all written in one transaction or none
(bulk ingest over the API, the file import). ``RowChecks`` finds every refusal per row, chunk by
chunk for a file of any length; ``writing`` holds the one transaction a set is written in, and
``write_all_or_nothing`` writes a list that passed."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from ... import language
from ...errors import Conflict
from ...events import CacheInvalidated
from ...models import Activity
from ...wording import message_id, message_values, offending, plain, shown
from .. import periods
from ..base import access, notify
from ..base.context import Context
from ..base.inputs import field_path
from . import batch, new_rows
from .inputs import ActivitySpec
from .service import ACTIVITIES_RECORDED


@dataclass
class RowError:
    row: int
    """The row's line in its file (or its position in a request's list), counting from 1."""
    field: str
    message: str
    value: str | None = None
    """The value refused, when there is one to show."""
    message_id: str | None = None
    """The message in ``language.MESSAGES`` (filled with ``values``), for a reader of another
    language than ``message``'s English; None: only the English exists."""
    values: tuple[tuple[str, object], ...] = ()

    def said(self) -> str:
        """The message in the request's language when it asked for one (``language.requested``)."""
        reader = language.requested.get()
        if reader is None or self.message_id not in language.MESSAGES:
            return self.message
        return language.say(self.message_id, reader, **dict(self.values))


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def parse_rows(rows: Iterable[dict[str, Any]], *, first_row: int = 1) -> tuple[list[tuple[int, ActivitySpec]], list[RowError]]:
    return parse_numbered(enumerate(rows, start=first_row))


def parse_numbered(rows: Iterable[tuple[int, dict[str, Any]]]) -> tuple[list[tuple[int, ActivitySpec]], list[RowError]]:
    """Each row as a spec, or its errors in plain words with the value refused (and the field,
    which a JSON line names with any key it likes) as ``shown`` bounds them."""
    specs, errors = [], []
    for number, row in rows:
        try:
            specs.append((number, ActivitySpec.model_validate(row)))
        except ValidationError as exc:
            errors += [
                RowError(number, shown(field_path(e["loc"])), plain(e), offending(e), message_id(e), message_values(e))
                for e in exc.errors()
            ]
    return specs, errors


@dataclass
class Checked:
    errors: list[RowError]
    """Every row's refusals, in row order."""
    existing: dict[batch.Key, Activity]
    """The stored activities the rows name, as they were when checked: the write corrects these."""
    moments: batch.Moments
    """Where the rows and the activities they correct fall (``batch.moments_of``): the write asks the lock of these again."""

    @property
    def stored(self) -> frozenset[batch.Key]:
        return frozenset(self.existing)


class RowChecks:
    """Every refusal writing rows would meet, per row, before anything is written, for one set
    of rows checked in chunks (a file of any length): an organisation the caller may not write
    for (named the same whether or not it exists) or that does not exist, a row naming the same
    activity as an earlier one in the set (unless ``repeats``: then the later row corrects the
    earlier), a row dated inside (or correcting an activity inside) a submitted, locked period.

    What it keeps across chunks is one entry per keyed row, a 64-bit digest of the key and its
    line (about 100 bytes, bench S8), not the rows."""

    def __init__(self, ctx: Context, *, repeats: bool = False) -> None:
        self.ctx = ctx
        self.repeats = repeats
        self.first_line: dict[int, int] = {}
        self.locked_words: dict[tuple[str, str], tuple[str, dict[str, object]]] = {}

    async def check(self, specs: list[tuple[int, ActivitySpec]]) -> Checked:
        ctx, errors = self.ctx, []
        organization_ids = sorted({spec.organization_id for _, spec in specs})
        writable = {o for o in organization_ids if access.can_write(ctx.principal, o)}
        found = await ctx.loaders.organization_by_id.load_many(sorted(writable))
        known = {organization.id for organization in found if organization is not None}
        usable: list[tuple[int, ActivitySpec]] = []
        for line, spec in specs:
            key = batch.key_of(spec)
            digest = _digest(key) if key is not None else None
            if spec.organization_id not in writable:
                errors.append(
                    RowError(
                        line,
                        "organization_id",
                        "is not an organisation you may write for",
                        spec.organization_id,
                        "row.organization_not_yours",
                    )
                )
            elif spec.organization_id not in known:
                errors.append(
                    RowError(
                        line, "organization_id", "is not a known organisation", spec.organization_id, "row.organization_unknown"
                    )
                )
            elif digest is not None and digest in self.first_line and not self.repeats:
                earlier = self.first_line[digest]
                message = f"names the same activity as line {earlier}"
                errors.append(
                    RowError(line, "external_id", message, spec.external_id, "row.same_activity", (("earlier", earlier),))
                )
            else:
                if digest is not None:
                    self.first_line.setdefault(digest, line)
                usable.append((line, spec))
        existing = await batch.existing_by_key([spec for _, spec in usable])
        moments = batch.moments_of((spec for _, spec in usable), existing.values())
        locks = await periods.locks_of(moments)
        for line, spec in usable:
            stored = existing.get(key) if (key := batch.key_of(spec)) is not None else None
            for moment in (spec.occurred_at, *([stored.occurred_at] if stored else [])):
                locked = periods.locked_at(locks, spec.organization_id, moment)
                if locked is not None:
                    message_id, values = await self._locked_words(spec.organization_id, locked)
                    written = language.moment(periods.calendar.local(moment))  # as a person writes it, in Norwegian time
                    message = language.say(message_id, language.Language.EN, **values)
                    errors.append(RowError(line, "occurred_at", message, written, message_id, tuple(values.items())))
                    break
        return Checked(sorted(errors, key=lambda error: error.row), existing, moments)

    async def _locked_words(self, organization_id: str, period_id: str) -> tuple[str, dict[str, object]]:
        """A row in a locked period says what a write there is told (``periods.wording``: the
        period by its name, what unlocks it in the lock's state), asked once per organisation and
        period of the set."""
        if (organization_id, period_id) not in self.locked_words:
            message_id, values, _ = await periods.wording(organization_id, period_id)
            self.locked_words[organization_id, period_id] = message_id, values
        return self.locked_words[organization_id, period_id]


def _digest(key: batch.Key) -> int:
    """A key as 64 bits: two different keys share one with a chance of about 3 in 10^8 in a file
    of a million rows (the birthday bound); that would refuse a row as a duplicate, never write
    one twice (the unique index guards the write)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(key).encode(), digest_size=8).digest(), "big")


async def check_rows(ctx: Context, specs: list[tuple[int, ActivitySpec]], *, repeats: bool = False) -> Checked:
    """``RowChecks`` of one chunk: every refusal these rows would meet."""
    return await RowChecks(ctx, repeats=repeats).check(specs)


async def _nothing(_: int) -> None:
    return None


class Writing:
    """Rows written chunk by chunk in the caller's transaction (``writing``): what it created
    and updated, from when each organisation's snapshots change, and the events it raises."""

    def __init__(self, ctx: Context, outbox: notify.Outbox) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.result = IngestResult()
        self.moments: batch.Moments = {}
        """Where the rows written fall, and where those they correct fell: asked again at the end."""
        self.postgres = get_connection("default").capabilities.dialect == "postgres"

    async def write(
        self, part: list[ActivitySpec], existing: dict[batch.Key, Activity], moments: batch.Moments | None = None
    ) -> None:
        """``existing``: the stored activities these specs name, as read in this transaction (by
        the check, or anew); ``moments``: the check's ``Checked.moments`` of them, when it has them."""
        # Where the rows they correct fell, read before the write below moves them (it updates
        # ``existing`` in place): afterwards a correction's old moment was its new one, so the
        # period an activity left was neither invalidated nor asked its lock.
        for organization_id, days in (moments if moments is not None else batch.moments_of(part, existing.values())).items():
            self.moments.setdefault(organization_id, []).extend(days)
        if self.postgres and new_rows.all_new(part, existing):
            self.result.created += await new_rows.insert_new(self.ctx, part)
        else:
            for _, created in await batch.write_all(self.ctx, part, existing):
                self.result.created += created
                self.result.updated += not created

    async def finish(self) -> None:
        """Mark what the written rows change, and tell it when the transaction commits."""
        invalidated = await periods.invalidate_unlocked(self.moments, ACTIVITIES_RECORDED)
        self.outbox.add(*CacheInvalidated.each(invalidated, ACTIVITIES_RECORDED))


@asynccontextmanager
async def writing(ctx: Context) -> AsyncIterator[Writing]:
    """One transaction for a set of rows: all are written, or (on any exception) none. A row
    another writer stored meanwhile fails the unique index, refusing the whole write
    (Conflict); the snapshots the rows change are told when it commits."""
    try:
        async with notify.transaction(ctx) as outbox:
            write = Writing(ctx, outbox)
            yield write
            await write.finish()
    except IntegrityError:
        raise Conflict(message_id="activities.bulk.concurrent_write_recorded_same") from None


async def write_all_or_nothing(
    ctx: Context,
    specs: list[ActivitySpec],
    *,
    stored: frozenset[batch.Key] | None = None,
    progress: Callable[[int], Awaitable[None]] = _nothing,
    chunk: int = 5_000,
) -> IngestResult:
    """Write checked specs (``check_rows`` found nothing) in one transaction: all or none.
    ``stored`` is what the check found stored: only those rows are read again (to correct them
    as they are now), the others are written as new, and one another writer stored meanwhile
    fails the unique index, refusing the whole write (Conflict). Without it every key is looked
    up. ``progress`` hears how many are written so far, chunk by chunk (inside the transaction:
    it may tell a listener, not write to the database)."""
    async with writing(ctx) as write:
        named = specs if stored is None else [spec for spec in specs if batch.key_of(spec) in stored]
        found = await batch.existing_by_key(named)  # once: read again only for a key an earlier chunk wrote
        written: set[batch.Key] = set()
        for start in range(0, len(specs), chunk):
            part = specs[start : start + chunk]
            keys = {key for spec in part if (key := batch.key_of(spec)) is not None}
            existing = await batch.existing_by_key(part) if keys & written else {k: found[k] for k in keys if k in found}
            written |= keys
            await write.write(part, existing)
            await progress(start + len(part))
    return write.result


async def ingest(ctx: Context, *, rows: list[dict[str, Any]], dry_run: bool = False) -> IngestResult:
    """Bulk ingest: every row valid and writable, or nothing written and every row's errors.
    A later row naming the same activity as an earlier one corrects it. Naming an organisation
    the caller may not write for refuses the whole request (FORBIDDEN), as every write does."""
    for organization_id in sorted({str(row.get("organization_id")) for row in rows if row.get("organization_id")}):
        access.require_write(ctx, organization_id)
    specs, errors = parse_rows(rows)
    checked = await check_rows(ctx, specs, repeats=True)
    errors = sorted(errors + checked.errors, key=lambda error: error.row)
    if errors or dry_run:
        return IngestResult(errors=errors)
    return await write_all_or_nothing(ctx, [spec for _, spec in specs], stored=checked.stored)
