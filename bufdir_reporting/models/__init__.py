"""Tortoise models, one module per aggregate. Migrations live in migrations/ beside them."""

from .activity import Activity, ActivityParticipant
from .activity_import import ActivityImport, ImportStatus
from .audit import AuditEntry
from .data_change import DataChange
from .event_log import EventLog
from .form import DEFAULT_FORM, FormAssignment, FormDeadline, FormSection, ReportForm
from .identity import Delegation, Person, PersonAssignment, PersonRole
from .job import AggregationJob, JobStatus
from .organization import Organization, OrganizationKind
from .period import Period, PeriodType
from .report import ReportRecord, ReportStatus
from .snapshot import FieldValue, NoteState, Snapshot, SnapshotStatus, ValueNote, ValueNoteKind
from .structure import STORED_LIMIT, FieldDataType, FieldDefinition, Section, StructureRevision
from .submission import ReviewState, Submission, SubmissionReview
from .translation import TranslatedAttribute, TranslatedSubject, Translation
from .validation_rule import (
    FieldOutlierSetting,
    MissingValueStrategy,
    RuleImportance,
    RuleOperator,
    RuleSeverity,
    ValidationRule,
)

__all__ = [
    "DEFAULT_FORM",
    "STORED_LIMIT",
    "Activity",
    "ActivityImport",
    "ActivityParticipant",
    "AggregationJob",
    "AuditEntry",
    "DataChange",
    "Delegation",
    "EventLog",
    "FieldDataType",
    "FieldDefinition",
    "FieldOutlierSetting",
    "FieldValue",
    "FormAssignment",
    "FormDeadline",
    "FormSection",
    "ImportStatus",
    "JobStatus",
    "MissingValueStrategy",
    "NoteState",
    "Organization",
    "OrganizationKind",
    "Period",
    "PeriodType",
    "Person",
    "PersonAssignment",
    "PersonRole",
    "ReportForm",
    "ReportRecord",
    "ReportStatus",
    "ReviewState",
    "RuleImportance",
    "RuleOperator",
    "RuleSeverity",
    "Section",
    "Snapshot",
    "SnapshotStatus",
    "StructureRevision",
    "Submission",
    "SubmissionReview",
    "TranslatedAttribute",
    "TranslatedSubject",
    "Translation",
    "ValidationRule",
    "ValueNote",
    "ValueNoteKind",
]
