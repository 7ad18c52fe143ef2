"""Bearer token -> Principal.

A token is a JWT: HS256 with the configured secret (the embedded default and the CLI's
tokens), or RS256/ES256 from a production identity provider, verified against its JWKS (a URL
or a file) by the token's ``kid`` — a new key is picked up when the provider rotates. Claims:
``sub`` (who), ``orgs`` (the organisations the bearer acts for) and ``roles`` (``reviewer``
reads every organisation's reports and reviews submissions; ``admin`` may
change the report structure and read every organisation). Signature, expiry, not-before,
issuer and audience are all checked.

Tokens of Norway's national identity providers are taken as Digdir issues them (``digdir``):
Maskinporten's name the consumer organisation by number and carry scopes, ID-porten's name a
person by identity number. Their issuer tells them apart; what they may do comes from their
scopes or the person's assignments (``Principal.permissions``), and which organisations they act
for is looked up per request (``resolvers.identity``), as the token names no organisation of ours.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt

from .config import Settings
from .errors import Unauthenticated

ADMIN = "admin"
REVIEWER = "reviewer"
"""Bufdir's case officers: read every organisation's reports and submissions and review them;
change nothing of an organisation's data and nothing of the structure."""

READ, WRITE, REVIEW = "read", "write", "review"
PERMISSIONS = (READ, WRITE, REVIEW, ADMIN)
"""What an operation needs (each GraphQL root field and REST route declares one): read an
organisation's data, write it, review submissions, administer the service."""
ALGORITHM = "HS256"
ASYMMETRIC = ("RS256", "ES256")
GET_A_NEW_TOKEN = "Send a token this service issued or trusts as 'Authorization: Bearer <token>'."
""""What to do", ending every token refusal's message."""

log = logging.getLogger(__name__)


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


def issue_token(
    settings: Settings,
    *,
    subject: str,
    organizations: list[str] | tuple[str, ...] = (),
    admin: bool = False,
    reviewer: bool = False,
    ttl: timedelta | None = None,
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "orgs": sorted(set(organizations)),
        "roles": [role for role, given in ((ADMIN, admin), (REVIEWER, reviewer)) if given],
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "iat": now,
        "nbf": now,
        "exp": now + (ttl or timedelta(hours=settings.token_ttl_hours)),
    }
    return jwt.encode(claims, settings.signing_secret, algorithm=ALGORITHM)


_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def _jwks_key(settings: Settings, kid: str | None, algorithm: str) -> Any:
    return jwks_key(
        url=settings.token_jwks_url,
        file=settings.token_jwks_file,
        refresh_seconds=settings.token_jwks_refresh_seconds,
        kid=kid,
        algorithm=algorithm,
    )


def jwks_key(*, url: str | None, file: Path | None, refresh_seconds: float, kid: str | None, algorithm: str) -> Any:
    """An identity provider's key for ``kid``, if it is a key of the token's ``algorithm``; a
    file is re-read when it changes, a URL is fetched again when it does not know the kid (key
    rotation)."""
    return _of_algorithm(_key_by_id(url=url, file=file, refresh_seconds=refresh_seconds, kid=kid), kid, algorithm)


