from __future__ import annotations

import pytest
from tortoise.connection import get_connection

from bufdir_reporting.models import AuditEntry

from ..conftest import error_codes
from ..factories import make_organization, make_scope

AUDIT = """
query ($type: String, $org: ID) {
  auditLog(entityType: $type, organizationId: $org, first: 50) {
    totalCount edges { node { actor action entityType entityId organizationId before after } }
  }
}
"""


async def test_writes_are_audited_with_who_what_before_and_after(graphql, client, tokens, app):
    scope = await make_scope()
    org, section = scope.org.id, scope.section.id
    own = tokens.headers(org, subject="kari")
    record = {
        "organizationId": org,
        "sourceSystem": "fagsystem-cis",
        "externalId": "aud-1",
        "activityType": "care_order",
        "category": "UNGDOM",
        "status": "completed",
        "occurredAt": "2025-03-01T10:00:00Z",
        "hours": "2",
    }
    await graphql("mutation ($i: ActivityInput!) { recordActivity(input: $i) { activityId } }", {"i": record}, own)
    await graphql(
        "mutation ($i: ActivityInput!) { recordActivity(input: $i) { activityId } }", {"i": {**record, "hours": "3"}}, own
    )
    await client.delete(f"/api/v1/report-sections/{section}", headers=tokens.admin())

    activity = (await graphql(AUDIT, {"type": "activity", "org": org}, tokens.admin()))["data"]["auditLog"]
    assert activity["totalCount"] == 2
    corrected, recorded = (edge["node"] for edge in activity["edges"])
    assert (recorded["action"], recorded["actor"], recorded["before"]) == ("activity.recorded", "kari", None)
    assert corrected["action"] == "activity.corrected"
    assert corrected["before"]["hours"] == "2" and corrected["after"]["hours"] == "3"
    deactivated = (await graphql(AUDIT, {"type": "section"}, tokens.admin()))["data"]["auditLog"]["edges"][0]["node"]
    assert (deactivated["action"], deactivated["actor"], deactivated["entityId"]) == (
        "section.deactivated",
        "test-admin",
        section,
    )
    assert deactivated["before"]["is_active"] is True and deactivated["after"]["is_active"] is False


async def test_only_admins_read_the_audit_log(graphql, tokens, app):
    org = (await make_organization()).id
    assert error_codes(await graphql(AUDIT, {}, tokens.headers(org))) == ["FORBIDDEN"]
    assert error_codes(await graphql(AUDIT, {})) == ["UNAUTHENTICATED"]


async def test_postgres_refuses_changes_to_audit_entries(app, settings):
    if settings.database_dialect != "postgres":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the service")
    entry = await AuditEntry.create(actor="a", action="x", entity_type="t", entity_id="1")
    connection = get_connection("default")
    with pytest.raises(Exception, match="append-only"):
        await connection.execute_query(f"UPDATE audit_entry SET actor = 'b' WHERE id = {entry.id}")
    with pytest.raises(Exception, match="append-only"):
        await connection.execute_query(f"DELETE FROM audit_entry WHERE id = {entry.id}")
