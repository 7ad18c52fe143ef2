"""Per-field outlier settings in the graph: public to read (as the rules are), set and removed by
admins."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from .. import models
from ..errors import inputs_named
from ..resolvers.base.inputs import parse
from ..resolvers.structure import outlier_settings
from .context import Info
from .node import node_of, nodes_of


@strawberry.type(name="FieldOutlierSetting", description="How one field's outliers are judged, where not by the defaults.")
class FieldOutlierSettingType:
    field_key: str
    min_deviation: Decimal | None = strawberry.field(
        description="The smallest distance from the median that can flag; null: the service's default."
    )
    z_threshold: Decimal | None = strawberry.field(
        description="The modified z-score beyond which a value is an outlier; null: the service's default."
    )
    enabled: bool = strawberry.field(description="False: the field's values are never outliers nor large changes.")
    updated_at: datetime.datetime

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.FieldOutlierSetting))


@strawberry.input(description="A field's outlier setting; a value left out is the service's default.")
class FieldOutlierSettingInput:
    min_deviation: Decimal | None = strawberry.field(
        default=None, description="The smallest distance from the median that can flag (at least 0); left out: the default."
    )
    z_threshold: Decimal | None = strawberry.field(
        default=None, description="The modified z-score beyond which a value is an outlier (above 0, at most 100)."
    )
    enabled: bool = strawberry.field(default=True, description="False: never judge the field's values (default: true).")


ARGUMENTS = {
    "field_key": "fieldKey",
    "body": "input",
    "min_deviation": "input.minDeviation",
    "z_threshold": "input.zThreshold",
    "enabled": "input.enabled",
}
"""The use case's (and REST's) names as GraphQL spells them: a refusal named REST's ``body`` and
``min_deviation`` (outside review)."""


def _spec(input: FieldOutlierSettingInput) -> outlier_settings.OutlierSettingSpec:
    return parse(
        outlier_settings.OutlierSettingSpec,
        {"min_deviation": input.min_deviation, "z_threshold": input.z_threshold, "enabled": input.enabled},
    )


@strawberry.type
class OutlierSettingQuery:
    @strawberry.field(description="The fields whose outliers are judged otherwise than by the service's defaults.")
    async def field_outlier_settings(self, info: Info) -> list[FieldOutlierSettingType]:
        return nodes_of(FieldOutlierSettingType, await outlier_settings.list_(info.context))


@strawberry.type
class OutlierSettingMutation:
    @strawberry.mutation(description="Set a numeric field's outlier floor, threshold or judging on/off (admin).")
    async def set_field_outlier_setting(
        self, info: Info, field_key: str, input: FieldOutlierSettingInput
    ) -> FieldOutlierSettingType:
        with inputs_named(ARGUMENTS):
            setting = await outlier_settings.set_(info.context, field_key=field_key, spec=_spec(input))
        return node_of(FieldOutlierSettingType, setting)

    @strawberry.mutation(description="Remove a field's outlier setting: the service's defaults judge it again (admin).")
    async def delete_field_outlier_setting(self, info: Info, field_key: str) -> FieldOutlierSettingType:
        return node_of(FieldOutlierSettingType, await outlier_settings.delete(info.context, field_key=field_key))
