from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import periods
from .context import Info
from .node import ModelNode, public_key
from .pagination import CountedConnection, resolve_connection

if TYPE_CHECKING:
    from .reports import SubmissionType
    from .structure import RequiredFields

PeriodType = strawberry.enum(models.PeriodType, name="PeriodType", description="The length of a period.")


@strawberry.type(name="Period", description="A reporting period; start and end are inclusive.")
class PeriodNode(ModelNode):
    model = models.Period

    id: relay.NodeID[str]
    period_id: str = strawberry.field(
        description="The public key, e.g. 2024 or rp-2024-q4.", resolver=lambda root: root.id
    )
    type: PeriodType  # type: ignore[valid-type]
    name: str
    start: datetime.date
    end: datetime.date
    submission_deadline: datetime.date | None

    @strawberry.field(description="The period of the same type that ends the day before this starts.")
    async def prior_period(self, info: Info) -> Annotated[PeriodNode, strawberry.lazy(__name__)] | None:
        return await periods.get_prior(info.context, period=self)  # type: ignore[arg-type]

    @strawberry.field(description="The report's required fields as they applied in this period.")
    async def required_fields(self, info: Info) -> Annotated[RequiredFields, strawberry.lazy(".structure")]:
        from .structure import required_fields_for

        return await required_fields_for(info, self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="Submissions for this period that you may see.")
    async def submissions(self, info: Info) -> list[Annotated[SubmissionType, strawberry.lazy(".reports")]]:
        from ..resolvers.base.pagination import Window
        from ..resolvers.reporting import submissions

        page = await submissions.list_(info.context, window=Window(0, info.context.settings.max_page_size), period_id=self.id)  # type: ignore[attr-defined]
        return page.items  # type: ignore[return-value]

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Period:
        return await periods.get_or_raise(info.context, period_id=key)


@strawberry.type
class PeriodQuery:
    @strawberry.field(description="One period, by public key (2024, rp-2024-q4) or global ID.")
    async def period(self, info: Info, id: strawberry.ID) -> PeriodNode:
        return await PeriodNode.fetch(info, public_key("Period", id))

    @strawberry.field(description="All reporting periods, oldest first.")
    async def periods(
        self,
        info: Info,
        type: PeriodType | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CountedConnection[PeriodNode]:
        return await resolve_connection(
            CountedConnection[PeriodNode],
            info,
            lambda window: periods.list_(info.context, window=window, type=type),
            first=first,
            after=after,
            last=last,
            before=before,
        )
