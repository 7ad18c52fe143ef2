"""Who a request acts as: the ``Principal`` a token (or the service itself) names, its roles
and the permissions an operation needs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

ADMIN = "admin"
REVIEWER = "reviewer"
"""Bufdir's case officers: read every organisation's reports and submissions and review them;
change nothing of an organisation's data and nothing of the structure."""

READ, WRITE, REVIEW = "read", "write", "review"
PERMISSIONS = (READ, WRITE, REVIEW, ADMIN)
"""What an operation needs (each GraphQL root field and REST route declares one): read an
organisation's data, write it, review submissions, administer the service."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str | None = None
    organizations: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    below: frozenset[str] = field(default_factory=frozenset)
    """The organisations below ``organizations`` in the organisation tree, which it reads (not
    writes): filled per request (``organizations.tree.reach``), never from a token's claims."""
    expires_at: float | None = field(default=None, compare=False)
    """When the token it came from expires (epoch seconds): a websocket ends then. Not part of
    equality: principals with the same claims share subscription results whatever their tokens."""
    permissions: frozenset[str] | None = None
    """What it may do at all (``PERMISSIONS``), from a national token's scopes or a person's
    roles; None for this service's own tokens, whose roles say it (``granted``)."""
    review_only: frozenset[str] = field(default_factory=frozenset)
    """Of ``organizations``, those it reads and reviews but does not write (a person assigned
    as their reviewer)."""
    reviews: frozenset[str] | None = None
    """Where its reviewer role holds, when it is a role per organisation (a person): the
    organisations it is assigned to as reviewer and, filled per request
    (``organizations.tree.reach``), those below them. None: wherever it reads (this service's
    tokens and Maskinporten's, whose roles are the token's)."""
    claimed: Claimed | None = None
    """What a national identity provider's token says, before it is mapped to organisations."""

    @property
    def granted(self) -> frozenset[str]:
        if self.permissions is not None:
            return self.permissions
        # This service's own tokens: what they write is bounded by their orgs, as before scopes.
        if self.is_admin:
            return frozenset(PERMISSIONS)
        return frozenset({READ, WRITE, REVIEW} if self.is_reviewer else {READ, WRITE})

    def grants(self, permission: str) -> bool:
        return permission in self.granted

    def seconds_left(self) -> float | None:
        """How long a live stream opened with this principal may last (a websocket, the SSE
        watch): until its token expires; None when it came from no expiring token."""
        return None if self.expires_at is None else max(0.0, self.expires_at - time.time())

    @property
    def is_authenticated(self) -> bool:
        return self.subject is not None

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_reviewer(self) -> bool:
        return REVIEWER in self.roles

    @property
    def is_mapped(self) -> bool:
        """A national token's (ID-porten, Maskinporten): its organisations are records here, not
        its claims, and an admin may change them while a connection it opened stays open."""
        return self.claimed is not None

    @property
    def is_person(self) -> bool:
        """One person acts (a coordinator's or case officer's token, ID-porten's person), not a
        system: an admin token (the service, its CLI, an operator) or Maskinporten's consumer,
        which act for others and may say who did what (a report record's ``generated_by``)."""
        if self.is_admin or self.subject is None:
            return False
        return self.claimed is None or self.claimed.pid_hash is not None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A national token's claims that name who acts: Maskinporten's consumer (and a supplier
    acting for it), or ID-porten's person (by the keyed hash of their identity number)."""

    provider: str
    scopes: tuple[str, ...] = ()
    consumer: str | None = None
    supplier: str | None = None
    delegated: bool = False
    """Maskinporten says the consumer delegated its scope to the supplier (through Altinn)."""
    pid_hash: str | None = None
    acr: str | None = None


ANONYMOUS = Principal()
SYSTEM = Principal(subject="system", roles=frozenset({ADMIN}))
"""The service itself, for background work that no request carries (aggregation jobs)."""
