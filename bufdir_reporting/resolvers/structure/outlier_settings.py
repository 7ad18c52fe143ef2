"""How one field's outliers are judged (``snapshots.outliers``), where it differs from the
service's defaults: the floor (the smallest deviation from the median that can flag), the score
beyond which a value is an outlier, or the field left unjudged. Kept per field key, so a setting
outlives the field's versions. Admins set and remove them; anyone may read them, as the rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator
from tortoise.transactions import in_transaction

from ...errors import InvalidInput, NotFound
from ...models import FieldDefinition, FieldOutlierSetting
from ..base import access, audit
from ..base.context import Context
from ..base.inputs import Strict
from .validation_rules import NUMERIC

MAX_FLOOR = Decimal("1e12")
"""Larger than any count a report holds; the column keeps 14 digits before the point."""


class OutlierSettingSpec(Strict):
    """One field's outlier setting as an admin writes it; a value left out is the default's."""

    min_deviation: Decimal | None = Field(default=None, ge=0, le=MAX_FLOOR, decimal_places=4)
    """The smallest |value - median| that can flag (null: the service's default)."""
    z_threshold: Decimal | None = Field(default=None, gt=0, le=100, decimal_places=4)
    """|modified z-score| beyond which a value is an outlier (null: the service's default)."""
    enabled: bool = Field(default=True, strict=True)
    """False: the field's values are never outliers nor large changes."""

    @field_validator("min_deviation")
    @classmethod
    def _no_negative_zero(cls, value: Decimal | None) -> Decimal | None:
        """``-0.0`` passes ``ge=0`` and was stored and shown as ``-0.0000``."""
        return Decimal(0) if value is not None and value.is_zero() else value


def _values(spec: OutlierSettingSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")


async def _numeric_field(field_key: str) -> None:
    """A setting is for a number some version of the form's fields holds (unknown: NOT_FOUND)."""
    types = set(await FieldDefinition.filter(key=field_key).values_list("data_type", flat=True))
    if not types:
        raise NotFound("field", field_key)
    if not types & set(NUMERIC):
        raise InvalidInput(
            field="field_key",
            message_id="structure.outlier_settings.not_a_number",
            values={"field_key": field_key, "named": "field_key"},
            inputs=("named",),
        )


async def list_(ctx: Context) -> list[FieldOutlierSetting]:
    return await FieldOutlierSetting.all().order_by("field_key")


async def get_or_raise(ctx: Context, *, field_key: str) -> FieldOutlierSetting:
    setting = await FieldOutlierSetting.get_or_none(field_key=field_key)
    if setting is None:
        raise NotFound("outlier setting", field_key)
    return setting


async def set_(ctx: Context, *, field_key: str, spec: OutlierSettingSpec) -> FieldOutlierSetting:
    """Create or replace the field's setting (the audit keeps what it was).

    A setting that says only the defaults is refused: ``PUT {}`` stored a row that changed
    nothing, silently, and left the admin believing the field was set (outside review). Going
    back to the defaults is the explicit operation, ``delete``."""
    access.require_admin(ctx)
    await _numeric_field(field_key)
    if spec == OutlierSettingSpec():
        raise InvalidInput(
            field="body",
            message_id="structure.outlier_settings.only_defaults",
            values={"field_key": field_key},
            inputs=("min_deviation", "z_threshold", "enabled"),
        )

    async def write() -> FieldOutlierSetting:
        async with in_transaction():
            setting = await FieldOutlierSetting.select_for_update().get_or_none(field_key=field_key)
            before = None if setting is None else audit.fields_of(setting, list(_values(spec)))
            if setting is None:
                setting = await FieldOutlierSetting.create(field_key=field_key, **spec.model_dump())
            else:
                setting.update_from_dict(spec.model_dump())
                await setting.save()
            await audit.record(
                ctx,
                action="outlier_setting.set",
                entity_type="field_outlier_setting",
                entity_id=field_key,
                before=before,
                after=_values(spec),
            )
        return setting

    return await audit.replaced_by_key(write)


async def delete(ctx: Context, *, field_key: str) -> FieldOutlierSetting:
    """Remove the field's setting: its outliers are judged by the service's defaults again."""
    access.require_admin(ctx)
    async with in_transaction():
        setting = await FieldOutlierSetting.select_for_update().get_or_none(field_key=field_key)
        if setting is None:
            raise NotFound("outlier setting", field_key)
        await setting.delete()
        await audit.record(ctx, action="outlier_setting.deleted", entity_type="field_outlier_setting", entity_id=field_key)
    return setting
