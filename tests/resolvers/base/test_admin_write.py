"""One audited admin write (``audit.admin_write``) for the structure and its forms: the role
checked before anything is read, the write, its audit entry and its events in one transaction,
and a constraint the checks did not foresee refused as the conflict the caller names."""

from __future__ import annotations

import pytest
from tortoise.exceptions import IntegrityError

from bufdir_reporting.errors import Conflict, Forbidden
from bufdir_reporting.events import ReportingStatusChanged
from bufdir_reporting.models import AuditEntry, ReportForm
from bufdir_reporting.resolvers.base import audit
from bufdir_reporting.resolvers.structure import forms

from ...factories import context_for, make_report_structure


async def test_an_admin_write_refuses_anyone_else_before_it_reads_anything(app, settings):
    coordinator = context_for(settings, app, "org-1042")
    # no structure at all: a read would refuse the section as unknown, the role is asked first
    spec = forms.FormSpec(form_id="ny-form", name="Ny", section_ids=["finnes-ikke"])
    with pytest.raises(Forbidden):
        await forms.create(coordinator, spec=spec)
    with pytest.raises(Forbidden):
        async with audit.admin_write(coordinator):
            raise AssertionError("never entered")


async def test_an_admin_writes_entry_and_events_commit_with_it_and_a_race_is_the_conflict_named(app, settings):
    await make_report_structure()
    admin = context_for(settings, app, admin=True)
    told = ReportingStatusChanged(organization_id="org-1042", period_id="2024")
    async with admin.events.subscribe(told.channels()[0]) as subscription:
        async with audit.admin_write(admin) as outbox:
            await ReportForm.create(id="skjema", name="Skjema")
            await audit.record(admin, action="form.created", entity_type="report_form", entity_id="skjema")
            outbox.add(told)
        assert (await anext(subscription)).event == told

    named = Conflict(
        details={"field": "form_id"}, message_id="structure.forms.report_form_conflicts_concurrent", values={"form_id": "skjema"}
    )
    with pytest.raises(Conflict) as refused:
        async with audit.admin_write(admin, conflict=named):
            await audit.record(admin, action="form.created", entity_type="report_form", entity_id="skjema")
            await ReportForm.create(id="skjema", name="Igjen")  # the key a concurrent writer took
    assert refused.value is named
    assert await AuditEntry.filter(entity_id="skjema").count() == 1  # the refused write's entry went with it

    with pytest.raises(IntegrityError):  # no conflict named: the error as it was
        async with audit.admin_write(admin):
            await ReportForm.create(id="skjema", name="Igjen")
