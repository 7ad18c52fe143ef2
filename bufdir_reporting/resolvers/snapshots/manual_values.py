"""Manual field values: entered by hand on the current snapshot.

A manual field has no aggregation rule; its value is checked against the field's data type and
bounds, written with the snapshot's completeness counts in one transaction, audited, and
published. A submitted (locked) period takes no values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...events import DataUpdated
from ...language import chosen
from ...models import (
    STORED_LIMIT,
    FieldDataType,
    FieldDefinition,
    FieldValue,
    Snapshot,
    SnapshotStatus,
)
from ...wording import shown
from .. import periods
from ..base import access, audit, notify, numbers
from ..base.context import Context
from ..structure import translations
from . import completeness, prior_values
from .run_values import MANUAL


def _said(raw: Any) -> str:
    """A refused value as the client sent it: text as is, anything else as JSON (``{"a": 1}``,
    not Python's ``{'a': 1}``: "never a Python repr"), bounded by ``shown``."""
    if isinstance(raw, str):
        return shown(raw)
    try:
        return shown(json.dumps(raw, ensure_ascii=False))
    except (TypeError, ValueError):
        return shown(str(raw))


def _named(definition: FieldDefinition, label: str | None, **values: object) -> dict[str, object]:
    """A refusal's values: the field by its key (what the API said in English) and by its label
    in the reader's language, which a person reads in nb/nn («Talet på årsverk», not antall_arsverk)."""
    return {"key": definition.key, "label": label or definition.label or definition.key, **values}


def _number(definition: FieldDefinition, raw: Any, label: str | None) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.takes_number_boolean",
            values=_named(definition, label),
        )
    try:
        number = Decimal(numbers.decimal_text(str(raw)))
    except InvalidOperation:
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.takes_number_such_got",
            values=_named(definition, label, raw=_said(raw)),
        ) from None
    if not number.is_finite() or abs(number) >= STORED_LIMIT:
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.takes_finite_number_below",
            values=_named(definition, label, STORED_LIMIT=STORED_LIMIT),
        )
    if definition.data_type == FieldDataType.INTEGER and number != number.to_integral_value():
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.takes_whole_number",
            values=_named(definition, label),
        )
    if definition.min_value is not None and number < definition.min_value:
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.least",
            values=_named(definition, label, min_value=definition.min_value),
        )
    if definition.max_value is not None and number > definition.max_value:
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.most",
            values=_named(definition, label, max_value=definition.max_value),
        )
    return number


BOOLEAN_WORDS = {
    **dict.fromkeys(("true", "ja", "yes", "1", "sann"), True),
    **dict.fromkeys(("false", "nei", "no", "0", "usann"), False),
}
"""What people write for yes and no, in either case and language (only true and false were taken)."""


def _boolean(definition: FieldDefinition, raw: Any, label: str | None) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().casefold() if isinstance(raw, str | int) else None
    if word not in BOOLEAN_WORDS:
        raise InvalidInput(
            field="value",
            field_key=definition.key,
            message_id="snapshots.manual_values.takes_yes_true_false",
            values=_named(definition, label, raw=_said(raw)),
        )
    return BOOLEAN_WORDS[word]


def checked(definition: FieldDefinition, raw: Any, *, label: str | None = None) -> tuple[Decimal | None, str | None]:
    """``(value, text_value)`` for storing ``raw`` in this field; ``None`` clears it. ``label``:
    the field's in the reader's language, for a refusal (else its Bokmål label)."""
    if raw is None:
        return None, None
    if definition.data_type == FieldDataType.TEXT:
        if not isinstance(raw, str):
            # a number sent for a text field was told "takes text of at most 10,000 characters",
            # as if it were too long (outsider)
            raise InvalidInput(
                field="value",
                field_key=definition.key,
                message_id="snapshots.manual_values.takes_text_got",
                values=_named(definition, label, raw=_said(raw)),
            )
        if len(raw) > 10_000:
            raise InvalidInput(
                field="value",
                field_key=definition.key,
                message_id="snapshots.manual_values.takes_text_most_characters",
                values=_named(definition, label),
            )
        return None, raw
    if definition.data_type == FieldDataType.BOOLEAN:
        return Decimal(int(_boolean(definition, raw, label))), None
    return _number(definition, raw, label), None


async def _writable(ctx: Context, snapshot_id: str) -> Snapshot:
    """The snapshot, for a caller who may change its values. A reviewer who may read it but not
    write it is told what a reviewer does instead: it was told it could not change "the
    aggregation", which it had not asked to (outsider, polish4)."""
    snapshot = access.readable(ctx, await Snapshot.get_or_none(id=snapshot_id), kind="snapshot", key=snapshot_id)
    organization_id = snapshot.organization_id
    if not access.can_write(ctx.principal, organization_id) and access.can_review(ctx.principal, organization_id):
        raise Forbidden(details={"reason": "reviewer"}, message_id="snapshots.manual_values.reviewer_asks")
    return access.writable(ctx, snapshot, kind="snapshot", key=snapshot_id)


def _refuse_unless_current(snapshot: Snapshot) -> None:
    """A value goes into a current snapshot (of a period not submitted: ``periods.hold_unlocked``)."""
    if snapshot.status != SnapshotStatus.CURRENT:
        raise Conflict(
            details={"snapshot_id": snapshot.id},
            message_id="snapshots.manual_values.current_snapshot_takes_values",
            values={"status": snapshot.status},
        )


async def set_value(ctx: Context, *, snapshot_id: str, field_key: str, value: Any) -> FieldValue:
    snapshot = await _writable(ctx, snapshot_id)
    async with notify.transaction(ctx) as outbox:
        # The lock and the snapshot's state are asked once, with its row held, before the value is
        # looked at (a locked period is refused before a wrong value, as it was); asked before the
        # transaction as well, they saved only the field's lookup and a check.
        held = await periods.hold_unlocked(snapshot.id)
        if held is None:
            raise NotFound("snapshot", snapshot_id)
        _refuse_unless_current(held)
        row = await FieldValue.get_or_none(snapshot_id=snapshot.id, field_key=field_key)
        if row is None:
            raise NotFound("field", field_key)
        definition = await FieldDefinition.get(id=row.field_definition_id)
        label = (await translations.texts(ctx, language=chosen())).field_label(definition)
        if definition.aggregation_rule is not None:
            # by its label, as every other refusal of a value says it (it named the key); the key
            # stays in the details
            raise InvalidInput(
                field="field_key",
                field_key=definition.key,
                message_id="snapshots.manual_values.computed_activities_entered_hand",
                values=_named(definition, label),
            )
        before = {"value": row.value, "text_value": row.text_value, "data_source": row.data_source}
        row.value, row.text_value = checked(definition, value, label=label)  # type: ignore[assignment]  # Tortoise types TextField(null=True) as str
        row.data_source = MANUAL if value is not None else None
        row.set_by, row.set_at = ctx.principal.subject, datetime.now(UTC)
        await row.save()
        await completeness.recount(snapshot)
        await audit.record(
            ctx,
            action="field_value.set",
            entity_type="field_value",
            entity_id=f"{snapshot.id}/{field_key}",
            organization_id=snapshot.organization_id,
            before=before,
            after={"value": row.value, "text_value": row.text_value, "data_source": row.data_source},
        )
        outbox.add(DataUpdated.of(snapshot, [row]))
        await prior_values.refresh_following(ctx, outbox, snapshot, changed=[row])
    ctx.loaders.field_values_by_snapshot.clear(snapshot.id)
    ctx.loaders.snapshot_by_id.clear(snapshot.id)
    return row
