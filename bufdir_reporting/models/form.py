"""Report forms and who must report them (DHIS2's data sets and their assignment to
organisation units, in Bufdir's words).

A **form** is a named set of sections (and so of fields) with a period type: "Barnevern -
årsrapport" is asked for years, "Tilskudd - aktivitetsrapport" for grant periods. The fields and
sections keep their validity in time as before; a form only says which sections it asks. The
**default form** holds every section and any period type: what the service asked before forms
existed, and what a request that names no form gets.

An **assignment** says which organisations must report a form: one organisation, every
organisation of a kind, or (neither) every organisation, for the periods from ``valid_from``
on (and until ``valid_until``). A **deadline** is the form's for one period: by when it is due,
and by when a returned report must be corrected.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from .organization import Organization, OrganizationKind
from .period import Period, PeriodType
from .structure import Section

DEFAULT_FORM = "bufdir-rapport"
"""The form that asks every section there is (it lists none); made by migration 0012 and
assigned to every organisation."""


class ReportForm(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    period_type = fields.CharEnumField(PeriodType, max_length=16, null=True)
    """The kind of period it is asked for; null: any (the default form)."""
    rolled_up = fields.BooleanField(default=False)
    """An organisation reports it for its whole subtree: its figures count the activities of
    every organisation below it (participants once across them), not its own alone."""
    is_default = fields.BooleanField(default=False)
    public = fields.BooleanField(default=False, db_default=False)
    """Bufdir publishes its approved figures: anonymous callers may read them through analytics
    (``resolvers.analytics``); nothing else about an organisation becomes public."""
    require_questions_resolved = fields.BooleanField(default=False, db_default=False)
    """Submission waits until no reviewer's question on an error-level finding is open."""
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "report_form"
        ordering = ("id",)


class FormSection(Model):
    """A section a form asks, in the section's own order."""

    id = fields.IntField(primary_key=True)
    form: fields.ForeignKeyRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="sections", on_delete=fields.CASCADE
    )
    section: fields.ForeignKeyRelation[Section] = fields.ForeignKeyField(
        "bufdir.Section", related_name="forms", on_delete=fields.RESTRICT
    )

    form_id: str
    section_id: str

    class Meta:
        table = "report_form_section"
        unique_together = (("form", "section"),)


class FormAssignment(Model):
    """Who must report a form from a period on: one organisation, the organisations of a kind,
    or every organisation (neither given)."""

    id = fields.IntField(primary_key=True)
    form: fields.ForeignKeyRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="assignments", on_delete=fields.CASCADE
    )
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "bufdir.Organization", related_name="form_assignments", null=True, on_delete=fields.CASCADE
    )
    organization_kind = fields.CharEnumField(OrganizationKind, max_length=32, null=True)
    valid_from = fields.DateField()
    """The first day of the first period it applies to."""
    valid_until = fields.DateField(null=True)
    """The last day of the last period it applies to; null: from then on."""
    created_by = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    form_id: str
    organization_id: str | None

    class Meta:
        table = "report_form_assignment"
        indexes = (("form_id", "valid_from"),)


class FormDeadline(Model):
    """A form's deadlines for one period (a period's own deadlines are the fallback)."""

    id = fields.IntField(primary_key=True)
    form: fields.ForeignKeyRelation[ReportForm] = fields.ForeignKeyField(
        "bufdir.ReportForm", related_name="deadlines", on_delete=fields.CASCADE
    )
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "bufdir.Period", related_name="form_deadlines", on_delete=fields.CASCADE
    )
    submission_deadline = fields.DateField(null=True)
    correction_deadline = fields.DateField(null=True)

    form_id: str
    period_id: str

    class Meta:
        table = "report_form_deadline"
        unique_together = (("form", "period"),)
