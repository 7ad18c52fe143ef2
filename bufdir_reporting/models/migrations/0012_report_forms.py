from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.organization import OrganizationKind
from bufdir_reporting.models.period import PeriodType
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0011_calendar_days')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportForm',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('description', fields.TextField(default='', unique=False)),
                ('period_type', fields.CharEnumField(null=True, description='YEAR: year\nHALF: half\nQUARTER: quarter\nMONTH: month\nCUSTOM: custom', enum_type=PeriodType, max_length=16)),
                ('rolled_up', fields.BooleanField(default=False)),
                ('is_default', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'report_form', 'app': 'bufdir', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FormAssignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('form', fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('bufdir.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='form_assignments', on_delete=OnDelete.CASCADE)),
                ('organization_kind', fields.CharEnumField(null=True, description='CHILD_WELFARE_SERVICE: child_welfare_service\nVOLUNTEER_ORGANIZATION: volunteer_organization\nFAMILY_COUNSELLING: family_counselling\nOTHER: other', enum_type=OrganizationKind, max_length=32)),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField(null=True)),
                ('created_by', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_form_assignment', 'app': 'bufdir', 'indexes': [Index(fields=['form_id', 'valid_from'])], 'pk_attr': 'id', 'table_description': 'Who must report a form from a period on: one organisation, the organisations of a kind,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FormDeadline',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('form', fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.CASCADE)),
                ('period', fields.ForeignKeyField('bufdir.Period', source_field='period_id', db_constraint=True, to_field='id', related_name='form_deadlines', on_delete=OnDelete.CASCADE)),
                ('submission_deadline', fields.DateField(null=True)),
                ('correction_deadline', fields.DateField(null=True)),
            ],
            options={'table': 'report_form_deadline', 'app': 'bufdir', 'unique_together': (('form', 'period'),), 'pk_attr': 'id', 'table_description': "A form's deadlines for one period (a period's own deadlines are the fallback)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FormSection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('form', fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', db_constraint=True, to_field='id', related_name='sections', on_delete=OnDelete.CASCADE)),
                ('section', fields.ForeignKeyField('bufdir.Section', source_field='section_id', db_constraint=True, to_field='id', related_name='forms', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'report_form_section', 'app': 'bufdir', 'unique_together': (('form', 'section'),), 'pk_attr': 'id', 'table_description': "A section a form asks, in the section's own order."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Snapshot',
            name='form',
            field=fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', null=True, db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Submission',
            name='form',
            field=fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', null=True, db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT),
        ),
        # What the service asked before forms existed, kept as it was: one default form asking
        # every section there is (it lists none: it asks all), for any period type, assigned to
        # every organisation. Snapshots and submissions without a form are the default form's.
        ops.RunSQL(
            "INSERT INTO report_form (id, name, description, period_type, rolled_up, is_default, created_at, updated_at) "
            "VALUES ('bufdir-rapport', 'Bufdir-rapport', 'Alle seksjoner i rapportstrukturen.', NULL, FALSE, TRUE, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            reverse_sql="DELETE FROM report_form WHERE id = 'bufdir-rapport'",
        ),
        ops.RunSQL(
            "INSERT INTO report_form_assignment (form_id, organization_id, organization_kind, valid_from, valid_until, "
            "created_by, created_at) VALUES ('bufdir-rapport', NULL, NULL, '1900-01-01', NULL, 'migration-0012', "
            "CURRENT_TIMESTAMP)",
            reverse_sql="DELETE FROM report_form_assignment WHERE form_id = 'bufdir-rapport'",
        ),
    ]
