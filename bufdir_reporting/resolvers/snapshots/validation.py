"""Validation findings of a snapshot's values: read-only, shared by GraphQL, reports and submission.

Per field: errors (required but missing, outside min/max) and warnings: an outlier against the
organisation's own history or its peers (``outliers``), or, with too little history to judge by,
a change against the prior period beyond ``BUFDIR_CHANGE_WARNING_PERCENT`` that is also at
least the field's absolute floor (so a 5 -> 9 on a small base does not warn). Across fields: the
form's validation rules (``structure.validation_rules``), each violated one a finding of its own
severity. Per-field messages are Norwegian (they go into the report); a rule's message is in the
language asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ...models import FieldDataType, FieldDefinition, FieldValue, Snapshot
from .. import periods
from ..base.context import Context
from ..base.loaders import FieldValueRow
from ..structure import validation_rules
from . import outliers
from .completeness import reported


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # asks a look


class FindingCode(StrEnum):
    REQUIRED_MISSING = "REQUIRED_MISSING"
    BELOW_MIN = "BELOW_MIN"
    ABOVE_MAX = "ABOVE_MAX"
    LARGE_CHANGE = "LARGE_CHANGE"
    OUTLIER_HISTORY = "OUTLIER_HISTORY"
    OUTLIER_PEERS = "OUTLIER_PEERS"
    EXPLANATION_MISSING = "EXPLANATION_MISSING"
    RULE_VIOLATED = "RULE_VIOLATED"


ASKS_EXPLANATION = (FindingCode.LARGE_CHANGE, FindingCode.OUTLIER_HISTORY, FindingCode.OUTLIER_PEERS)


@dataclass(frozen=True, slots=True)
class Finding:
    field_key: str
    severity: Severity
    code: FindingCode
    message: str
    rule_id: int | None = None
    """The validation rule violated (RULE_VIOLATED); its field_key is the first field it names."""
    importance: str = "medium"
    score: float | None = None
    """An outlier's modified z-score."""
    deviation: Decimal | None = None
    """How far the value lies from what it was judged against (for ranking; never shown to the
    organisation for a peer comparison, since it gives the peers' median away)."""


def _findings(
    value: FieldValue | FieldValueRow, definition: FieldDefinition, warn_share: Decimal, floor: Decimal, judged_by_history: bool
) -> list[Finding]:
    key, label = value.field_key, definition.label
    if not reported(value):
        return [Finding(key, Severity.ERROR, FindingCode.REQUIRED_MISSING, f"{label} er påkrevd")] if definition.required else []
    found = []
    if value.value is not None and definition.data_type not in (FieldDataType.TEXT, FieldDataType.BOOLEAN):
        low, high = definition.min_value, definition.max_value
        if low is not None and value.value < low:
            found.append(Finding(key, Severity.ERROR, FindingCode.BELOW_MIN, f"{label} er under {low.normalize()}"))
        if high is not None and value.value > high:
            found.append(Finding(key, Severity.ERROR, FindingCode.ABOVE_MAX, f"{label} er over {high.normalize()}"))
        moved = abs(value.value - value.prior_value) if value.prior_value else Decimal(0)
        if value.prior_value and not judged_by_history and moved > warn_share * abs(value.prior_value) and moved >= floor:
            change = (value.value - value.prior_value) / abs(value.prior_value) * 100
            message = f"{label} endret {change:+.0f} % fra forrige periode"
            found.append(Finding(key, Severity.WARNING, FindingCode.LARGE_CHANGE, message, deviation=moved))
    return found


def _outlier(key: str, label: str, judgement: outliers.Judgement) -> Finding:
    direction = "høyere" if judgement.score > 0 else "lavere"
    if judgement.basis == outliers.Basis.HISTORY:
        code = FindingCode.OUTLIER_HISTORY
        message = (
            f"{label} er uvanlig {direction} enn i organisasjonens tidligere perioder "
            f"(median {judgement.median.normalize():f}, robust z-verdi {judgement.score:.1f})"
        )
    else:
        code = FindingCode.OUTLIER_PEERS
        message = f"{label} er uvanlig {direction} enn hos sammenlignbare organisasjoner (robust z-verdi {judgement.score:.1f})"
    return Finding(key, Severity.WARNING, code, message, score=judgement.score, deviation=judgement.deviation)


async def validate(
    ctx: Context,
    *,
    snapshot: Snapshot,
    language: str = "nb",
    baselines: outliers.Baselines | None = None,
    rules: list[validation_rules.CompiledRule] | None = None,
) -> list[Finding]:
    """Per field: errors block submission (a required value missing, outside its bounds, an
    outlier or large change left unexplained where the field asks for an explanation); warnings
    ask a look. Then the form's rules. ``baselines`` and ``rules`` let a caller judging many
    snapshots of one period and form read them once."""
    values = await ctx.loaders.field_values_by_snapshot.load(snapshot.id)
    definitions = await ctx.loaders.field_definition_by_id.load_many([v.field_definition_id for v in values])
    share = Decimal(ctx.settings.change_warning_percent) / 100
    explained: set[str] = set()
    if snapshot.period_id is not None:
        notes = await ctx.loaders.value_notes_by_period.load((snapshot.organization_id, snapshot.period_id))
        explained = {note.field_key for note in notes if note.kind == "explanation"}
        if baselines is None:
            period = await periods.get_or_raise(ctx, period_id=snapshot.period_id)
            baselines = await outliers.baselines(
                ctx, period=period, form_id=snapshot.form_id, organization_ids=[snapshot.organization_id]
            )
    found = []
    for value, definition in zip(values, definitions, strict=True):
        history = baselines.history.get((snapshot.organization_id, value.field_key), []) if baselines else []
        floor = baselines.thresholds(value.field_key).floor if baselines else Decimal(ctx.settings.outlier_min_deviation)
        field_findings = _findings(value, definition, share, floor, len(history) >= outliers.MIN_HISTORY)
        if baselines is not None and value.value is not None and definition.data_type in outliers.NUMERIC:
            judged = baselines.judge(snapshot.organization_id, value.field_key, value.value)
            field_findings += [_outlier(value.field_key, definition.label, j) for j in judged]
        for finding in field_findings:
            found.append(finding)
        if definition.explain_large_change and value.field_key not in explained:
            if any(f.code in ASKS_EXPLANATION for f in field_findings):
                message = f"{definition.label}: det uvanlige tallet må forklares før rapporten sendes inn"
                found.append(Finding(value.field_key, Severity.ERROR, FindingCode.EXPLANATION_MISSING, message))
    if rules is None:
        rules = await validation_rules.compiled_for(ctx, form_id=snapshot.form_id)
    found += _rule_findings(rules, values, language)
    return found


def _rule_findings(rules: list[validation_rules.CompiledRule], values: list[FieldValueRow], language: str) -> list[Finding]:
    if not rules:
        return []
    by_key = {v.field_key: v.value for v in values}
    found = []
    for compiled in rules:
        if validation_rules.holds(compiled, by_key) is False:
            rule = compiled.rule
            found.append(
                Finding(
                    compiled.field_keys[0] if compiled.field_keys else "",
                    Severity(rule.severity.value),
                    FindingCode.RULE_VIOLATED,
                    validation_rules.message(rule, language),
                    rule_id=rule.id,
                    importance=rule.importance.value,
                )
            )
    return found
