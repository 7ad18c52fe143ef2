"""Report forms in the graph: what is asked, of whom, by when; admins write them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..errors import InvalidInput
from ..resolvers import periods
from ..resolvers.base import ids
from ..resolvers.base.inputs import parse
from ..resolvers.reporting import assignments, deadlines
from ..resolvers.structure import forms

# The enums these types name are registered (described) where they belong; imported first so
# Strawberry does not make a second, undescribed PeriodType or OrganizationKind of its own.
from . import organization as _organization  # noqa: F401
from . import period as _period  # noqa: F401
from .context import Info
from .node import ModelNode, node_of, nodes_of, public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection
from .structure import SectionNode
from .translations import LanguageArgument, texts_of

if TYPE_CHECKING:
    from .organization import OrganizationType


FormRoot = strawberry.Parent[models.ReportForm]
AssignmentRoot = strawberry.Parent[models.FormAssignment]


@strawberry.type(name="ReportForm", description="A named set of sections asked for one kind of period.")
class ReportFormNode(ModelNode):
    model = models.ReportForm

    id: relay.NodeID[str]
    form_id: str = strawberry.field(description="The public key, e.g. barnevern-arsrapport.", resolver=lambda root: root.id)
    period_type: models.PeriodType | None = strawberry.field(description="The kind of period it is asked for; null: any.")
    rolled_up: bool = strawberry.field(
        description="Reported for an organisation's whole subtree: its figures count every organisation below it "
        "(each participant once)."
    )
    public: bool = strawberry.field(description="Its approved figures are published: anonymous callers read them (analytics).")
    is_default: bool = strawberry.field(description="The form every section belongs to; a request naming no form gets it.")
    require_questions_resolved: bool = strawberry.field(
        description="A report is submitted only when no value marked for follow-up is unresolved."
    )

    @strawberry.field(description="The form's name, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def name(root: FormRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).form_name(root)

    @strawberry.field(description="What the form is for, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def description(root: FormRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).form_description(root)

    @strawberry.field(description="The sections it asks (the default form: every section there is).")
    @staticmethod
    async def sections(root: FormRoot, info: Info) -> list[SectionNode]:
        return nodes_of(SectionNode, await forms.sections_of(info.context, form=root))

    @strawberry.field(
        description="Who must report it, from which period on (needs a token; those naming an "
        "organisation you may not read are left out)."
    )
    @staticmethod
    async def assignments(root: FormRoot, info: Info) -> list[FormAssignmentType]:
        return nodes_of(FormAssignmentType, await assignments.list_(info.context, form_id=root.id))

    @strawberry.field(
        description="The organisations that must report it for a period (needs a token: those you may "
        "read; all of them for reviewers and admins)."
    )
    @staticmethod
    async def expected_organizations(
        root: FormRoot, info: Info, period_id: strawberry.ID
    ) -> list[Annotated[OrganizationType, strawberry.lazy(".organization")]]:
        period = await periods.get_or_raise(info.context, period_id=public_key("Period", period_id))
        return cast("list[OrganizationType]", await assignments.expected_readable(info.context, form=root, period=period))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.ReportForm:
        return await forms.get_or_raise(info.context, form_id=key)


@strawberry.type(name="FormAssignment", description="Who must report a form: one organisation, a kind, or every one.")
class FormAssignmentType:
    id: strawberry.ID = strawberry.field(resolver=lambda root: strawberry.ID(str(root.id)))
    organization_id: strawberry.ID | None = strawberry.field(description="The organisation named, if one is.")
    organization_kind: models.OrganizationKind | None = strawberry.field(description="The kind named, if one is.")
    valid_from: datetime.date = strawberry.field(description="The first day of the first period it applies to.")
    valid_until: datetime.date | None = strawberry.field(description="The last day of the last period; null: from then on.")

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.FormAssignment))


@strawberry.input(description="A report form as an admin writes it.")
class ReportFormInput:
    form_id: str
    name: str
    section_ids: list[strawberry.ID]
    description: str = ""
    period_type: models.PeriodType | None = None
    rolled_up: bool = False
    public: bool = strawberry.field(default=False, description="Publish its approved figures to anonymous callers (analytics).")
    require_questions_resolved: bool = False


@strawberry.input(description="Who must report a form: an organisation, a kind of organisation, or (neither) every one.")
class FormAssignmentInput:
    from_period_id: strawberry.ID
    organization_id: strawberry.ID | None = None
    organization_kind: models.OrganizationKind | None = None
    until_period_id: strawberry.ID | None = None


def _form_spec(input: ReportFormInput) -> forms.FormSpec:
    return parse(
        forms.FormSpec,
        {
            "form_id": input.form_id,
            "name": input.name,
            "description": input.description,
            "period_type": input.period_type,
            "rolled_up": input.rolled_up,
            "public": input.public,
            "require_questions_resolved": input.require_questions_resolved,
            "section_ids": [public_key("Section", s) for s in input.section_ids],
        },
    )


@strawberry.type
class FormQuery:
    @strawberry.field(description="The report forms (public, as the structure is).")
    async def report_forms(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> CountedConnection[ReportFormNode]:
        return await resolve_connection(
            CountedConnection[ReportFormNode],
            info,
            lambda window: forms.list_(info.context, window=window),
            first=first,
            after=after,
            last=None,
            before=None,
        )

    @strawberry.field(description="One report form, by public key or global ID.")
    async def report_form(self, info: Info, id: strawberry.ID) -> ReportFormNode | None:
        return node_of(ReportFormNode, await ReportFormNode.fetch(info, public_key("ReportForm", id)))


@strawberry.type
class FormMutation:
    @strawberry.mutation(description="Create a report form (admin).")
    async def create_report_form(self, info: Info, input: ReportFormInput) -> ReportFormNode:
        return node_of(ReportFormNode, await forms.create(info.context, spec=_form_spec(input)))

    @strawberry.mutation(description="Replace a report form's name, period type, roll-up and sections (admin).")
    async def update_report_form(self, info: Info, id: strawberry.ID, input: ReportFormInput) -> ReportFormNode:
        form_id = public_key("ReportForm", id)
        return node_of(ReportFormNode, await forms.update(info.context, form_id=form_id, spec=_form_spec(input)))

    @strawberry.mutation(description="Assign a report form from a period on (admin; audited, published).")
    async def assign_report_form(self, info: Info, form_id: strawberry.ID, input: FormAssignmentInput) -> FormAssignmentType:
        spec = parse(
            assignments.AssignmentSpec,
            {
                "organization_id": public_key_or_none("Organization", input.organization_id),
                "organization_kind": input.organization_kind,
                "from_period_id": public_key("Period", input.from_period_id),
                "until_period_id": public_key_or_none("Period", input.until_period_id),
            },
        )
        assignment = await assignments.assign(info.context, form_id=public_key("ReportForm", form_id), spec=spec)
        return node_of(FormAssignmentType, assignment)

    @strawberry.mutation(description="End an assignment of a report form (admin; audited, published).")
    async def unassign_report_form(
        self,
        info: Info,
        assignment_id: strawberry.ID,
        mistaken: Annotated[
            bool,
            strawberry.argument(
                description="Remove a mistaken assignment outright, past periods too (refused once a submission "
                "was made under it). Left out: end it, keeping it for the periods that have ended."
            ),
        ] = False,
    ) -> FormAssignmentType:
        assignment = await assignments.unassign(info.context, assignment_id=_number(assignment_id), mistaken=mistaken)
        return node_of(FormAssignmentType, assignment)

    @strawberry.mutation(description="Set a report form's deadlines for a period (admin); a deadline left out keeps its value.")
    async def set_report_form_deadlines(
        self,
        info: Info,
        form_id: strawberry.ID,
        period_id: strawberry.ID,
        submission_deadline: datetime.date | None = strawberry.UNSET,
        correction_deadline: datetime.date | None = strawberry.UNSET,
    ) -> ReportFormNode:
        given = {
            name: value
            for name, value in (("submission_deadline", submission_deadline), ("correction_deadline", correction_deadline))
            if value is not strawberry.UNSET
        }
        key = public_key("ReportForm", form_id)
        spec = parse(deadlines.DeadlineSpec, given)
        await deadlines.set_deadlines(info.context, form_id=key, period_id=public_key("Period", period_id), spec=spec)
        return node_of(ReportFormNode, await forms.get_or_raise(info.context, form_id=key))


def _number(assignment_id: strawberry.ID) -> int:
    """An assignment's id as REST takes it (``AssignmentId``): 1 to 2^31-1, the column's range.
    A larger one reached the database and answered INTERNAL on SQLite (an overflow; #31 review,
    finding 7). Written in ASCII digits only (``int`` also takes "1_000", " 7 " and "٣")."""
    text = str(assignment_id)
    number = ids.row_number(text)
    if number is None:
        raise InvalidInput(
            field="assignmentId",
            message_id="requests.forms.assignment_id_number",
            values={"text": text[:40], "MAX_ID": ids.MAX_NUMBER},
        )
    return number
