from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0009_import_commit_job')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Snapshot',
            name='legacy_id',
            field=fields.CharField(null=True, db_index=True, max_length=40),
        ),
    ]