def _of_algorithm(key: Any, kid: str | None, algorithm: str) -> Any:
    """``key`` if the token's ``algorithm`` can verify with it. The header names both, so anyone
    may pair an RSA key's kid with ES256 (or a P-384 key with ES256): PyJWT then raised TypeError
    ("Expecting a PEM-formatted key") or InvalidKeyError, neither a token error, and every such
    token was a 500 (attacker's review: Maskinporten's published kid with alg ES256)."""
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (TypeError, ValueError, NotImplementedError, jwt.InvalidKeyError):
        raise Unauthenticated(
            details={"reason": "algorithm"},
            message_id="access.auth.key_of_another_algorithm",
            values={"algorithm": algorithm, "kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        ) from None
    return key


def _key_by_id(*, url: str | None, file: Path | None, refresh_seconds: float, kid: str | None) -> Any:
    if kid is None:
        raise Unauthenticated(
            details={"reason": "no_key_id"},
            message_id="access.auth.bearer_token_names_signing",
            values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    if file is not None:
        keys = _jwks_from_file(str(file), file.stat().st_mtime_ns)
        for key in keys.keys:
            if key.key_id == kid:
                return key.key
        raise Unauthenticated(
            details={"reason": "unknown_key"},
            message_id="access.auth.bearer_token_s_key",
            values={"kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    assert url is not None
    if unreachable.recently(url, refresh_seconds):
        raise key_set_unreadable()
    client = _jwks_clients.get(url)
    if client is None:
        client = _jwks_clients[url] = jwt.PyJWKClient(
            url, lifespan=300, cooldown_duration=refresh_seconds, timeout=KEY_SET_TIMEOUT
        )
    try:
        return client.get_signing_key(kid).key
    except jwt.PyJWKClientConnectionError as exc:
        unreachable.failed(url)
        log.warning("the identity provider's key set at %s cannot be read: %s", url, exc)
        raise key_set_unreadable() from None
    except jwt.PyJWKClientError as exc:
        log.warning("key %r from the identity provider's key set at %s cannot be used: %s", kid, url, exc)
        raise Unauthenticated(
            details={"reason": "unknown_key"},
            message_id="access.auth.bearer_token_s_key_2",
            values={"kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        ) from None


KEY_SET_TIMEOUT = 10.0
"""Seconds an identity provider's key set or metadata may take to answer (PyJWT's own is 30)."""


class Unreachable:
    """Identity providers' documents (key sets, metadata) that could not be read lately, by URL.
    A failed read was tried again by every request with a token naming that provider, each
    waiting up to the timeout (attacker's review: while Digdir is unreachable, any caller who
    writes Maskinporten's issuer into an unsigned token held a request that long per try). For
    ``refresh_seconds`` after a failure such a token is refused at once."""

    def __init__(self) -> None:
        self._failed: dict[str, float] = {}

    def recently(self, url: str, refresh_seconds: float) -> bool:
        failed = self._failed.get(url)
        return failed is not None and time.monotonic() - failed < refresh_seconds

    def failed(self, url: str) -> None:
        self._failed[url] = time.monotonic()


unreachable = Unreachable()


def key_set_unreadable() -> Unauthenticated:
    return Unauthenticated(
        details={"reason": "unknown_key"},
        message_id="access.auth.key_set_unreadable",
        values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


@lru_cache(maxsize=4)
def _jwks_from_file(path: str, modified: int) -> jwt.PyJWKSet:
    return jwt.PyJWKSet.from_json(Path(path).read_text(encoding="utf-8"))


def _verification_key(settings: Settings, token: str) -> tuple[Any, str]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise token_refused(exc) from None
    algorithm = header.get("alg")
    if algorithm == ALGORITHM:
        return settings.signing_secret, algorithm
    if algorithm in ASYMMETRIC and (settings.token_jwks_file or settings.token_jwks_url):
        return _jwks_key(settings, header.get("kid"), algorithm), algorithm
    raise Unauthenticated(
        details={"reason": "algorithm"},
        message_id="access.auth.bearer_token_signed_service",
        values={"algorithm": algorithm, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


def token_refused(exc: jwt.InvalidTokenError, settings: Settings | None = None) -> Unauthenticated:
    """PyJWT's error in our words, with a stable ``reason``: its own messages name library
    internals ("Not enough segments", "Invalid header string: 'utf-8' codec can't decode…")."""
    audience = f" ({settings.token_audience!r})" if settings else ""
    issuer = f" ({settings.token_issuer!r})" if settings else ""
    claim = str(getattr(exc, "claim", ""))
    reason = next((reason for kind, reason in TOKEN_REFUSALS if isinstance(exc, kind)), "invalid")
    return Unauthenticated(
        details={"reason": reason},
        message_id=f"access.token.{reason}",
        values={"audience": audience, "issuer": issuer, "claim": claim, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


TOKEN_REFUSALS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidAlgorithmError, "algorithm"),
    (jwt.DecodeError, "malformed"),
)
"""PyJWT's errors by the stable reason each is refused for (its message: ``access.token.<reason>``)."""


VERIFIED_TOKENS = 10_000
_verified: OrderedDict[tuple[str, ...], tuple[Principal, float, float]] = OrderedDict()
"""Tokens this process verified with its own secret, while they are valid: a client sends the
same token with every request, and verifying it again cost half of a cached read (bench S7).
Keyed by the token and everything its verification checked (secret, audience, issuer)."""


def principal_from_token(settings: Settings, token: str) -> Principal:
    memo = (token, settings.signing_secret, settings.token_audience, settings.token_issuer)
    known = _verified.get(memo)
    if known is not None:
        principal, not_before, expires = known
        if not_before <= time.time() < expires:
            _verified.move_to_end(memo)
            return principal
        del _verified[memo]  # expired: verified again below, and refused as such
    key, algorithm = _verification_key(settings, token)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise token_refused(exc, settings) from None
    _check_times(claims)
    organizations = claims.get("orgs", [])
    roles = claims.get("roles", [])
    if not isinstance(organizations, list) or not isinstance(roles, list):
        raise Unauthenticated(
            details={"reason": "claims"},
            message_id="access.auth.bearer_token_s_orgs",
            values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    principal = Principal(
        subject=str(claims["sub"]),
        organizations=frozenset(map(str, organizations)),
        roles=frozenset(map(str, roles)),
        expires_at=float(claims["exp"]),
    )
    if algorithm == ALGORITHM:  # checked with the secret in the memo's key
        _verified[memo] = (principal, float(claims.get("nbf", 0)), float(claims["exp"]))
        while len(_verified) > VERIFIED_TOKENS:
            _verified.popitem(last=False)
    return principal


TIME_CLAIMS = ("exp", "nbf", "iat")


def _check_times(claims: dict[str, Any]) -> None:
    """A time claim is a JSON number of seconds (RFC 7519's NumericDate). PyJWT compares
    ``int(value)``, so it takes ``"exp": "9999999999"`` — a string no issuer of ours writes —
    as a token valid until the year 2286."""
    for name in TIME_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise Unauthenticated(
                details={"reason": "malformed"},
                message_id="access.auth.bearer_token_s_claim",
                values={"name": name, "__name__": type(value).__name__, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
            )


def principal_from_authorization(settings: Settings, header: str | None) -> Principal:
    """``Authorization`` header value -> Principal; no header is the anonymous principal. (This
    service's own tokens; ``digdir.principal_from_authorization`` takes Digdir's too.)"""
    token = bearer_token(header)
    return ANONYMOUS if token is None else principal_from_token(settings, token)


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization`` header value; None for no header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(details={"reason": "scheme"}, message_id="access.auth.authorization_header_bearer_token")
    return token.strip()
