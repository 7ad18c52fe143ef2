"""Per-field outlier settings over REST (no legacy contract: a path of its own): the same use
cases as GraphQL's fieldOutlierSettings and its mutations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from ..models import FieldOutlierSetting
from ..resolvers.base.context import Context
from ..resolvers.structure import outlier_settings
from .routing import ContextDep, ContractRouter, stored_length
from .shapes import Instant, PlainDecimal, Shape, examples

router = ContractRouter("/api/v1/field-outlier-settings", tag="field-outlier-settings", printed_paths=False)
FieldKey = Annotated[
    str, Path(min_length=1, max_length=stored_length(FieldOutlierSetting, "field_key"), description="the field's key")
]

_SETTING = {
    "field_key": "antall_akuttplasseringer",
    "min_deviation": "10",
    "z_threshold": None,
    "enabled": True,
    "updated_at": "2026-01-05T10:00:00Z",
}


class OutlierSettingShape(Shape):
    model_config = examples(_SETTING)

    field_key: str
    min_deviation: PlainDecimal | None
    z_threshold: PlainDecimal | None
    enabled: bool
    updated_at: Instant


class OutlierSettingList(Shape):
    model_config = examples({"data": [_SETTING]})

    data: list[OutlierSettingShape]


def shape(setting: FieldOutlierSetting) -> OutlierSettingShape:
    return OutlierSettingShape(
        field_key=setting.field_key,
        min_deviation=setting.min_deviation,
        z_threshold=setting.z_threshold,
        enabled=setting.enabled,
        updated_at=setting.updated_at,
    )


@router.endpoint(
    "GET", "", "listFieldOutlierSettings", OutlierSettingList, public=True, summary="The fields judged otherwise than by default"
)
async def list_settings(ctx: Context = ContextDep) -> OutlierSettingList:
    return OutlierSettingList(data=[shape(s) for s in await outlier_settings.list_(ctx)])


@router.endpoint(
    "GET", "/{field_key}", "getFieldOutlierSetting", OutlierSettingShape, errors={404}, public=True, summary="One field's setting"
)
async def get_setting(field_key: FieldKey, ctx: Context = ContextDep) -> OutlierSettingShape:
    return shape(await outlier_settings.get_or_raise(ctx, field_key=field_key))


@router.endpoint(
    "PUT",
    "/{field_key}",
    "setFieldOutlierSetting",
    OutlierSettingShape,
    errors={404},
    admin=True,
    summary="Set a numeric field's outlier floor, threshold or judging on/off",
)
async def set_setting(
    field_key: FieldKey, body: outlier_settings.OutlierSettingSpec, ctx: Context = ContextDep
) -> OutlierSettingShape:
    return shape(await outlier_settings.set_(ctx, field_key=field_key, spec=body))


@router.endpoint(
    "DELETE",
    "/{field_key}",
    "deleteFieldOutlierSetting",
    OutlierSettingShape,
    body=False,
    errors={404},
    admin=True,
    summary="Remove a field's setting (the defaults judge it again)",
)
async def delete_setting(field_key: FieldKey, ctx: Context = ContextDep) -> OutlierSettingShape:
    return shape(await outlier_settings.delete(ctx, field_key=field_key))
