from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0008_value_notes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ActivityImport',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='ActivityImport',
            name='committed_by',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='ActivityImport',
            name='heartbeat_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ActivityImport',
            name='owner',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddIndex(
            model_name='ActivityImport',
            index=Index(fields=['status', 'heartbeat_at']),
        ),
    ]
