from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.snapshot import ValueNoteKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0007_correction_deadline')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ValueNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('bufdir.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='value_notes', on_delete=OnDelete.CASCADE)),
                ('period', fields.ForeignKeyField('bufdir.Period', source_field='period_id', db_constraint=True, to_field='id', related_name='value_notes', on_delete=OnDelete.CASCADE)),
                ('field_key', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='EXPLANATION: explanation\nCOMMENT: comment\nANSWER: answer', enum_type=ValueNoteKind, max_length=16)),
                ('text', fields.TextField(unique=False)),
                ('author', fields.CharField(max_length=128)),
                ('parent', fields.ForeignKeyField('bufdir.ValueNote', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'value_note', 'app': 'bufdir', 'indexes': [Index(fields=['organization_id', 'period_id', 'field_key'])], 'pk_attr': 'id', 'table_description': "What is said about one field's value for an organisation and period: explanations by the"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FieldDefinition',
            name='explain_large_change',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
