"""Bearer token -> Principal: this service's own tokens issued and verified (HS256 with the
configured secret), an identity provider's verified with its keys (``keys``), and PyJWT's
refusals in our words."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from ..config import Settings
from ..errors import Unauthenticated
from .keys import GET_A_NEW_TOKEN, jwks_key
from .principal import ADMIN, ANONYMOUS, REVIEWER, Principal

ALGORITHM = "HS256"
ASYMMETRIC = ("RS256", "ES256")


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


def _jwks_key(settings: Settings, kid: str | None, algorithm: str) -> Any:
    return jwks_key(
        url=settings.token_jwks_url,
        file=settings.token_jwks_file,
        refresh_seconds=settings.token_jwks_refresh_seconds,
        kid=kid,
        algorithm=algorithm,
    )


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


def remembered_principal(settings: Settings, token: str) -> Principal | None:
    """The principal of a token this process verified with its own secret, while it is valid;
    None for any other (unknown, expired: to be verified, and refused as such)."""
    memo = (token, settings.signing_secret, settings.token_audience, settings.token_issuer)
    known = _verified.get(memo)
    if known is None:
        return None
    principal, not_before, expires = known
    if not_before <= time.time() < expires:
        _verified.move_to_end(memo)
        return principal
    del _verified[memo]
    return None


def principal_from_token(settings: Settings, token: str) -> Principal:
    known = remembered_principal(settings, token)
    if known is not None:
        return known
    memo = (token, settings.signing_secret, settings.token_audience, settings.token_issuer)
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
