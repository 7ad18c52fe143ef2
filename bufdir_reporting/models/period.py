from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PeriodType(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    CUSTOM = "custom"


class Period(Model):
    """A reporting period. start and end are both inclusive calendar dates.

    The prior period of a period is the one of the same type that ends the day before it starts.
    """

    id = fields.CharField(max_length=32, primary_key=True)
    type = fields.CharEnumField(PeriodType, max_length=16)
    start = fields.DateField()
    end = fields.DateField()
    name = fields.CharField(max_length=64)
    submission_deadline = fields.DateField(null=True)
    correction_deadline = fields.DateField(null=True)  # by when a returned report must be submitted again
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "period"
        ordering = ("start", "end")
        unique_together = (("type", "start", "end"),)
        indexes = (("type", "end"),)
