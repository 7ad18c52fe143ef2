"""What each root field needs, in one place: ``read`` an organisation's data, ``write`` it,
``review`` submissions, ``admin`` the service; None for what anyone may read (periods, the
structure, forms) or what decides for itself who is let in (``viewer``).

``guard`` wraps every root field's resolver (a subscription's source) with the check, so a
token whose scopes or roles do not grant the permission is refused before the use case runs,
with the scope or role that would. A root field missing here stops the schema from being built.
The use cases check the organisation (and the permission again: ``base.access``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLSchema

from ..auth import ADMIN, READ, REVIEW, WRITE
from ..resolvers.base import access

Needs = str | tuple[str, ...] | None
"""A permission, several of which any one will do, or none."""

PUBLIC = None

FIELDS: dict[str, Needs] = {
    "Query.node": READ,
    "Query.nodes": READ,
    "Query.viewer": PUBLIC,
    "Query.organization": READ,
    "Query.organizations": READ,
    "Query.period": PUBLIC,
    "Query.periods": PUBLIC,
    "Query.sections": PUBLIC,
    "Query.section": PUBLIC,
    "Query.fieldDefinition": PUBLIC,
    "Query.requiredFields": PUBLIC,
    "Query.reportForms": PUBLIC,
    "Query.reportForm": PUBLIC,
    "Query.snapshot": READ,
    "Query.snapshots": READ,
    "Query.submission": READ,
    "Query.reportingStatus": REVIEW,
    "Query.reportingCounts": REVIEW,
    "Query.reportingRates": REVIEW,
    "Query.auditLog": ADMIN,
    "Query.activityImport": READ,
    "Query.delegations": ADMIN,
    # Anonymous callers read the approved figures of public forms; the use case decides the rest.
    "Query.analytics": PUBLIC,
    "Query.validationRules": PUBLIC,
    "Query.untranslatedTexts": PUBLIC,  # which metadata texts lack a translation: no one's data
    "Mutation.setTranslation": ADMIN,  # a form's rules are part of its definition, as its fields
    "Query.worklist": REVIEW,
    "Query.openQuestions": READ,
    "Mutation.createValidationRule": ADMIN,
    "Mutation.updateValidationRule": ADMIN,
    "Mutation.deleteValidationRule": ADMIN,
    "Query.fieldOutlierSettings": PUBLIC,  # how outliers are judged, as the rules: no one's data
    "Mutation.setFieldOutlierSetting": ADMIN,
    "Mutation.deleteFieldOutlierSetting": ADMIN,
    "Mutation.markValueForFollowUp": REVIEW,
    "Mutation.resolveValueNote": REVIEW,
    "Mutation.acceptExplanation": REVIEW,
    "Subscription.worklistChanged": REVIEW,
    "Query.analyticsTimeSeries": PUBLIC,
    "Mutation.createSection": ADMIN,
    "Mutation.updateSection": ADMIN,
    "Mutation.deactivateSection": ADMIN,
    "Mutation.createReportForm": ADMIN,
    "Mutation.updateReportForm": ADMIN,
    "Mutation.assignReportForm": ADMIN,
    "Mutation.unassignReportForm": ADMIN,
    "Mutation.setReportFormDeadlines": ADMIN,
    "Mutation.triggerAggregation": WRITE,
    "Mutation.invalidateSnapshot": WRITE,
    "Mutation.deleteSnapshot": WRITE,
    "Mutation.setFieldValue": WRITE,
    "Mutation.explainValue": WRITE,
    "Mutation.commentOnValue": REVIEW,
    "Mutation.answerComment": WRITE,
    "Mutation.recordActivity": WRITE,
    "Mutation.correctActivity": WRITE,
    "Mutation.deleteActivity": WRITE,
    "Mutation.ingestActivities": WRITE,
    "Mutation.generateReport": WRITE,
    "Mutation.submitReport": WRITE,
    "Mutation.startReview": REVIEW,
    "Mutation.approveSubmission": REVIEW,
    "Mutation.returnSubmission": REVIEW,
    "Mutation.reopenPeriod": ADMIN,
    "Mutation.checkActivityImport": WRITE,
    "Mutation.commitActivityImport": WRITE,
    "Mutation.createDelegation": ADMIN,
    "Mutation.deleteDelegation": ADMIN,
    "Mutation.assignPerson": ADMIN,
    "Mutation.unassignPerson": ADMIN,
    "Subscription.valueNoteAdded": READ,
    "Subscription.organizationDataChanged": READ,
    "Subscription.reportRecordChanged": READ,
    "Subscription.submissionReviewChanged": READ,
    "Subscription.activityImportProgress": READ,
    "Subscription.aggregatedDataChanged": READ,
    "Subscription.reportingStatusChanged": REVIEW,
    "Subscription.reportingRatesChanged": REVIEW,
    "Subscription.formAssignmentsChanged": PUBLIC,
    "Subscription.snapshotStatusChanged": READ,
}


DOING = {
    "Query.worklist": "error.reviewer_required.worklist",
    "Subscription.worklistChanged": "error.reviewer_required.worklist",
    "Mutation.acceptExplanation": "error.reviewer_required.accept",
    "Mutation.resolveValueNote": "error.reviewer_required.resolve",
    "Mutation.commentOnValue": "error.reviewer_required.comment",
    "Mutation.markValueForFollowUp": "error.reviewer_required.follow_up",
}
"""What a field needing the reviewer role does, as its refusal says it (``access.require_review``):
"Reviewing submissions needs…" to a coordinator accepting an explanation (outside review)."""


def guard(schema: GraphQLSchema) -> None:
    roots = (("Query", schema.query_type, "resolve"), ("Mutation", schema.mutation_type, "resolve"))
    for root, kind, attribute in (*roots, ("Subscription", schema.subscription_type, "subscribe")):
        assert kind is not None
        for name, field in kind.fields.items():
            needs = FIELDS[f"{root}.{name}"]  # KeyError: declare what the new root field needs
            if needs is not PUBLIC:
                setattr(field, attribute, _checked(getattr(field, attribute), needs, DOING.get(f"{root}.{name}")))


def _checked(resolve: Callable[..., Any] | None, needs: str | tuple[str, ...], doing: str | None) -> Callable[..., Any]:
    assert resolve is not None

    def checked(root: Any, info: Any, **arguments: Any) -> Any:
        access.require_permission(info.context.principal, needs, info.context.settings, doing=doing)
        return resolve(root, info, **arguments)

    return checked
