import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

APPEND_ONLY = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""


async def refuse_changes_on_postgres(apps, schema_editor):
    """PostgreSQL refuses UPDATE and DELETE of audit rows (TRUNCATE, an operator's tool, is
    not a row change). SQLite, the single-process embedded default, relies on the service."""
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(APPEND_ONLY)


async def allow_changes_on_postgres(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(
            "DROP TRIGGER audit_entry_append_only ON audit_entry; DROP FUNCTION audit_entry_append_only();"
        )


class Migration(migrations.Migration):
    dependencies = [('bufdir', '0002_event_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('actor', fields.CharField(max_length=128)),
                ('action', fields.CharField(max_length=64)),
                ('entity_type', fields.CharField(max_length=32)),
                ('entity_id', fields.CharField(max_length=160)),
                ('organization_id', fields.CharField(null=True, max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_entry', 'app': 'bufdir', 'indexes': [Index(fields=['organization_id', 'id']), Index(fields=['entity_type', 'entity_id'])], 'pk_attr': 'id', 'table_description': 'Append-only record of every write: who, when, what, before and after.'},
            bases=['Model'],
        ),
        ops.RunPython(refuse_changes_on_postgres, allow_changes_on_postgres),
    ]
