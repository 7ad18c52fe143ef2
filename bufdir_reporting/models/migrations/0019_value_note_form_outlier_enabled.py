from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0018_import_language')]

    initial = False

    operations = [
        ops.AddField(
            model_name='FieldOutlierSetting',
            name='enabled',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='ValueNote',
            name='form',
            field=fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', null=True, db_constraint=True, to_field='id', related_name='value_notes', on_delete=OnDelete.CASCADE),
        ),
    ]
