"""Events: what the service tells live followers, declared once (``catalogue``: one typed class
per event, its channels and its JSON), and how they travel between replicas (``hub``).

Use cases raise them through ``resolvers.base.notify`` (logged with the write that made them
true, published after it commits) and follow them through ``resolvers.base.live``.
"""

from .catalogue import (
    MAX_PAYLOAD_BYTES,
    ActivityImportProgress,
    CacheInvalidated,
    DataUpdated,
    Event,
    FormAssignmentsChanged,
    ReportingStatusChanged,
    ReportRecordUpdated,
    SnapshotStatusChanged,
    SubmissionReviewed,
    ValueNoted,
    changed_values,
    decode,
)
from .hub import Delivery, EventHub, SubscriberTooSlow, Subscription

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "ActivityImportProgress",
    "CacheInvalidated",
    "DataUpdated",
    "Delivery",
    "Event",
    "EventHub",
    "FormAssignmentsChanged",
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
