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
    ReportRecord,
    Section,
    Snapshot,
    Submission,
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
    await FieldDefinition.bulk_create(  # one statement, not one a field
        [
            FieldDefinition(
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
            for position, spec in enumerate(fields, start=1)
        ]
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
    location: str | None = None,
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
        location=location,
        occurred_at=occurred_at,
        recorded_at=occurred_at,
        participant_count=len(participants),
        hours=hours,
    )
    if participants:
        await ActivityParticipant.bulk_create(
            [ActivityParticipant(activity=activity, participant_ref=ref) for ref in participants]
        )
    return activity


@dataclass
class Scope:
    """One organisation, one year and a small structure: one counted field, one manual one."""

    org: Organization
    period: Period
    prior: Period
    section: Section
    extra: dict[str, Any] = field(default_factory=dict)


async def make_scope(*, year: int = 2024, org_id: str | None = None, fields: list[FieldSpec] | None = None) -> Scope:
    org = await make_organization(id=org_id)
    prior = await make_period(year=year - 1)
    period = await make_period(year=year)
    section = await make_section(fields=fields or [counted("antall_saker"), manual("antall_arsverk")])
    return Scope(org=org, period=period, prior=prior, section=section)


async def make_scope_with_history() -> Scope:
    """A scope whose organisation has an activity in May of the prior year and of the year: the
    world of the races around runs, values and submissions (test_concurrent_writes,
    test_submission_races)."""
    made = await make_scope()
    for year in (2023, 2024):
        await make_activity(org=made.org, occurred_at=datetime(year, 5, 1, tzinfo=UTC))
    return made


async def current_snapshot(scope: Scope, period: Any) -> Snapshot:
    """The scope's organisation's current snapshot of ``period``."""
    return await Snapshot.get(current_slot=f"{scope.org.id}|{period.id}")


def context_for(settings: Any, app: Any, *organizations: str, admin: bool = False, subject: str = "tester") -> Context:
    roles = frozenset({"admin"}) if admin else frozenset()
    principal = Principal(subject, frozenset(organizations), roles)
    return Context(settings=settings, principal=principal, jobs=app.state.jobs, events=app.state.events)


async def make_report_structure() -> None:
    """The report structure alone (8 sections, 57 fields of which 34 required, valid from 2020)
    and the year 2024: for tests about the structure, which need no organisation or activity."""
    from bufdir_reporting.demo import load_structure

    await load_structure()
    await make_period(year=2024)


# (activity type, status, category, hours, participants): something in most sections, with a
# stock share and a participant count that are not zero; 2024 has them all, 2023 all but the first
REPORTING_ACTIVITIES = [
    ("investigation", "concluded_with_measures", "ungdom", "6.5", ("p-1",)),
    ("investigation", "dropped", "foreldre_barn", "2", ("p-2", "p-3")),
    ("report_received", "opened", "ungdom", "0.5", ()),
    ("placement_foster_home", "opened", "ungdom", "0", ("p-1",)),
    ("placement_institution", "opened", "eldre", "0", ("p-4",)),
    ("family_guidance", "completed", "foreldre_barn", "3", ("p-2",)),
    ("aftercare", "completed", "ungdom", "4", ("p-5",)),
    ("individual_counseling", "completed", "eldre", "1.5", ("p-6",)),
    ("group_activity", "completed", "funksjonsnedsettelse", "2", ("p-7", "p-8")),
]


async def make_reporting_world() -> None:
    """The report structure, five organisations, the years 2023 to 2025 (2024's deadline passed),
    2024's first two quarters and 2026-Q1, and a few of org-1042's activities in 2024 and 2023
    (so values have prior values). Small and named: the tests that use it speak of org-1042."""
    await make_report_structure()
    oslo = await make_organization(
        id="org-1042", name="Barnevernstjenesten Oslo Sør", kind=OrganizationKind.CHILD_WELFARE_SERVICE
    )
    for org in ("org-2077", "org-3310", "org-bufdir-42", "org_bufdir_oslo_42"):
        await make_organization(id=org)
    for year in (2023, 2025):
        await make_period(year=year)
    await Period.filter(id="2024").update(submission_deadline=date(2025, 2, 28))  # passed: a submission now is late
    for year, quarter in ((2024, 1), (2024, 2), (2026, 1)):
        await make_period(year=year, quarter=quarter)
    for year in (2023, 2024):
        for n, (type_, status, category, hours, participants) in enumerate(REPORTING_ACTIVITIES[2024 - year :], start=1):
            await make_activity(
                org=oslo,
                occurred_at=datetime(year, n, 10, 9, tzinfo=UTC),
                activity_type=type_,
                status=status,
                category=category,
                hours=Decimal(hours),
                participants=participants,
            )


async def make_submission(snapshot: Snapshot) -> Submission:
    """A yearly 2024 report submitted, as the submission use case leaves it (its record and
    submission), without rendering a document: the worklist tests' submitted reports."""
    record = await ReportRecord.create(
        id=f"rec-{snapshot.id}",
        organization_id=snapshot.organization_id,
        report_type="annual_report",
        period_from=date(2024, 1, 1),
        period_to=date(2024, 12, 31),
    )
    return await Submission.create(
        id=f"sub-{snapshot.id}",
        organization_id=snapshot.organization_id,
        period_id=snapshot.period_id,
        form_id=snapshot.form_id,
        snapshot=snapshot,
        report_record=record,
        version=1,
        activity_count=0,
        submitted_by="coordinator",
        submitted_at=datetime(2025, 1, 15, tzinfo=UTC),
    )
