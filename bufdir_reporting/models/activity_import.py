from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ImportStatus(StrEnum):
    CHECKED = "checked"  # every row valid: ready to commit
    REFUSED = "refused"  # some rows have errors: nothing will be written
    WRITING = "writing"
    DONE = "done"
    FAILED = "failed"


class ActivityImport(Model):
    """An uploaded activity file: checked at once (a dry run), written when committed.

    The file itself is kept (uploads are bounded by BUFDIR_MAX_UPLOAD_BYTES) until the import
    ends, so any replica can run the commit; an ended import (done, refused, failed) keeps its
    outcome and row errors, and its ``content`` is emptied. A commit is a persisted job: its owner beats ``heartbeat_at`` while it
    writes, and a replica that finds the beat stopped (the owner died, or was stopped) takes it
    over and writes it again from the start (the write is one transaction: nothing of the lost
    attempt stays), up to ``MAX_ATTEMPTS`` times."""

    id = fields.CharField(max_length=40, primary_key=True)
    created_by = fields.CharField(max_length=128)
    filename = fields.CharField(max_length=255)
    content = fields.BinaryField()
    sheet = fields.CharField(max_length=64, null=True)
    form = fields.CharField(max_length=128, default="")
    organization_ids: fields.JSONField[list[str]] = fields.JSONField(default=list)
    status = fields.CharEnumField(ImportStatus, max_length=16)
    rows = fields.IntField(default=0)
    error_count = fields.IntField(default=0)
    errors: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    written = fields.IntField(default=0)
    created = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    failure = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    committed_at = fields.DatetimeField(null=True)
    committed_by = fields.CharField(max_length=128, null=True)
    owner = fields.CharField(max_length=128, null=True)
    attempts = fields.IntField(default=0, db_default=0)
    heartbeat_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=8, null=True)
    """The language the import speaks to its requester in (``nb``/``nn``/``en``; null: none was
    asked): the uploader's at the check, the committer's if the commit asks one. The commit runs as
    a job with no request, so its errors read the language kept here."""

    class Meta:
        table = "activity_import"
        indexes = (("status", "heartbeat_at"),)
