from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0015_identity')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ReportForm',
            name='public',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['period_id', 'review_state']),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['snapshot_id']),
        ),
        ops.AddIndex(
            model_name='FieldValue',
            index=Index(fields=['field_key', 'snapshot_id']),
        ),
    ]
