from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0016_report_form_public')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ActivityImport',
            name='language',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]
