"""The case officer's worklist, whole (issue #33, bench S10): every item of a period with rules,
outliers against history and peers, bounds, large changes, explanations, questions in every state
and an approved report, each of its fields, in its order. Pinned so that making the worklist
cheaper changes nothing it says; and the same read again with the history held."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bufdir_reporting.auth import REVIEWER, Principal
from bufdir_reporting.models import (
    DEFAULT_FORM,
    FieldDefinition,
    FieldValue,
    OrganizationKind,
    Snapshot,
    Submission,
    ValidationRule,
    ValueNote,
)
from bufdir_reporting.resolvers.base import revision
from bufdir_reporting.resolvers.base.context import Context
from bufdir_reporting.resolvers.reporting import reviews, worklist
from bufdir_reporting.resolvers.snapshots import notes

from ...factories import FieldSpec, context_for, counted, make_organization, make_period, make_section, make_submission

YEARS = (2020, 2021, 2022, 2023, 2024)
FIELDS = ("saker", "plasseringer", "akutt", "arsverk", "tiltak", "merknad")
# per organisation: its kind and per field its values 2020-2024 (None: not reported that year)
PEERS = OrganizationKind.CHILD_WELFARE_SERVICE
WORLD: dict[str, tuple[OrganizationKind, dict[str, tuple[int | str | None, ...]]]] = {
    # a jump in cases (history and peers), staffing above its maximum, a rule broken; no measures
    # reported in 2021 (its prior reports hold different fields)
    "org-p1": (PEERS, {"saker": (7, 9, 6, 8, 40), "plasseringer": (20,) * 5, "akutt": (3, 4, 3, 4, 25), "arsverk": (10,) * 4 + (60,), "tiltak": (5, None, 5, 6, 6)}),
    # measures jump (asks an explanation), staffing below its minimum, acute placements settled by a resolved follow-up
    "org-p2": (PEERS, {"saker": (8, 8, 9, 9, 9), "plasseringer": (20,) * 5, "akutt": (3, 3, 3, 3, 30), "arsverk": (10,) * 4 + ("0.5",), "tiltak": (5, 5, 6, 5, 30)}),
    # an explained jump (the explanation accepted: settled), an open comment
    "org-p3": (PEERS, {"saker": (8, 7, 9, 8, 50), "plasseringer": (20,) * 5, "akutt": (4,) * 5, "arsverk": (12,) * 5, "tiltak": (6,) * 5}),
    # an explanation still pending, an answered follow-up, a required value missing
    "org-p4": (PEERS, {"saker": (9, 9, 8, 9, 35), "plasseringer": (20, 20, 20, 20, None), "akutt": (4,) * 5, "arsverk": (11,) * 5, "tiltak": (6, 6, 6, 6, 28)}),
    # approved: its findings settled by the approval
    "org-p5": (PEERS, {"saker": (9, 8, 9, 8, 45), "plasseringer": (20,) * 5, "akutt": (3, 3, 3, 3, 26), "arsverk": (10,) * 5, "tiltak": (5,) * 5}),
    # a draft: acute placements jump and break the rule
    "org-p6": (PEERS, {"saker": (8, 8, 8, 9, 8), "plasseringer": (20,) * 5, "akutt": (4, 4, 4, 4, 22), "arsverk": ("10.5",) * 5, "tiltak": (5,) * 5}),
    "org-p7": (PEERS, {"saker": (9, 9, 9, 9, 10), "plasseringer": (21,) * 5, "akutt": (3,) * 5, "arsverk": (9,) * 5, "tiltak": (6,) * 5}),
    # another kind, two years of history: a large change against the prior year instead
    "org-p8": (OrganizationKind.OTHER, {"saker": (None, None, None, 10, 30), "plasseringer": (None, None, None, 5, 5), "akutt": (None, None, None, 1, 1), "arsverk": (None, None, None, 3, 3), "tiltak": (None, None, None, 2, 2)}),
}  # fmt: skip


async def _structure() -> None:
    await make_section(
        fields=[
            counted("saker"),
            counted("plasseringer"),
            counted("akutt"),
            FieldSpec("arsverk", None, True, "decimal", min_value=Decimal(1), max_value=Decimal(50)),
            counted("tiltak"),
            counted("merknad", required=False),
        ]
    )
    await FieldDefinition.filter(key="tiltak").update(explain_large_change=True)
    for name, left, right, severity, importance in (
        ("Akutt innenfor plasseringer", "akutt", "plasseringer", "error", "high"),
        ("Tiltak innenfor saker", "tiltak", "saker", "warning", "low"),
    ):
        await ValidationRule.create(
            form_id=DEFAULT_FORM,
            name=name,
            left=left,
            operator="<=",
            right=right,
            missing_value_strategy="skip_if_any_missing",
            severity=severity,
            importance=importance,
            message_nb=f"{name} (nb).",
            message_nn=f"{name} (nn).",
            message_en=f"{name} (en).",
        )
    await revision.bump()  # a structure written through the service: the history may be held


async def _report(org: str, year: int, values: dict[str, tuple[int | str | None, ...]]) -> Snapshot:
    snapshot = await Snapshot.create(
        id=f"snap-{org}-{year}",
        organization_id=org,
        period_id=str(year),
        range_start=datetime(year, 1, 1, tzinfo=UTC),
        range_end=datetime(year + 1, 1, 1, tzinfo=UTC),
        status="current",
        current_slot=f"{org}|{year}",
    )
    definitions = {d.key: d for d in await FieldDefinition.all()}
    at = YEARS.index(year)
    rows = []
    for key in FIELDS:
        series = values.get(key, (None,) * len(YEARS))
        value, prior = series[at], series[at - 1] if at else None
        if value is None and key not in values:
            continue  # never reported: no row
        rows.append(
            FieldValue(
                snapshot=snapshot,
                field_definition=definitions[key],
                field_key=key,
                section_key=definitions[key].section_id,
                value=None if value is None else Decimal(str(value)),
                prior_value=None if prior is None else Decimal(str(prior)),
            )
        )
    await FieldValue.bulk_create(rows)
    return snapshot


async def _world(settings: Any, app: Any) -> None:
    await _structure()
    for year in YEARS:
        await make_period(year=year)
    for number, (org, (kind, values)) in enumerate(WORLD.items(), start=1):
        await make_organization(id=org, name=f"Tjeneste {number}", kind=kind)
        for year in YEARS:
            if any(series[YEARS.index(year)] is not None for series in values.values()):
                snapshot = await _report(org, year, values)
        if org != "org-p6":  # org-p6's report is a draft
            await make_submission(snapshot)
    reviewer = Context(
        settings=settings,
        principal=Principal("saksbehandler", roles=frozenset({REVIEWER})),
        jobs=app.state.jobs,
        events=app.state.events,
    )
    org2, org3, org4, org5 = (context_for(settings, app, f"org-p{n}", subject=f"koordinator-{n}") for n in (2, 3, 4, 5))
    asked = await notes.mark_for_follow_up(reviewer, snapshot_id="snap-org-p2-2024", field_key="akutt", text="Stemmer 30?")
    await notes.answer(org2, comment_id=asked.id, text="Ja, en stor sak.")
    await notes.resolve(reviewer, note_id=asked.id)
    await notes.comment(reviewer, snapshot_id="snap-org-p3-2024", field_key="arsverk", text="Er dette hele stillinger?")
    explained = await notes.explain(org3, snapshot_id="snap-org-p3-2024", field_key="saker", text="Ny kommune slått sammen.")
    await notes.accept(reviewer, note_id=explained.id)
    await notes.explain(org4, snapshot_id="snap-org-p4-2024", field_key="tiltak", text="Flere familier fikk hjelp.")
    asked = await notes.mark_for_follow_up(reviewer, snapshot_id="snap-org-p4-2024", field_key="saker", text="Hvorfor 35?")
    await notes.answer(org4, comment_id=asked.id, text="Vi tok over en nabokommune.")
    await notes.comment(reviewer, snapshot_id="snap-org-p5-2024", field_key="saker", text="Se på dette.")
    await notes.explain(org5, snapshot_id="snap-org-p5-2024", field_key="tiltak", text="Uendret.")
    approved = await Submission.get(id="sub-snap-org-p5-2024")
    await reviews.review(reviewer, submission_id=approved.id, action=reviews.ReviewAction.APPROVE)


def _shown(item: worklist.WorkItem, rules: dict[int, str], note_texts: dict[int, str]) -> tuple[object, ...]:
    """Every field of the item; a rule by its name, a note by its text, a time by whether it is
    there (the moment the test ran)."""
    return (
        item.organization_id,
        item.organization_name,
        item.period_id,
        item.form_id,
        item.snapshot_id,
        item.submitted,
        item.field_key,
        item.severity,
        item.code,
        item.message,
        item.importance,
        item.score,
        item.deviation,
        None if item.rule_id is None else rules[item.rule_id],
        None if item.note_id is None else note_texts[item.note_id],
        None if item.note_state is None else str(item.note_state),
        item.answer,
        item.answered_by,
        item.answered_at is not None,
        item.resolved_by,
        item.resolved_at is not None,
    )


# (organisation, name, period, form, report, submitted, field, severity, code, message, importance,
#  score, deviation, rule, note, its state, answer, by whom, answered, settled by, settled)
# fmt: off
EXPECTED: list[tuple[object, ...]] = [
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'akutt', 'error', 'RULE_VIOLATED', 'Akutt innenfor plasseringer (nb). Akutt (25) kan ikke være større enn plasseringer (20).', 'high', None, None, 'Akutt innenfor plasseringer', None, None, None, None, False, None, False),
    ('org-p4', 'Tjeneste 4', '2024', 'bufdir-rapport', 'snap-org-p4-2024', True, 'saker', 'error', 'QUESTION_ANSWERED', 'Hvorfor 35?', 'high', None, None, None, 'Hvorfor 35?', 'answered', 'Vi tok over en nabokommune.', 'koordinator-4', True, None, False),
    ('org-p6', 'Tjeneste 6', '2024', 'bufdir-rapport', 'snap-org-p6-2024', False, 'akutt', 'error', 'RULE_VIOLATED', 'Akutt innenfor plasseringer (nb). Akutt (22) kan ikke være større enn plasseringer (20).', 'high', None, None, 'Akutt innenfor plasseringer', None, None, None, None, False, None, False),
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'arsverk', 'error', 'ABOVE_MAX', 'Arsverk er over 50', 'medium', None, None, None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'arsverk', 'error', 'BELOW_MIN', 'Arsverk er under 1', 'medium', None, None, None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'tiltak', 'error', 'EXPLANATION_MISSING', 'Tiltak: det uvanlige tallet må forklares før rapporten sendes inn', 'medium', None, None, None, None, None, None, None, False, None, False),
    ('org-p4', 'Tjeneste 4', '2024', 'bufdir-rapport', 'snap-org-p4-2024', True, 'plasseringer', 'error', 'REQUIRED_MISSING', 'Plasseringer er påkrevd', 'medium', None, None, None, None, None, None, None, False, None, False),
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'arsverk', 'warning', 'OUTLIER_HISTORY', 'Verdien for arsverk (60) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 10, robust z-verdi over 1000)', 'medium', 1000.0, Decimal('50.0000'), None, None, None, None, None, False, None, False),
    ('org-p4', 'Tjeneste 4', '2024', 'bufdir-rapport', 'snap-org-p4-2024', True, 'tiltak', 'warning', 'OUTLIER_HISTORY', 'Verdien for tiltak (28) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 6, robust z-verdi over 1000)', 'medium', 1000.0, Decimal('22.0000'), None, 'Flere familier fikk hjelp.', 'pending', 'Flere familier fikk hjelp.', 'koordinator-4', True, None, False),
    ('org-p6', 'Tjeneste 6', '2024', 'bufdir-rapport', 'snap-org-p6-2024', False, 'akutt', 'warning', 'OUTLIER_HISTORY', 'Verdien for akutt (22) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 4, robust z-verdi over 1000)', 'medium', 1000.0, Decimal('18.0000'), None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'arsverk', 'warning', 'OUTLIER_HISTORY', 'Verdien for arsverk (0,5) er uvanlig lav sammenlignet med organisasjonens tidligere perioder (median 10, robust z-verdi under -1000)', 'medium', -1000.0, Decimal('9.5000'), None, None, None, None, None, False, None, False),
    ('org-p4', 'Tjeneste 4', '2024', 'bufdir-rapport', 'snap-org-p4-2024', True, 'saker', 'warning', 'OUTLIER_HISTORY', 'Verdien for saker (35) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 9, robust z-verdi 83,0)', 'medium', 82.9800034149463, Decimal('26.0000'), None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'tiltak', 'warning', 'OUTLIER_HISTORY', 'Verdien for tiltak (30) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 5, robust z-verdi 79,8)', 'medium', 79.78846482206374, Decimal('25.0000'), None, None, None, None, None, False, None, False),
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'akutt', 'warning', 'OUTLIER_HISTORY', 'Verdien for akutt (25) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 3,5, robust z-verdi 29,0)', 'medium', 29.0035, Decimal('21.5000'), None, None, None, None, None, False, None, False),
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'arsverk', 'warning', 'OUTLIER_PEERS', 'Verdien for arsverk (60) er uvanlig høy sammenlignet med organisasjoner av samme type', 'medium', 22.258499999999998, Decimal('49.5000'), None, None, None, None, None, False, None, False),
    ('org-p1', 'Tjeneste 1', '2024', 'bufdir-rapport', 'snap-org-p1-2024', True, 'saker', 'warning', 'OUTLIER_HISTORY', 'Verdien for saker (40) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 7,5, robust z-verdi 21,9)', 'medium', 21.92125, Decimal('32.5000'), None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'tiltak', 'warning', 'OUTLIER_PEERS', 'Verdien for tiltak (30) er uvanlig høy sammenlignet med organisasjoner av samme type', 'medium', 16.188, Decimal('24.0000'), None, None, None, None, None, False, None, False),
    ('org-p4', 'Tjeneste 4', '2024', 'bufdir-rapport', 'snap-org-p4-2024', True, 'tiltak', 'warning', 'OUTLIER_PEERS', 'Verdien for tiltak (28) er uvanlig høy sammenlignet med organisasjoner av samme type', 'medium', 14.839, Decimal('22.0000'), None, 'Flere familier fikk hjelp.', 'pending', 'Flere familier fikk hjelp.', 'koordinator-4', True, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'arsverk', 'warning', 'OUTLIER_PEERS', 'Verdien for arsverk (0,5) er uvanlig lav sammenlignet med organisasjoner av samme type', 'medium', -4.496666666666667, Decimal('10.0000'), None, None, None, None, None, False, None, False),
    ('org-p8', 'Tjeneste 8', '2024', 'bufdir-rapport', 'snap-org-p8-2024', True, 'saker', 'warning', 'LARGE_CHANGE', 'Saker endret +200 % fra forrige periode', 'medium', None, Decimal('20.0000'), None, None, None, None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'tiltak', 'warning', 'RULE_VIOLATED', 'Tiltak innenfor saker (nb). Tiltak (30) kan ikke være større enn saker (9).', 'low', None, None, 'Tiltak innenfor saker', None, None, None, None, False, None, False),
    ('org-p3', 'Tjeneste 3', '2024', 'bufdir-rapport', 'snap-org-p3-2024', True, 'arsverk', 'warning', 'QUESTION_OPEN', 'Er dette hele stillinger?', 'medium', None, None, None, 'Er dette hele stillinger?', 'open', None, None, False, None, False),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'akutt', 'error', 'RULE_VIOLATED', 'Akutt innenfor plasseringer (nb). Akutt (30) kan ikke være større enn plasseringer (20).', 'high', None, None, 'Akutt innenfor plasseringer', 'Stemmer 30?', 'resolved', 'Ja, en stor sak.', 'koordinator-2', True, 'saksbehandler', True),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'akutt', 'warning', 'OUTLIER_HISTORY', 'Verdien for akutt (30) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 3, robust z-verdi over 1000)', 'medium', 1000.0, Decimal('27.0000'), None, 'Stemmer 30?', 'resolved', 'Ja, en stor sak.', 'koordinator-2', True, 'saksbehandler', True),
    ('org-p2', 'Tjeneste 2', '2024', 'bufdir-rapport', 'snap-org-p2-2024', True, 'akutt', 'error', 'QUESTION_RESOLVED', 'Stemmer 30?', 'low', None, None, None, 'Stemmer 30?', 'resolved', 'Ja, en stor sak.', 'koordinator-2', True, 'saksbehandler', True),
    ('org-p5', 'Tjeneste 5', '2024', 'bufdir-rapport', 'snap-org-p5-2024', True, 'akutt', 'error', 'RULE_VIOLATED', 'Akutt innenfor plasseringer (nb). Akutt (26) kan ikke være større enn plasseringer (20).', 'high', None, None, 'Akutt innenfor plasseringer', None, None, None, None, False, 'saksbehandler', True),
    ('org-p5', 'Tjeneste 5', '2024', 'bufdir-rapport', 'snap-org-p5-2024', True, 'akutt', 'warning', 'OUTLIER_HISTORY', 'Verdien for akutt (26) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 3, robust z-verdi over 1000)', 'medium', 1000.0, Decimal('23.0000'), None, None, None, None, None, False, 'saksbehandler', True),
    ('org-p3', 'Tjeneste 3', '2024', 'bufdir-rapport', 'snap-org-p3-2024', True, 'saker', 'warning', 'OUTLIER_HISTORY', 'Verdien for saker (50) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 8, robust z-verdi 56,7)', 'medium', 56.658, Decimal('42.0000'), None, 'Ny kommune slått sammen.', 'accepted', 'Ny kommune slått sammen.', 'koordinator-3', True, 'saksbehandler', True),
    ('org-p5', 'Tjeneste 5', '2024', 'bufdir-rapport', 'snap-org-p5-2024', True, 'saker', 'warning', 'OUTLIER_HISTORY', 'Verdien for saker (45) er uvanlig høy sammenlignet med organisasjonens tidligere perioder (median 8,5, robust z-verdi 49,2)', 'medium', 49.2385, Decimal('36.5000'), None, 'Se på dette.', 'resolved', None, None, False, 'saksbehandler', True),
    ('org-p5', 'Tjeneste 5', '2024', 'bufdir-rapport', 'snap-org-p5-2024', True, 'saker', 'warning', 'QUESTION_RESOLVED', 'Se på dette.', 'low', None, None, None, 'Se på dette.', 'resolved', None, None, False, 'saksbehandler', True),
]
# fmt: on


async def test_the_worklist_says_the_same_of_every_value_computed_and_with_the_history_held(app, settings):
    await _world(settings, app)
    rules = {rule.id: rule.name for rule in await ValidationRule.all()}
    texts = {note.id: note.text for note in await ValueNote.all()}
    case_officer = Principal("case-officer", roles=frozenset({REVIEWER}))
    filters = worklist.Filters(period_id="2024", submitted_only=False, include_resolved=True)

    async def read(cache_mb: int) -> list[tuple[object, ...]]:
        held = settings.model_copy(update={"response_cache_mb": cache_mb})
        ctx = Context(settings=held, principal=case_officer, jobs=app.state.jobs, events=app.state.events)
        return [_shown(item, rules, texts) for item in await worklist.list_(ctx, filters=filters)]

    computed = await read(0)
    assert computed == EXPECTED
    assert await read(64) == EXPECTED  # the history summarised and kept
    assert await read(64) == EXPECTED  # and read from what was kept
