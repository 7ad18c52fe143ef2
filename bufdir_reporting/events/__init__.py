"""Events: what the service tells live followers, declared once (one typed class per event, its
channels and its JSON, on ``base.Event``, by domain: ``snapshots``, ``reporting``, ``imports``;
``catalogue`` decodes any of them), and how they travel between replicas (``hub``) to each local ``subscription``.

Use cases raise them through ``resolvers.base.notify`` (logged with the write that made them
true, published after it commits) and follow them through ``resolvers.base.live``.
"""

from .base import MAX_PAYLOAD_BYTES, Event
from .catalogue import decode
from .hub import EventHub
from .imports import ActivityImportProgress
from .reporting import FormAssignmentsChanged, ReportingStatusChanged, ReportRecordUpdated, SubmissionReviewed
from .snapshots import CacheInvalidated, DataUpdated, NoteFields, SnapshotStatusChanged, ValueNoted, changed_values
from .subscription import Delivery, HolderAtLimit, SubscriberTooSlow, Subscription

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "ActivityImportProgress",
    "CacheInvalidated",
    "DataUpdated",
    "Delivery",
    "Event",
    "EventHub",
    "FormAssignmentsChanged",
    "HolderAtLimit",
    "NoteFields",
    "ReportRecordUpdated",
    "ReportingStatusChanged",
    "SnapshotStatusChanged",
    "SubmissionReviewed",
    "SubscriberTooSlow",
    "Subscription",
    "ValueNoted",
    "changed_values",
    "decode",
]
