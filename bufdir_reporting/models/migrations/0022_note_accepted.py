from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.snapshot import NoteState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0021_data_change')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ValueNote',
            name='state',
            field=fields.CharEnumField(null=True, description='OPEN: open\nANSWERED: answered\nRESOLVED: resolved\nACCEPTED: accepted', enum_type=NoteState, max_length=16),
        ),
    ]
