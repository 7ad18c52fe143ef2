from tortoise import migrations
from tortoise.migrations import operations as ops
from bufdir_reporting.models.snapshot import NoteState, ValueNoteKind
from bufdir_reporting.models.validation_rule import MissingValueStrategy, RuleImportance, RuleOperator, RuleSeverity
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bufdir', '0013_translations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FieldOutlierSetting',
            fields=[
                ('field_key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('min_deviation', fields.DecimalField(null=True, max_digits=20, decimal_places=4)),
                ('z_threshold', fields.DecimalField(null=True, max_digits=8, decimal_places=4)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'field_outlier_setting', 'app': 'bufdir', 'pk_attr': 'field_key', 'table_description': "How one field's outliers are judged, where it differs from the service's defaults."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ValidationRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('form', fields.ForeignKeyField('bufdir.ReportForm', source_field='form_id', db_constraint=True, to_field='id', related_name='validation_rules', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=255)),
                ('left', fields.CharField(max_length=500)),
                ('operator', fields.CharEnumField(description='LESS: <\nLESS_OR_EQUAL: <=\nEQUAL: ==\nNOT_EQUAL: !=\nGREATER_OR_EQUAL: >=\nGREATER: >\nBOTH_OR_NEITHER: both_or_neither\nNOT_BOTH: not_both', enum_type=RuleOperator, max_length=16)),
                ('right', fields.CharField(max_length=500)),
                ('missing_value_strategy', fields.CharEnumField(description='SKIP_IF_ANY_MISSING: skip_if_any_missing\nSKIP_IF_ALL_MISSING: skip_if_all_missing\nNEVER_SKIP: never_skip', enum_type=MissingValueStrategy, max_length=32)),
                ('severity', fields.CharEnumField(description='ERROR: error\nWARNING: warning', enum_type=RuleSeverity, max_length=16)),
                ('importance', fields.CharEnumField(description='HIGH: high\nMEDIUM: medium\nLOW: low', enum_type=RuleImportance, max_length=16)),
                ('message_nb', fields.TextField(unique=False)),
                ('message_nn', fields.TextField(unique=False)),
                ('message_en', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'validation_rule', 'app': 'bufdir', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ReportForm',
            name='require_questions_resolved',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AlterField(
            model_name='ValueNote',
            name='kind',
            field=fields.CharEnumField(description='EXPLANATION: explanation\nCOMMENT: comment\nANSWER: answer\nFOLLOW_UP: follow_up', enum_type=ValueNoteKind, max_length=16),
        ),
        ops.AddField(
            model_name='ValueNote',
            name='resolved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ValueNote',
            name='resolved_by',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='ValueNote',
            name='state',
            field=fields.CharEnumField(null=True, description='OPEN: open\nANSWERED: answered\nRESOLVED: resolved', enum_type=NoteState, max_length=16),
        ),
        # A comment made before questions had a state: answered if the organisation answered it, else open.
        ops.RunSQL(
            "UPDATE value_note SET state = CASE WHEN EXISTS (SELECT 1 FROM value_note AS a WHERE a.parent_id = value_note.id) "
            "THEN 'answered' ELSE 'open' END WHERE kind = 'comment'",
            reverse_sql="UPDATE value_note SET state = NULL",
        ),
    ]
