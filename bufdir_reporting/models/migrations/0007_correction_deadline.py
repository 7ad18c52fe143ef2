from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0006_structure_revision')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Period',
            name='correction_deadline',
            field=fields.DateField(null=True),
        ),
    ]
