from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import organizations, periods, snapshots
from ..resolvers.base import access
from ..resolvers.base.pagination import Window
from ..resolvers.base.rows import AnyOrganization, OrganizationRow
from ..resolvers.reporting import assignments, records, submissions
from .context import Info
from .enums import BufdirCategory
from .node import ModelNode, node_of, node_or_none, nodes_of, public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection

if TYPE_CHECKING:
    from .activity import ActivityNode
    from .forms import ReportFormNode
    from .reports import ReportRecordNode, SubmissionType
    from .snapshot import SnapshotNode

strawberry.enum(models.OrganizationKind, name="OrganizationKind", description="What sort of organisation reports.")

OrganizationRoot = strawberry.Parent[AnyOrganization]


@strawberry.type(name="Organization", description="An organisation that reports to Bufdir.")
class OrganizationType(ModelNode):
    model = models.Organization
    row = OrganizationRow

    id: relay.NodeID[str]
    organization_id: str = strawberry.field(description="The public key, e.g. org-1042.", resolver=lambda root: root.id)
    name: str
    org_number: str | None
    kind: models.OrganizationKind

    @strawberry.field(description="The organisations directly below it in the organisation tree (its branches).")
    @staticmethod
    async def children(
        root: OrganizationRoot, info: Info, first: int | None = None, after: str | None = None
    ) -> CountedConnection[Annotated[OrganizationType, strawberry.lazy(__name__)]]:
        return await resolve_connection(
            CountedConnection[OrganizationType],
            info,
            lambda window: organizations.tree.children(info.context, organization=root, window=window),
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="The organisations above it, nearest first (those visible to you).")
    @staticmethod
    async def ancestors(root: OrganizationRoot, info: Info) -> list[Annotated[OrganizationType, strawberry.lazy(__name__)]]:
        return nodes_of(OrganizationType, await organizations.tree.ancestors(info.context, organization=root))

    @strawberry.field(description="The report forms it must report for a period.")
    @staticmethod
    async def report_forms(
        root: OrganizationRoot, info: Info, period_id: strawberry.ID
    ) -> list[Annotated[ReportFormNode, strawberry.lazy(".forms")]]:
        period = await periods.get_or_raise(info.context, period_id=public_key("Period", period_id))
        return cast("list[ReportFormNode]", await assignments.forms_of(info.context, organization=root, period=period))

    @strawberry.field(description="The parent organisation, if any (and if visible to you).")
    @staticmethod
    async def parent(root: OrganizationRoot, info: Info) -> Annotated[OrganizationType, strawberry.lazy(__name__)] | None:
        if root.parent_id is None or not access.can_read(info.context.principal, root.parent_id):
            return None
        return node_or_none(OrganizationType, await organizations.get_or_raise(info.context, organization_id=root.parent_id))

    @strawberry.field(description="This organisation's snapshots, the latest period first (within one, the newest run first).")
    @staticmethod
    async def snapshots(
        root: OrganizationRoot,
        info: Info,
        period_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[Annotated[SnapshotNode, strawberry.lazy(".snapshot")]]:
        from .snapshot import SnapshotNode

        period = public_key_or_none("Period", period_id)

        return await resolve_connection(
            CountedConnection[SnapshotNode],
            info,
            lambda window: snapshots.list_(
                info.context, window=window, organization_id=root.id, period_id=period, by_period=True
            ),
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="This organisation's activities, newest first, narrowed by any of the arguments.")
    @staticmethod
    async def activities(
        root: OrganizationRoot,
        info: Info,
        occurred_from: Annotated[
            datetime.datetime | None, strawberry.argument(description="Only those that occurred at or after this.")
        ] = None,
        occurred_to: Annotated[
            datetime.datetime | None, strawberry.argument(description="Only those that occurred at or before this.")
        ] = None,
        activity_type: str | None = None,
        category: BufdirCategory | None = None,
        status: str | None = None,
        source_system: Annotated[str | None, strawberry.argument(description="The case-management system")] = None,
        include_deleted: Annotated[
            bool, strawberry.argument(description="Also those deleted (kept, marked, not counted).")
        ] = False,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[Annotated[ActivityNode, strawberry.lazy(".activity")]]:
        from .activity import activities_connection

        return await activities_connection(
            info,
            organization_id=root.id,
            start=occurred_from,
            end=occurred_to,
            activity_type=activity_type,
            category=category,
            status=status,
            source_system=source_system,
            include_deleted=include_deleted,
            first=first,
            after=after,
        )

    @strawberry.field(description="Report files generated for this organisation, newest first.")
    @staticmethod
    async def report_records(
        root: OrganizationRoot, info: Info, first: int | None = None, after: str | None = None
    ) -> CountedConnection[Annotated[ReportRecordNode, strawberry.lazy(".reports")]]:
        from .reports import ReportRecordNode

        return await resolve_connection(
            CountedConnection[ReportRecordNode],
            info,
            lambda window: records.list_(info.context, window=window, organization_id=root.id),
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="Every submission to Bufdir, newest first, reopened ones included.")
    @staticmethod
    async def submissions(root: OrganizationRoot, info: Info) -> list[Annotated[SubmissionType, strawberry.lazy(".reports")]]:
        page = await submissions.list_(
            info.context, window=Window(0, info.context.settings.max_page_size), organization_id=root.id
        )
        return cast("list[SubmissionType]", page.items)

    @classmethod
    async def fetch(cls, info: Info, key: str) -> OrganizationRow:
        return await organizations.get_or_raise(info.context, organization_id=key)


@strawberry.type(description="Who you are to this service: what your token says and what it lets you do.")
class Viewer:
    subject: str | None = strawberry.field(description="Who the token was issued to; null without a token.")
    authenticated: bool
    admin: bool = strawberry.field(description="The admin role: every organisation, the report structure, reopening.")
    roles: list[str]

    organization_ids: strawberry.Private[list[str]]

    reviewer: bool = strawberry.field(description="Bufdir's reviewer role: reads every organisation, reviews submissions.")

    @strawberry.field(description="The organisations you may see (for an admin or a reviewer: every one), by name.")
    async def organizations(self, info: Info) -> list[OrganizationType]:
        if self.admin or self.reviewer:
            page = await organizations.list_(info.context, window=Window(0, info.context.settings.max_page_size))
            return cast(list[OrganizationType], page.items)
        found = await info.context.loaders.organization_by_id.load_many(self.organization_ids)
        return cast(list[OrganizationType], [row for row in found if row is not None])


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="Who you are, and which organisations you may act for.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        return Viewer(
            subject=principal.subject,
            authenticated=principal.is_authenticated,
            admin=principal.is_admin,
            reviewer=principal.is_reviewer,
            roles=sorted(principal.roles),
            organization_ids=sorted(principal.organizations),
        )

    @strawberry.field(description="One organisation, by public key (org-1042) or global ID.")
    async def organization(self, info: Info, id: strawberry.ID) -> OrganizationType | None:
        return node_of(OrganizationType, await OrganizationType.fetch(info, public_key("Organization", id)))

    @strawberry.field(description="The organisations you act for (all of them, for an admin).")
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CountedConnection[OrganizationType]:
        return await resolve_connection(
            CountedConnection[OrganizationType],
            info,
            lambda window: organizations.list_(info.context, window=window),
            first=first,
            after=after,
            last=last,
            before=before,
        )
