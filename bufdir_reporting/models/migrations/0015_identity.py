from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.identity import PersonRole
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0014_validation_rules')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Delegation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('supplier_org_number', fields.CharField(max_length=9)),
                ('consumer_org_number', fields.CharField(max_length=9)),
                ('created_by', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity_delegation', 'app': 'bufdir', 'unique_together': (('supplier_org_number', 'consumer_org_number'),), 'pk_attr': 'id', 'table_description': 'A supplier acts for a consumer (both organisation numbers, nine digits).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('pid_hash', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity_person', 'app': 'bufdir', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonAssignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('bufdir.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('bufdir.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='person_assignments', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='COORDINATOR: coordinator\nREVIEWER: reviewer\nADMIN: admin', enum_type=PersonRole, max_length=16)),
                ('created_by', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity_person_assignment', 'app': 'bufdir', 'unique_together': (('person', 'organization', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
