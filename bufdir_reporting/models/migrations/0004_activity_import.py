import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from bufdir_reporting.models.activity_import import ImportStatus

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0003_audit_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActivityImport',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('created_by', fields.CharField(max_length=128)),
                ('filename', fields.CharField(max_length=255)),
                ('content', fields.BinaryField()),
                ('sheet', fields.CharField(null=True, max_length=64)),
                ('form', fields.CharField(default='', max_length=128)),
                ('organization_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(description='CHECKED: checked\nREFUSED: refused\nWRITING: writing\nDONE: done\nFAILED: failed', enum_type=ImportStatus, max_length=16)),
                ('rows', fields.IntField(default=0)),
                ('error_count', fields.IntField(default=0)),
                ('errors', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('written', fields.IntField(default=0)),
                ('created', fields.IntField(default=0)),
                ('updated', fields.IntField(default=0)),
                ('failure', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('committed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'activity_import', 'app': 'bufdir', 'pk_attr': 'id', 'table_description': 'An uploaded activity file: checked at once (a dry run), written when committed.'},
            bases=['Model'],
        ),
    ]
