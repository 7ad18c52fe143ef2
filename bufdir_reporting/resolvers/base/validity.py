"""Validity in time: a row with valid_from/valid_to applies on the days in [valid_from, valid_to)."""

from __future__ import annotations

from datetime import date

from tortoise.expressions import Q


def valid_at(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
