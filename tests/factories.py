"""Small keyword-only factories: each test makes exactly the rows it talks about.

    org = await make_organization()
    period = await make_period(year=2024)
    section = await make_section(fields=[counted("antall_saker"), manual("antall_arsverk")])
    await make_activity(org=org, occurred_at=datetime(2024, 3, 1, tzinfo=UTC))

Defaults are valid and dull; a test names what matters to it.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bufdir_reporting.auth import Principal
from bufdir_reporting.models import (
    Activity,
    ActivityParticipant,
    FieldDefinition,
    Organization,
    OrganizationKind,
    Period,
    PeriodType,
    Section,
)
from bufdir_reporting.resolvers.base.context import Context

_serial = itertools.count(1)


async def make_organization(
    *,
    id: str | None = None,
    name: str | None = None,
    kind: OrganizationKind = OrganizationKind.OTHER,
    org_number: str | None = None,
    parent: Organization | None = None,
) -> Organization:
    number = next(_serial)
    return await Organization.create(
        id=id or f"org-t{number}",
        name=name or f"Testorganisasjon {number}",
        kind=kind,
        org_number=org_number,
        parent=parent,
    )


async def make_period(*, year: int = 2024, quarter: int | None = None, deadline: date | None = None) -> Period:
    if quarter is None:
        start, end, type_, id_ = date(year, 1, 1), date(year, 12, 31), PeriodType.YEAR, str(year)
    else:
        last_month = 3 * quarter
        start = date(year, last_month - 2, 1)
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        type_, id_ = PeriodType.QUARTER, f"{year}-Q{quarter}"
    period, _ = await Period.get_or_create(
        id=id_, defaults={"type": type_, "start": start, "end": end, "name": id_, "submission_deadline": deadline}
    )
    return period


@dataclass(frozen=True)
class FieldSpec:
    key: str
    rule: dict[str, Any] | None
    required: bool = True
    data_type: str = "integer"
    label: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None


def counted(key: str, *, required: bool = True, **filters: list[str]) -> FieldSpec:
    return FieldSpec(key, {"kind": "count", "filters": filters, "temporal": "flow"}, required)


def manual(key: str, *, required: bool = True, data_type: str = "decimal", max_value: Decimal | None = None) -> FieldSpec:
    return FieldSpec(key, None, required, data_type, max_value=max_value)


async def make_section(
    *, id: str | None = None, fields: list[FieldSpec], order: int | None = None, valid_from: date = date(2020, 1, 1)
) -> Section:
    number = next(_serial)
    section = await Section.create(
        id=id or f"seksjon-{number}", title=f"Seksjon {number}", order=order or number, valid_from=valid_from
    )
    for position, spec in enumerate(fields, start=1):
        await FieldDefinition.create(
            section=section,
            key=spec.key,
            open_key=spec.key,
            label=spec.label or spec.key.replace("_", " ").capitalize(),
            data_type=spec.data_type,
            required=spec.required,
            min_value=spec.min_value,
            max_value=spec.max_value,
            position=position,
            aggregation_rule=spec.rule,
            valid_from=valid_from,
        )
    return section


async def make_activity(
    *,
    org: Organization,
    occurred_at: datetime = datetime(2024, 3, 1, 10, tzinfo=UTC),
    category: str = "ungdom",
    activity_type: str = "investigation",
    status: str = "opened",
    source_system: str = "fagsystem-test",
    hours: Decimal = Decimal(1),
    participants: tuple[str, ...] = (),
) -> Activity:
    activity = await Activity.create(
        organization=org,
        source_system=source_system,
        external_id=f"ext-{next(_serial)}",
        activity_type=activity_type,
        category=category,
        status=status,
        occurred_at=occurred_at,
        recorded_at=occurred_at,
        participant_count=len(participants),
        hours=hours,
    )
    for ref in participants:
        await ActivityParticipant.create(activity=activity, participant_ref=ref)
    return activity


@dataclass
class Scope:
    """One organisation, one year and a small structure: one counted field, one manual one."""

    org: Organization
    period: Period
    prior: Period
    section: Section
    extra: dict[str, Any] = field(default_factory=dict)


async def make_scope(*, year: int = 2024, fields: list[FieldSpec] | None = None) -> Scope:
    org = await make_organization()
    prior = await make_period(year=year - 1)
    period = await make_period(year=year)
    section = await make_section(fields=fields or [counted("antall_saker"), manual("antall_arsverk")])
    return Scope(org=org, period=period, prior=prior, section=section)


def context_for(settings: Any, app: Any, *organizations: str, admin: bool = False, subject: str = "tester") -> Context:
    roles = frozenset({"admin"}) if admin else frozenset()
    principal = Principal(subject, frozenset(organizations), roles)
    return Context(settings=settings, principal=principal, jobs=app.state.jobs, events=app.state.events)
