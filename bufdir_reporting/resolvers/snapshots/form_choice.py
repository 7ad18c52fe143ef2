"""Which form's rows a listing that names no form shows: one form per organisation and period.

The legacy contracts know one report per organisation and period. Since forms, an organisation
may have snapshots (and submissions) of several forms for a period: the default form's, its own
form's, and a rolled-up form's that counts its whole subtree. Their listings showed them all, two
"current" rows the contract shape cannot tell apart (#31, item 5). A listing that names no form
shows, per organisation and period, the rows of **one** form, the first of:

1. the default form, where the organisation has a row of it for the period (what the listing
   showed before forms, so a database that uses no other form answers exactly as before);
2. a form assigned to the organisation for the period that is not rolled up (its own figures);
3. an assigned rolled-up form (its subtree's figures: an organisation that reports only that
   one is still listed);
4. any other form (one whose assignment ended before the period, say), so no row disappears;

and among forms of the same rank, the first by form id. Not "the default form's rows only":
that emptied the listings of every organisation reporting another form (the demo's umbrella
then read no rows of its branch org-3310, #31 note). A row of an ad-hoc range (no period) is
ranked with those of the same organisation and range, where no form is assigned (rank 1 or 4).

The rule is one correlated ``NOT EXISTS`` in the listing's own statement, so counting and paging
stay in the database; a default-form row is shown before the subquery is asked, so a database
with the default form alone pays for nothing else.
"""

from __future__ import annotations

from typing import TypeVar

from tortoise.expressions import Q, RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet

from ...models import DEFAULT_FORM, ReportForm, Snapshot, Submission

M = TypeVar("M", bound=Model)


def of_form(query: QuerySet[M], form: ReportForm) -> QuerySet[M]:
    """Rows of ``form`` only (the default form's are stored with no form)."""
    if form.is_default:
        return query.filter(Q(form_id=None) | Q(form_id=DEFAULT_FORM))
    return query.filter(form_id=form.id)


def one_form_per_period(query: QuerySet[M], model: type[Snapshot | Submission], *, own_only: bool = False) -> QuerySet[M]:
    """Rows of the form the rule above chooses for their organisation and period. ``own_only``
    leaves rolled-up forms out of the choice (rank 3): where the contract asks for the
    organisation's own report, its subtree's figures never answer for it, even when the
    rolled-up form is all it submitted for a period (#31 outside test, finding 2)."""
    table = model._meta.db_table
    ranged = model is Snapshot
    shown = _shown(table, ranged=ranged, own_only=own_only)
    return query.annotate(one_form_shown=RawSQL(shown)).filter(one_form_shown=True)


def _is_default(row: str) -> str:
    # DEFAULT_FORM is the service's constant (a slug), never a client's: safe in the statement
    return f"({row}.form_id IS NULL OR {row}.form_id = '{DEFAULT_FORM}')"


def _rank(row: str) -> str:
    """A text that orders a row's form by the rule: ``1`` for the default form, else the rank's
    digit followed by the form id."""
    assigned = (
        "EXISTS (SELECT 1 FROM report_form_assignment a"
        " JOIN report_form f ON f.id = a.form_id"
        f" JOIN period p ON p.id = {row}.period_id"
        f" JOIN organization o ON o.id = {row}.organization_id"
        f" WHERE a.form_id = {row}.form_id"
        ' AND a.valid_from <= p.start AND (a.valid_until IS NULL OR p."end" <= a.valid_until)'
        " AND (f.period_type IS NULL OR f.period_type = p.type)"
        " AND (a.organization_id = o.id OR (a.organization_id IS NULL"
        " AND (a.organization_kind IS NULL OR a.organization_kind = o.kind))))"
    )
    rolled_up = _rolled_up(row)
    return (
        f"(CASE WHEN {_is_default(row)} THEN '1' "
        f"ELSE (CASE WHEN NOT {assigned} THEN '4' WHEN {rolled_up} THEN '3' ELSE '2' END) || {row}.form_id END)"
    )


def _rolled_up(row: str) -> str:
    return f"EXISTS (SELECT 1 FROM report_form r WHERE r.id = {row}.form_id AND r.rolled_up)"


def _shown(table: str, *, ranged: bool, own_only: bool = False) -> str:
    outer = f'"{table}"'
    same_scope = f"b.period_id = {outer}.period_id"
    if ranged:
        same_scope = (
            f"({same_scope} OR ({outer}.period_id IS NULL AND b.period_id IS NULL"
            f" AND b.range_start = {outer}.range_start AND b.range_end = {outer}.range_end))"
        )
    better = (
        f"SELECT 1 FROM {outer} b WHERE b.organization_id = {outer}.organization_id AND {same_scope}"
        f" AND COALESCE(b.form_id, '') <> COALESCE({outer}.form_id, '') AND {_rank('b')} < {_rank(outer)}"
    )
    if own_only:
        better += f" AND NOT {_rolled_up('b')}"
        return f"({_is_default(outer)} OR (NOT {_rolled_up(outer)} AND NOT EXISTS ({better})))"
    return f"({_is_default(outer)} OR NOT EXISTS ({better}))"
