"""Tortoise models, one module per aggregate. Migrations live in migrations/ beside them."""

from .activity import Activity, ActivityParticipant
from .activity_import import ActivityImport, ImportStatus
from .audit import AuditEntry
from .event_log import EventLog
from .form import DEFAULT_FORM, FormAssignment, FormDeadline, FormSection, ReportForm
from .job import AggregationJob, JobStatus
from .organization import Organization, OrganizationKind
from .period import Period, PeriodType
from .report import ReportRecord, ReportStatus
from .snapshot import FieldValue, Snapshot, SnapshotStatus, ValueNote, ValueNoteKind
from .structure import STORED_LIMIT, FieldDataType, FieldDefinition, Section, StructureRevision
from .submission import ReviewState, Submission, SubmissionReview
from .translation import TranslatedAttribute, TranslatedSubject, Translation

__all__ = [
    "DEFAULT_FORM",
    "STORED_LIMIT",
    "Activity",
    "ActivityImport",
    "ActivityParticipant",
    "AggregationJob",
    "AuditEntry",
    "EventLog",
    "FieldDataType",
    "FieldDefinition",
    "FieldValue",
    "FormAssignment",
    "FormDeadline",
    "FormSection",
    "ImportStatus",
    "JobStatus",
    "Organization",
    "OrganizationKind",
    "Period",
    "PeriodType",
    "ReportForm",
    "ReportRecord",
    "ReportStatus",
    "ReviewState",
    "Section",
    "Snapshot",
    "SnapshotStatus",
    "StructureRevision",
    "Submission",
    "SubmissionReview",
    "TranslatedAttribute",
    "TranslatedSubject",
    "Translation",
    "ValueNote",
    "ValueNoteKind",
]
