"""What the types, and the arguments of fields, mean: by argument name where the meaning is
the same on every field, else by ``Type.field(argument)``."""

from __future__ import annotations

ACTIVITIES_IN_STATUS = "Only activities in this status, as their case-management system codes it, e.g. completed."

OBJECT_ID = "The object: its global ID, or its public key as REST knows it."

TYPES = {
    "Query": "Reading: organisations, periods, the report structure, snapshots, reports and submissions.",
    "Mutation": (
        "Changing data. A mutation that fails for a user's reason (bad input, not found, not allowed, a conflict, "
        "a locked period) answers with a GraphQL error whose extensions carry a stable code (BAD_USER_INPUT, "
        "NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, CONFLICT, PERIOD_LOCKED), the offending field where there is "
        "one, and the request id; bulk writes list every row's errors in their result instead."
    ),
    "Subscription": "Live changes over a websocket (graphql-transport-ws), checked against your token like a query.",
    "SnapshotStatus": "Where a snapshot is in its life.",
    "JobStatus": "Where an aggregation run is.",
    "ReportStatus": "Where a generated report file is.",
    "FieldDataType": "The type of a report field's value.",
    "RowError": "One row's problem in a bulk write.",
    "CreateSectionInput": "A new report section with its fields (admin).",
    "UpdateSectionInput": "A section's new title, order and field list, applying from a period.",
    "FieldDefinitionInput": "One field of a report section.",
    "AggregationRuleInput": "How a field's value is computed from activities (leave out for a manual field).",
    "RuleFiltersInput": "Which activities a rule counts; an empty list counts all.",
}

ARGUMENTS_BY_NAME = {
    "first": "At most this many, from the start (or after the cursor `after`).",
    "after": "A cursor from `pageInfo.endCursor`: continue after it.",
    "last": "At most this many, from the end (or before the cursor `before`).",
    "before": "A cursor from `pageInfo.startCursor`: continue before it.",
    "id": OBJECT_ID,
    "organizationId": "The organisation: its public key (org-1042) or global ID.",
    "periodId": "The period: its public key (2024, 2024-Q1) or global ID. Left out: as the structure stands today.",
    "snapshotId": "The snapshot: its public key (snap-…) or global ID.",
    "submissionId": "The submission: its public key or global ID.",
    "importId": "The import: its id as checkActivityImport gave it.",
    "formId": "The report form: its public key (barnevern-arsrapport) or global ID. Left out: the default form.",
    "underOrganizationId": "Only the organisations in this organisation's subtree (it and those below it).",
    "assignmentId": "The assignment's id, as FormAssignment.id gives it.",
    "submissionDeadline": "By when the form's reports for the period are due.",
    "correctionDeadline": "By when a returned report must be submitted again.",
    "afterEventId": (
        "Resume: the greatest eventId you received. The events after it that the event log still holds (the last "
        "hour) come first, in order, then live ones, none twice. Left out: live events only."
    ),
    "fieldKey": "The field's technical key, e.g. antall_arsverk.",
    "text": "What is said, in plain words.",
    "reason": "Why, in plain words; kept in the history.",
    "input": "The values; see the input type.",
    "status": "Only those in this status.",
    "activityType": "Only activities of this type, as their case-management system codes it, e.g. family_guidance.",
    "category": "Only activities of this Bufdir category.",
    "sourceSystem": "Only activities from this case-management system.",
}

ARGUMENTS = {
    "Mutation.resolveValueNote(noteId)": "The question's id (a comment or follow-up mark).",
    "Mutation.acceptExplanation(noteId)": "The explanation's id (a note of kind EXPLANATION).",
    "Query.worklist(filter)": "Which items to show; left out: every submitted report's.",
    "Subscription.worklistChanged(filter)": "Which items to show; left out: every submitted report's.",
    "Mutation.triggerAggregation(organizationId)": "The organisation to aggregate: its public key or global ID.",
    "Mutation.triggerAggregation(periodId)": "The period to aggregate: its public key or global ID.",
    "Mutation.triggerAggregation(force)": "Aggregate again even when a valid current snapshot exists.",
    "Mutation.reopenPeriod(periodId)": "The submitted period to reopen: its public key or global ID.",
    "Mutation.deactivateSection(effectiveFromPeriodId)": "The change applies from this period's start (default: today).",
    "Mutation.setFieldValue(value)": (
        "The value in the field's type (number, text or boolean: true/false, ja/nei, yes/no, sann/usann or 1/0, "
        "in any case); null clears it."
    ),
    "Mutation.answerComment(commentId)": "The reviewer's comment being answered: its id.",
    "Mutation.ingestActivities(inputs)": "The activities, in order; row numbers in errors count from 1.",
    "Mutation.ingestActivities(dryRun)": "Check every row and write nothing.",
    "Mutation.generateReport(reportType)": (
        "The record's report type, a lower-case snake_case label, e.g. bufdir_report or annual_report: not a fixed "
        "list, and the same report is rendered whatever it says."
    ),
    "Organization.activities(status)": ACTIVITIES_IN_STATUS,
    "Snapshot.activities(status)": ACTIVITIES_IN_STATUS,
    "Mutation.submitReport(reportId)": "The generated report to submit: its public key (rpt_…) or global ID.",
    "Mutation.checkActivityImport(file)": "The file, as a GraphQL multipart request's upload.",
    "Mutation.checkActivityImport(sheet)": "For a workbook: the sheet to read (default: the first).",
    "Query.periods(type)": "Only periods of this type.",
    "Query.sections(isActive)": "Only active (true) or deactivated (false) sections.",
    "Query.fieldDefinition(key)": "The field's technical key, e.g. timer_hjelpetiltak.",
    "Query.auditLog(entityType)": "Only entries about this kind of object, e.g. snapshot or activity.",
    "Query.auditLog(entityId)": "Only entries about this object (its public key).",
    "Query.auditLog(action)": "Only this action, e.g. activity.recorded.",
    "Query.snapshots(organizationId)": "Only this organisation's (one you may read).",
    "Query.snapshots(periodId)": "Only snapshots of this period.",
    "Query.auditLog(organizationId)": "Only this organisation's entries.",
    "Organization.snapshots(periodId)": "Only snapshots of this period.",
    "Query.reportingStatus(periodId)": "The period: its public key or global ID.",
    "Query.reportingCounts(periodId)": "The period: its public key or global ID.",
    "Subscription.aggregatedDataChanged(periodId)": "The period: its public key or global ID.",
    "Subscription.reportingStatusChanged(periodId)": "The period: its public key or global ID.",
    "Subscription.valueNoteAdded(organizationId)": "The organisation; left out, every organisation (reviewers and admins).",
    "Subscription.submissionReviewChanged(organizationId)": (
        "The organisation; left out, every organisation (reviewers and admins)."
    ),
}

# analytics (schema/analytics.py)
ARGUMENTS.update(
    {
        "Query.analytics(selection)": "The fields, organisations and periods, and which figures count.",
        "Query.analyticsTimeSeries(selection)": "One field, one organisation (or subtreeOf) and the periods.",
    }
)
