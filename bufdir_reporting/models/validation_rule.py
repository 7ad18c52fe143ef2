"""Validation rules across a form's fields, and how outliers are judged per field (DHIS2's
validation rules and outlier detection, in Bufdir's words).

A **rule** compares two expressions over a form's fields (``resolvers.structure.expressions``)
with an operator, under a missing-value strategy; a violated rule is a finding of its severity,
ranked by its importance, and says its message in the reader's language. An **outlier
setting** is per field key (it survives the field's versions): the smallest deviation from the
median that counts and the score beyond which a value is an outlier.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .form import ReportForm
from .structure import DIGITS, PLACES


class RuleOperator(StrEnum):
    LESS = "<"
    LESS_OR_EQUAL = "<="
    EQUAL = "=="
    NOT_EQUAL = "!="
    GREATER_OR_EQUAL = ">="
    GREATER = ">"
    BOTH_OR_NEITHER = "both_or_neither"
    """Both sides are reported (non-zero) or neither is."""
    NOT_BOTH = "not_both"
    """At most one side is reported (non-zero)."""


class MissingValueStrategy(StrEnum):
    SKIP_IF_ANY_MISSING = "skip_if_any_missing"
    SKIP_IF_ALL_MISSING = "skip_if_all_missing"
    NEVER_SKIP = "never_skip"
    """A missing value counts as zero."""


class RuleSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class RuleImportance(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ValidationRule(Model):
    id = fields.IntField(primary_key=True)
    form: fields.ForeignKeyRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="validation_rules", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=255)
    left = fields.CharField(max_length=500)
    operator = fields.CharEnumField(RuleOperator, max_length=16)
    right = fields.CharField(max_length=500)
    missing_value_strategy = fields.CharEnumField(MissingValueStrategy, max_length=32)
    severity = fields.CharEnumField(RuleSeverity, max_length=16)
    importance = fields.CharEnumField(RuleImportance, max_length=16)
    message_nb = fields.TextField()
    message_nn = fields.TextField()
    message_en = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    form_id: str

    class Meta:
        table = "validation_rule"
        ordering = ("form_id", "id")


class FieldOutlierSetting(Model):
    """How one field's outliers are judged, where it differs from the service's defaults."""

    field_key = fields.CharField(max_length=64, primary_key=True)
    min_deviation = fields.DecimalField(max_digits=DIGITS, decimal_places=PLACES, null=True)
    """The smallest |value - median| that can flag (null: the service's default)."""
    z_threshold = fields.DecimalField(max_digits=8, decimal_places=4, null=True)
    """|modified z-score| above which a value is an outlier (null: the service's default)."""
    enabled = fields.BooleanField(default=True, db_default=True)
    """False: the field's values are never judged outliers (nor large changes)."""
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "field_outlier_setting"
