"""REST over HTTP: the routing every REST path shares (``routing``), the one error envelope
(``errors``), the OpenAPI document (``openapi``), and the service's own paths that answer no legacy
contract: activity imports, submissions and their review, value notes, report forms, analytics,
validation rules, per-field outlier settings, the worklist, translations of the metadata, report documents in a chosen
language. The legacy contracts (``rest_compat``) are built on this package."""

from . import (
    activity_imports,
    analytics,
    outlier_settings,
    report_documents,
    report_forms,
    submissions,
    translations,
    validation_rules,
    value_notes,
    worklist,
)

# Each under a base of its own that no contract path starts with, so they route in any order.
ROUTERS = (
    activity_imports.router,
    submissions.router,
    value_notes.router,
    report_forms.router,
    analytics.router,
    validation_rules.router,
    outlier_settings.router,
    worklist.router,
    translations.router,
    report_documents.router,
)
