from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0005_submission_review')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StructureRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(max_length=32)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'structure_revision', 'app': 'bufdir', 'pk_attr': 'id', 'table_description': 'One row: a token replaced in the same transaction as every change to the report'},
            bases=['Model'],
        ),
        # A database that already holds a structure starts with a revision, so its structure is
        # cached from the first read (the token changes with the first structure write).
        ops.RunSQL(
            "INSERT INTO structure_revision (id, token, changed_at) VALUES (1, 'migrated-0006', CURRENT_TIMESTAMP)",
            reverse_sql="DELETE FROM structure_revision WHERE id = 1",
        ),
    ]
