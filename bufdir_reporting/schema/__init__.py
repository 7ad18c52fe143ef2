"""The GraphQL schema, composed from per-domain Query classes."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from ..config import Settings
from . import permissions, scalars
from .activity import ActivityMutation
from .activity_import import ActivityImportMutation, ActivityImportQuery
from .analytics import AnalyticsQuery
from .audit import AuditQuery
from .compiled.extension import CompiledReads
from .descriptions import describe
from .errors import DomainErrorExtension, log_errors
from .field_values import FieldValueMutation
from .forms import FormMutation, FormQuery
from .identity import IdentityMutation, IdentityQuery
from .limits import CachedParsing, CachedValidation, OperationLimits, SubscriptionsOverWebsockets
from .node import NodeQuery
from .organization import OrganizationQuery
from .outlier_settings import OutlierSettingMutation, OutlierSettingQuery
from .period import PeriodQuery
from .report_roots import ReportMutation, ReportQuery
from .snapshot import SnapshotMutation, SnapshotQuery
from .structure import StructureQuery
from .structure_mutations import StructureMutation
from .subscriptions import LiveSubscription, SharedEventResults
from .translations import TranslationMutation, TranslationQuery
from .validation_rules import ValidationRuleMutation, ValidationRuleQuery
from .worklist import WorklistQuery, WorklistSubscription

CACHED_DOCUMENTS = 256


@strawberry.type
class Query(
    NodeQuery,
    OrganizationQuery,
    PeriodQuery,
    StructureQuery,
    FormQuery,
    ValidationRuleQuery,
    OutlierSettingQuery,
    WorklistQuery,
    SnapshotQuery,
    ReportQuery,
    AuditQuery,
    ActivityImportQuery,
    IdentityQuery,
    AnalyticsQuery,
    TranslationQuery,
):
    pass


@strawberry.type
class Mutation(
    StructureMutation,
    FormMutation,
    ValidationRuleMutation,
    OutlierSettingMutation,
    SnapshotMutation,
    FieldValueMutation,
    ActivityMutation,
    ReportMutation,
    ActivityImportMutation,
    IdentityMutation,
    TranslationMutation,
):
    pass


@strawberry.type
class Subscription(LiveSubscription, WorklistSubscription):
    pass


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors)


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # The caches key on the query text and the parse options / validation rules that
    # OperationLimits sets from each app's settings, so apps with other limits never share an
    # entry; validating a dashboard's query cost more than executing it (bench S7).
    extensions=[
        OperationLimits,
        lambda: CachedParsing(maxsize=CACHED_DOCUMENTS),
        lambda: CachedValidation(maxsize=CACHED_DOCUMENTS),
        SubscriptionsOverWebsockets,
        DomainErrorExtension,
        # last: answers a covered query in one statement once everything above has let it through
        CompiledReads,
    ],
    execution_context_class=SharedEventResults,
    scalar_overrides=scalars.OVERRIDES,
    config=StrawberryConfig(relay_max_results=Settings.model_fields["max_page_size"].default),
)
"""One schema for every app in the process; limits come from each request's settings."""
permissions.guard(schema._schema)
UNUSED_DESCRIPTIONS = describe(schema._schema)
"""Keys of ``descriptions`` that named nothing (a test keeps this empty)."""
