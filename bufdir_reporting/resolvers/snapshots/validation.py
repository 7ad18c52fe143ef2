"""Validation findings of a snapshot's values: read-only, shared by GraphQL, reports and submission.

Per field: errors (required but missing, outside min/max) and warnings (a change against the
prior period beyond ``BUFDIR_CHANGE_WARNING_PERCENT``). Messages read in the language asked
(``language.MESSAGES["finding.<CODE>"]``, the field's label translated), Bokmål when none was:
they go into the report, which was Bokmål before it had languages. Numbers read as the reader
writes them (``1 000``, ``2,5``), never as Python prints a Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ...language import Language, chosen, number, say
from ...models import FieldDataType, FieldDefinition, FieldValue, Snapshot
from ..base.context import Context
from ..base.loaders import FieldValueRow
from ..structure import translations
from .completeness import reported


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # asks a look


class FindingCode(StrEnum):
    REQUIRED_MISSING = "REQUIRED_MISSING"
    BELOW_MIN = "BELOW_MIN"
    ABOVE_MAX = "ABOVE_MAX"
    LARGE_CHANGE = "LARGE_CHANGE"
    EXPLANATION_MISSING = "EXPLANATION_MISSING"


@dataclass(frozen=True, slots=True)
class Finding:
    field_key: str
    severity: Severity
    code: FindingCode
    message: str


def _finding(key: str, severity: Severity, code: FindingCode, language: Language, **values: object) -> Finding:
    return Finding(key, severity, code, say(f"finding.{code.value}", language, **values))


def _findings(
    value: FieldValue | FieldValueRow, definition: FieldDefinition, warn_share: Decimal, language: Language, label: str
) -> list[Finding]:
    key = value.field_key
    if not reported(value):
        return [_finding(key, Severity.ERROR, FindingCode.REQUIRED_MISSING, language, label=label)] if definition.required else []
    found = []
    if value.value is not None and definition.data_type not in (FieldDataType.TEXT, FieldDataType.BOOLEAN):
        low, high = definition.min_value, definition.max_value
        if low is not None and value.value < low:
            found.append(_finding(key, Severity.ERROR, FindingCode.BELOW_MIN, language, label=label, limit=number(low, language)))
        if high is not None and value.value > high:
            found.append(
                _finding(key, Severity.ERROR, FindingCode.ABOVE_MAX, language, label=label, limit=number(high, language))
            )
        if value.prior_value and abs(value.value - value.prior_value) > warn_share * abs(value.prior_value):
            change = round((value.value - value.prior_value) / abs(value.prior_value) * 100)
            shown = ("+" if change >= 0 else "-") + number(abs(change), language)
            found.append(_finding(key, Severity.WARNING, FindingCode.LARGE_CHANGE, language, label=label, change=shown))
    return found


async def validate(ctx: Context, *, snapshot: Snapshot, language: Language | None = None) -> list[Finding]:
    """Per field: errors block submission (a required value missing, outside its bounds, a
    large change left unexplained where the field asks for an explanation); warnings ask a look.
    ``language``: the messages' (else the request's, else Bokmål)."""
    language = language or chosen()
    texts = await translations.texts(ctx, language=language)
    values = await ctx.loaders.field_values_by_snapshot.load(snapshot.id)
    definitions = await ctx.loaders.field_definition_by_id.load_many([v.field_definition_id for v in values])
    share = Decimal(ctx.settings.change_warning_percent) / 100
    explained: set[str] = set()
    if snapshot.period_id is not None:
        notes = await ctx.loaders.value_notes_by_period.load((snapshot.organization_id, snapshot.period_id))
        explained = {note.field_key for note in notes if note.kind == "explanation"}
    found = []
    for value, definition in zip(values, definitions, strict=True):
        label = texts.field_label(definition)
        for finding in _findings(value, definition, share, language, label):
            found.append(finding)
            if finding.code == "LARGE_CHANGE" and definition.explain_large_change and value.field_key not in explained:
                found.append(_finding(value.field_key, Severity.ERROR, FindingCode.EXPLANATION_MISSING, language, label=label))
    return found
