from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.translation import TranslatedAttribute, TranslatedSubject
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0022_note_accepted')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Translation',
            name='attribute',
            field=fields.CharEnumField(description='TITLE: title\nLABEL: label\nNAME: name\nDESCRIPTION: description\nUNIT: unit', enum_type=TranslatedAttribute, max_length=16),
        ),
        ops.AlterField(
            model_name='Translation',
            name='subject',
            field=fields.CharEnumField(description='SECTION: section\nFIELD: field\nFORM: form\nPERIOD: period', enum_type=TranslatedSubject, max_length=16),
        ),
    ]
