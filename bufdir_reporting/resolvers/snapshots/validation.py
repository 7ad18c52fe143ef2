"""Validation findings of a snapshot's values: read-only, shared by GraphQL, reports and submission.

Per field: errors (required but missing, outside min/max) and warnings: an outlier against the
organisation's own history or its peers (``outliers``), or, with too little history to judge by,
a change against the prior period beyond ``BUFDIR_CHANGE_WARNING_PERCENT`` that is also at
least the field's absolute floor (so a 5 -> 9 on a small base does not warn). Across fields: the
form's validation rules (``structure.validation_rules``), each violated one a finding of its own
severity. Messages read in the language asked (``language.MESSAGES["finding.<CODE>"]``, the
field's label translated; a rule's own message in that language), Bokmål when none was: they go
into the report, which was Bokmål before it had languages. Numbers read as the reader writes
them (``1 000``, ``2,5``), never as Python prints a Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ...language import Language, chosen, number, say
from ...models import FieldDataType, FieldDefinition, FieldValue
from .. import periods
from ..base import access
from ..base.context import Context
from ..base.loaders import FieldValueRow
from ..base.rows import AnySnapshot
from ..structure import translations, validation_rules
from . import outlier_baselines, outliers, rule_words
from .completeness import reported
from .note_reads import of_form


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


def _finding(key: str, severity: Severity, code: FindingCode, language: Language, **values: object) -> Finding:
    return Finding(key, severity, code, say(f"finding.{code.value}", language, **values))


def _findings(
    value: FieldValue | FieldValueRow,
    definition: FieldDefinition,
    warn_share: Decimal,
    floor: Decimal,
    warn_change: bool,
    language: Language,
    texts: translations.Texts,
) -> list[Finding]:
    """The field's own findings; its label is looked up only for a finding (most values have
    none, and the label was a good part of judging them: bench S10)."""
    key = value.field_key
    if not reported(value):
        if not definition.required:
            return []
        return [_finding(key, Severity.ERROR, FindingCode.REQUIRED_MISSING, language, label=texts.field_label(definition))]
    found = []
    if value.value is not None and definition.data_type not in (FieldDataType.TEXT, FieldDataType.BOOLEAN):
        low, high = definition.min_value, definition.max_value
        if low is not None and value.value < low:
            label = texts.field_label(definition)
            found.append(_finding(key, Severity.ERROR, FindingCode.BELOW_MIN, language, label=label, limit=number(low, language)))
        if high is not None and value.value > high:
            label = texts.field_label(definition)
            found.append(
                _finding(key, Severity.ERROR, FindingCode.ABOVE_MAX, language, label=label, limit=number(high, language))
            )
        moved = abs(value.value - value.prior_value) if value.prior_value else Decimal(0)
        if value.prior_value and warn_change and moved > warn_share * abs(value.prior_value) and moved >= floor:
            change = round((value.value - value.prior_value) / abs(value.prior_value) * 100)
            shown = ("+" if change >= 0 else "-") + number(abs(change), language)
            label = texts.field_label(definition)
            finding = _finding(key, Severity.WARNING, FindingCode.LARGE_CHANGE, language, label=label, change=shown)
            found.append(Finding(key, finding.severity, finding.code, finding.message, deviation=moved))
    return found


def _score(score: float, language: Language) -> str:
    """The z as the reader writes it; a capped one as what it is, "over 1000" (not "1000,0")."""
    if abs(score) >= outliers.MAX_SCORE:
        capped = say(
            "finding.score_above" if score > 0 else "finding.score_below",
            language,
            limit=int(outliers.MAX_SCORE) * (1 if score > 0 else -1),
        )
        return capped
    shown = f"{score:.1f}"
    return shown if language == Language.EN else shown.replace(".", ",")


def _outlier(key: str, label: str, value: Decimal, judgement: outliers.Judgement, language: Language, *, scored: bool) -> Finding:
    """``scored``: whether the reader is told a peer comparison's score. The organisation is not:
    its score at two values of its own (a draft it changes) is a line whose slope and zero give
    the peers' median and spread away — with five peers, one peer's figure (attacker's review).
    It is told it stands out, and which way; Bufdir's reviewers get the score, as ``score``. The
    words are the same for every reader, so the worklist, the snapshot and the report's PDF say
    one thing (the worklist's said the z, the organisation's PDF did not: outsider, polish4)."""
    label = rule_words.mid_sentence(label)  # "Verdien for talet på årsverk", as a rule's finding says it
    direction = say("finding.higher" if judgement.score > 0 else "finding.lower", language)
    if judgement.basis == outliers.Basis.PEERS:
        message = say("finding.OUTLIER_PEERS", language, label=label, value=number(value, language), direction=direction)
        score = judgement.score if scored else None
        return Finding(key, Severity.WARNING, FindingCode.OUTLIER_PEERS, message, score=score, deviation=judgement.deviation)
    message = say(
        "finding.OUTLIER_HISTORY",
        language,
        label=label,
        value=number(value, language),
        direction=direction,
        median=number(judgement.median, language),
        score=_score(judgement.score, language),
    )
    return Finding(
        key, Severity.WARNING, FindingCode.OUTLIER_HISTORY, message, score=judgement.score, deviation=judgement.deviation
    )


async def validate(
    ctx: Context,
    *,
    snapshot: AnySnapshot,
    language: Language | None = None,
    baselines: outliers.Baselines | None = None,
    rules: list[validation_rules.CompiledRule] | None = None,
) -> list[Finding]:
    """Per field: errors block submission (a required value missing, outside its bounds, an
    outlier or large change left unexplained where the field asks for an explanation); warnings
    ask a look. Then the form's rules. ``baselines`` and ``rules`` let a caller judging many
    snapshots of one period and form read them once. ``language``: the messages' (else the
    request's, else Bokmål)."""
    language = language or chosen()
    texts = await translations.texts(ctx, language=language)
    values = await ctx.loaders.field_values_by_snapshot.load(snapshot.id)
    # the definitions the values loader has read already, without a future each (a period's
    # worklist judges thousands of values: bench S10); else through their loader
    known = ctx.loaders.known_definitions
    if all(v.field_definition_id in known for v in values):
        definitions = [known[v.field_definition_id] for v in values]
    else:
        definitions = await ctx.loaders.field_definition_by_id.load_many([v.field_definition_id for v in values])
    share = Decimal(ctx.settings.change_warning_percent) / 100
    explained: set[str] = set()
    if snapshot.period_id is not None:
        notes = await ctx.loaders.value_notes_by_period.load((snapshot.organization_id, snapshot.period_id))
        explained = {note.field_key for note in notes if note.kind == "explanation" and of_form(note, snapshot.form_id)}
        if baselines is None:
            period = await periods.get_or_raise(ctx, period_id=snapshot.period_id)
            baselines = await outlier_baselines.baselines(
                ctx, period=period, form_id=snapshot.form_id, organization_ids=[snapshot.organization_id]
            )
    found = []
    organization_id = snapshot.organization_id
    scored = access.can_review(ctx.principal, organization_id)
    default_floor = Decimal(ctx.settings.outlier_min_deviation)
    for value, definition in zip(values, definitions, strict=True):
        key = value.field_key
        floor = baselines.thresholds(key).floor if baselines is not None else default_floor
        # the percent change is the judgement where the history is too short to judge by
        warn_change = baselines is None or (baselines.judges(key) and not baselines.judged_by_history(organization_id, key))
        field_findings = _findings(value, definition, share, floor, warn_change, language, texts)
        if baselines is not None and value.value is not None and definition.data_type in outliers.NUMERIC:
            judged = baselines.judge(organization_id, key, value.value)
            if judged:
                label = texts.field_label(definition)
                field_findings += [_outlier(key, label, value.value, j, language, scored=scored) for j in judged]
        if not field_findings:
            continue
        found += field_findings
        if definition.explain_large_change and key not in explained:
            if any(f.code in ASKS_EXPLANATION for f in field_findings):
                label = texts.field_label(definition)
                found.append(_finding(key, Severity.ERROR, FindingCode.EXPLANATION_MISSING, language, label=label))
    if rules is None:
        rules = await validation_rules.compiled_for(ctx, form_id=snapshot.form_id)
    if rules:
        found += _rule_findings(rules, values, definitions, texts, language)
    return found


def _rule_findings(
    rules: list[validation_rules.CompiledRule],
    values: list[FieldValueRow],
    definitions: list[FieldDefinition],
    texts: translations.Texts,
    language: Language,
) -> list[Finding]:
    """The rules ``values`` break; the fields' labels are looked up only when one is broken (a
    report's 57 labels for each report judged were a tenth of a worklist's judging, S10)."""
    if not rules:
        return []
    by_key = {v.field_key: v.value for v in values}
    found = []
    labels: dict[str, str] | None = None
    for compiled in rules:
        if validation_rules.holds(compiled, by_key) is False:
            if labels is None:
                labels = {definition.key: texts.field_label(definition) for definition in definitions}
            rule = compiled.rule
            found.append(
                Finding(
                    compiled.field_keys[0] if compiled.field_keys else "",
                    Severity(rule.severity.value),
                    FindingCode.RULE_VIOLATED,
                    rule_words.compared(compiled, by_key, labels, language),
                    rule_id=rule.id,
                    importance=rule.importance.value,
                )
            )
    return found
