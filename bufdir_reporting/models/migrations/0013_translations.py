from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.translation import TranslatedAttribute, TranslatedSubject
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0012_report_forms')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Translation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.CharEnumField(description='SECTION: section\nFIELD: field\nFORM: form', enum_type=TranslatedSubject, max_length=16)),
                ('subject_id', fields.CharField(max_length=64)),
                ('attribute', fields.CharEnumField(description='TITLE: title\nLABEL: label\nNAME: name\nDESCRIPTION: description', enum_type=TranslatedAttribute, max_length=16)),
                ('language', fields.CharField(max_length=8)),
                ('text', fields.TextField(unique=False)),
                ('updated_by', fields.CharField(max_length=128)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'translation', 'app': 'bufdir', 'unique_together': (('subject', 'subject_id', 'attribute', 'language'),), 'indexes': [Index(fields=['language'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
