"""The columns an activity file has: names, Norwegian aliases, types, what each means.

This list is the documentation (``import --help``, ``import --template``, the README): a
header matches a column by its name or an alias, case and spacing aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..resolvers.structure.rules import BUFDIR_CATEGORIES


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # text, code, datetime, integer, decimal, list
    required: bool
    description: str
    example: str
    aliases: tuple[str, ...] = ()

    @property
    def norwegian(self) -> str:
        """The name a Norwegian writes for it: its first alias as a header reads (``Antall
        deltakere``, ``Dato``), else its name (``Status``); the import takes either."""
        written = (self.aliases or (self.name,))[0].replace("_", " ")
        return written[:1].upper() + written[1:]


COLUMNS = (
    Column("organization_id", "text", True, "the organisation's id in this service", "org-1042", ("organisasjon", "org_id")),
    Column(
        "source_system", "text", True, "the case-management system it comes from", "fagsystem-cis", ("kildesystem", "fagsystem")
    ),
    Column(
        "external_id",
        "text",
        False,
        "its id in that system; the same id again corrects the activity",
        "sak-2024-0117",
        ("ekstern_id", "saksnummer"),
    ),
    Column("activity_type", "code", True, "what it was, in snake_case", "family_guidance", ("aktivitetstype", "type")),
    Column("category", "code", True, f"Bufdir category: {', '.join(sorted(BUFDIR_CATEGORIES))}", "foreldre_barn", ("kategori",)),
    Column("status", "code", True, "e.g. completed, planned, cancelled", "completed", ()),
    Column("location", "text", False, "where", "Oslo", ("sted",)),
    Column(
        "occurred_at",
        "datetime",
        True,
        "when it happened: 2024-03-01T10:00:00Z, 2024-03-01, 01.03.2024 or 01.03.2024 10:00 (no offset: Norwegian time)",
        "01.03.2024 10:00",
        ("dato", "tidspunkt", "start"),
    ),
    Column("ended_at", "datetime", False, "when it ended, for what lasts (placements)", "", ("slutt", "avsluttet")),
    Column("recorded_at", "datetime", False, "when it was registered", "", ("registrert",)),
    Column("participant_count", "integer", False, "how many took part", "3", ("antall_deltakere", "deltakere")),
    Column("hours", "decimal", False, "hours delivered; 1.5 or 1,5", "1,5", ("timer",)),
    Column(
        "participant_refs",
        "list",
        False,
        "pseudonymous participant references separated by ;",
        "p-00017;p-00231",
        ("deltakerreferanser", "deltaker_ref"),
    ),
)
BY_NAME = {column.name: column for column in COLUMNS}


def normalised(header: str) -> str:
    """``Organization ID``, ``organization-id`` and ``ORGANIZATION_ID`` are the same column."""
    return re.sub(r"[\s\-.]+", "_", header.strip().lstrip("\ufeff").lower()).strip("_")


ALIASES = {normalised(name): column.name for column in COLUMNS for name in (column.name, *column.aliases)}


_CACHED_LENGTH = 128


def column_for(header: str) -> str | None:
    """The column a header (or a JSON key) names; cached, as JSON lines name them on every row.

    Only headers of a header's length are cached: a file's keys are the sender's, and 1,024
    cached megabyte-long keys would hold a gigabyte for the life of the process. A longer one is
    looked up all the same (spaces around a name are allowed), just not kept.
    """
    if len(header) > _CACHED_LENGTH:
        return ALIASES.get(normalised(header))
    return _column_for(header)


@lru_cache(maxsize=1024)
def _column_for(header: str) -> str | None:
    return ALIASES.get(normalised(header))


def description_row() -> list[str]:
    """The template's second row, which the import recognises and skips."""
    return [f"{'required' if column.required else 'optional'}: {column.description}" for column in COLUMNS]


def help_text() -> str:
    lines = ["columns (header row; names or aliases, any case):"]
    for column in COLUMNS:
        aliases = f" (or {', '.join(column.aliases)})" if column.aliases else ""
        need = "required" if column.required else "optional"
        lines.append(f"  {column.name}{aliases}: {column.kind}, {need}; {column.description}")
    return "\n".join(lines)
