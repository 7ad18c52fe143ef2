"""What each REST operation needs, in one place, by its operationId: ``read`` an organisation's
data, ``write`` it, ``review`` submissions, ``admin`` the service; None for what anyone may read.

``routing.ContractRouter.endpoint`` refuses to register an operation missing here, and writes
what it needs into the OpenAPI document (``x-required-permission``); the request's context
(``dependencies.request_context``) and the body's validation check it before the handler runs,
with the scope or role that would grant it. The use cases check the organisation.
"""

from __future__ import annotations

from ..auth import ADMIN, READ, REVIEW, WRITE

Needs = str | tuple[str, ...] | None

PUBLIC = None

OPERATIONS: dict[str, Needs] = {
    "watchAggregatedReportData": READ,
    "getRequiredFields": PUBLIC,
    "getFieldLabel": PUBLIC,
    "listReportSections": PUBLIC,
    "createReportSection": ADMIN,
    "getReportSection": PUBLIC,
    "updateReportSection": ADMIN,
    "deleteReportSection": ADMIN,
    "listAggregatedReportData": READ,
    "triggerAggregatedReportData": WRITE,
    "getAggregatedReportData": READ,
    "invalidateAggregatedReportData": WRITE,
    "deleteAggregatedReportData": WRITE,
    "getActivitiesInRange": READ,
    "getLastSubmittedPeriod": READ,
    "listAggregations": READ,
    "createAggregation": WRITE,
    "getAggregation": READ,
    "getAggregationMetrics": READ,
    "refreshAggregation": WRITE,
    "deleteAggregation": WRITE,
    "listReportRecords": READ,
    "createReportRecord": WRITE,
    "getReportRecordFile": READ,
    "getReportRecord": READ,
    "updateReportRecord": WRITE,
    "deleteReportRecord": WRITE,
    "uploadActivityFile": WRITE,
    "commitActivityImport": WRITE,
    "getActivityImport": READ,
    "getReportingStatus": REVIEW,
    "getReportingRates": REVIEW,
    "getSubmission": READ,
    "reviewSubmission": REVIEW,
    "listValueNotes": READ,
    "addValueNote": (WRITE, REVIEW),  # an organisation explains a value, a reviewer comments on it
    "answerValueComment": WRITE,
    "listReportForms": PUBLIC,
    "createReportForm": ADMIN,
    "unassignReportForm": ADMIN,
    "getReportForm": PUBLIC,
    "updateReportForm": ADMIN,
    # it names organisations, so it needs a token (401 anonymous), and read is what a token
    # holds to read them: "null" (anyone) was wrong (#31 outside test, finding 11)
    "listReportFormAssignments": READ,
    "assignReportForm": ADMIN,
    "setReportFormDeadlines": ADMIN,
    # Anonymous callers read the approved figures of public forms; the use case decides the rest.
    "getAnalyticsTable": PUBLIC,
    "getAnalyticsTimeSeries": PUBLIC,
    "exportAnalytics": PUBLIC,
    "listUntranslatedTexts": PUBLIC,  # which metadata texts lack a translation: no one's data
    "setTranslation": ADMIN,
    "generateReportDocument": WRITE,  # as generateReport: the organisation's coordinator writes its report
    "listValidationRules": PUBLIC,  # a form's rules are part of its definition, as its fields
    "getValidationRule": PUBLIC,
    "createValidationRule": ADMIN,
    "updateValidationRule": ADMIN,
    "deleteValidationRule": ADMIN,
    "listFieldOutlierSettings": PUBLIC,  # how outliers are judged, as the rules: no one's data
    "getFieldOutlierSetting": PUBLIC,
    "setFieldOutlierSetting": ADMIN,
    "deleteFieldOutlierSetting": ADMIN,
    "getWorklist": REVIEW,
    "listOpenQuestions": READ,
    "resolveValueNote": REVIEW,
    "acceptValueExplanation": REVIEW,
}

DOING = {
    "getWorklist": "error.reviewer_required.worklist",
    "acceptValueExplanation": "error.reviewer_required.accept",
    "resolveValueNote": "error.reviewer_required.resolve",
}
"""What an operation needing the reviewer role does, as its refusal says it (``access.require_review``):
"Reviewing submissions needs…" to a coordinator accepting an explanation (outside review)."""
