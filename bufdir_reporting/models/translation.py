"""Nynorsk and English texts of the report's metadata (språklova § 14).

Bokmål is each item's own column (``Section.title``, ``FieldDefinition.label``,
``ReportForm.name``, ...): the source every translation is made from, what the legacy
contracts print, and what a missing translation falls back to. This table keeps the other two,
one row per item, attribute and language. A field is translated by its key, not by its
version: a label's meaning outlives a change of its bounds or rule, so a new version keeps its
translations (an admin who rewords the Bokmål should reword them too; ``untranslated`` cannot
tell a stale translation from a current one).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class TranslatedSubject(StrEnum):
    SECTION = "section"
    FIELD = "field"
    FORM = "form"
    PERIOD = "period"


class TranslatedAttribute(StrEnum):
    TITLE = "title"
    LABEL = "label"
    NAME = "name"
    DESCRIPTION = "description"
    UNIT = "unit"


class Translation(Model):
    id = fields.IntField(primary_key=True)
    subject = fields.CharEnumField(TranslatedSubject, max_length=16)
    subject_id = fields.CharField(max_length=64)
    """The section's id, the field's key, the form's id or the period's id."""
    attribute = fields.CharEnumField(TranslatedAttribute, max_length=16)
    language = fields.CharField(max_length=8)
    """``nn`` or ``en``."""
    text = fields.TextField()
    updated_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "translation"
        unique_together = (("subject", "subject_id", "attribute", "language"),)
        indexes = (("language",),)
