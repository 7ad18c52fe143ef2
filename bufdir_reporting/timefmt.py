"""Instants as the contracts and events print them: UTC, whole seconds, ``Z`` (``2026-03-26T09:00:00Z``)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now_z() -> str:
    return iso_z(datetime.now(UTC))


def iso(moment: datetime | date | None) -> str | None:
    """``iso_z`` for instants, ``2026-03-26`` for dates, None for None."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return iso_z(moment)
    return moment.isoformat()


def parse_z(text: str) -> datetime:
    """The instant ``iso_z`` printed (an event's ``updated_at``), back as an aware datetime."""
    return datetime.fromisoformat(text)
