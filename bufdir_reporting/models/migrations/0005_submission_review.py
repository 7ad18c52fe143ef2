from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.submission import ReviewState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0004_activity_import')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SubmissionReview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('submission', fields.ForeignKeyField('bufdir.Submission', source_field='submission_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('from_state', fields.CharEnumField(description='SUBMITTED: submitted\nUNDER_REVIEW: under_review\nAPPROVED: approved\nRETURNED: returned\nREOPENED: reopened', enum_type=ReviewState, max_length=16)),
                ('to_state', fields.CharEnumField(description='SUBMITTED: submitted\nUNDER_REVIEW: under_review\nAPPROVED: approved\nRETURNED: returned\nREOPENED: reopened', enum_type=ReviewState, max_length=16)),
                ('by', fields.CharField(max_length=128)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'submission_review', 'app': 'bufdir', 'pk_attr': 'id', 'table_description': "One step of a submission's review: who moved it from which state to which, when and why."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Submission',
            name='review_state',
            field=fields.CharEnumField(default=ReviewState.SUBMITTED, db_default='submitted', description='SUBMITTED: submitted\nUNDER_REVIEW: under_review\nAPPROVED: approved\nRETURNED: returned\nREOPENED: reopened', enum_type=ReviewState, max_length=16),
        ),
    ]
