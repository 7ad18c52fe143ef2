import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('bufdir', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=200)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event_log', 'app': 'bufdir', 'indexes': [Index(fields=['channel', 'id']), Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'Published events, kept for a short while so a watch stream can resume from'},
            bases=['Model'],
        ),
    ]
