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

Its parts: ``principal`` (who acts, its roles and the permissions an operation needs), ``keys``
(identity providers' key sets), ``tokens`` (issuing and verifying tokens). Callers import every
name from here.
"""

from __future__ import annotations

from .keys import (
    GET_A_NEW_TOKEN,
    KEY_SET_TIMEOUT,
    Unreachable,
    jwks_key,
    key_set_unreadable,
    unreachable,
)
from .principal import (
    ADMIN,
    ANONYMOUS,
    PERMISSIONS,
    READ,
    REVIEW,
    REVIEWER,
    SYSTEM,
    WRITE,
    Claimed,
    Principal,
)
from .tokens import (
    ALGORITHM,
    ASYMMETRIC,
    TIME_CLAIMS,
    TOKEN_REFUSALS,
    VERIFIED_TOKENS,
    _check_times,
    bearer_token,
    issue_token,
    principal_from_authorization,
    principal_from_token,
    remembered_principal,
    token_refused,
)

__all__ = [
    "ADMIN",
    "ALGORITHM",
    "ANONYMOUS",
    "ASYMMETRIC",
    "GET_A_NEW_TOKEN",
    "KEY_SET_TIMEOUT",
    "PERMISSIONS",
    "READ",
    "REVIEW",
    "REVIEWER",
    "SYSTEM",
    "TIME_CLAIMS",
    "TOKEN_REFUSALS",
    "VERIFIED_TOKENS",
    "WRITE",
    "Claimed",
    "Principal",
    "Unreachable",
    "_check_times",
    "bearer_token",
    "issue_token",
    "jwks_key",
    "key_set_unreadable",
    "principal_from_authorization",
    "principal_from_token",
    "remembered_principal",
    "token_refused",
    "unreachable",
]
