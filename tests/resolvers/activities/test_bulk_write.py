"""A large all-new write (an import) takes PostgreSQL's set-based path; it must leave exactly
what the row-by-row path leaves: activities, participants and one audit entry each."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest

from bufdir_reporting.errors import Conflict
from bufdir_reporting.models import Activity, ActivityParticipant, AuditEntry
from bufdir_reporting.resolvers import activities
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base import ids

from ...factories import context_for, make_organization


def spec(org: str, n: int) -> ActivitySpec:
    return ActivitySpec(
        organization_id=org,
        source_system="fagsystem-famweb",
        external_id=f"bulk-{n}",
        activity_type="group_activity",
        category="ungdom",
        status="completed",
        location="Tromsø" if n % 2 else None,
        occurred_at=datetime(2024, 3, 1 + n % 28, 10, tzinfo=UTC),
        participant_count=n % 5,
        hours=Decimal("1.5"),
        participant_refs=[f"p-{n}-{k}" for k in range(n % 3)],
    )


async def test_an_all_new_write_stores_rows_participants_and_audit_as_one_by_one(app, settings):
    org = (await make_organization()).id
    ctx = context_for(settings, app, org, subject="importer")
    result = await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(30)], chunk=7)
    assert (result.created, result.updated) == (30, 0)
    stored = {a.external_id: a for a in await Activity.filter(organization_id=org)}
    assert len(stored) == 30
    third = stored["bulk-3"]
    assert (third.location, third.hours, third.participant_count, third.occurred_at) == (
        "Tromsø",
        Decimal("1.50"),
        3,
        datetime(2024, 3, 4, 10, tzinfo=UTC),
    )
    assert third.recorded_at is not None and third.deleted_at is None
    refs = await ActivityParticipant.filter(activity_id=stored["bulk-5"].id).values_list("participant_ref", flat=True)
    assert sorted(refs) == ["p-5-0", "p-5-1"]
    entries = await AuditEntry.filter(organization_id=org, entity_type="activity").order_by("id")
    assert (
        len(entries) == 30 and {e.action for e in entries} == {"activity.recorded"} and {e.actor for e in entries} == {"importer"}
    )
    by_id = {e.entity_id: e for e in entries}
    entry = by_id[ids.activity_public_id(settings, third.id)]
    assert entry.before is None
    assert entry.after["external_id"] == "bulk-3" and entry.after["hours"] == "1.5" and entry.after["participant_refs"] == 0
    assert entry.after["occurred_at"] == "2024-03-04T10:00:00+00:00"

    again = await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(3)])  # corrections: the other path
    assert (again.created, again.updated) == (0, 3)
    assert await Activity.filter(organization_id=org).count() == 30


async def test_a_row_naming_an_activity_an_earlier_chunk_wrote_corrects_it(app, settings):
    org = (await make_organization()).id
    ctx = context_for(settings, app, org, subject="importer")
    later = spec(org, 1).model_copy(update={"participant_count": 4, "participant_refs": ["p-again"]})
    result = await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(4)] + [later], chunk=2)
    assert (result.created, result.updated) == (4, 1)
    stored = await Activity.get(organization_id=org, external_id="bulk-1")
    assert stored.participant_count == 4
    assert await ActivityParticipant.filter(activity_id=stored.id).values_list("participant_ref", flat=True) == ["p-again"]
    assert await AuditEntry.filter(organization_id=org, action="activity.corrected").count() == 1


async def test_a_row_another_writer_stores_meanwhile_refuses_the_whole_write(app, settings):
    if settings.database_dialect != "postgres":
        pytest.skip("SQLite holds one writer at a time: the other writer cannot slip in")
    org = (await make_organization()).id
    ctx = context_for(settings, app, org, subject="importer")

    async def another_writer(done: int) -> None:
        if done == 2:  # between the first chunk and the second, on its own connection
            connection = await asyncpg.connect(settings.database_url)
            try:
                await connection.execute(
                    "INSERT INTO activity (organization_id, source_system, external_id, activity_type, category, status, "
                    "occurred_at, recorded_at, participant_count, hours, created_at, updated_at) "
                    "VALUES ($1, 'fagsystem-famweb', 'bulk-3', 'group_activity', 'ungdom', 'completed', now(), now(), 0, 0, now(), now())",
                    org,
                )
            finally:
                await connection.close()

    with pytest.raises(Conflict):
        await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(4)], progress=another_writer, chunk=2)
    assert await Activity.filter(organization_id=org).values_list("external_id", flat=True) == ["bulk-3"]
    assert await AuditEntry.filter(organization_id=org).count() == 0


async def test_the_write_reads_again_only_what_the_check_found_stored_and_refuses_a_row_stored_since(app, settings):
    org = (await make_organization()).id
    ctx = context_for(settings, app, org, subject="importer")
    await activities.write_all_or_nothing(ctx, [spec(org, 0)])
    rows = [(n + 1, spec(org, n)) for n in range(3)]
    checked = await activities.check_rows(ctx, rows)
    assert checked.errors == [] and checked.stored == {(org, "fagsystem-famweb", "bulk-0")}

    await Activity.create(**{**spec(org, 2).model_dump(exclude={"participant_refs"}), "recorded_at": datetime.now(UTC)})
    with pytest.raises(Conflict):
        await activities.write_all_or_nothing(ctx, [s for _, s in rows], stored=checked.stored)
    assert sorted(await Activity.filter(organization_id=org).values_list("external_id", flat=True)) == ["bulk-0", "bulk-2"]

    checked = await activities.check_rows(ctx, rows)
    result = await activities.write_all_or_nothing(ctx, [s for _, s in rows], stored=checked.stored)
    assert (result.created, result.updated) == (1, 2)


async def test_looking_up_stored_rows_probes_the_unique_index_however_large_the_table(app, settings):
    """Joined plainly, 2,000 key triples against 30,000 activities were planned as a hash of the
    whole table (a scan that grows with every activity ever stored: 0.43 s at 1,000,000)."""
    if settings.database_dialect != "postgres":
        pytest.skip("a PostgreSQL plan")
    from tortoise.connection import get_connection

    from bufdir_reporting.resolvers.activities import batch

    org = (await make_organization()).id
    connection = get_connection("default")
    await connection.execute_script(
        "INSERT INTO activity (organization_id, source_system, external_id, activity_type, category, status, "
        "occurred_at, recorded_at, participant_count, hours, created_at, updated_at) "
        f"SELECT '{org}', 'fagsystem-famweb', 'many-' || n, 'group_activity', 'ungdom', 'completed', now(), now(), 0, 0, "
        "now(), now() FROM generate_series(1, 30000) AS n; ANALYZE activity"
    )
    keys = [(org, "fagsystem-famweb", f"many-{n * 15}") for n in range(1, 2001)]
    _, plan = await connection.execute_query(
        "EXPLAIN " + batch.STORED_BY_KEY, [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
    )
    lines = "\n".join(row["QUERY PLAN"] for row in plan)
    assert "Index Scan" in lines and "Seq Scan on activity" not in lines, lines
    found = await batch.existing_by_key([spec(org, 0).model_copy(update={"external_id": key[2]}) for key in keys[:5]])
    assert sorted(found) == sorted(keys[:5])


async def test_a_file_imported_again_corrects_thousands_of_rows_in_one_write(app, settings):
    """Re-importing a 20,000-row file on PostgreSQL ended in a traceback: one UPDATE for a chunk
    of 5,000 corrections took 135,000 parameters (the protocol allows 32,767)."""
    org = (await make_organization()).id
    ctx = context_for(settings, app, org, subject="importer")
    first = await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(3000)])
    assert first.created == 3000
    again = [spec(org, n).model_copy(update={"status": "cancelled"}) for n in range(3000)]
    result = await activities.write_all_or_nothing(ctx, again)
    assert (result.created, result.updated) == (0, 3000)
    assert await Activity.filter(organization_id=org, status="cancelled").count() == 3000


async def test_corrections_store_every_column_as_a_new_row_would_in_a_statement_per_batch(app, settings, monkeypatch):
    """Corrected rows end as the same specs written new end, every corrected column; on SQLite
    in one UPDATE joined to the rows' values per ``SQLITE_ROWS_PER_UPDATE`` rows. Tortoise's bulk
    update (a CASE per column with a branch per row) took 2.9 s of CPU to correct 3,000 rows."""
    from bufdir_reporting.resolvers.activities import batch

    from ...statements import counting_statements

    monkeypatch.setattr(batch, "SQLITE_ROWS_PER_UPDATE", 2)
    org, other = (await make_organization()).id, (await make_organization()).id
    ctx = context_for(settings, app, org, other, subject="importer")
    await activities.write_all_or_nothing(ctx, [spec(org, n) for n in range(5)])
    await Activity.filter(organization_id=org, external_id="bulk-1").update(deleted_at=datetime(2024, 5, 1, tzinfo=UTC))

    def corrected(owner: str, n: int) -> ActivitySpec:
        return spec(owner, n + 1).model_copy(
            update={
                "external_id": f"bulk-{n}",
                "status": "cancelled",
                "ended_at": datetime(2024, 4, 2, 11, 30, tzinfo=UTC),
                "recorded_at": datetime(2024, 4, 3, tzinfo=UTC),
                "hours": Decimal("2.25"),
            }
        )

    with counting_statements() as counted:
        result = await activities.write_all_or_nothing(ctx, [corrected(org, n) for n in range(5)])
    assert (result.created, result.updated) == (0, 5)
    await activities.write_all_or_nothing(ctx, [corrected(other, n) for n in range(5)])
    columns = [name for name in batch.UPDATED if name != "updated_at"]
    again = await Activity.filter(organization_id=org).order_by("external_id").values_list(*columns)
    new = await Activity.filter(organization_id=other).order_by("external_id").values_list(*columns)
    assert again == new and len(again) == 5
    if settings.database_dialect == "sqlite":
        updates = [statement for statement in counted.statements if statement.startswith('UPDATE "activity"')]
        assert len(updates) == 3 and not any("CASE" in statement for statement in updates), updates


async def test_more_stored_rows_than_one_statement_takes_parameters_are_found(app, settings):
    if settings.database_dialect != "postgres":
        pytest.skip("filling the table this fast is PostgreSQL's generate_series")
    from tortoise.connection import get_connection

    from bufdir_reporting.resolvers.activities import batch

    org = (await make_organization()).id
    await get_connection("default").execute_script(
        "INSERT INTO activity (organization_id, source_system, external_id, activity_type, category, status, "
        "occurred_at, recorded_at, participant_count, hours, created_at, updated_at) "
        f"SELECT '{org}', 'fagsystem-famweb', 'many-' || n, 'group_activity', 'ungdom', 'completed', now(), now(), 0, 0, "
        "now(), now() FROM generate_series(1, 33000) AS n"
    )
    one = spec(org, 0)
    specs = [one.model_copy(update={"external_id": f"many-{n}"}) for n in range(1, 33001)]
    assert len(await batch.existing_by_key(specs)) == 33000


def test_the_set_based_audit_text_is_what_jsonable_writes():
    import json

    from bufdir_reporting.resolvers.activities import batch, new_rows
    from bufdir_reporting.resolvers.base import audit

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for n in (0, 1, 7):
        one = spec("org-x", n)
        values = {name: getattr(one, name) for name in batch.COLUMNS} | {"recorded_at": one.recorded_at or now}
        expected = audit.jsonable({**values, "participant_refs": len(one.participant_refs)})
        assert json.loads(new_rows._after(one, now)) == expected


def test_public_ids_minted_together_are_those_minted_one_by_one(settings):
    assert ids.activity_public_ids(settings, [1, 2, 99]) == [ids.activity_public_id(settings, n) for n in (1, 2, 99)]
