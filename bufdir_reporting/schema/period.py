from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..resolvers import periods
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import submissions
from .context import Info
from .node import ModelNode, node_of, node_or_none, public_key
from .pagination import CountedConnection, resolve_connection
from .translations import LanguageArgument, texts_of

if TYPE_CHECKING:
    from .reports import SubmissionType
    from .structure import RequiredFields

strawberry.enum(models.PeriodType, name="PeriodType", description="The length of a period.")

PeriodRoot = strawberry.Parent[models.Period]


@strawberry.type(name="Period", description="A reporting period; start and end are inclusive.")
class PeriodNode(ModelNode):
    model = models.Period

    id: relay.NodeID[str]
    period_id: str = strawberry.field(description="The public key, e.g. 2024 or rp-2024-q4.", resolver=lambda root: root.id)
    type: models.PeriodType
    start: datetime.date
    end: datetime.date
    submission_deadline: datetime.date | None

    @strawberry.field(
        description="The period's name in the language asked, e.g. Rapporteringsåret 2024, Q4 2025 in English "
        "(a calendar period's own name in every language; another's translation, else its Bokmål)."
    )
    @staticmethod
    async def name(root: PeriodRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).period_name(root)

    @strawberry.field(description="The period of the same type that ends the day before this starts.")
    @staticmethod
    async def prior_period(root: PeriodRoot, info: Info) -> Annotated[PeriodNode, strawberry.lazy(__name__)] | None:
        return node_or_none(PeriodNode, await periods.get_prior(info.context, period=root))

    @strawberry.field(description="The report's required fields as they applied in this period.")
    @staticmethod
    async def required_fields(root: PeriodRoot, info: Info) -> Annotated[RequiredFields, strawberry.lazy(".structure")]:
        from .structure import required_fields_for

        return await required_fields_for(info, root.id)

    @strawberry.field(description="Submissions for this period that you may see.")
    @staticmethod
    async def submissions(root: PeriodRoot, info: Info) -> list[Annotated[SubmissionType, strawberry.lazy(".reports")]]:
        page = await submissions.list_(info.context, window=Window(0, info.context.settings.max_page_size), period_id=root.id)
        return cast("list[SubmissionType]", page.items)

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Period:
        return await periods.get_or_raise(info.context, period_id=key)


@strawberry.type
class PeriodQuery:
    @strawberry.field(description="One period, by public key (2024, rp-2024-q4) or global ID.")
    async def period(self, info: Info, id: strawberry.ID) -> PeriodNode | None:
        return node_of(PeriodNode, await PeriodNode.fetch(info, public_key("Period", id)))

    @strawberry.field(description="All reporting periods, oldest first.")
    async def periods(
        self,
        info: Info,
        type: models.PeriodType | None = None,
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
