"""Tokens of Digdir's identity providers, verified as Digdir documents them.

- **Maskinporten** (systems): ``iss``, ``scope`` (space-separated), ``consumer`` (the
  organisation the token is for: ``{"authority": "iso6523-actorid-upis", "ID": "0192:<orgno>"}``),
  ``supplier`` (a vendor acting for the consumer) with ``delegation_source`` when the consumer
  delegated its scope through Altinn, ``client_id``, ``aud`` when a resource was asked for,
  ``iat``/``exp``/``jti``; the header's ``kid`` names the key in Maskinporten's JWKS.
- **ID-porten** (people): ``iss``, ``pid`` (the national identity number), ``sub``, ``acr``
  (``idporten-loa-substantial`` or ``idporten-loa-high``), ``scope``, ``client_id``, ``aud``.

The issuer decides which provider's keys, audience and claims apply. The token names no
organisation of this service: the principal made here carries what it claims (``Claimed``) and
the permissions of its scopes; ``resolvers.identity`` maps it to organisations per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt

from . import auth
from .auth import (
    ADMIN,
    ALGORITHM,
    ANONYMOUS,
    GET_A_NEW_TOKEN,
    REVIEW,
    REVIEWER,
    Claimed,
    Principal,
    _check_times,
    jwks_key,
    token_refused,
)
from .config import Settings
from .errors import Unauthenticated

log = logging.getLogger(__name__)

MASKINPORTEN, IDPORTEN = "maskinporten", "idporten"
ALGORITHMS = ("RS256", "RS384", "RS512", "ES256")
ORG_NUMBER = re.compile(r"0192:(\d{9})")
"""ISO 6523 actor id of a Norwegian organisation: ICD 0192 (Brønnøysundregistrene) and its number."""
ACR_LEVELS = {"idporten-loa-low": 1, "idporten-loa-substantial": 2, "idporten-loa-high": 3, "Level3": 2, "Level4": 3}
"""ID-porten's security levels in order (Level3/Level4 are the names before 2023)."""


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    issuer: str
    audience: str | None
    jwks_url: str | None
    jwks_file: Path | None
    metadata_url: str | None

    def key(self, settings: Settings, kid: str | None, algorithm: str) -> Any:
        refresh = settings.token_jwks_refresh_seconds
        url = self.jwks_url or (jwks_uri_of(self.metadata_url, refresh) if self.metadata_url else None)
        if url is None and self.jwks_file is None:
            raise Unauthenticated(
                details={"reason": "unknown_key"},
                message_id="access.digdir.service_key_set_configured",
                values={"name": self.name, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
            )
        return jwks_key(
            url=url, file=self.jwks_file, refresh_seconds=settings.token_jwks_refresh_seconds, kid=kid, algorithm=algorithm
        )


def providers(settings: Settings) -> list[Provider]:
    found = []
    if settings.maskinporten_issuer:
        found.append(
            Provider(
                MASKINPORTEN,
                settings.maskinporten_issuer,
                settings.maskinporten_audience,
                settings.maskinporten_jwks_url,
                settings.maskinporten_jwks_file,
                settings.maskinporten_metadata_url,
            )
        )
    if settings.idporten_issuer:
        found.append(
            Provider(
                IDPORTEN,
                settings.idporten_issuer,
                settings.idporten_audience,
                settings.idporten_jwks_url,
                settings.idporten_jwks_file,
                settings.idporten_metadata_url,
            )
        )
    return found


def jwks_uri_of(metadata_url: str, refresh_seconds: float) -> str:
    """The ``jwks_uri`` of a provider's well-known metadata document (read once per process:
    it changes with the provider's deployment, not its keys); after a failed read, not tried
    again for ``refresh_seconds`` (``auth.Unreachable``)."""
    if auth.unreachable.recently(metadata_url, refresh_seconds):
        raise _metadata_unreadable(metadata_url)
    try:
        return _jwks_uri(metadata_url)
    except Unauthenticated:
        auth.unreachable.failed(metadata_url)
        raise


def _metadata_unreadable(metadata_url: str) -> Unauthenticated:
    return Unauthenticated(
        details={"reason": "unknown_key"},
        message_id="access.digdir.identity_provider_s_metadata",
        values={"metadata_url": metadata_url, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


@lru_cache(maxsize=8)
def _jwks_uri(metadata_url: str) -> str:
    try:
        with urllib.request.urlopen(metadata_url, timeout=auth.KEY_SET_TIMEOUT) as response:
            uri = json.load(response).get("jwks_uri")
    except (OSError, ValueError) as exc:
        log.warning("the identity provider's metadata at %s cannot be read: %s", metadata_url, exc)
        uri = None
    if not isinstance(uri, str):
        raise _metadata_unreadable(metadata_url)
    return uri


def principal_from_authorization(settings: Settings, header: str | None) -> Principal:
    """``auth.principal_from_authorization``, taking Maskinporten's and ID-porten's tokens by
    their issuer."""
    token = auth.bearer_token(header)
    if token is None:
        return ANONYMOUS
    provider = provider_of(settings, token)
    return auth.principal_from_token(settings, token) if provider is None else principal_from_token(settings, provider, token)


async def principal_of_header(settings: Settings, header: str | None) -> Principal:
    """``principal_from_authorization`` for a request on the event loop: a token that is not
    this service's own (HS256) may need its provider's key set or metadata read over the network,
    which is done in a thread, so a slow or unreachable provider holds that request alone. Read
    on the loop, it held the process: every other request waited for the fetch (attacker's
    review)."""
    token = auth.bearer_token(header)
    if token is None:
        return ANONYMOUS
    # a client sends the same token with every request: one verified already is answered
    # without decoding its header again (60-120 µs, a twelfth of a dashboard's CPU: bench S11)
    known = auth.remembered_principal(settings, token)
    if known is not None:
        return known
    try:
        own = jwt.get_unverified_header(token).get("alg") == ALGORITHM
    except jwt.InvalidTokenError:
        own = True  # refused without a key: nothing to fetch
    if own:
        return principal_from_authorization(settings, header)
    return await asyncio.to_thread(principal_from_authorization, settings, header)


def provider_of(settings: Settings, token: str) -> Provider | None:
    """The national provider whose issuer the token names, or None for this service's own tokens.
    An asymmetric token from an issuer nobody configured is refused here, naming who is trusted."""
    configured = providers(settings)
    if not configured:
        return None
    try:
        if jwt.get_unverified_header(token).get("alg") == ALGORITHM:
            return None
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return None  # the general path says what is wrong with it
    for provider in configured:
        if issuer == provider.issuer:
            return provider
    if settings.token_jwks_url or settings.token_jwks_file:
        return None  # another trusted identity provider's, with this service's own claims
    trusted = ", ".join(repr(p.issuer) for p in configured)
    raise Unauthenticated(
        details={"reason": "wrong_issuer", "issuer": issuer},
        message_id="access.digdir.bearer_token_comes_issuer",
        values={"issuer": issuer, "trusted": trusted, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


def principal_from_token(settings: Settings, provider: Provider, token: str) -> Principal:
    header = jwt.get_unverified_header(token)
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise Unauthenticated(
            details={"reason": "algorithm"},
            message_id="access.digdir.bearer_token_signed_does",
            values={"algorithm": algorithm, "name": provider.name, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    key = provider.key(settings, header.get("kid"), algorithm)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=provider.issuer,
            audience=provider.audience,
            options={"require": ["iss", "exp", "iat"], "verify_aud": provider.audience is not None},
        )
    except jwt.InvalidAudienceError:
        raise Unauthenticated(
            details={"reason": "wrong_audience", "audience": provider.audience},
            message_id="access.digdir.bearer_token_meant_another",
            values={"audience": provider.audience, "name": provider.name, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        if exc.claim == "aud":
            raise Unauthenticated(
                details={"reason": "wrong_audience", "audience": provider.audience},
                message_id="access.digdir.bearer_token_names_resource",
                values={"audience": provider.audience, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
            ) from None
        raise token_refused(exc) from None
    except jwt.InvalidTokenError as exc:
        raise token_refused(exc) from None
    _check_times(claims)
    scopes = tuple(str(claims.get("scope") or "").split())
    if provider.name == MASKINPORTEN:
        return _maskinporten(settings, claims, scopes)
    return _idporten(settings, claims, scopes)


def _maskinporten(settings: Settings, claims: dict[str, Any], scopes: tuple[str, ...]) -> Principal:
    consumer = _org_number(claims, "consumer")
    if consumer is None:
        raise Unauthenticated(
            details={"reason": "missing_claim", "claim": "consumer"},
            message_id="access.digdir.maskinporten_token_names_consumer",
            values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    supplier = _org_number(claims, "supplier") if "supplier" in claims else None
    permissions = frozenset(p for scope in scopes for p in settings.maskinporten_scopes.get(scope, ()))
    roles = {role for role, needs in ((ADMIN, ADMIN), (REVIEWER, REVIEW)) if needs in permissions}
    return Principal(
        subject=f"maskinporten:{claims.get('client_id') or consumer}",
        roles=frozenset(roles),
        expires_at=float(claims["exp"]),
        permissions=permissions,
        claimed=Claimed(
            provider=MASKINPORTEN,
            scopes=scopes,
            consumer=consumer,
            supplier=supplier,
            delegated=supplier is not None and bool(claims.get("delegation_source")),
        ),
    )


def _org_number(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    actor = value.get("ID") if isinstance(value, dict) else None
    match = ORG_NUMBER.fullmatch(actor) if isinstance(actor, str) else None
    if value is not None and match is None:
        raise Unauthenticated(
            details={"reason": "malformed", "claim": name},
            message_id="access.digdir.maskinporten_token_s_organisation",
            values={"name": name, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    return match.group(1) if match else None


def _idporten(settings: Settings, claims: dict[str, Any], scopes: tuple[str, ...]) -> Principal:
    pid = claims.get("pid")
    if not isinstance(pid, str) or not pid:
        raise Unauthenticated(
            details={"reason": "missing_claim", "claim": "pid"},
            message_id="access.digdir.id_porten_token_carries",
            values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    return Principal(
        subject="idporten:unassigned",
        expires_at=float(claims["exp"]),
        permissions=frozenset(),
        claimed=Claimed(provider=IDPORTEN, scopes=scopes, pid_hash=pid_hash(settings, pid), acr=str(claims.get("acr") or "")),
    )


def pid_hash(settings: Settings, pid: str) -> str:
    """How a national identity number is stored and looked up: HMAC-SHA256 under the service's key."""
    return hmac.new(settings.pid_key, pid.encode(), hashlib.sha256).hexdigest()
