from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import organizations
from .context import Info
from .node import ModelNode, public_key
from .pagination import CountedConnection, resolve_connection

if TYPE_CHECKING:
    from .reports import ReportRecordNode, SubmissionType
    from .snapshot import SnapshotNode

OrganizationKind = strawberry.enum(
    models.OrganizationKind, name="OrganizationKind", description="What sort of organisation reports."
)


@strawberry.type(name="Organization", description="An organisation that reports to Bufdir.")
class OrganizationType(ModelNode):
    model = models.Organization

    id: relay.NodeID[str]
    organization_id: str = strawberry.field(
        description="The public key, e.g. org-1042.", resolver=lambda root: root.id
    )
    name: str
    org_number: str | None
    kind: OrganizationKind  # type: ignore[valid-type]

    @strawberry.field(description="The parent organisation, if any (and if visible to you).")
    async def parent(self, info: Info) -> Annotated[OrganizationType, strawberry.lazy(__name__)] | None:
        parent_id = self.parent_id  # type: ignore[attr-defined]
        if parent_id is None or not info.context.principal.can_access(parent_id):
            return None
        return await organizations.get_or_raise(info.context, organization_id=parent_id)

    @strawberry.field(description="This organisation's snapshots, newest first.")
    async def snapshots(
        self,
        info: Info,
        period_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[Annotated[SnapshotNode, strawberry.lazy(".snapshot")]]:
        from ..resolvers import snapshots
        from .snapshot import SnapshotNode

        return await resolve_connection(
            CountedConnection[SnapshotNode],
            info,
            lambda window: snapshots.list_(info.context, window=window, organization_id=self.id, period_id=period_id),
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="Report files generated for this organisation, newest first.")
    async def report_records(self, info: Info, first: int | None = None, after: str | None = None) -> CountedConnection[
        Annotated[ReportRecordNode, strawberry.lazy(".reports")]
    ]:
        from ..resolvers.reporting import records
        from .reports import ReportRecordNode

        return await resolve_connection(
            CountedConnection[ReportRecordNode], info,
            lambda window: records.list_(info.context, window=window, organization_id=self.id),
            first=first, after=after, last=None, before=None,
        )

    @strawberry.field(description="Every submission to Bufdir, newest first, reopened ones included.")
    async def submissions(self, info: Info) -> list[Annotated[SubmissionType, strawberry.lazy(".reports")]]:
        from ..resolvers.base.pagination import Window
        from ..resolvers.reporting import submissions

        page = await submissions.list_(info.context, window=Window(0, info.context.settings.max_page_size), organization_id=self.id)
        return page.items  # type: ignore[return-value]

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Organization:
        return await organizations.get_or_raise(info.context, organization_id=key)


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="One organisation, by public key (org-1042) or global ID.")
    async def organization(self, info: Info, id: strawberry.ID) -> OrganizationType:
        return await OrganizationType.fetch(info, public_key("Organization", id))

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


