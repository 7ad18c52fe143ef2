from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0019_value_note_form_outlier_enabled')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DataChange',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(max_length=80)),
            ],
            options={'table': 'data_change', 'app': 'bufdir', 'indexes': [Index(fields=['scope', 'id'])], 'pk_attr': 'id', 'table_description': 'One committed change, under the part of the data it changed (``scope``): ``org:<id>`` for'},
            bases=['Model'],
        ),
    ]
