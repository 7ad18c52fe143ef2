from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.snapshot import NoteState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0024_activity_type_index')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ValueNote',
            name='state',
            field=fields.CharEnumField(null=True, description='OPEN: open\nANSWERED: answered\nRESOLVED: resolved\nACCEPTED: accepted\nPENDING: pending', enum_type=NoteState, max_length=16),
        ),
        # an explanation not yet accepted had no state: it is pending
        ops.RunSQL(
            "UPDATE value_note SET state = 'pending' WHERE kind = 'explanation' AND state IS NULL",
            reverse_sql="UPDATE value_note SET state = NULL WHERE kind = 'explanation' AND state = 'pending'",
        ),
    ]
